import { PRICE_SCALE } from '../../core/fixed-point.js'
import type { Fill } from '../../core/types.js'
import type { RiskLimits } from '../../config/types.js'
import { NeuralError } from '../../errors.js'

export const RISK_LIMIT_NAMES = ['maxContractsPerOrder', 'maxPositionPerMarket', 'maxOrdersPerMinute', 'maxTotalCostDollars'] as const
export type RiskLimitName = (typeof RISK_LIMIT_NAMES)[number]

/** Live orders need every limit: a missing or non-positive one refuses the start with one line. */
export function requireRiskLimits(limits: Partial<RiskLimits> | undefined): RiskLimits {
  const missing = RISK_LIMIT_NAMES.filter(k => limits?.[k] === undefined)
  if (missing.length) {
    throw new NeuralError('config', 'RISK_LIMITS', `live orders need risk limits; missing ${missing.map(k => `risk.${k}`).join(', ')} in the rc file`)
  }
  for (const k of RISK_LIMIT_NAMES) {
    const v = limits![k]
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      throw new NeuralError('config', 'RISK_LIMITS', `risk.${k} must be a positive number (got ${String(v)})`)
    }
  }
  return Object.freeze({ ...(limits as RiskLimits) })
}

export interface OrderIntent {
  ticker: string
  action: 'buy' | 'sell'
  quantity: number
  /** Limit price for the order's side, price units. */
  priceUnits: number
  /** The most the order can pay in fees (taker fee at the limit price), price units. */
  feeUnits?: number
}

export type RiskCheck = { ok: true } | { ok: false; limit: RiskLimitName; message: string }

const MINUTE_MS = 60_000

/**
 * The limits an order must pass before it is sent. Accounting is deliberately conservative: a buy
 * counts toward position and cost as soon as it is sent (as if filled in full), a sell reduces the
 * position only when its fill arrives, because an unfilled sell leaves the exposure where it was.
 */
export class RiskGuard {
  private readonly sentAt: number[] = []
  private readonly exposure = new Map<string, number>()
  private costUnits = 0

  constructor(readonly limits: RiskLimits) {}

  check(order: OrderIntent, now: number): RiskCheck {
    const l = this.limits
    if (order.quantity > l.maxContractsPerOrder) {
      return { ok: false, limit: 'maxContractsPerOrder', message: `${order.quantity} contracts is over maxContractsPerOrder ${l.maxContractsPerOrder}` }
    }
    this.forget(now)
    if (this.sentAt.length + 1 > l.maxOrdersPerMinute) {
      return { ok: false, limit: 'maxOrdersPerMinute', message: `${this.sentAt.length} orders in the last minute; maxOrdersPerMinute is ${l.maxOrdersPerMinute}` }
    }
    if (order.action === 'buy') {
      const position = (this.exposure.get(order.ticker) ?? 0) + order.quantity
      if (position > l.maxPositionPerMarket) {
        return { ok: false, limit: 'maxPositionPerMarket', message: `position in ${order.ticker} would be ${position} contracts; maxPositionPerMarket is ${l.maxPositionPerMarket}` }
      }
      // Fees are money spent: the limit counts them (src/core/fees.ts).
      const cost = this.costUnits + order.priceUnits * order.quantity + (order.feeUnits ?? 0)
      if (cost > Math.round(l.maxTotalCostDollars * PRICE_SCALE)) {
        const fees = order.feeUnits ? ` with $${(order.feeUnits / PRICE_SCALE).toFixed(2)} fees` : ''
        return { ok: false, limit: 'maxTotalCostDollars', message: `total cost would be $${(cost / PRICE_SCALE).toFixed(2)}${fees}; maxTotalCostDollars is $${l.maxTotalCostDollars.toFixed(2)}` }
      }
    }
    return { ok: true }
  }

  /** Count an order that is about to be sent. */
  record(order: OrderIntent, now: number): void {
    this.sentAt.push(now)
    if (order.action === 'buy') {
      this.exposure.set(order.ticker, (this.exposure.get(order.ticker) ?? 0) + order.quantity)
      this.costUnits += order.priceUnits * order.quantity + (order.feeUnits ?? 0)
    }
  }

  /**
   * Start from what the exchange holds for the account: contracts per market (held plus resting
   * buys), the cost of both, and when its orders of the last minute were placed, so limits hold
   * across restarts and other processes.
   */
  seed(exposure: ReadonlyMap<string, number>, costUnits: number, sentAtMs: readonly number[] = []): void {
    for (const [ticker, contracts] of exposure) this.exposure.set(ticker, (this.exposure.get(ticker) ?? 0) + contracts)
    this.costUnits += costUnits
    // The account's orders of the last minute count toward maxOrdersPerMinute (found from outside: a
    // restarted run sent a fourth order in the minute of a limit of 3).
    this.sentAt.push(...sentAtMs)
    this.sentAt.sort((a, b) => a - b)
  }

  /**
   * Start again from what the exchange holds now (after another process on the account traded):
   * what this guard had counted is in the exchange's figures by then.
   */
  reset(exposure: ReadonlyMap<string, number>, costUnits: number, sentAtMs: readonly number[]): void {
    this.exposure.clear()
    this.costUnits = 0
    this.sentAt.length = 0
    this.seed(exposure, costUnits, sentAtMs)
  }

  /** Give back the part of a recorded buy that will never fill (cancelled remainder, or an order the exchange already had). */
  release(order: OrderIntent, contracts: number): void {
    if (order.action !== 'buy' || contracts <= 0) return
    this.exposure.set(order.ticker, Math.max(0, (this.exposure.get(order.ticker) ?? 0) - contracts))
    // The fee counted for the contracts that never fill is given back with them (pro rata).
    const feeUnits = order.feeUnits && order.quantity > 0 ? Math.floor((order.feeUnits * Math.min(contracts, order.quantity)) / order.quantity) : 0
    this.costUnits = Math.max(0, this.costUnits - order.priceUnits * contracts - feeUnits)
  }

  /** A sell that filled lowers the position it closed. */
  onFill(fill: Fill): void {
    if (fill.action === 'buy' || fill.action === '') return
    const left = Math.max(0, (this.exposure.get(fill.ticker) ?? 0) - fill.quantity)
    this.exposure.set(fill.ticker, left)
  }

  private forget(now: number): void {
    while (this.sentAt.length && this.sentAt[0]! <= now - MINUTE_MS) this.sentAt.shift()
  }
}
