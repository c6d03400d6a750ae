import { OrderFees, feeRate } from '../core/fees.js'
import type { Side } from '../core/types.js'
import type { SimMarket } from './catalog.js'
import type { SimWorld } from './world.js'

export interface OrderRequest {
  keyId?: string
  market: SimMarket
  action: 'buy' | 'sell'
  side: Side
  /** Count units. */
  count: number
  /** Limit price for `side`, price units. */
  price: number
  clientOrderId?: string
  timeInForce: 'good_till_canceled' | 'immediate_or_cancel' | 'fill_or_kill'
}

export interface OrderResult {
  orderId: string
  status: 'resting' | 'executed' | 'canceled'
  filled: number
  remaining: number
  /** Price units paid across fills, for taker_fill_cost. */
  fillCost: number
  /** Fees charged across fills (Kalshi's taker fee, src/core/fees.ts), micro-dollars. */
  feeMicros: number
  /** Where any remainder rests: the bid side and its price. */
  restSide: Side
  restPrice: number
}

let orderSeq = 0

/**
 * Match a limit order against the authoritative book. Kalshi books hold bids only, so every
 * order is a bid on one side: buy yes @P bids yes at P and crosses resting NO bids priced at
 * 1−P or better; sell yes @P is the same as buy no @(1−P), and so on. Fills change the book
 * (deltas), print trades, and send a private fill to the owner's connections.
 */
export function placeOrder(world: SimWorld, req: OrderRequest): OrderResult {
  const restSide: Side = req.action === 'buy' ? req.side : req.side === 'yes' ? 'no' : 'yes'
  const restPrice = req.action === 'buy' ? req.price : 10_000 - req.price
  const opposite: Side = restSide === 'yes' ? 'no' : 'yes'
  const m = req.market
  const orderId = `5e1a0de0-0000-4000-8000-${(++orderSeq).toString(16).padStart(12, '0')}`

  // Crossing levels: opposite bids at ≥ 1 − restPrice, best (highest) first.
  const crossing = m.book.levels(opposite).filter(([p]) => p + restPrice >= 10_000)
  const available = crossing.reduce((s, [, q]) => s + q, 0)
  if (req.timeInForce === 'fill_or_kill' && available < req.count) {
    return { orderId, status: 'canceled', filled: 0, remaining: 0, fillCost: 0, feeMicros: 0, restSide, restPrice }
  }

  let remaining = req.count
  let fillCost = 0
  // The order's own fills pay the taker fee of the market's series, one rounding accumulator per order.
  const series = world.seriesByTicker(m.seriesTicker)
  const rate = feeRate({ feeType: series?.feeType ?? 'quadratic', multiplier: series?.feeMultiplier ?? 1 }, 'taker')
  const fees = new OrderFees()
  for (const [price, qty] of crossing) {
    if (remaining === 0) break
    const take = Math.min(qty, remaining)
    world.applyDelta(m, opposite, price, -take, undefined)
    // The taker pays 1 − (the resting bid) on its own side; the trade is quoted in yes price.
    const yesPrice = restSide === 'yes' ? 10_000 - price : price
    const trade = world.recordTrade(m, yesPrice, take, restSide)
    const sidePrice = req.side === 'yes' ? yesPrice : 10_000 - yesPrice
    const fee = fees.fill(req.action, take, sidePrice, rate)
    world.emit({ kind: 'fill', keyId: req.keyId, market: m, trade, orderId, side: req.side, action: req.action, isTaker: true, clientOrderId: req.clientOrderId, feeMicros: fee.netFeeMicros })
    remaining -= take
    fillCost += take * (10_000 - price)
  }
  const filled = req.count - remaining
  let status: OrderResult['status'] = remaining === 0 ? 'executed' : 'resting'
  if (remaining > 0 && req.timeInForce === 'good_till_canceled') {
    world.applyDelta(m, restSide, restPrice, remaining, req.clientOrderId)
  } else if (remaining > 0) {
    status = 'canceled'
    remaining = 0
  }
  world.emitTicker(m)
  return { orderId, status, filled, remaining, fillCost, feeMicros: fees.totalMicros, restSide, restPrice }
}
