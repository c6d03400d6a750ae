/**
 * Kalshi's trading fees, in one place: the paper hook, the kalshi hook's pre-trade checks, the
 * simulator's fills, strategies and backtests all charge through this module.
 *
 * Sources (read 2026-12 through stored copies):
 * - Fee schedule (kalshi.com/docs/kalshi-fee-schedule.pdf, July 2026 update; help.kalshi.com): trade
 *   fee = rate × C × P × (1 − P), C contracts at price P dollars. Takers pay rate 0.07; makers pay
 *   0.0175 only on series whose `fee_type` is `quadratic_with_maker_fees` (sports games among them),
 *   nothing elsewhere. The series' `fee_multiplier` scales the rate (GET /series/{series_ticker}),
 *   and an event can override both (`fee_type_override`, `fee_multiplier_override`, changed live
 *   by the `event_fee_update` message on the market_lifecycle_v2 channel, null = cleared).
 * - Fee rounding (docs.kalshi.com/getting_started/fee_rounding): the trade fee is rounded UP to the
 *   centicent ($0.0001); the balance change (revenue − trade fee) is floored to the member's balance
 *   precision (a cent for non-direct members, a centicent for direct members) and the difference is
 *   a rounding fee; a per-order accumulator refunds a whole cent each time the rounding paid across
 *   the order's fills exceeds $0.01. For whole contracts at whole-cent prices this comes to the
 *   familiar "round the fee up to the cent": 1 @ $0.50 taker = $0.02, 100 @ $0.50 = $1.75.
 *
 * Everything is exact integer arithmetic in micro-dollars (price units × count units: 1/10,000 $ ×
 * 1/100 contract), with BigInt where a product can pass 2^53.
 */
import { COUNT_SCALE, PRICE_SCALE } from './fixed-point.js'
import type { EventFeeUpdate } from './types.js'

export type Liquidity = 'taker' | 'maker'

/** Kalshi's series fee types (OpenAPI `fee_type`); any other string is kept as sent. */
export type FeeType = 'quadratic' | 'quadratic_with_maker_fees' | 'flat' | (string & {})

/** The fee settings in force for one market. */
export interface FeeSchedule {
  feeType: FeeType
  /** Scales the base rate (1 = the published 0.07 / 0.0175). */
  multiplier: number
}

export const TAKER_RATE = 0.07
export const MAKER_RATE = 0.0175
/** What a series we know nothing about is charged: takers pay the full rate, makers nothing. */
export const DEFAULT_FEE_SCHEDULE: FeeSchedule = Object.freeze({ feeType: 'quadratic', multiplier: 1 })

/** Micro-dollars per dollar: price units (1e-4 $) × count units (1e-2 contract). */
export const MICROS_PER_DOLLAR = PRICE_SCALE * COUNT_SCALE
const CENTICENT_MICROS = 100
/** Balance precision of a non-direct member: a cent. */
export const CENT_MICROS = 10_000

/**
 * The rate a fill pays. Makers pay only where the series charges maker fees. A `flat` series is
 * charged by the quadratic formula here: the documents read give no other formula for it, and the
 * quadratic one is what such series were observed to charge takers.
 */
export function feeRate(schedule: FeeSchedule, liquidity: Liquidity): number {
  if (liquidity === 'maker' && schedule.feeType !== 'quadratic_with_maker_fees') return 0
  return (liquidity === 'taker' ? TAKER_RATE : MAKER_RATE) * schedule.multiplier
}

/** Rate in parts per 10^8 (0.0175 × 0.5 stays exact). */
const RATE_SCALE = 100_000_000n

/**
 * The trade fee of one fill, micro-dollars, rounded up to the centicent: ceil(rate × C × P × (1 − P)).
 * `countUnits` is contracts × 100, `priceUnits` dollars × 10,000.
 */
export function tradeFeeMicros(rate: number, countUnits: number, priceUnits: number): number {
  if (rate <= 0 || countUnits <= 0) return 0
  const r = BigInt(Math.round(rate * Number(RATE_SCALE)))
  const p = BigInt(priceUnits)
  // rate × (count/100) × (p/1e4) × ((1e4 − p)/1e4) dollars, in centicents (× 1e4):
  const numerator = r * BigInt(countUnits) * p * (BigInt(PRICE_SCALE) - p)
  const denominator = RATE_SCALE * BigInt(COUNT_SCALE) * BigInt(PRICE_SCALE)
  const centicents = (numerator + denominator - 1n) / denominator
  return Number(centicents) * CENTICENT_MICROS
}

/** What one fill costs in fees, micro-dollars (see the fee-rounding page). */
export interface FillFee {
  tradeFeeMicros: number
  roundingFeeMicros: number
  rebateMicros: number
  /** trade fee + rounding fee − rebate: what the fill's fee is reported as (`fee_cost`). */
  netFeeMicros: number
  /** What the member's balance moves by: revenue − net fee. */
  balanceChangeMicros: number
}

const floorTo = (x: number, step: number) => Math.floor(x / step) * step

/**
 * The fees of one order, fill by fill, with Kalshi's per-order rounding accumulator. Make one per
 * order; call `fill` for each match in order.
 */
export class OrderFees {
  private accumulatorMicros = 0
  totalMicros = 0

  /** @param balancePrecisionMicros CENT_MICROS for non-direct members (the default), 100 for direct members. */
  constructor(private readonly balancePrecisionMicros = CENT_MICROS) {}

  /**
   * One fill. `revenueMicros` is signed: negative for a buy (−price × count), positive for a sale.
   * `tradeFee` is the fee model's fee (already a whole number of centicents, see tradeFeeMicros).
   */
  apply(revenueMicros: number, tradeFee: number): FillFee {
    const balanceChange = revenueMicros - tradeFee
    const floored = floorTo(balanceChange, this.balancePrecisionMicros)
    const rounding = balanceChange - floored
    this.accumulatorMicros += rounding
    let rebate = 0
    // "Once the accumulated rounding exceeds $0.01, a whole-cent rebate is issued."
    while (this.accumulatorMicros > CENT_MICROS) {
      rebate += CENT_MICROS
      this.accumulatorMicros -= CENT_MICROS
    }
    const net = tradeFee + rounding - rebate
    this.totalMicros += net
    return { tradeFeeMicros: tradeFee, roundingFeeMicros: rounding, rebateMicros: rebate, netFeeMicros: net, balanceChangeMicros: floored + rebate }
  }

  /** One fill of `countUnits` at `priceUnits` (the price of the side traded), bought or sold. */
  fill(action: 'buy' | 'sell', countUnits: number, priceUnits: number, rate: number): FillFee {
    const notional = countUnits * priceUnits
    return this.apply(action === 'buy' ? -notional : notional, tradeFeeMicros(rate, countUnits, priceUnits))
  }
}

/**
 * The fee, in dollars, of a single fill of `contracts` at `priceDollars` for a non-direct member:
 * what a strategy should expect a one-level order to cost. 1 @ 0.50 taker → 0.02.
 */
export function feeDollars(contracts: number, priceDollars: number, liquidity: Liquidity = 'taker', schedule: FeeSchedule = DEFAULT_FEE_SCHEDULE): number {
  const countUnits = Math.round(contracts * COUNT_SCALE)
  const priceUnits = Math.round(priceDollars * PRICE_SCALE)
  const fee = new OrderFees().fill('buy', countUnits, priceUnits, feeRate(schedule, liquidity))
  return fee.netFeeMicros / MICROS_PER_DOLLAR
}

/** The taker fee of a single fill (the fee a paper or immediate-or-cancel order pays). */
export function takerFeeDollars(contracts: number, priceDollars: number, schedule: FeeSchedule = DEFAULT_FEE_SCHEDULE): number {
  return feeDollars(contracts, priceDollars, 'taker', schedule)
}


interface Override { feeType: string | null; multiplier: number | null }

/**
 * The fee settings of every market neural trades: the series' (from GET /series/{series_ticker}),
 * with event overrides on top as `event_fee_update` messages arrive. A series never loaded is
 * charged DEFAULT_FEE_SCHEDULE.
 */
export class FeeSchedules {
  private readonly series = new Map<string, FeeSchedule>()
  private readonly events = new Map<string, Override>()

  setSeries(seriesTicker: string, schedule: FeeSchedule): void {
    this.series.set(seriesTicker, Object.freeze({ ...schedule }))
  }

  hasSeries(seriesTicker: string): boolean {
    return this.series.has(seriesTicker)
  }

  /** Set or clear one event's override. */
  applyUpdate(update: Pick<EventFeeUpdate, 'eventTicker' | 'feeType' | 'feeMultiplier'>): void {
    if (update.feeType === null && update.feeMultiplier === null) this.events.delete(update.eventTicker)
    else this.events.set(update.eventTicker, { feeType: update.feeType, multiplier: update.feeMultiplier })
  }

  /** The schedule for a market ticker (SERIES-EVENT-MARKET; the event is all but the last part). */
  forMarket(ticker: string): FeeSchedule {
    const first = ticker.indexOf('-')
    const last = ticker.lastIndexOf('-')
    const seriesTicker = first > 0 ? ticker.slice(0, first) : ticker
    const eventTicker = last > first ? ticker.slice(0, last) : ticker
    const base = this.series.get(seriesTicker) ?? DEFAULT_FEE_SCHEDULE
    const override = this.events.get(eventTicker)
    if (!override) return base
    return { feeType: override.feeType ?? base.feeType, multiplier: override.multiplier ?? base.multiplier }
  }
}
