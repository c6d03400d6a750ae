/**
 * Bench scripts as plain JavaScript, so a child can run under plain `node` with no loader: the
 * baseline must be a bare client (tsx's loader thread and its transforms are not part of one), and
 * ours then runs as the built CLI does, TypeScript only where a strategy file needs it.
 *
 * Each TypeScript file reachable from the entry by relative imports is transpiled on its own (types
 * dropped, nothing bundled) into bench/.plain/, at its path in the repository, so relative imports,
 * `import.meta.url` and node_modules resolve as they do from the source. Imports of neural's own
 * modules (src/) are pointed at the build (dist/, which `npm run bench` makes first) instead: the
 * sample strategies import 'neural', which is dist/, and a client on a transpiled copy of src/ as
 * well held two copies of the core (~1.1 MB more RSS than the built CLI, measured), and ran code
 * other than what the CLI runs.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const REPO = fileURLToPath(new URL('..', import.meta.url))
export const PLAIN_DIR = path.join(REPO, 'bench', '.plain')
const SRC = path.join(REPO, 'src')
const DIST = path.join(REPO, 'dist')

const OPTIONS: ts.CompilerOptions = { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, sourceMap: false }
/** Relative imports, and any other relative .js path in a string (a worker's entry: `new URL('./host.js', import.meta.url)`). */
const RELATIVE_IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]|['"](\.{1,2}\/[^'"\s]+\.js)['"]/g

/** Sources transpiled by this process: a child already running from bench/.plain/ may be reading them. */
const done = new Set<string>()

/**
 * Transpile `entries` (repository-relative .ts paths) and what they import; returns the output path
 * of each entry. A file is written once per process, and only when it changed, by rename: a child
 * started earlier may be loading the same files.
 */
export function plainScripts(entries: string[]): string[] {
  const todo = entries.map((e) => path.join(REPO, e))
  while (todo.length > 0) {
    const source = todo.pop()!
    if (done.has(source)) continue
    done.add(source)
    const out = path.join(PLAIN_DIR, path.relative(REPO, source)).replace(/\.ts$/, '.js')
    const transpiled = source.endsWith('.ts') ? ts.transpileModule(readFileSync(source, 'utf8'), { compilerOptions: OPTIONS, fileName: source }).outputText : readFileSync(source, 'utf8')
    const js = transpiled.replace(RELATIVE_IMPORT, (whole, imported?: string, mentioned?: string) => {
      const specifier = (imported ?? mentioned)!
      const target = path.resolve(path.dirname(source), specifier)
      if (!target.startsWith(SRC + path.sep)) return whole
      const built = path.relative(path.dirname(out), path.join(DIST, path.relative(SRC, target)))
      return whole.replace(specifier, built.startsWith('.') ? built : `./${built}`)
    })
    mkdirSync(path.dirname(out), { recursive: true })
    if (!existsSync(out) || readFileSync(out, 'utf8') !== js) {
      writeFileSync(`${out}.${process.pid}.tmp`, js)
      renameSync(`${out}.${process.pid}.tmp`, out)
    }
    // What this file still imports beside it (neural's own modules now point into dist/).
    for (const [, imported, mentioned] of js.matchAll(RELATIVE_IMPORT)) {
      if (path.resolve(path.dirname(out), (imported ?? mentioned)!).startsWith(DIST + path.sep)) continue
      const target = path.resolve(path.dirname(source), (imported ?? mentioned)!)
      const ts = target.replace(/\.js$/, '.ts')
      if (existsSync(ts)) todo.push(ts)
      else if (existsSync(target)) todo.push(target)
    }
  }
  return entries.map((e) => path.join(PLAIN_DIR, e).replace(/\.ts$/, '.js'))
}
