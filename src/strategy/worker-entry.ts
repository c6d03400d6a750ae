import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import type { WorkerOptions } from 'node:worker_threads'

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
