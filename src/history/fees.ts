/**
 * Trade fees for the backtest, behind the interface the money issue's fee module offers
 * (`feeDollars({priceDollars, contracts, isMaker, series})`).
 * TODO(lead): when src/core/fees.ts (fees helper) is merged, pass its feeDollars to runBacktest
 * instead of kalshiFeeDollars, and delete this file.
 *
 * Kalshi's schedule (kalshi.com/docs/kalshi-fee-schedule.pdf; /work/shared/kalshi-protocol.md):
 * fee = round up to the next cent of rate × contracts × P × (1 − P); taker rate 0.07; maker rate
 * 0.0175 on series that charge makers (sports games among them), else 0.
 */
import { PRICE_SCALE, dollarsNumberToUnits } from '../core/fixed-point.js'

export interface FeeInput {
  priceDollars: number
  contracts: number
  isMaker: boolean
  series: string
}

export type FeeDollars = (input: FeeInput) => number

/** Series whose makers pay the maker rate (the sports game series this project trades). */
const MAKER_FEE_SERIES = new Set(['KXNFLGAME', 'KXNFLSPREAD', 'KXNFLTOTAL'])

/** In integer arithmetic: rate as a fraction over 10,000 (700 = 0.07), price in 1/10000 dollars. */
export function kalshiFeeDollars({ priceDollars, contracts, isMaker, series }: FeeInput): number {
  const rate = isMaker ? (MAKER_FEE_SERIES.has(series) ? 175 : 0) : 700
  if (rate === 0 || contracts <= 0) return 0
  const p = dollarsNumberToUnits(priceDollars)
  // cents = rate/1e4 × C × p/1e4 × (1e4 − p)/1e4 × 100, rounded up.
  const numerator = BigInt(rate) * BigInt(contracts) * BigInt(p) * BigInt(PRICE_SCALE - p)
  const denominator = 10n ** 10n
  const cents = (numerator + denominator - 1n) / denominator
  return Number(cents) / 100
}
