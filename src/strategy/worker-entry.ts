import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { Worker, type WorkerOptions } from 'node:worker_threads'

/** Run from source, this file is src/strategy/worker-entry.ts: the sources' root, and the build's beside it. */
const SRC = new URL('../', import.meta.url)
const DIST = new URL('../../dist/', import.meta.url)

/**
 * How to start a worker thread on one of our modules (`name` as built, './host.js', beside `base`,
 * the caller's import.meta.url; spelt as an import is, so tools that follow imports find it): the
 * .js file when built. From source (tests, `tsx`) the module is
 * TypeScript, and Node 20 does not apply the parent's loader hooks to a worker, so an eval'd entry
 * registers tsx before importing it.
 *
 * From source with NEURAL_THREADS_FROM_DIST=1 (the test suite sets it once dist/ is a build of the
 * current src/), the thread runs the built module instead, as the CLI's threads do: loading neural
 * through tsx costs a thread about half a CPU-second more, and the suite starts well over a hundred.
 */
export function workerEntry(name: string, base: string): { entry: string | URL; options: Pick<WorkerOptions, 'eval'> } {
  const fromSource = base.endsWith('.ts')
  if (fromSource && process.env.NEURAL_THREADS_FROM_DIST === '1' && base.startsWith(SRC.href)) {
    return { entry: new URL(new URL(name, base).href.slice(SRC.href.length), DIST), options: { eval: false } }
  }
  const module = new URL(fromSource ? name.replace(/\.js$/, '.ts') : name, base)
  if (!fromSource) return { entry: module, options: { eval: false } }
  const tsx = pathToFileURL(createRequire(base).resolve('tsx/esm/api')).href
  return { entry: `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(module.href)}) })`, options: { eval: true } }
}

/**
 * Start a worker thread on one of our modules (see workerEntry), without a tsx loader the parent
 * may have been started with (`--import tsx`, as the test suite's processes are). Our threads load
 * TypeScript themselves (the entry above, and a strategy's file through self-contained.ts or tsx),
 * so an inherited loader only adds a hooks thread that every import of the thread goes through:
 * measured, a thread running a JavaScript strategy cost 261 CPU-ms with it and 141 without. Every
 * other option of the parent is kept; a list Node refuses to give a thread explicitly (V8 and
 * process-wide options, which it filters itself when inheriting) falls back to inheriting.
 */
export function startThread(name: string, base: string, options: Omit<WorkerOptions, 'eval' | 'execArgv'> = {}): Worker {
  const { entry, options: entryOptions } = workerEntry(name, base)
  const execArgv = withoutTsxLoader(process.execArgv)
  if (execArgv) {
    try {
      return new Worker(entry, { ...options, ...entryOptions, execArgv })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw error
    }
  }
  return new Worker(entry, { ...options, ...entryOptions })
}

const LOADER_FLAGS = new Set(['--import', '--loader', '--experimental-loader'])
const TSX = /^tsx(\/|$)/

/** `args` without its tsx loader options (both `--import tsx` and `--import=tsx` forms); undefined when it has none. */
export function withoutTsxLoader(args: readonly string[]): string[] | undefined {
  const out: string[] = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    const eq = arg.indexOf('=')
    if (eq > 0 && LOADER_FLAGS.has(arg.slice(0, eq)) && TSX.test(arg.slice(eq + 1))) continue
    if (LOADER_FLAGS.has(arg) && i + 1 < args.length && TSX.test(args[i + 1]!)) {
      i++
      continue
    }
    out.push(arg)
  }
  return out.length === args.length ? undefined : out
}
