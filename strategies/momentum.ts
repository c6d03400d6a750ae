/**
 * momentum — buy yes after the yes price has risen several times in a row.
 *
 * Follows each market's last traded yes price from its ticks. A tick with the same price as before
 * changes nothing; a higher one extends the run; a lower one ends it. When the run reaches `rises`,
 * the strategy buys yes at the current yes ask (never above `maxPrice`) and starts counting afresh,
 * so a long climb gives one signal per `rises` steps, not one per tick.
 *
 * Params:
 *   rises     number  3     consecutive price rises needed
 *   quantity  number  1     contracts to buy
 *   maxPrice  number  0.90  never buy when the yes ask is above this (dollars)
 *
 *   neural run-strategy strategies/momentum.ts --param rises=4
 */
import type { Strategy } from 'neural'

type Params = { rises: number; quantity: number; maxPrice: number }

/** Per market: the last yes price seen and how many rises in a row led to it. */
const runs = new Map<string, { price: number; rises: number }>()

const strategy: Strategy<Params> = {
  name: 'momentum',
  markets: ['KXNFLGAME*'],
  params: { rises: 3, quantity: 1, maxPrice: 0.9 },

  onStart() {
    runs.clear()
  },

  onTick(tick, ctx) {
    const price = tick.yesPrice
    if (price === undefined) return
    const run = runs.get(tick.ticker)
    if (!run) {
      runs.set(tick.ticker, { price, rises: 0 })
      return
    }
    if (price === run.price) return
    run.rises = price > run.price ? run.rises + 1 : 0
    run.price = price
    if (run.rises < ctx.params.rises) return
    run.rises = 0
    const ask = tick.yesAsk
    if (ask === undefined || ask > ctx.params.maxPrice || ask < 0.01 || ask > 0.99) return
    return {
      action: 'BUY',
      ticker: tick.ticker,
      side: 'yes',
      quantity: ctx.params.quantity,
      limitPrice: ask,
      confidence: 0.6,
      reason: `yes price rose ${ctx.params.rises} times in a row to ${price.toFixed(2)}`,
    }
  },
}

export default strategy
