import { expect } from 'chai'
import { fileURLToPath } from 'node:url'
import type { Strategy } from '../../src/strategy/api.js'
import { loadStrategyFile } from '../../src/strategy/loader.js'
import { harness, tick, trade } from './helpers.js'

const repo = fileURLToPath(new URL('../..', import.meta.url))
const sample = async (file: string) => (await loadStrategyFile(`strategies/${file}`, { cwd: repo })).strategy
const PHI = 'KXNFLGAME-25SEP04DALPHI-PHI'
const DAL = 'KXNFLGAME-25SEP04DALPHI-DAL'

/** Feed events through a replay-clocked engine and return the signals as compact strings. */
async function run(strategy: Strategy, feed: (h: ReturnType<typeof harness>) => void, params: string[] = []) {
  const h = harness([strategy], { clock: 'replay', params })
  await h.engine.start()
  feed(h)
  await h.engine.settle()
  expect(h.of('error')).to.deep.equal([])
  return h.of('signal').map(s => `${s.action} ${s.side} ${s.ticker} ${s.quantity} @ ${s.limitPrice}`)
}

describe('sample strategies', () => {
  describe('arb', () => {
    const SPREAD = (n: number) => `KXNFLSPREAD-25SEP04DALPHI-PHI${n}`

    it('buys YES on both teams when both asks plus the taker fee of each leg are under $1, once it has lasted confirmMs', async () => {
      const signals = await run(await sample('arb.ts'), h => {
        h.feed(tick(PHI, { yesBid: 0.4, yesAsk: 0.42 }, 1_000))
        h.feed(tick(DAL, { yesBid: 0.5, yesAsk: 0.52 }, 1_000)) // 0.42 + 0.52 + fees 0.02 + 0.02 = 0.98: edge 0.02
        h.feed(tick(DAL, { yesBid: 0.5, yesAsk: 0.52 }, 1_050)) // not yet lasted 100 ms
        h.feed(tick(DAL, { yesBid: 0.5, yesAsk: 0.52 }, 1_100))
        h.feed(tick(PHI, { yesBid: 0.4, yesAsk: 0.42 }, 1_200)) // still open: no repeat
      })
      expect(signals).to.deep.equal([`BUY yes ${DAL} 1 @ 0.52`, `BUY yes ${PHI} 1 @ 0.42`])
    })

    it('buys NO on both teams when both yes bids sum above $1 by more than the fees', async () => {
      const signals = await run(await sample('arb.ts'), h => {
        h.feed(tick(PHI, { yesBid: 0.58, yesAsk: 0.6 }, 1_000), tick(DAL, { yesBid: 0.5, yesAsk: 0.52 }, 1_000)) // no asks 0.42 + 0.50 + 0.04 fees
        h.feed(tick(PHI, { yesBid: 0.58, yesAsk: 0.6 }, 1_200))
      })
      expect(signals).to.deep.equal([`BUY no ${DAL} 1 @ 0.5`, `BUY no ${PHI} 1 @ 0.42`])
    })

    it('does not fire when the fees eat the edge, or when the gap closes within confirmMs (half of a requote)', async () => {
      const signals = await run(await sample('arb.ts'), h => {
        h.feed(tick(PHI, { yesBid: 0.43, yesAsk: 0.45 }, 1_000), tick(DAL, { yesBid: 0.5, yesAsk: 0.52 }, 1_000)) // 0.97 + 0.04 fees
        h.feed(tick(PHI, { yesBid: 0.43, yesAsk: 0.45 }, 1_500))
        h.feed(tick(PHI, { yesBid: 0.38, yesAsk: 0.4 }, 2_000)) // 0.92 + fees: an opportunity…
        h.feed(tick(DAL, { yesBid: 0.58, yesAsk: 0.6 }, 2_030)) // …gone when the other leg requotes
        h.feed(tick(PHI, { yesBid: 0.38, yesAsk: 0.4 }, 2_500))
      })
      expect(signals).to.deep.equal([])
    })

    it('buys YES at the lower line and NO at the higher line when a ladder is out of order', async () => {
      const signals = await run(await sample('arb.ts'), h => {
        h.feed(tick(SPREAD(3), { yesBid: 0.38, yesAsk: 0.4 }, 1_000)) // stale: PHI by 3+ should cost more than by 7+
        h.feed(tick(SPREAD(7), { yesBid: 0.46, yesAsk: 0.48 }, 1_000)) // YES 0.40 + NO 0.54 + fees 0.04 = 0.98
        h.feed(tick(SPREAD(7), { yesBid: 0.46, yesAsk: 0.48 }, 1_200))
      })
      expect(signals).to.deep.equal([`BUY yes ${SPREAD(3)} 1 @ 0.4`, `BUY no ${SPREAD(7)} 1 @ 0.54`])
    })

    it('mode=book keeps the seed\'s single-book check (never met on a consistent book), once per excursion, quantity from params', async () => {
      const signals = await run(await sample('arb.ts'), h => {
        // Crossed quotes (only a recording or a broken feed shows them): 0.47 + 0.50 = 0.97.
        h.feed(tick(PHI, { yesBid: 0.5, yesAsk: 0.47 }), tick(PHI, { yesBid: 0.5, yesAsk: 0.47 }))
        h.feed(tick(PHI, { yesBid: 0.5, yesAsk: 0.48 })) // exactly 0.98: closed
        h.feed(tick(PHI, { yesBid: 0.51, yesAsk: 0.46 }))
      }, ['mode=book', 'quantity=4'])
      expect(signals).to.deep.equal([`BUY yes ${PHI} 4 @ 0.47`, `BUY no ${PHI} 4 @ 0.5`, `BUY yes ${PHI} 4 @ 0.46`, `BUY no ${PHI} 4 @ 0.49`])
    })
  })

  describe('momentum', () => {
    const prices = (h: ReturnType<typeof harness>, ticker: string, list: number[]) =>
      list.forEach((p, i) => h.feed(tick(ticker, { yesPrice: p, yesAsk: Math.round((p + 0.02) * 100) / 100 }, 1_000 + i)))

    it('buys yes at the ask after three rises in a row, then counts afresh', async () => {
      const signals = await run(await sample('momentum.ts'), h => prices(h, PHI, [0.4, 0.41, 0.42, 0.43, 0.44, 0.45, 0.46]))
      expect(signals).to.deep.equal([`BUY yes ${PHI} 1 @ 0.45`, `BUY yes ${PHI} 1 @ 0.48`])
    })

    it('ignores an unchanged price and restarts after a drop', async () => {
      const signals = await run(await sample('momentum.ts'), h => prices(h, PHI, [0.4, 0.41, 0.41, 0.42, 0.41, 0.42, 0.43]))
      expect(signals).to.deep.equal([])
    })

    it('follows each market separately', async () => {
      const signals = await run(await sample('momentum.ts'), h => {
        for (const [a, b] of [[0.4, 0.6], [0.41, 0.59], [0.42, 0.61], [0.43, 0.62]]) {
          h.feed(tick(PHI, { yesPrice: a, yesAsk: 0.5 }), tick(DAL, { yesPrice: b, yesAsk: 0.7 }))
        }
      })
      expect(signals).to.deep.equal([`BUY yes ${PHI} 1 @ 0.5`])
    })

    it('does not buy above maxPrice, and takes rises from params', async () => {
      const signals = await run(await sample('momentum.ts'), h => {
        prices(h, PHI, [0.8, 0.85, 0.9]) // asks 0.87, 0.92
        prices(h, DAL, [0.3, 0.31, 0.32])
      }, ['rises=2'])
      expect(signals).to.deep.equal([`BUY yes ${DAL} 1 @ 0.34`])
    })
  })

  describe('mean-reversion', () => {
    const params = ['window=5', 'zScore=2', 'minVolume=50']
    const trades = (h: ReturnType<typeof harness>, list: [number, number][]) =>
      list.forEach(([p, q], i) => h.feed(trade(PHI, p, q, 1_000 + i)))

    it('buys the oversold and sells the overbought, once per excursion', async () => {
      const signals = await run(await sample('mean-reversion.ts'), h => trades(h, [
        [0.5, 10], [0.51, 10], [0.49, 10], [0.5, 10], [0.5, 10],
        [0.4, 10], // far below: BUY
        [0.39, 10], // still below: no repeat
        [0.5, 10], [0.5, 10], [0.5, 10], [0.5, 10], [0.5, 10], [0.51, 10], // back inside the band
        [0.62, 10], // far above: SELL
      ]), params)
      expect(signals).to.deep.equal([`BUY yes ${PHI} 1 @ 0.4`, `SELL yes ${PHI} 1 @ 0.62`])
    })

    it('waits for a full window before acting', async () => {
      const signals = await run(await sample('mean-reversion.ts'), h => trades(h, [[0.5, 10], [0.51, 10], [0.49, 10], [0.5, 10], [0.2, 10]]), params)
      expect(signals).to.deep.equal([])
    })

    it('ignores outliers in a market with too little volume', async () => {
      const signals = await run(await sample('mean-reversion.ts'), h => trades(h, [[0.5, 5], [0.51, 5], [0.49, 5], [0.5, 5], [0.5, 5], [0.4, 5]]), params)
      expect(signals).to.deep.equal([])
    })

    it('ignores a flat market, where every move is infinitely many deviations', async () => {
      const signals = await run(await sample('mean-reversion.ts'), h => trades(h, [[0.5, 20], [0.5, 20], [0.5, 20], [0.5, 20], [0.5, 20], [0.45, 20]]), params)
      expect(signals).to.deep.equal([])
    })
  })
})
