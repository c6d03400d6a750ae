/**
 * What run-strategy needs for money as Kalshi counts it: the fee settings of the series traded
 * (GET /series/{series_ticker}, kept current by event_fee_update), and a market's REST result for
 * positions whose settlement the lifecycle channel did not bring.
 */
import { FeeSchedules } from '../core/fees.js'
import type { RestClient } from '../core/rest-client.js'
import type { Lifecycle } from '../core/types.js'
import { NeuralError } from '../errors.js'

/** Series of market tickers (SERIES-EVENT-MARKET). */
export function seriesOf(tickers: Iterable<string>): string[] {
  const out = new Set<string>()
  for (const t of tickers) {
    const dash = t.indexOf('-')
    if (dash > 0) out.add(t.slice(0, dash))
  }
  return [...out]
}

/**
 * Load each series' fee settings into `fees`. A series that cannot be read is charged the default
 * schedule (taker 0.07 × 1, no maker fee) and reported once; the run goes on.
 */
export async function loadFeeSchedules(rest: Pick<RestClient, 'getSeries'>, tickers: Iterable<string>, fees: FeeSchedules, onProblem: (e: NeuralError) => void): Promise<void> {
  for (const series of seriesOf(tickers)) {
    if (fees.hasSeries(series)) continue
    try {
      const info = await rest.getSeries(series)
      fees.setSeries(series, { feeType: info.feeType ?? 'quadratic', multiplier: info.feeMultiplier ?? 1 })
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      onProblem(new NeuralError('network', 'FEE_SCHEDULE', `${series}: fee settings unavailable (${reason}); charging the default taker rate 0.07`, { cause: error }))
    }
  }
}

/** Market statuses after which a REST `result` is final enough to pay out on. */
const DETERMINED = new Set(['determined', 'settled', 'finalized'])

/** A market's outcome from REST, or undefined while it is not determined. */
export async function restOutcome(rest: Pick<RestClient, 'getMarket'>, ticker: string): Promise<Pick<Lifecycle, 'result' | 'settlementValue'> | undefined> {
  const m = await rest.getMarket(ticker)
  if (!DETERMINED.has(m.status) || (m.result === undefined && m.settlementValue === undefined)) return undefined
  return { result: m.result, ...(m.settlementValue !== undefined ? { settlementValue: m.settlementValue } : {}) }
}
