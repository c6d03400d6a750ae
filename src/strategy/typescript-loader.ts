import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import vm from 'node:vm'
import type ts from 'typescript'
import { neuralCacheDir } from './typecheck-cache.js'

/**
 * The TypeScript compiler for the strategy type check, compiled with a V8 code cache kept beside
 * the type-check cache. typescript.js is 9 MB of CommonJS: `require` compiles it in every thread that
 * checks (about 0.33 CPU-s on the 2-core build machine), and the check then compiles the functions it
 * calls as it reaches them. The cache is written after this thread's first check, so it holds those
 * functions too; a thread that finds it skips both compilations.
 *
 * The cache is an optimisation only: V8 refuses data from another V8 or other flags (then it is
 * written again), and a missing, torn or unwritable file costs the compilation, never an error.
 *
 * Loaded by require, never import(): an ES import of a CommonJS module first scans its source for
 * export names (about 1 s for typescript.js).
 */

/** What this thread's load found: a cache V8 used, none, one V8 refused, or no cache folder to use. */
export type CodeCacheUse = 'used' | 'missing' | 'refused' | 'off'

interface Loaded {
  typescript: typeof ts
  codeCache: CodeCacheUse
  /** Set while the code cache still has to be written (it was missing or refused). */
  script?: vm.Script
  cacheFile?: string
}

// One compiler per thread, shared by every copy of this module in it (the suite loads both the
// source and the build), as require's cache shared it: a second copy is 0.3 CPU-s and ~40 MB more.
const SLOT = Symbol.for('neural.typescript')
const slot = globalThis as { [SLOT]?: Loaded }

export function loadTypescript(env: NodeJS.ProcessEnv = process.env): typeof ts {
  slot[SLOT] ??= compile(env)
  return slot[SLOT].typescript
}

/** How the compiler loaded in this thread used the code cache; undefined before it is loaded. */
export function typescriptCodeCache(): CodeCacheUse | undefined {
  return slot[SLOT]?.codeCache
}

/** Write the code cache once, after a check, when this thread found none that V8 accepted. */
export function saveTypescriptCodeCache(): void {
  const pending = slot[SLOT]
  if (!pending?.script || !pending.cacheFile) return
  const { script, cacheFile } = pending
  pending.script = undefined
  try {
    mkdirSync(path.dirname(cacheFile), { recursive: true, mode: 0o700 })
    // Aside and renamed, as the type-check entries: threads that load at once never read half a file.
    const aside = `${cacheFile}.${process.pid}.${Math.random().toString(36).slice(2)}`
    writeFileSync(aside, script.createCachedData())
    renameSync(aside, cacheFile)
  } catch {
    // The next thread compiles, as without a cache.
  }
}

function compile(env: NodeJS.ProcessEnv): Loaded {
  const require = createRequire(import.meta.url)
  const file = require.resolve('typescript')
  let cacheFile: string | undefined
  let cachedData: Buffer | undefined
  try {
    cacheFile = codeCacheFile(file, env)
    cachedData = readFileSync(cacheFile)
  } catch {
    // No cache yet (or no cache folder): compiled from source, the cache written after the check.
  }
  // Node's own CommonJS wrapper, on the first line so that line numbers in stack traces still hold.
  const source = `(function (exports, require, module, __filename, __dirname) { ${readFileSync(file, 'utf8')}\n})`
  const script = new vm.Script(source, { filename: file, cachedData })
  const module = { exports: {} as unknown, id: file, filename: file, loaded: false }
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file))
  module.loaded = true
  const typescript = module.exports as typeof ts
  if (cacheFile === undefined) return { typescript, codeCache: 'off' }
  if (cachedData === undefined) return { typescript, codeCache: 'missing', script, cacheFile }
  return script.cachedDataRejected ? { typescript, codeCache: 'refused', script, cacheFile } : { typescript, codeCache: 'used' }
}

/** One file per compiler file and Node build: a new typescript or Node never reads an older cache. */
function codeCacheFile(file: string, env: NodeJS.ProcessEnv): string {
  const { size, mtimeMs } = statSync(file)
  const key = createHash('sha256').update(JSON.stringify([file, size, mtimeMs, process.version, process.arch])).digest('hex')
  return path.join(neuralCacheDir(env), 'v8', `typescript-${key.slice(0, 32)}.bin`)
}

