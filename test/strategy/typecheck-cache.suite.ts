/**
 * Type checks are remembered while nothing the check read has changed (typecheck-cache.ts), a
 * failure only for the directory it was reported from. Runs the real check against a cache folder of its own, in this thread so that
 * the compiler stays warm between checks (the worker thread is loader.test.ts's).
 */
import { expect } from 'chai'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { NeuralError } from '../../src/errors.js'
import { typecheckCacheDir } from '../../src/strategy/typecheck-cache.js'
import { checkTypes, threadChecker, typecheckStrategyFiles, type TypeCheckResult } from '../../src/strategy/typecheck.js'
import { ensureBuilt, ROOT } from '../commands/helpers.js'

async function typecheckError(files: string[], options: { cache?: boolean; cwd?: string } = {}): Promise<NeuralError | undefined> {
  try {
    await typecheckStrategyFiles(files, { cwd: path.join(tmp, 'strats'), ...options, check: checkTypes })
    return undefined
  } catch (error) {
    if (error instanceof NeuralError) return error
    throw error
  }
}

let tmp: string

describe('strategy type check cache', function () {
  this.timeout(60_000)
  let cacheDir: string
  let saved: string | undefined
  const write = (name: string, text: string) => {
    const file = path.join(tmp, 'strats', name)
    writeFileSync(file, text)
    return file
  }
  const entries = () => { try { return readdirSync(typecheckCacheDir()) } catch { return [] } }

  // The good strategy and a version of it with a type error of exactly the same length.
  const good = "import type { Strategy } from 'neural'\nconst s: Strategy = { name: 'c', markets: ['*'], onTick(t) { void t.yesBid } }\nexport default s\n"
  const typo = good.replace('t.yesBid', 't.yesBix')

  beforeEach(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'neural-typecheck-cache-'))
    // Beside the strategies' folder, not in it: a folder created there is a change the cache watches.
    mkdirSync(path.join(tmp, 'strats'))
    cacheDir = path.join(tmp, 'cache')
    saved = process.env.NEURAL_CACHE_DIR
    process.env.NEURAL_CACHE_DIR = cacheDir
  })
  afterEach(() => {
    if (saved === undefined) delete process.env.NEURAL_CACHE_DIR
    else process.env.NEURAL_CACHE_DIR = saved
    rmSync(tmp, { recursive: true, force: true })
  })

  it('lives in $NEURAL_CACHE_DIR, else $XDG_CACHE_HOME/neural, else ~/.cache/neural', () => {
    expect(typecheckCacheDir({ NEURAL_CACHE_DIR: '/c' })).to.equal('/c/typecheck')
    expect(typecheckCacheDir({ XDG_CACHE_HOME: '/x' })).to.equal('/x/neural/typecheck')
    expect(typecheckCacheDir({})).to.match(/\/\.cache\/neural\/typecheck$/)
  })

  it('skips the check of an unchanged file that passed, and checks it again once its size or time changes', async () => {
    const file = write('strategy.ts', good)
    // Whole seconds, which every file system and utimes keep exactly.
    const mtimeS = Math.floor(Date.now() / 1000) - 60
    utimesSync(file, mtimeS, mtimeS)
    expect(await typecheckError([file])).to.equal(undefined)
    expect(entries()).to.have.length(1)
    // Same size, same modification time, different text: only a remembered pass lets it through.
    writeFileSync(file, typo)
    utimesSync(file, mtimeS, mtimeS)
    expect(statSync(file).size).to.equal(Buffer.byteLength(good))
    expect(await typecheckError([file])).to.equal(undefined)
    expect((await typecheckError([file], { cache: false }))?.code).to.equal('STRATEGY_TYPECHECK')
    // Touched: the remembered pass no longer holds, and the error shows.
    utimesSync(file, mtimeS, mtimeS + 1)
    expect((await typecheckError([file]))?.code).to.equal('STRATEGY_TYPECHECK')
  })

  it('checks again when a local file the strategy imports changes', async () => {
    const lib = write('lib.ts', 'export const limit: number = 0.4\n')
    const file = write('uses-lib.ts', "import type { Strategy } from 'neural'\nimport { limit } from './lib.ts'\nconst s: Strategy = { name: 'l', markets: ['*'], onTick(t) { if ((t.yesBid ?? 0) > limit) return } }\nexport default s\n")
    expect(await typecheckError([file])).to.equal(undefined)
    writeFileSync(lib, "export const limit: string = 'a string now'\n")
    const error = await typecheckError([file])
    expect(error?.code).to.equal('STRATEGY_TYPECHECK')
    expect(error?.details?.[0]).to.include('TS2365')
  })

  it('remembers a failure with its errors for the directory it ran from, and checks again from another', async () => {
    const file = write('typo.ts', typo)
    const mtimeS = Math.floor(Date.now() / 1000) - 60
    utimesSync(file, mtimeS, mtimeS)
    const first = await typecheckError([file])
    expect(first?.code).to.equal('STRATEGY_TYPECHECK')
    // Fixed behind the cache's back (same size, same time): the remembered errors come back as they were.
    writeFileSync(file, good)
    utimesSync(file, mtimeS, mtimeS)
    const again = await typecheckError([file])
    expect({ message: again?.message, details: again?.details }).to.deep.equal({ message: first?.message, details: first?.details })
    // From elsewhere the report's paths would differ: checked, and the file as it now is passes.
    expect(await typecheckError([file], { cwd: tmp })).to.equal(undefined)
  })

  it('checks again when a file appears beside the strategy (a missing import added)', async () => {
    const file = write('needs-lib.ts', "import type { Strategy } from 'neural'\nimport { limit } from './later.ts'\nconst s: Strategy = { name: 'n', markets: ['*'], onTick(t) { if ((t.yesBid ?? 0) > limit) return } }\nexport default s\n")
    expect((await typecheckError([file]))?.details?.[0]).to.include('TS2307')
    write('later.ts', 'export const limit = 0.4\n')
    expect(await typecheckError([file])).to.equal(undefined)
  })

  describe('from source, with threads that run the build (as the test suite runs them)', () => {
    const savedThreads = process.env.NEURAL_THREADS_FROM_DIST
    before(async function () {
      this.timeout(120_000)
      await ensureBuilt()
    })
    beforeEach(() => (process.env.NEURAL_THREADS_FROM_DIST = '1'))
    afterEach(() => {
      if (savedThreads === undefined) delete process.env.NEURAL_THREADS_FROM_DIST
      else process.env.NEURAL_THREADS_FROM_DIST = savedThreads
    })

    it('keys a check by the copy that ran it: the build finds what its thread found, and not what this thread found', async () => {
      const built = await import(pathToFileURL(path.join(ROOT, 'dist', 'strategy', 'typecheck.js')).href) as typeof import('../../src/strategy/typecheck.js')
      expect(threadChecker()).to.equal(pathToFileURL(path.join(ROOT, 'dist', 'strategy', 'typecheck.js')).href)
      const cwd = path.join(tmp, 'strats')
      let checks = 0
      const counted = async (): Promise<TypeCheckResult> => {
        checks++
        return { inputs: [] }
      }
      // In a thread, which runs dist/strategy/typecheck.js: the built CLI's check, from its own module, finds it.
      const inThread = write('in-thread.ts', good)
      await typecheckStrategyFiles([inThread], { cwd })
      await built.typecheckStrategyFiles([inThread], { cwd, check: counted })
      expect(checks).to.equal(0)
      // In this thread, from source: not the build's outcome, so the build checks for itself.
      const here = write('here.ts', good)
      await typecheckStrategyFiles([here], { cwd, check: checkTypes })
      await built.typecheckStrategyFiles([here], { cwd, check: counted })
      expect(checks).to.equal(1)
    })
  })

  it('a cache that cannot be written costs only the check', async () => {
    process.env.NEURAL_CACHE_DIR = write('not-a-folder', '')
    const file = write('strategy.ts', good)
    expect(await typecheckError([file])).to.equal(undefined)
  })
})
