import { stat } from 'node:fs/promises'
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
 * Find and read the rc file (`configFile` when given, else cosmiconfig's search from `cwd`).
 * JSON and YAML are parsed here rather than by cosmiconfig's loaders, whose errors carry a code frame
 * that is coloured or not depending on the terminal; ours are one line with the line and column.
 */
export async function readRcFile(cwd: string, configFile: string | undefined): Promise<RcFile | undefined> {
  // Loaded here, not at the top: cosmiconfig and js-yaml cost ~5 MB of RSS, which every importer of
  // 'neural' paid (each strategy worker thread among them) whether it read a config file or not.
  const [{ cosmiconfig, defaultLoaders }, { default: yaml }] = await Promise.all([import('cosmiconfig'), import('js-yaml')])
  const loadYaml = yamlLoader(yaml)
  // A fresh explorer each time: cosmiconfig's cache would hide edits between calls in one process (tests, watch).
  const explorer = cosmiconfig('neural', {
    searchPlaces: RC_SEARCH_PLACES,
    searchStrategy: 'project',
    cache: false,
    loaders: { ...defaultLoaders, '.json': loadJson, '.yaml': loadYaml, '.yml': loadYaml, noExt: loadYaml },
  })
  let found: { config: unknown; filepath: string } | null
  if (configFile !== undefined) {
    const file = path.resolve(cwd, expandHome(configFile))
    try {
      await stat(file)
    } catch (error) {
      throw configError('CONFIG_FILE_MISSING', `config file not found: ${file} (from flag --config)`, error)
    }
    try {
      found = await explorer.load(file)
    } catch (error) {
      throw rcParseError(file, error)
    }
  } else {
    try {
      found = await explorer.search(cwd)
    } catch (error) {
      throw rcParseError((error as { filepath?: string }).filepath ?? cwd, error)
    }
  }
  if (!found) return undefined
  const data = found.config ?? {}
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw configError('CONFIG_PARSE', `rc file ${found.filepath}: expected a mapping of keys, found ${Array.isArray(data) ? 'a list' : typeof data}`)
  }
  return { data: data as Record<string, unknown>, path: found.filepath }
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
    if (!position) throw new RcSyntaxError('JSON', reason)
    const { line, column } = lineAndColumn(text, Number(position[1]))
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
