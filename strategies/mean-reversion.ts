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

/**
 * A market's last `window` trades as a ring: once full, each trade overwrites the oldest. (Arrays
 * that push and shift on every trade keep reallocating their storage, which with thousands of
 * markets is a steady stream of garbage for the garbage collector.)
 */
interface MarketWindow {
  prices: number[]
  quantities: number[]
  /** Trades held (up to `window`), and where the next one goes. */
  count: number
  next: number
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
      w = { prices: new Array<number>(window).fill(0), quantities: new Array<number>(window).fill(0), count: 0, next: 0 }
      windows.set(trade.ticker, w)
    }
    // Statistics of the trades before this one: an outlier must not soften its own z-score.
    let signal: Signal | undefined
    if (w.count >= window) {
      const mean = w.prices.reduce((a, b) => a + b, 0) / window
      const variance = w.prices.reduce((a, p) => a + (p - mean) ** 2, 0) / window
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
            reason: `yes ${trade.price.toFixed(2)} is ${z.toFixed(1)} sd from the mean ${mean.toFixed(3)} of ${window} trades (${volume} contracts)`,
          }
        }
      }
    }
    w.prices[w.next] = trade.price
    w.quantities[w.next] = trade.quantity
    w.next = (w.next + 1) % window
    if (w.count < window) w.count++
    return signal
  },
}

export default strategy
