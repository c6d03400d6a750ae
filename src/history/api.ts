/**
 * Kalshi's history endpoints, parsed at the edge into integer units (price 1/10000 dollar, count
 * 1/100 contract) so stored sums are exact. Shapes and limits from Kalshi's OpenAPI (as shipped in
 * kalshi-typescript 3.30, api/market-api.ts and api/historical-api.ts; docs.kalshi.com "Get Trades",
 * "Get Market Candlesticks", "Batch Get Market Candlesticks", "Historical Data"):
 * - GET /markets/trades?ticker&min_ts&max_ts&limit(1–1000, default 100)&cursor → {trades, cursor}; "" = last page.
 * - GET /series/{series}/markets/{ticker}/candlesticks?start_ts&end_ts&period_interval(1|60|1440) → {ticker, candlesticks}.
 * - GET /markets/candlesticks?market_tickers(≤100)&start_ts&end_ts&period_interval → {markets:[{market_ticker, candlesticks}]},
 *   at most 10,000 candlesticks per response.
 * - GET /historical/cutoff → {market_settled_ts, trades_created_ts, …}: older trades are only served by
 *   GET /historical/trades and older settled markets' candles by GET /historical/markets/{ticker}/candlesticks
 *   (there the OHLC fields are `open`…`close` dollar strings and counts `volume`/`open_interest`).
 */
import { centsToUnits, countToUnits, dollarsToUnits } from '../core/fixed-point.js'
import type { RestClient } from '../core/rest-client.js'
import type { Side } from '../core/types.js'
import { NeuralError } from '../errors.js'

export type PeriodMinutes = 1 | 60 | 1440
export const PERIODS: readonly PeriodMinutes[] = [1, 60, 1440]

export interface HistoryTrade {
  tradeId: string
  ticker: string
  yesPriceUnits: number
  countUnits: number
  /** The outcome side the taker bought (taker_outcome_side; older taker_side). */
  takerSide: Side
  createdMs: number
  isBlockTrade: boolean
}

export interface Ohlc { open: number; low: number; high: number; close: number }

export interface Candle {
  ticker: string
  periodMinutes: PeriodMinutes
  /** Inclusive end of the period, Unix seconds. */
  endPeriodTs: number
  yesBid?: Ohlc
  yesAsk?: Ohlc
  /** Trade prices in the period; absent when nothing traded. */
  price?: Ohlc
  volumeUnits: number
  openInterestUnits: number
}

export interface HistoricalCutoff {
  /** Markets settled before this (epoch ms) are served by /historical/markets…; undefined = no cutoff known. */
  marketSettledMs?: number
  /** Trades before this are served by /historical/trades. */
  tradesCreatedMs?: number
}

type Obj = Record<string, unknown>

const bad = (what: string) => new NeuralError('protocol', 'BAD_RESPONSE', `the exchange sent ${what}`)

/** ISO 8601, or Unix seconds as a number or digit string (the cutoff's format is not pinned down in the docs). */
function isoMs(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v * 1000
  if (typeof v !== 'string') return undefined
  if (/^\d+$/.test(v)) return Number(v) * 1000
  const ms = Date.parse(v)
  return Number.isFinite(ms) ? ms : undefined
}

export function parseTrade(raw: unknown): HistoryTrade {
  if (!raw || typeof raw !== 'object') throw bad('a trade that is not an object')
  const o = raw as Obj
  const tradeId = typeof o.trade_id === 'string' && o.trade_id ? o.trade_id : undefined
  const ticker = typeof o.ticker === 'string' && o.ticker ? o.ticker : undefined
  const yesPriceUnits = dollarsToUnits(o.yes_price_dollars) ?? centsToUnits(o.yes_price)
  const countUnits = countToUnits(o.count_fp) ?? countToUnits(o.count)
  const side = o.taker_outcome_side ?? o.taker_side
  const createdMs = isoMs(o.created_time)
  if (!tradeId || !ticker || yesPriceUnits === undefined || countUnits === undefined || (side !== 'yes' && side !== 'no') || createdMs === undefined) {
    throw bad(`a trade missing trade_id, ticker, yes_price_dollars, count_fp, taker_outcome_side or created_time (${JSON.stringify(raw).slice(0, 160)})`)
  }
  return { tradeId, ticker, yesPriceUnits, countUnits, takerSide: side, createdMs, isBlockTrade: o.is_block_trade === true }
}

/** `{open_dollars,…}` (current), `{open,…}` dollar strings (historical) or integer cents (legacy). */
function ohlc(v: unknown): Ohlc | undefined {
  if (!v || typeof v !== 'object') return undefined
  const o = v as Obj
  const one = (k: string) => dollarsToUnits(o[`${k}_dollars`]) ?? (typeof o[k] === 'string' ? dollarsToUnits(o[k]) : centsToUnits(o[k]))
  const open = one('open'), low = one('low'), high = one('high'), close = one('close')
  if (open === undefined || low === undefined || high === undefined || close === undefined) return undefined
  return { open, low, high, close }
}

export function parseCandle(raw: unknown, ticker: string, periodMinutes: PeriodMinutes): Candle {
  if (!raw || typeof raw !== 'object') throw bad('a candlestick that is not an object')
  const o = raw as Obj
  const endPeriodTs = typeof o.end_period_ts === 'number' && Number.isInteger(o.end_period_ts) ? o.end_period_ts : undefined
  if (endPeriodTs === undefined) throw bad(`a candlestick without end_period_ts for ${ticker}`)
  return {
    ticker,
    periodMinutes,
    endPeriodTs,
    yesBid: ohlc(o.yes_bid),
    yesAsk: ohlc(o.yes_ask),
    price: ohlc(o.price),
    volumeUnits: countToUnits(o.volume_fp) ?? countToUnits(o.volume) ?? 0,
    openInterestUnits: countToUnits(o.open_interest_fp) ?? countToUnits(o.open_interest) ?? 0,
  }
}

const cursorOf = (body: Obj) => (typeof body.cursor === 'string' ? body.cursor : '')

export interface TradePageQuery {
  ticker: string
  /** Unix seconds, both ends as Kalshi filters them. */
  minTs?: number
  maxTs?: number
  limit?: number
  cursor?: string
  /** Ask /historical/trades (trades before the cutoff). */
  historical?: boolean
}

export async function getTradesPage(client: RestClient, q: TradePageQuery): Promise<{ trades: HistoryTrade[]; cursor: string }> {
  const body = await client.getJson(q.historical ? '/historical/trades' : '/markets/trades', {
    ticker: q.ticker, min_ts: q.minTs, max_ts: q.maxTs, limit: q.limit ?? 1000, cursor: q.cursor,
  })
  if (!Array.isArray(body.trades)) throw bad(`no trades array for ${q.ticker}`)
  return { trades: body.trades.map(parseTrade), cursor: cursorOf(body) }
}

export interface CandleQuery {
  series: string
  ticker: string
  startTs: number
  endTs: number
  periodMinutes: PeriodMinutes
  /** Ask /historical/markets/{ticker}/candlesticks (markets settled before the cutoff). */
  historical?: boolean
}

export async function getCandles(client: RestClient, q: CandleQuery): Promise<Candle[]> {
  const path = q.historical
    ? `/historical/markets/${encodeURIComponent(q.ticker)}/candlesticks`
    : `/series/${encodeURIComponent(q.series)}/markets/${encodeURIComponent(q.ticker)}/candlesticks`
  const body = await client.getJson(path, { start_ts: q.startTs, end_ts: q.endTs, period_interval: q.periodMinutes }, () =>
    new NeuralError('input', 'UNKNOWN_MARKET', `unknown market ${q.ticker} in series ${q.series}`))
  if (!Array.isArray(body.candlesticks)) throw bad(`no candlesticks array for ${q.ticker}`)
  return body.candlesticks.map((c) => parseCandle(c, q.ticker, q.periodMinutes))
}

/** The batch form: up to 100 tickers, at most 10,000 candles in all per response. */
export async function getCandlesBatch(client: RestClient, tickers: string[], startTs: number, endTs: number, periodMinutes: PeriodMinutes): Promise<Map<string, Candle[]>> {
  if (tickers.length === 0 || tickers.length > 100) throw new NeuralError('input', 'BAD_REQUEST', `the batch candlestick endpoint takes 1 to 100 tickers (got ${tickers.length})`)
  const body = await client.getJson('/markets/candlesticks', { market_tickers: tickers.join(','), start_ts: startTs, end_ts: endTs, period_interval: periodMinutes })
  if (!Array.isArray(body.markets)) throw bad('no markets array in a batch candlestick response')
  const out = new Map<string, Candle[]>()
  for (const m of body.markets as Obj[]) {
    const ticker = typeof m?.market_ticker === 'string' ? m.market_ticker : undefined
    if (!ticker || !Array.isArray(m.candlesticks)) throw bad('a batch candlestick entry without market_ticker or candlesticks')
    out.set(ticker, m.candlesticks.map((c) => parseCandle(c, ticker, periodMinutes)))
  }
  return out
}

/** GET /historical/cutoff; an exchange without it (404, older API, a simulator) has no cutoff. */
export async function getHistoricalCutoff(client: RestClient): Promise<HistoricalCutoff> {
  let missing = false
  const body = await client.getJson('/historical/cutoff', undefined, () => { missing = true; return new NeuralError('input', 'NO_CUTOFF', 'no cutoff') }).catch((error: unknown) => {
    if (missing) return undefined
    throw error
  })
  if (!body) return {}
  return { marketSettledMs: isoMs(body.market_settled_ts), tradesCreatedMs: isoMs(body.trades_created_ts) }
}
