/**
 * The type check's compiler with a V8 code cache (typescript-loader.ts): written after a thread's
 * first check, used by the next thread, and only ever an optimisation. Each load runs in a fresh
 * worker thread of the build, as a CLI's type-check thread does (a compiler, once loaded, stays in
 * its thread).
 */
import { expect } from 'chai'
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import { ensureBuilt, ROOT } from '../commands/helpers.js'

interface Outcome {
  codeCache: string
  version: string
  passed?: boolean
}

const THREAD = `
const { parentPort, workerData } = require('node:worker_threads')
;(async () => {
  const loader = await import(workerData.loader)
  let passed
  if (workerData.check) {
    const { checkTypes } = await import(workerData.typecheck)
    passed = (await checkTypes([workerData.check], workerData.cwd)).report === undefined
  }
  const { version } = loader.loadTypescript()
  loader.saveTypescriptCodeCache()
  parentPort.postMessage({ codeCache: loader.typescriptCodeCache(), version, ...(passed === undefined ? {} : { passed }) })
})().catch((error) => parentPort.postMessage({ error: String(error && error.stack || error) }))
`

describe('the type check compiler and its V8 code cache', function () {
  this.timeout(60_000)
  const version = (createRequire(import.meta.url)('typescript/package.json') as { version: string }).version
  let tmp: string

  /** A fresh thread that checks `check` (or only loads the compiler and saves), with NEURAL_CACHE_DIR = cacheDir. */
  const inThread = (cacheDir: string, check?: string) => new Promise<Outcome>((resolve, reject) => {
    const dist = (file: string) => pathToFileURL(path.join(ROOT, 'dist', 'strategy', file)).href
    const worker = new Worker(THREAD, {
      eval: true,
      // Without the suite's tsx: the build loads natively, as in the CLI.
      execArgv: [],
      env: { ...process.env, NEURAL_CACHE_DIR: cacheDir },
      workerData: { loader: dist('typescript-loader.js'), typecheck: dist('typecheck.js'), check, cwd: ROOT },
    })
    worker.once('message', (m: Outcome & { error?: string }) => (m.error ? reject(new Error(m.error)) : resolve(m)))
    worker.once('error', reject)
    worker.once('exit', (code) => reject(new Error(`thread exited (${code}) without an answer`)))
  })
  const cacheFiles = (cacheDir: string) => {
    try {
      return readdirSync(path.join(cacheDir, 'v8')).map((f) => path.join(cacheDir, 'v8', f))
    } catch {
      return []
    }
  }

  before(async function () {
    this.timeout(300_000)
    await ensureBuilt()
    tmp = mkdtempSync(path.join(tmpdir(), 'neural-ts-loader-'))
  })
  after(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true })
  })

  it('a first check compiles typescript.js and leaves its code cache; the next thread uses it', async () => {
    const dir = path.join(tmp, 'first')
    expect(await inThread(dir, path.join(ROOT, 'strategies', 'momentum.ts'))).to.deep.equal({ codeCache: 'missing', version, passed: true })
    const files = cacheFiles(dir)
    expect(files).to.have.length(1)
    expect(path.basename(files[0]!)).to.match(/^typescript-[0-9a-f]{32}\.bin$/)
    expect(await inThread(dir)).to.deep.equal({ codeCache: 'used', version })
  })

  it('a torn cache is refused, the compiler loads from source, and the cache is written again', async () => {
    const dir = path.join(tmp, 'torn')
    await inThread(dir)
    const [file] = cacheFiles(dir)
    writeFileSync(file!, 'not a code cache')
    expect(await inThread(dir)).to.deep.equal({ codeCache: 'refused', version })
    expect(statSync(file!).size).to.be.greaterThan(1_000_000)
    expect(await inThread(dir)).to.deep.equal({ codeCache: 'used', version })
  })

  it('a cache folder that cannot be made costs only the compile', async () => {
    const blocker = path.join(tmp, 'a-file')
    writeFileSync(blocker, '')
    expect(await inThread(blocker)).to.deep.equal({ codeCache: 'missing', version })
    expect(await inThread(blocker)).to.deep.equal({ codeCache: 'missing', version })
  })
})
