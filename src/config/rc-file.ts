import { readFile, stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import path from 'node:path'
import type { YAMLException } from 'js-yaml'
import { configError, NeuralError } from '../errors.js'

export const RC_SEARCH_PLACES = ['package.json', '.neuralrc', '.neuralrc.json', '.neuralrc.yaml', '.neuralrc.yml', 'neural.config.js']

export interface RcFile {
  data: Record<string, unknown>
  path: string
}

/** A parse failure of our own loaders: the reason and where, never a code frame. */
class RcSyntaxError extends Error {
  constructor(
    readonly kind: 'JSON' | 'YAML',
    readonly reason: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(reason)
  }
}

/**
 * Find and read the rc file (`configFile` when given, else a search from `cwd`): in each dir the
 * places of RC_SEARCH_PLACES in order, from `cwd` up to the project's root (the first dir with a
 * package.json) or /. A package.json is an rc file only through its "neural" key; one that is not
 * valid JSON is taken for neural's (CONFIG_PARSE) only when it mentions "neural": another
 * project's broken package.json is none of neural's business.
 *
 * The search is ours, not cosmiconfig's explorer: creating one reads a "meta config" from the
 * process's working dir first (package.json, .config/config.json, even runs .config/config.js), so a
 * broken package.json failed every command with cosmiconfig's "JSON Error in …:" and no reason.
 * JSON and YAML are parsed here rather than by cosmiconfig's loaders, whose errors carry a code frame
 * that is coloured or not depending on the terminal; ours are one line with the line and column.
 */
export async function readRcFile(cwd: string, configFile: string | undefined): Promise<RcFile | undefined> {
  // Loaded here, not at the top: cosmiconfig and js-yaml cost ~5 MB of RSS, which every importer of
  // 'neural' paid (each strategy worker thread among them) whether it read a config file or not.
  const [{ defaultLoaders }, { default: yaml }] = await Promise.all([import('cosmiconfig'), import('js-yaml')])
  const loadYaml = yamlLoader(yaml)
  const loaders: Record<string, Loader> = { ...defaultLoaders, '.json': loadJson, '.yaml': loadYaml, '.yml': loadYaml, noExt: loadYaml }
  if (configFile !== undefined) {
    const file = path.resolve(cwd, expandHome(configFile))
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw configError('CONFIG_FILE_MISSING', `config file not found: ${file} (from flag --config)`, error)
      throw configError('CONFIG_PARSE', `rc file ${file} (from flag --config): ${(error as Error).message}`, error)
    }
    // Named on purpose: an empty file is an empty config.
    return checked(file, (await loadRc(file, text, loaders, { named: true })) ?? {})
  }
  for (let dir = path.resolve(cwd); ; ) {
    for (const place of RC_SEARCH_PLACES) {
      const file = path.join(dir, place)
      let text: string
      try {
        text = await readFile(file, 'utf8')
      } catch (error) {
        // A place that is absent, a dir, or not ours to read is no rc file (as in cosmiconfig's search).
        if (['ENOENT', 'EISDIR', 'ENOTDIR', 'EACCES'].includes((error as NodeJS.ErrnoException).code ?? '')) continue
        throw configError('CONFIG_PARSE', `rc file ${file}: ${(error as Error).message}`, error)
      }
      const data = await loadRc(file, text, loaders)
      if (data !== undefined) return checked(file, data)
    }
    const parent = path.dirname(dir)
    if (parent === dir || (await isFile(path.join(dir, 'package.json'))) || (await isFile(path.join(dir, 'package.yaml')))) return undefined
    dir = parent
  }
}

type Loader = (file: string, text: string) => unknown

/**
 * The config in `text` of `file`; undefined when it holds none (empty, or a package.json without a
 * "neural" key, or a found package.json that is not valid JSON and does not mention "neural").
 */
async function loadRc(file: string, text: string, loaders: Record<string, Loader>, options: { named?: boolean } = {}): Promise<unknown> {
  if (text.trim() === '') return undefined
  const extension = path.extname(file)
  const loader = loaders[extension || 'noExt']
  if (!loader) throw configError('CONFIG_PARSE', `rc file ${file}: no loader for files ending in ${extension}: use .json, .yaml, .yml or .js`)
  const isPackage = path.basename(file) === 'package.json'
  let data: unknown
  try {
    data = await loader(file, text)
  } catch (error) {
    if (isPackage && !options.named && !text.includes('"neural"')) return undefined
    throw rcParseError(file, error)
  }
  return isPackage ? ((data as Record<string, unknown> | null)?.neural ?? undefined) : (data ?? undefined)
}

function checked(file: string, data: unknown): RcFile {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw configError('CONFIG_PARSE', `rc file ${file}: expected a mapping of keys, found ${Array.isArray(data) ? 'a list' : data === null ? 'null' : typeof data}`)
  }
  return { data: data as Record<string, unknown>, path: file }
}

async function isFile(file: string): Promise<boolean> {
  return stat(file).then((s) => s.isFile(), () => false)
}

export function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(homedir(), p.slice(1)) : p
}

function loadJson(_file: string, text: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    const message = (error as Error).message
    // Node 20: "<reason> in JSON at position N"; later versions add "(line L column C)" or
    // quote the text: `Unexpected token 'x', "..." is not valid JSON`.
    const position = /at position (\d+)/.exec(message)
    const reason = message.replace(/ in JSON at position \d+.*$/, '').replace(/, ".*" is not valid JSON$/s, '')
    // "Unexpected end of JSON input" comes without a position: the text ends (spaces aside) where more was expected.
    const at = position ? Number(position[1]) : /^Unexpected end of JSON input/.test(reason) ? text.trimEnd().length : undefined
    if (at === undefined) throw new RcSyntaxError('JSON', reason)
    const { line, column } = lineAndColumn(text, at)
    throw new RcSyntaxError('JSON', reason, line, column)
  }
}

function yamlLoader(yaml: typeof import('js-yaml').default): (file: string, text: string) => unknown {
  return (_file, text) => {
    try {
      return yaml.load(text)
    } catch (error) {
      if (!(error instanceof yaml.YAMLException)) throw error
      const mark = (error as YAMLException & { mark?: { line: number; column: number } }).mark
      throw new RcSyntaxError('YAML', error.reason, mark ? mark.line + 1 : undefined, mark ? mark.column + 1 : undefined)
    }
  }
}

/** 1-based line and column of a character offset. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset)
  const lastBreak = before.lastIndexOf('\n')
  return { line: before.split('\n').length, column: offset - lastBreak }
}

function rcParseError(file: string, error: unknown): NeuralError {
  if (error instanceof RcSyntaxError) {
    const where = error.line !== undefined ? ` at line ${error.line}${error.column !== undefined ? `, column ${error.column}` : ''}` : ''
    return configError('CONFIG_PARSE', `rc file ${file}: invalid ${error.kind}${where}: ${error.reason}`, error)
  }
  // neural.config.js: its own error (a throw, a syntax error) in one line.
  const first = String((error as Error)?.message ?? error).split('\n').find((l) => l.trim() !== '') ?? 'unreadable'
  return configError('CONFIG_PARSE', `rc file ${file}: ${first.trim()}`, error)
}
