/**
 * The stream session keeps a market's price history only when asked to: `neural stream` (which
 * never reads it) passes 'on-read', and a ring pushed at every tick of every market is then not kept.
 */
import { expect } from 'chai'
import type { HistoryKeeping } from '../../src/core/market-store.js'
import { startSimulator, type Simulator } from '../../src/sim/index.js'
import { startSession, waitFor, type RunningSession } from '../reliability/helpers.js'

describe('stream session: price history', function () {
  this.timeout(30_000)
  let sim: Simulator | undefined
  let session: RunningSession | undefined

  afterEach(async () => {
    await session?.stop().catch(() => undefined)
    await sim?.close()
    session = undefined
    sim = undefined
  })

  /** The history of the first market to tick, once it has had five ticks. */
  async function historyAfterTicks(history: HistoryKeeping | undefined): Promise<number> {
    sim = await startSimulator({ seed: 3, ratePerSec: 400 })
    session = await startSession(sim, { targets: ['KXNFLGAME*'], channels: ['ticker'], history })
    const s = session
    const ticksOf = (t: string) => s.events.filter((e) => e.type === 'ticker' && e.ticker === t).length
    let ticker: string | undefined
    await waitFor(() => {
      const first = s.events.find((e) => e.type === 'ticker')
      ticker = first?.type === 'ticker' ? first.ticker : undefined
      return ticker !== undefined && ticksOf(ticker) >= 5
    }, 20_000, 'five ticks of one market')
    return s.stream.store.history(ticker!).length
  }

  it("by default keeps every market's history from its first tick", async () => {
    expect(await historyAfterTicks(undefined)).to.be.at.least(5)
  })

  it("with 'on-read' keeps none until it is read, then starts from the present state", async () => {
    expect(await historyAfterTicks('on-read')).to.equal(1)
  })
})
