import { existsSync, readFileSync } from 'node:fs'
import Module, { register } from 'node:module'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { importSelfContained } from './self-contained.js'

/**
 * Importing user code (strategies, `--hook module:` files) without a build step: TypeScript through
 * tsx's runtime API, JavaScript through plain import(). Also makes `import ... from 'neural'` work
 * in user files that are not inside a project that installed neural.
 */

export const TS_EXTENSIONS = ['.ts', '.mts']
export const JS_EXTENSIONS = ['.js', '.mjs']
export const USER_MODULE_EXTENSIONS = [...TS_EXTENSIONS, ...JS_EXTENSIONS]

/** The module a bare `'neural'` should mean when nothing else provides it: this running copy of neural. */
function neuralEntry(): string | undefined {
  // From dist/strategy/user-module.js → dist/index.js; from src under tsx → src/index.ts. Before the
  // package entry exists (early development) the strategy contract alone is enough for defineStrategy.
  return firstExisting(['../index.js', '../index.ts', './api.js', './api.ts'])
}

/**
 * The types of that same copy, for the type check: dist/index.d.ts beside dist/index.js, or src/index.ts.
 * `base`: a module of the strategy folder of another copy (the build, from source), for that copy's.
 */
export function neuralTypesEntry(base: string = import.meta.url): string | undefined {
  return firstExisting(['../index.d.ts', '../index.ts', './api.d.ts', './api.ts'], base)
}

function firstExisting(relatives: readonly string[], base: string = import.meta.url): string | undefined {
  for (const rel of relatives) {
    const file = fileURLToPath(new URL(rel, base))
    if (existsSync(file)) return file
  }
  return undefined
}

let selfResolutionInstalled = false

/**
 * Let user files import 'neural' even when it is not resolvable from where they live (a strategy in
 * ~/strats with neural installed globally, or this repo before `npm run build`). The normal
 * resolution is tried first; only when it fails does 'neural' fall back to the running copy. Two hooks
 * because tsx loads a `.ts` file outside a `"type": "module"` package as CommonJS, and Node 20's
 * module.register hooks do not see require().
 */
function installSelfResolution(): void {
  if (selfResolutionInstalled) return
  selfResolutionInstalled = true
  const entry = neuralEntry()
  if (!entry) return
  const target = pathToFileURL(entry).href
  const hook = `
    let target
    export function initialize(data) { target = data.target }
    export async function resolve(specifier, context, next) {
      if (specifier !== 'neural') return next(specifier, context)
      try { return await next(specifier, context) } catch { return next(target, context) }
    }`
  register('data:text/javascript,' + encodeURIComponent(hook), import.meta.url, { data: { target } })
  const cjs = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string }
  const original = cjs._resolveFilename
  cjs._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]) {
    try {
      return original.call(this, request, ...rest)
    } catch (error) {
      if (request === 'neural') return entry
      throw error
    }
  }
}

/** How a user file is named in messages: relative to cwd when inside it, else absolute. */
export function displayPath(file: string, cwd: string): string {
  const rel = path.relative(cwd, file)
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file
}

/**
 * tsx is imported only for a TypeScript file: loading its API costs about 30 ms and ~16 MB of RSS,
 * which a JavaScript strategy, and the main thread of run-strategy (whose strategies load in
 * workers), need not pay.
 */
async function importTypeScript(url: string): Promise<unknown> {
  const { tsImport } = await import('tsx/esm/api')
  return tsImport(url, import.meta.url)
}

/**
 * In a thread that exists only to run this file (a strategy's worker): tsx for the whole thread, and
 * neural loaded before it. tsImport would load every module the file reaches through tsx's hooks
 * thread, under a namespace of its own: `import ... from 'neural'` then loaded a second copy of
 * neural (~55 modules and zod, one hooks round trip each, ~0.4 s of CPU per strategy). Loaded first,
 * natively, the strategy's import of neural is one resolve and a module already in the cache.
 */
async function importTypeScriptInOwnThread(url: string): Promise<unknown> {
  const entry = neuralEntry()
  if (entry?.endsWith('.js') && importsNeuralAtRuntime(readFileSync(fileURLToPath(url), 'utf8'))) await import(pathToFileURL(entry).href)
  // Both, as `node --import tsx` does: a .ts file outside a "type": "module" package loads as CommonJS.
  const [esm, cjs] = await Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')])
  cjs.register()
  esm.register()
  return import(url)
}

/**
 * Whether a file's source may import a value from 'neural' (not only types, which TypeScript erases): loading
 * neural ahead for a file that only takes its types would cost what it saves the others. A wrong
 * guess costs only time, either way.
 */
export function importsNeuralAtRuntime(source: string): boolean {
  for (const m of source.matchAll(/\b(?:import|export)\s*(type\s+)?(\{[^}]*\}|[\w$*][^'"]*?)\s*from\s*['"]neural['"]|\bimport\s*\(\s*['"]neural['"]/g)) {
    if (m[1]) continue
    const names = m[2]
    if (names === undefined || !names.startsWith('{')) return true
    if (names.slice(1, -1).split(',').some((n) => n.trim() !== '' && !/^type\s/.test(n.trim()))) return true
  }
  return false
}

/**
 * Whether `import 'neural'` resolves from `file` by Node's own rules: an installed neural in a
 * node_modules above it, or a file inside neural's own package (self-reference) whose entry is
 * built. Only when it does not is the fallback hook installed: module.register starts a loader
 * thread (~11 MB of RSS, in the main thread and in every strategy worker) that stays for the run.
 */
function neuralResolvesFrom(file: string): boolean {
  let scopeSeen = false
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'node_modules', 'neural', 'package.json'))) return true
    const pkg = path.join(dir, 'package.json')
    if (!scopeSeen && existsSync(pkg)) {
      scopeSeen = true
      if (selfReferenceBuilt(dir, pkg)) return true
    }
    if (path.dirname(dir) === dir) return false
  }
}

function selfReferenceBuilt(dir: string, pkg: string): boolean {
  try {
    const json = JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string; exports?: Record<string, { import?: string } | string> }
    const entry = json.exports?.['.']
    const target = typeof entry === 'string' ? entry : entry?.import
    return json.name === 'neural' && typeof target === 'string' && existsSync(path.join(dir, target))
  } catch {
    return false
  }
}

/**
 * Import a user file by absolute path and return its module namespace. A TypeScript file that tsx
 * loaded as CommonJS comes back as `{ default: { __esModule, default, ... } }`: unwrapped here so
 * callers always see the file's own exports.
 */
export async function importUserModule(file: string, options: { ownThread?: boolean } = {}): Promise<Record<string, unknown>> {
  const url = pathToFileURL(file).href
  const ext = path.extname(file).toLowerCase()
  const typescript = TS_EXTENSIONS.includes(ext)
  const entry = neuralEntry()
  // From source (tsx) neural itself is TypeScript, which only tsx can import.
  const selfContained = typescript && options.ownThread && entry?.endsWith('.js') ? await importSelfContained(file, entry) : undefined
  if (selfContained) return selfContained
  if (!neuralResolvesFrom(file)) installSelfResolution()
  const ns = (typescript ? await (options.ownThread ? importTypeScriptInOwnThread(url) : importTypeScript(url)) : await import(url)) as Record<string, unknown>
  const inner = ns.default as Record<string, unknown> | undefined
  if (inner !== null && typeof inner === 'object' && inner.__esModule === true) return inner
  return ns
}

/**
 * A one-line reason an import failed, with the line of a syntax error when it can be had: esbuild
 * puts it in the message; Node keeps it out of a SyntaxError's message, so `node --check` is asked.
 */
export async function describeImportError(error: unknown, file: string): Promise<string> {
  const message = error instanceof Error ? error.message : String(error)
  const esbuild = /:(\d+):(\d+): ERROR: (.*)/.exec(message)
  if (esbuild) return `syntax error at line ${esbuild[1]}:${esbuild[2]}: ${esbuild[3]}`
  if (error instanceof SyntaxError) {
    const line = await syntaxErrorLine(file)
    return `syntax error${line ? ` at line ${line}` : ''}: ${message}`
  }
  const first = message.split('\n')[0]
  return `failed to load: ${first}`
}

async function syntaxErrorLine(file: string): Promise<string | undefined> {
  // Loaded only here, for a file that failed to load: node:child_process costs ~2 MB of RSS in the
  // main thread and in every strategy worker, which all import this module.
  const { execFile } = await import('node:child_process')
  return new Promise(resolve => {
    execFile(process.execPath, ['--check', file], { timeout: 5000 }, (_error, _stdout, stderr) => {
      const m = new RegExp(`${escapeRegExp(file)}:(\\d+)`).exec(String(stderr))
      resolve(m?.[1])
    })
  })
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
