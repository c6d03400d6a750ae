import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import type { WorkerOptions } from 'node:worker_threads'

/**
 * How to start a worker thread on one of our modules (`name` as built, './host.js', beside `base`,
 * the caller's import.meta.url; spelt as an import is, so tools that follow imports find it): the
 * .js file when built. From source (tests, `tsx`) the module is
 * TypeScript, and Node 20 does not apply the parent's loader hooks to a worker, so an eval'd entry
 * registers tsx before importing it.
 */
export function workerEntry(name: string, base: string): { entry: string | URL; options: Pick<WorkerOptions, 'eval'> } {
  const fromSource = base.endsWith('.ts')
  const module = new URL(fromSource ? name.replace(/\.js$/, '.ts') : name, base)
  if (!fromSource) return { entry: module, options: { eval: false } }
  const tsx = pathToFileURL(createRequire(base).resolve('tsx/esm/api')).href
  return { entry: `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(module.href)}) })`, options: { eval: true } }
}
