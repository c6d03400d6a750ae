import { expect } from 'chai'
import { startThread, withoutTsxLoader, workerEntry } from '../../src/strategy/worker-entry.js'

describe('workerEntry', () => {
  const SRC = new URL('../../src/', import.meta.url).href
  const DIST = new URL('../../dist/', import.meta.url).href
  const saved = process.env.NEURAL_THREADS_FROM_DIST
  afterEach(() => {
    if (saved === undefined) delete process.env.NEURAL_THREADS_FROM_DIST
    else process.env.NEURAL_THREADS_FROM_DIST = saved
  })

  it('starts a built module as a file beside its caller', () => {
    process.env.NEURAL_THREADS_FROM_DIST = '1'
    const { entry, options } = workerEntry('./host.js', `${DIST}strategy/isolation/spawn.js`)
    expect(String(entry)).to.equal(`${DIST}strategy/isolation/host.js`)
    expect(options.eval).to.equal(false)
  })

  it('from source, registers tsx in the thread and imports the TypeScript module', () => {
    delete process.env.NEURAL_THREADS_FROM_DIST
    const { entry, options } = workerEntry('./host.js', `${SRC}strategy/isolation/spawn.ts`)
    expect(options.eval).to.equal(true)
    expect(entry).to.be.a('string').and.match(/tsx\.register\(\)/).and.include(JSON.stringify(`${SRC}strategy/isolation/host.ts`))
  })

  it('from source with NEURAL_THREADS_FROM_DIST=1, starts the same module as built in dist/', () => {
    process.env.NEURAL_THREADS_FROM_DIST = '1'
    expect(String(workerEntry('./host.js', `${SRC}strategy/isolation/spawn.ts`).entry)).to.equal(`${DIST}strategy/isolation/host.js`)
    expect(String(workerEntry('./backtest-worker.js', `${SRC}history/backtest-thread.ts`).entry)).to.equal(`${DIST}history/backtest-worker.js`)
  })
})

describe('startThread', () => {
  const FIXTURES = new URL('./fixtures/', import.meta.url).href
  const saved = process.execArgv

  afterEach(() => {
    process.execArgv = saved
  })

  async function threadExecArgv(): Promise<string[]> {
    const worker = startThread('./thread-exec-argv.mjs', FIXTURES)
    try {
      return await new Promise<string[]>((resolve, reject) => {
        worker.once('message', resolve)
        worker.once('error', reject)
      })
    } finally {
      await worker.terminate()
    }
  }

  it('leaves out a tsx loader the process was started with, and keeps its other options', async () => {
    process.execArgv = ['--import=tsx', '--no-warnings', '--loader', 'tsx/esm']
    expect(await threadExecArgv()).to.deep.equal(['--no-warnings'])
  })

  it('lets the thread inherit when the rest holds an option Node refuses to pass explicitly', async () => {
    process.execArgv = ['--import=tsx', '--expose-gc']
    // Inherited, the thread gets the options the process really started with (a test cannot change those).
    expect(await threadExecArgv()).to.deep.equal(saved)
  })
})

describe('withoutTsxLoader', () => {
  it('removes tsx given to --import, --loader or --experimental-loader, in either spelling', () => {
    expect(withoutTsxLoader(['--import=tsx'])).to.deep.equal([])
    expect(withoutTsxLoader(['--import', 'tsx/esm', '--enable-source-maps'])).to.deep.equal(['--enable-source-maps'])
    expect(withoutTsxLoader(['--experimental-loader=tsx', '--inspect'])).to.deep.equal(['--inspect'])
  })

  it('says "inherit" (undefined) when there is no tsx loader to remove', () => {
    expect(withoutTsxLoader([])).to.equal(undefined)
    expect(withoutTsxLoader(['--import=./otel.js', '--import', 'tsxish'])).to.equal(undefined)
  })
})
