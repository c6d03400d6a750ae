import { expect } from 'chai'
import { MarketStore } from '../../src/core/market-store.js'
import type { Position } from '../../src/strategy/api.js'
import type { HookResult, OrderHook } from '../../src/strategy/hooks/hook.js'
import { loadStrategies } from '../../src/strategy/loader.js'
import { harness, tick } from './helpers.js'

const PROBE = 'test/fixtures/strategies/context-probe.ts'

/** A hook that holds whatever it is sent, so ctx.positions() has something to show. */
function holdingHook(): OrderHook {
  const held: Position[] = []
  return {
    name: 'holding',
    handle: async (s): Promise<HookResult> => {
      held.push({ ticker: s.ticker, side: s.side, quantity: s.quantity, avgPriceDollars: 0.5, costDollars: 0.5 * s.quantity })
      return { status: 'filled', filledQuantity: s.quantity, priceDollars: 0.5 }
    },
    positions: () => held,
  }
}

async function run(isolated: boolean): Promise<string[]> {
  const strategies = await loadStrategies([PROBE], { isolated })
  const h = harness([], { strategies, store: new MarketStore(), clock: 'replay', params: ['size=2'], hooks: [holdingHook()] })
  try {
    await h.engine.start()
    h.feed(tick('KXTEST-B', { yesAsk: 0.61 }, 1_000))
    await h.engine.settle()
    h.feed(tick('KXTEST-A', { yesAsk: 0.4 }, 2_000))
    await h.engine.settle()
    h.feed(tick('KXTEST-A', { yesAsk: 0.41 }, 3_000))
    await h.engine.settle()
  } finally {
    await h.engine.stop()
  }
  return h.of('signal').map((s) => `${s.quantity} ${s.reason} @${s.ts}`)
}

describe('strategies in worker threads', function () {
  this.timeout(30_000)

  it('gives a strategy in a worker the same ctx and signals as in-process, on replay', async () => {
    const inProcess = await run(false)
    expect(inProcess).to.deep.equal([
      '2 B=0.61 now=2000 held=none writable=no api=1 @2000',
      '2 B=0.61 now=3000 held=KXTEST-A:yes:2 writable=no api=1 @3000',
    ])
    expect(await run(true)).to.deep.equal(inProcess)
  })

  it('refuses a broken file at load with the same one-line error as in-process', async () => {
    const inProcess = await loadStrategies(['test/fixtures/strategies/missing-name.ts']).then(() => '', (e: Error) => e.message)
    const isolated = await loadStrategies(['test/fixtures/strategies/missing-name.ts'], { isolated: true }).then(() => '', (e: Error) => e.message)
    expect(inProcess).to.match(/strategy has no name/)
    expect(isolated).to.equal(inProcess)
  })
})
