import { randomUUID } from 'node:crypto'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { isBuiltin } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { threadId } from 'node:worker_threads'

/**
 * A TypeScript file that imports nothing but 'neural' and Node's built-in modules, in a thread of its
 * own (a strategy's worker, a backtest): compiled by esbuild into one ES module, with `'neural'`
 * spelt as the file it resolves to, and imported natively. Registering tsx in the thread instead
 * starts a hooks thread and loads tsx in both: a thread then costs about 0.4 CPU-s to load its
 * strategy, against about 0.2 here (esbuild's own process included).
 *
 * Anything else goes to tsx, which then reports any error as before: another import (a local file, a
 * package), `import.meta`, `require`, `__dirname`/`__filename`, a dynamic import, CommonJS exports,
 * or a file esbuild refuses. The fast path loads the file as an ES module whatever its package says,
 * which for a file with none of those differs from tsx's CommonJS only in allowing a top-level await.
 */

/** What a file's source may use only through tsx (a false alarm costs only the slow path). */
const NEEDS_TSX = /\bimport\.meta\b|\brequire\s*\(|\b__(?:dirname|filename)\b|\bimport\s*\(|\bmodule\.exports\b|\bexports\.[\w$]|\bexport\s*=/

/** Marks the plugin's own lookup of 'neural', which must not come back to the plugin. */
const OWN_LOOKUP = Symbol('own lookup')

/**
 * The file's module namespace, or undefined when it is not self-contained (then nothing has run).
 * `fallbackNeural` is the module 'neural' means when Node's resolution from the file finds none.
 * Errors thrown by the file's own top-level code are thrown, as from import().
 */
export async function importSelfContained(file: string, fallbackNeural: string): Promise<Record<string, unknown> | undefined> {
  const source = readFileSync(file, 'utf8')
  if (NEEDS_TSX.test(source)) return undefined
  const esbuild = await import('esbuild')
  // A file of its own, not a data: URL, so that stack traces map back to the .ts file (Node maps only
  // modules with a file behind them). Its folder is made only once the code is ready, and the module
  // removes it as its first statement: Node has read it then, and the map with it. A thread ended
  // while the file's own top level runs (a loop there is terminated) leaves nothing behind.
  const dir = path.join(os.tmpdir(), `neural-strategy-${process.pid}-${threadId}-${randomUUID().slice(0, 8)}`)
  const outfile = path.join(dir, `${path.basename(file, path.extname(file))}.mjs`)
  let code: string
  try {
    const built = await esbuild.build({
      entryPoints: [file],
      outfile,
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      // As tsx compiles: for the running Node, names kept (stack traces, Function.name), maps without sources.
      target: `node${process.versions.node}`,
      keepNames: true,
      sourcemap: 'inline',
      sourcesContent: false,
      logLevel: 'silent',
      banner: { js: `import { rmSync as __neuralRemoveCompiled } from 'node:fs'; __neuralRemoveCompiled(${JSON.stringify(dir)}, { recursive: true, force: true });` },
      plugins: [{
        name: 'neural-only',
        setup(build) {
          build.onResolve({ filter: /.*/ }, async (args) => {
            if (args.kind === 'entry-point' || args.pluginData === OWN_LOOKUP) return undefined
            if (isBuiltin(args.path)) return { path: args.path, external: true }
            if (args.path !== 'neural') return { errors: [{ text: `${args.path} needs tsx` }] }
            const own = await build.resolve('neural', { kind: args.kind, resolveDir: args.resolveDir, pluginData: OWN_LOOKUP })
            const target = own.errors.length === 0 && own.path ? own.path : fallbackNeural
            if (!/\.m?js$/.test(target)) return { errors: [{ text: `neural resolves to ${target}, which needs tsx` }] }
            return { path: pathToFileURL(target).href, external: true }
          })
        },
      }],
    })
    code = built.outputFiles[0]!.text
  } catch {
    return undefined
  } finally {
    // esbuild's service is a process of its own: not kept for the life of the run.
    await esbuild.stop()
  }
  try {
    mkdirSync(dir, { recursive: true })
    writeFileSync(outfile, code)
    process.setSourceMapsEnabled(true)
    return (await import(pathToFileURL(outfile).href)) as Record<string, unknown>
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
