/**
 * mean-reversion — bet that a trade far from the recent average price will be undone.
 *
 * Keeps each market's last `window` trades. When a new trade's yes price is more than `zScore`
 * standard deviations from their mean, and those trades add up to at least `minVolume` contracts
 * (so a thin market's noise is ignored), it signals: below the mean → BUY yes (oversold), above the
 * mean → SELL yes (overbought; with the paper hook this only sells what is held). One signal per
 * excursion: the market must come back within the band before it can signal that way again.
 *
 * Params:
 *   window     number  20    trades in the rolling window (the first `window` trades only warm up)
 *   zScore     number  2     how many standard deviations from the mean counts as far
 *   minVolume  number  100   contracts traded in the window needed to act
 *   quantity   number  1     contracts per signal
 *
 *   neural run-strategy strategies/mean-reversion.ts --param zScore=2.5 --hook paper
 */
import type { Signal, Strategy } from 'neural'

type Params = { window: number; zScore: number; minVolume: number; quantity: number }

interface MarketWindow {
  prices: number[]
  quantities: number[]
  /** The side of the band the last signal was for; undefined when back inside it. */
  excursion?: 'low' | 'high'
}

const windows = new Map<string, MarketWindow>()

const strategy: Strategy<Params> = {
  name: 'mean-reversion',
  markets: ['KXNFLGAME*'],
  params: { window: 20, zScore: 2, minVolume: 100, quantity: 1 },

  onStart() {
    windows.clear()
  },

  onTrade(trade, ctx) {
    const { window, zScore, minVolume, quantity } = ctx.params
    let w = windows.get(trade.ticker)
    if (!w) {
      w = { prices: [], quantities: [] }
      windows.set(trade.ticker, w)
    }
    // Statistics of the trades before this one: an outlier must not soften its own z-score.
    let signal: Signal | undefined
    if (w.prices.length >= window) {
      const mean = w.prices.reduce((a, b) => a + b, 0) / w.prices.length
      const variance = w.prices.reduce((a, p) => a + (p - mean) ** 2, 0) / w.prices.length
      const sd = Math.sqrt(variance)
      const volume = w.quantities.reduce((a, b) => a + b, 0)
      const z = sd > 0 ? (trade.price - mean) / sd : 0
      const side = z <= -zScore ? 'low' : z >= zScore ? 'high' : undefined
      if (side === undefined) w.excursion = undefined
      else if (side !== w.excursion && volume >= minVolume) {
        w.excursion = side
        const limit = Math.round(trade.price * 100) / 100
        if (limit >= 0.01 && limit <= 0.99) {
          signal = {
            action: side === 'low' ? 'BUY' : 'SELL',
            ticker: trade.ticker,
            side: 'yes',
            quantity,
            limitPrice: limit,
            confidence: Math.min(1, Math.abs(z) / (2 * zScore)),
            reason: `yes ${trade.price.toFixed(2)} is ${z.toFixed(1)} sd from the mean ${mean.toFixed(3)} of ${w.prices.length} trades (${volume} contracts)`,
          }
        }
      }
    }
    w.prices.push(trade.price)
    w.quantities.push(trade.quantity)
    if (w.prices.length > window) {
      w.prices.shift()
      w.quantities.shift()
    }
    return signal
  },
}

export default strategy
