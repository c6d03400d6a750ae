import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import type { TypeErrorReport } from './typecheck.js'

/**
 * Type checks, remembered on disk so that running the same strategy again does not build a
 * TypeScript program again (a second or more of CPU each time). As tsc's incremental build: an entry
 * names every file the program read (the strategy, its local imports, neural's types, the lib and
 * @types files) and the folders of the user's files with their size and modification time, and
 * holds only while every one is unchanged.
 * A failure is remembered with its report, whose paths are relative to the directory it ran in, so
 * it holds only for that directory.
 *
 * Anything that goes wrong here (no home, a read-only disk, a torn entry) is a miss, never an error.
 */

/** Bump when the compiler options or what an entry means change: older entries then miss. */
const FORMAT = 2

/** $NEURAL_CACHE_DIR, else $XDG_CACHE_HOME/neural, else ~/.cache/neural. */
export function neuralCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.NEURAL_CACHE_DIR || path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'neural')
}

/** The type checks' own folder in neuralCacheDir. */
export function typecheckCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(neuralCacheDir(env), 'typecheck')
}

/** A file the program read, as last seen: [path, size in bytes, mtime in ms]. */
type Input = [file: string, sizeBytes: number, mtimeMs: number]

function entryFile(files: readonly string[], extraKey: string, env: NodeJS.ProcessEnv): string {
  const key = createHash('sha256').update(JSON.stringify({ FORMAT, typescript: typescriptVersion(), files: [...files].sort(), extraKey })).digest('hex')
  return path.join(typecheckCacheDir(env), `${key.slice(0, 32)}.json`)
}

/** What a check of these files found, when it was made with nothing it read changed since. */
export interface Remembered {
  report?: TypeErrorReport
}

interface Entry {
  inputs: Input[]
  report?: TypeErrorReport
  cwd?: string
}

/** The remembered outcome of checking `files` from `cwd`, or undefined when there is none that holds. */
export function recall(files: readonly string[], extraKey: string, cwd: string, env: NodeJS.ProcessEnv = process.env): Remembered | undefined {
  try {
    const entry = JSON.parse(readFileSync(entryFile(files, extraKey, env), 'utf8')) as Entry
    if (!Array.isArray(entry.inputs) || entry.inputs.length === 0) return undefined
    if (entry.report && entry.cwd !== cwd) return undefined
    const unchanged = entry.inputs.every((input) => {
      const s = statSync(input[0])
      return s.size === input[1] && s.mtimeMs === input[2]
    })
    return unchanged ? { report: entry.report } : undefined
  } catch {
    return undefined
  }
}

/** Remember the outcome of checking `files` from `cwd`, a check that read `inputs` (absolute paths). */
export function remember(files: readonly string[], extraKey: string, cwd: string, outcome: Remembered & { inputs: readonly string[] }, env: NodeJS.ProcessEnv = process.env): void {
  try {
    const inputs: Input[] = outcome.inputs.map((file) => {
      const s = statSync(file)
      return [file, s.size, s.mtimeMs]
    })
    const entry: Entry = outcome.report ? { inputs, report: outcome.report, cwd } : { inputs }
    const target = entryFile(files, extraKey, env)
    mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 })
    // Written aside and renamed: processes checking the same files at once never read half an entry.
    const aside = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}`
    writeFileSync(aside, JSON.stringify(entry))
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
