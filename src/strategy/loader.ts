import { readdir, stat } from 'node:fs/promises'
import path from 'node:path'
import { NeuralError } from '../errors.js'
import type { Strategy } from './api.js'
import { describeValue } from './signal.js'
import type { StrategyWorker } from './isolation/isolated-runner.js'
import { spawnStrategyWorker, strategyFromMeta } from './isolation/spawn.js'
import { describeImportError, displayPath, importUserModule, TS_EXTENSIONS, USER_MODULE_EXTENSIONS } from './user-module.js'
import { typecheckStrategyFiles } from './typecheck.js'
import { parseMarketPattern } from '../core/market-pattern.js'

/** A strategy read from a file, validated, with advice that did not stop it from loading. */
export interface LoadedStrategy {
  strategy: Strategy
  /** Absolute path of the file. */
  file: string
  warnings: string[]
  /**
   * Set when the strategy was loaded in a worker thread of its own (loadStrategies with
   * `isolated`): `strategy` then holds only its data fields and stand-ins for its handlers
   * (strategyFromMeta), and the engine runs it in that worker.
   */
  worker?: StrategyWorker
}

export interface LoadOptions {
  /** Relative paths are read from here. @default process.cwd() */
  cwd?: string
  /**
   * Load and later run each strategy in a worker thread of its own, so that it can neither exit,
   * hang, starve nor poison the feed or another strategy. @default false
   */
  isolated?: boolean
  /** Heap limit of each isolated strategy. @default 512 */
  maxHeapMb?: number
  /**
   * This thread exists only to run what is loaded here (a backtest's): TypeScript is then loaded as
   * a strategy's worker loads it, with neural itself loaded once (importUserModule). @default false
   */
  ownThread?: boolean
  /**
   * Type-check `.ts`/`.mts` files against neural's types before loading them (typecheck.ts): all of
   * them in one program, once, before any of them is imported or any strategy's worker starts. @default false
   */
  typecheck?: boolean
}

const HANDLERS = ['onStart', 'onTick', 'onTrade', 'onBook', 'onGame', 'onStop'] as const
const DATA_HANDLERS = ['onTick', 'onTrade', 'onBook', 'onGame'] as const

function loadError(file: string, what: string, cause?: unknown): NeuralError {
  return new NeuralError('input', 'STRATEGY_LOAD', `${file}: ${what}`, { cause })
}

/**
 * Check that `value` is a strategy; throws a one-line NeuralError naming `label` and what is wrong.
 * Returns advice that is worth printing but not worth refusing the strategy for.
 */
export function validateStrategy(value: unknown, label: string): { strategy: Strategy; warnings: string[] } {
  if (typeof value === 'function') {
    throw loadError(label, 'the default export is a function; export the strategy object itself (export default { name, markets, onTick })')
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw loadError(label, `the default export is ${describeValue(value)}, not a strategy object`)
  }
  const s = value as Record<string, unknown>
  if (typeof s.name !== 'string' || s.name.trim() === '') {
    throw loadError(label, `strategy has no name (name must be a non-empty string, got ${s.name === undefined ? 'nothing' : describeValue(s.name)})`)
  }
  const name = s.name
  const markets = s.markets
  if (!Array.isArray(markets) || markets.length === 0 || !markets.every(m => typeof m === 'string' && m.trim() !== '')) {
    throw loadError(label, `strategy ${name}: markets must be a non-empty array of tickers or patterns like 'KXNFLGAME*' (got ${markets === undefined ? 'nothing' : describeValue(markets)})`)
  }
  for (const m of markets as string[]) {
    try {
      parseMarketPattern(m)
    } catch (error) {
      throw loadError(label, `strategy ${name}: markets: ${(error as Error).message}`)
    }
  }
  for (const h of HANDLERS) {
    if (s[h] !== undefined && typeof s[h] !== 'function') {
      throw loadError(label, `strategy ${name}: ${h} must be a function (got ${describeValue(s[h])})`)
    }
  }
  const unknownHandlers = Object.keys(s).filter(k => /^on[A-Z]/.test(k) && !(HANDLERS as readonly string[]).includes(k))
  if (unknownHandlers.length) {
    throw loadError(label, `strategy ${name}: unknown handler ${unknownHandlers.join(', ')} (handlers: ${HANDLERS.join(', ')})`)
  }
  if (!DATA_HANDLERS.some(h => typeof s[h] === 'function')) {
    throw loadError(label, `strategy ${name}: has no handler (define onTick, onTrade, onBook or onGame)`)
  }
  if (s.params !== undefined) {
    if (s.params === null || typeof s.params !== 'object' || Array.isArray(s.params)) {
      throw loadError(label, `strategy ${name}: params must be an object of defaults (got ${describeValue(s.params)})`)
    }
    for (const [k, v] of Object.entries(s.params)) {
      if (!['number', 'string', 'boolean'].includes(typeof v) || (typeof v === 'number' && !Number.isFinite(v))) {
        throw loadError(label, `strategy ${name}: params.${k} must be a number, string or boolean (got ${describeValue(v)})`)
      }
    }
  }
  if (s.books !== undefined && typeof s.books !== 'boolean') {
    throw loadError(label, `strategy ${name}: books must be true or false (got ${describeValue(s.books)})`)
  }
  if (s.budgetMs !== undefined && !(typeof s.budgetMs === 'number' && Number.isFinite(s.budgetMs) && s.budgetMs > 0)) {
    throw loadError(label, `strategy ${name}: budgetMs must be a positive number of milliseconds (got ${describeValue(s.budgetMs)})`)
  }
  const warnings: string[] = []
  if (typeof s.onBook === 'function' && s.books !== true) warnings.push(`strategy ${name}: onBook is never called without books: true`)
  if (s.books === true && typeof s.onBook !== 'function') warnings.push(`strategy ${name}: books: true has no effect without onBook`)
  return { strategy: value as Strategy, warnings }
}

/** Load one strategy file (`.ts`, `.mts`, `.js`, `.mjs`), type-checked first with `typecheck`. */
export async function loadStrategyFile(file: string, options: LoadOptions = {}): Promise<LoadedStrategy> {
  const cwd = options.cwd ?? process.cwd()
  const abs = path.resolve(cwd, file)
  const label = displayPath(abs, cwd)
  await checkStrategyFile(abs, label)
  if (options.typecheck && TS_EXTENSIONS.includes(path.extname(abs).toLowerCase())) await typecheckStrategyFiles([abs], { cwd })
  if (options.isolated) {
    const sw = await spawnStrategyWorker(abs, label, { maxHeapMb: options.maxHeapMb })
    return { strategy: strategyFromMeta(sw.meta), file: abs, warnings: sw.meta.warnings, worker: sw }
  }
  let ns: Record<string, unknown>
  try {
    ns = await importUserModule(abs, { ownThread: options.ownThread })
  } catch (error) {
    throw loadError(label, await describeImportError(error, abs), error)
  }
  const exported = ns.default !== undefined ? ns.default : ns.strategy
  if (exported === undefined) {
    throw loadError(label, 'no default export (export default { name, markets, onTick } or export const strategy = ...)')
  }
  const { strategy, warnings } = validateStrategy(exported, label)
  return { strategy, file: abs, warnings }
}

async function checkStrategyFile(abs: string, label: string): Promise<void> {
  const info = await stat(abs).catch(() => undefined)
  if (!info) throw loadError(label, 'file not found')
  if (!info.isFile()) throw loadError(label, 'not a file')
  if (!USER_MODULE_EXTENSIONS.includes(path.extname(abs).toLowerCase())) {
    throw loadError(label, `not a strategy file (expected ${USER_MODULE_EXTENSIONS.join(', ')})`)
  }
}

/** The strategy files in a directory, not recursive, sorted by name; declaration files skipped. */
async function strategyFilesIn(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true })
  return entries
    .filter(e => e.isFile() && USER_MODULE_EXTENSIONS.includes(path.extname(e.name).toLowerCase()) && !/\.d\.m?ts$/.test(e.name))
    .map(e => path.join(dir, e.name))
    .sort()
}

/**
 * Load strategies from files and directories (every strategy file directly inside). Names must be
 * unique across everything loaded, because `--param name.key=value` and reports use them.
 */
export async function loadStrategies(paths: readonly string[], options: LoadOptions = {}): Promise<LoadedStrategy[]> {
  const cwd = options.cwd ?? process.cwd()
  const files = await strategyFiles(paths, cwd)
  if (options.typecheck) await typecheckFiles(files, cwd)
  const loaded: LoadedStrategy[] = []
  const byName = new Map<string, string>()
  try {
    for (const f of files) {
      const l = await loadStrategyFile(f, { ...options, cwd, typecheck: false })
      loaded.push(l)
      const other = byName.get(l.strategy.name)
      if (other !== undefined) {
        throw loadError(displayPath(f, cwd), `strategy name ${l.strategy.name} is already used by ${displayPath(other, cwd)}; names must be unique`)
      }
      byName.set(l.strategy.name, f)
    }
  } catch (error) {
    await unloadStrategies(loaded)
    throw error
  }
  return loaded
}

/**
 * What loadStrategies checks before it loads anything, without loading: every path is a strategy
 * file or a directory of them, and with `typecheck` the `.ts` ones pass the type check.
 */
export async function checkStrategies(paths: readonly string[], options: { cwd?: string; typecheck?: boolean } = {}): Promise<void> {
  const cwd = options.cwd ?? process.cwd()
  const files = await strategyFiles(paths, cwd)
  for (const f of files) await checkStrategyFile(f, displayPath(f, cwd))
  if (options.typecheck) await typecheckFiles(files, cwd)
}

/** Each path as absolute, a directory replaced by the strategy files directly inside it. */
async function strategyFiles(paths: readonly string[], cwd: string): Promise<string[]> {
  const files: string[] = []
  for (const p of paths) {
    const abs = path.resolve(cwd, p)
    const info = await stat(abs).catch(() => undefined)
    if (info?.isDirectory()) {
      const inDir = await strategyFilesIn(abs)
      if (inDir.length === 0) throw loadError(displayPath(abs, cwd), `no strategy files (${USER_MODULE_EXTENSIONS.join(', ')}) in this directory`)
      files.push(...inDir)
    } else {
      files.push(abs)
    }
  }
  return files
}

async function typecheckFiles(files: readonly string[], cwd: string): Promise<void> {
  // Missing files and other extensions are left to loadStrategyFile, which names what is wrong.
  const typed = []
  for (const f of files) if (TS_EXTENSIONS.includes(path.extname(f).toLowerCase()) && (await stat(f).catch(() => undefined))?.isFile()) typed.push(f)
  await typecheckStrategyFiles(typed, { cwd })
}

/**
 * End the worker threads of strategies that will not run: each holds a V8 isolate and pipes its
 * output into our stderr until it is terminated.
 */
export async function unloadStrategies(loaded: readonly LoadedStrategy[]): Promise<void> {
  await Promise.all(loaded.map((l) => l.worker?.worker.terminate()))
}
