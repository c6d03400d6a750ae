import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'

/**
 * Passed type checks, remembered on disk so that running the same strategy again does not build a
 * TypeScript program again (a second or more of CPU each time). As tsc's incremental build: an entry
 * names every file the program read (the strategy, its local imports, neural's types, the lib and
 * @types files) with its size and modification time, and holds only while every one is unchanged.
 * Failures are never remembered: a file with type errors is checked, and reported, every time.
 *
 * Anything that goes wrong here (no home, a read-only disk, a torn entry) is a miss, never an error.
 */

/** Bump when the compiler options or what an entry means change: older entries then miss. */
const FORMAT = 1

/** $NEURAL_CACHE_DIR, else $XDG_CACHE_HOME/neural, else ~/.cache/neural; a folder of its own inside. */
export function typecheckCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.NEURAL_CACHE_DIR || path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'neural')
  return path.join(base, 'typecheck')
}

/** A file the program read, as last seen: [path, size in bytes, mtime in ms]. */
type Input = [file: string, sizeBytes: number, mtimeMs: number]

function entryFile(files: readonly string[], extraKey: string, env: NodeJS.ProcessEnv): string {
  const key = createHash('sha256').update(JSON.stringify({ FORMAT, typescript: typescriptVersion(), files: [...files].sort(), extraKey })).digest('hex')
  return path.join(typecheckCacheDir(env), `${key.slice(0, 32)}.json`)
}

/** True when these files passed a check and nothing that check read has changed since. */
export function passedBefore(files: readonly string[], extraKey: string, env: NodeJS.ProcessEnv = process.env): boolean {
  try {
    const inputs = JSON.parse(readFileSync(entryFile(files, extraKey, env), 'utf8')) as unknown
    if (!Array.isArray(inputs) || inputs.length === 0) return false
    return inputs.every((input: Input) => {
      const s = statSync(input[0])
      return s.size === input[1] && s.mtimeMs === input[2]
    })
  } catch {
    return false
  }
}

/** Remember a passed check of `files`, which read `inputs` (absolute paths). */
export function rememberPass(files: readonly string[], extraKey: string, inputs: readonly string[], env: NodeJS.ProcessEnv = process.env): void {
  try {
    const seen: Input[] = inputs.map((file) => {
      const s = statSync(file)
      return [file, s.size, s.mtimeMs]
    })
    const target = entryFile(files, extraKey, env)
    mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 })
    // Written aside and renamed: processes checking the same files at once never read half an entry.
    const aside = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}`
    writeFileSync(aside, JSON.stringify(seen))
    renameSync(aside, target)
  } catch {
    // A cache that cannot be written costs the next run a check, nothing more.
  }
}

let version: string | undefined
function typescriptVersion(): string {
  try {
    version ??= (createRequire(import.meta.url)('typescript/package.json') as { version: string }).version
  } catch {
    version = 'none'
  }
  return version
}
