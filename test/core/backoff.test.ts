import { expect } from 'chai'
import { AbortedError, backoffDelay, backoffDelays, canRetry, sleep } from '../../src/core/backoff.js'

describe('backoff', () => {
  it('doubles from the base delay up to the cap without jitter', () => {
    expect(backoffDelays({ attempts: 6, baseDelayMs: 100, maxDelayMs: 1000, jitter: 'none' })).to.deep.equal([100, 200, 400, 800, 1000, 1000])
  })

  it('draws full jitter uniformly in [0, delay]', () => {
    const p = { attempts: 3, baseDelayMs: 100, maxDelayMs: 1000, jitter: 'full' as const }
    expect(backoffDelays(p, 3, () => 0.5)).to.deep.equal([50, 100, 200])
    expect(backoffDelay(p, 3, () => 0)).to.equal(0)
  })

  it('draws equal jitter in [delay/2, delay]', () => {
    const p = { attempts: 3, baseDelayMs: 100, maxDelayMs: 1000, jitter: 'equal' as const }
    expect(backoffDelays(p, 3, () => 0)).to.deep.equal([50, 100, 200])
    expect(backoffDelays(p, 3, () => 1)).to.deep.equal([100, 200, 400])
  })

  it('does not overflow on a very high attempt number', () => {
    expect(backoffDelay({ attempts: 0, baseDelayMs: 100, maxDelayMs: 5000, jitter: 'none' }, 10_000)).to.equal(5000)
  })

  it('allows retries up to the attempt count, and forever when it is 0', () => {
    const p = { attempts: 2, baseDelayMs: 1, maxDelayMs: 1, jitter: 'none' as const }
    expect([1, 2, 3].map((n) => canRetry(p, n))).to.deep.equal([true, true, false])
    expect(canRetry({ ...p, attempts: 0 }, 1_000_000)).to.equal(true)
  })

  it('sleeps for the given time', async () => {
    const t0 = Date.now()
    await sleep(30)
    expect(Date.now() - t0).to.be.at.least(25)
  })

  it('rejects a sleep at once when aborted', async () => {
    const ac = new AbortController()
    const t0 = Date.now()
    const p = sleep(10_000, ac.signal)
    setTimeout(() => ac.abort(), 10)
    const error = await p.then(() => undefined, (e: unknown) => e)
    expect(error).to.be.instanceOf(AbortedError)
    expect(Date.now() - t0).to.be.below(1000)
  })

  it('rejects a sleep whose signal is already aborted', async () => {
    const ac = new AbortController()
    ac.abort()
    const error = await sleep(10_000, ac.signal).then(() => undefined, (e: unknown) => e)
    expect(error).to.be.instanceOf(AbortedError)
  })
})
