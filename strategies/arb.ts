/**
 * arb — buy both sides of a market when together they cost less than $1.
 *
 * A yes contract and a no contract of the same market always pay $1 between them at settlement.
 * When yes ask + no ask (no ask = 1 − yes bid) is below `threshold`, buying one of each locks in
 * the difference, if both legs fill. On a consistent book this cannot happen (it would be a crossed
 * book); it shows up on stale or fast-moving quotes, so expect it rarely and size it small.
 *
 * Signals: BUY yes at the yes ask and BUY no at the no ask, each limited to that price. Fires once
 * when a market's cost drops below the threshold, and again only after it has gone back above.
 *
 * Params:
 *   threshold  number  0.98  fire when yes ask + no ask is below this (dollars)
 *   quantity   number  1     contracts per leg
 *
 *   neural run-strategy strategies/arb.ts --param threshold=0.97 --hook paper
 */
import type { Strategy } from 'neural'

type Params = { threshold: number; quantity: number }

/** Markets currently below the threshold, so one opportunity gives one pair of signals. */
const open = new Set<string>()

// Integer ten-thousandths of a dollar, so 0.55 + 0.43 compares exactly against 0.98.
const units = (dollars: number) => Math.round(dollars * 10_000)

const strategy: Strategy<Params> = {
  name: 'arb',
  markets: ['KXNFLGAME*'],
  params: { threshold: 0.98, quantity: 1 },

  onStart() {
    open.clear()
  },

  onTick(tick, ctx) {
    if (tick.yesAsk === undefined || tick.yesBid === undefined) return
    const yesAsk = units(tick.yesAsk)
    const noAsk = 10_000 - units(tick.yesBid)
    const cost = yesAsk + noAsk
    if (cost >= units(ctx.params.threshold)) {
      open.delete(tick.ticker)
      return
    }
    // Both legs need a limit inside 0.01–0.99; outside it there is nothing to buy anyway.
    if (open.has(tick.ticker) || yesAsk < 100 || yesAsk > 9_900 || noAsk < 100 || noAsk > 9_900) return
    open.add(tick.ticker)
    const reason = `yes ask ${(yesAsk / 10_000).toFixed(2)} + no ask ${(noAsk / 10_000).toFixed(2)} = ${(cost / 10_000).toFixed(2)} < ${ctx.params.threshold}`
    const quantity = ctx.params.quantity
    return [
      { action: 'BUY', ticker: tick.ticker, side: 'yes', quantity, limitPrice: yesAsk / 10_000, confidence: 0.9, reason },
      { action: 'BUY', ticker: tick.ticker, side: 'no', quantity, limitPrice: noAsk / 10_000, confidence: 0.9, reason },
    ]
  },
}

export default strategy
