import { expect } from 'chai'
import { workerEntry } from '../../src/strategy/worker-entry.js'

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
