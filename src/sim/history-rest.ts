/**
 * The simulator's history endpoints, in Kalshi's shapes (OpenAPI as in kalshi-typescript 3.30:
 * Trade, MarketCandlestick, MarketCandlestickHistorical, GetHistoricalCutoffResponse):
 * trades it generated (the live trade log and the past week), candlesticks aggregated from them,
 * and the historical tier for the past week's games that settled before the cutoff.
 */
import { formatCount, formatDollars } from '../core/fixed-point.js'
import type { SimMarket } from './catalog.js'
import type { PastMarket, PastTrade } from './past-week.js'
import { tradeJson } from './rest-shapes.js'
import { topOfBook } from './wire.js'
import type { SimWorld } from './world.js'

export class HistoryHttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) { super(message) }
}
const badRequest = (message: string) => new HistoryHttpError(400, 'bad_request', message)
const notFound = (message: string) => new HistoryHttpError(404, 'not_found', message)

const iso = (ms: number) => new Date(ms).toISOString()

/** Per-request candle limit of the single-market endpoint (ours; Kalshi bounds the batch form at 10,000). */
export const MAX_CANDLES_PER_MARKET = 5000
export const MAX_CANDLES_PER_BATCH = 10_000
const PERIODS = new Set([1, 60, 1440])

type Row = Pick<PastTrade, 'tradeId' | 'ticker' | 'yesPrice' | 'count' | 'takerSide' | 'tsMs'>

function intParam(q: URLSearchParams, name: string, required: boolean): number | undefined {
  const raw = q.get(name)
  if (raw === null || raw === '') {
    if (required) throw badRequest(`${name} is required`)
    return undefined
  }
  if (!/^\d+$/.test(raw)) throw badRequest(`${name} must be a Unix timestamp in seconds`)
  return Number(raw)
}

function limitOf(q: URLSearchParams): number {
  const raw = q.get('limit')
  if (raw === null || raw === '') return 100
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 1000) throw badRequest('limit must be an integer from 1 to 1000')
  return Number(raw)
}

/** Newest first, by time then id; the cursor is the key of the last trade sent, so new trades arriving meanwhile never shift a page. */
function tradePage(rows: Row[], q: URLSearchParams): [number, unknown] {
  const ticker = q.get('ticker')
  const minTs = intParam(q, 'min_ts', false)
  const maxTs = intParam(q, 'max_ts', false)
  const limit = limitOf(q)
  let after: { tsMs: number; id: string } | undefined
  const raw = q.get('cursor')
  if (raw) {
    const m = /^k(\d+):(.+)$/.exec(Buffer.from(raw, 'base64url').toString('utf8'))
    if (!m) throw badRequest('invalid cursor')
    after = { tsMs: Number(m[1]), id: m[2]! }
  }
  const newestFirst = (a: Row, b: Row) => b.tsMs - a.tsMs || (a.tradeId < b.tradeId ? 1 : a.tradeId > b.tradeId ? -1 : 0)
  const list = rows
    .filter((t) => (!ticker || t.ticker === ticker) && (minTs === undefined || t.tsMs >= minTs * 1000) && (maxTs === undefined || t.tsMs < (maxTs + 1) * 1000))
    .filter((t) => !after || t.tsMs < after.tsMs || (t.tsMs === after.tsMs && t.tradeId < after.id))
    .sort(newestFirst)
  const page = list.slice(0, limit)
  const last = page[page.length - 1]
  const cursor = list.length > limit && last ? Buffer.from(`k${last.tsMs}:${last.tradeId}`).toString('base64url') : ''
  return [200, { trades: page.map(tradeJson), cursor }]
}


interface CandleSource { ticker: string; trades: Row[]; quoteAt(endMs: number, periodMs: number): { bid: number[]; ask: number[] } | undefined; firstMs: number; lastMs: number }

function pastSource(p: PastMarket): CandleSource {
  return {
    ticker: p.market.ticker,
    trades: p.trades,
    firstMs: p.minutes[0]!.startMs,
    lastMs: p.minutes[p.minutes.length - 1]!.startMs + 60_000,
    quoteAt(endMs, periodMs) {
      const inPeriod = p.minutes.filter((m) => m.startMs >= endMs - periodMs && m.startMs < endMs)
      return inPeriod.length ? { bid: inPeriod.map((m) => m.yesBid), ask: inPeriod.map((m) => m.yesAsk) } : undefined
    },
  }
}

/** A live market keeps no quote history: its candles show the current top of book (a simulator simplification). */
function liveSource(world: SimWorld, m: SimMarket): CandleSource {
  const trades: Row[] = world.trades().filter((t) => t.ticker === m.ticker)
  const { yesBid, yesAsk } = topOfBook(m)
  return {
    ticker: m.ticker, trades,
    firstMs: trades[0]?.tsMs ?? Date.now(), lastMs: Date.now(),
    quoteAt: () => ({ bid: [yesBid], ask: [yesAsk] }),
  }
}

const ohlcOf = (xs: number[]) => ({ open: xs[0]!, low: Math.min(...xs), high: Math.max(...xs), close: xs[xs.length - 1]! })

/** Candles whose inclusive end lies in [startTs, endTs] and whose period the market traded in. */
function candles(src: CandleSource, startTs: number, endTs: number, periodMin: number, historical: boolean, budget: number): Record<string, unknown>[] {
  const periodSec = periodMin * 60
  const periodMs = periodSec * 1000
  const firstEnd = Math.max(Math.ceil(startTs / periodSec), Math.ceil((src.firstMs + 1) / periodMs)) * periodSec
  const lastEnd = Math.min(Math.floor(endTs / periodSec) * periodSec, Math.ceil(src.lastMs / periodMs) * periodSec)
  const out: Record<string, unknown>[] = []
  let before = src.trades.filter((t) => t.tsMs < firstEnd * 1000 - periodMs)
  let previous = before.length ? before[before.length - 1]!.yesPrice : undefined
  let cumulative = before.reduce((s, t) => s + t.count, 0)
  before = []
  for (let end = firstEnd; end <= lastEnd; end += periodSec) {
    if (out.length >= budget) throw badRequest(`too many candlesticks requested (more than ${budget}): narrow start_ts/end_ts or use a longer period_interval`)
    const endMs = end * 1000
    const inside = src.trades.filter((t) => t.tsMs >= endMs - periodMs && t.tsMs < endMs)
    const quotes = src.quoteAt(endMs, periodMs)
    if (!quotes) continue
    const volume = inside.reduce((s, t) => s + t.count, 0)
    cumulative += volume
    const prices = inside.map((t) => t.yesPrice)
    const p = prices.length ? ohlcOf(prices) : undefined
    const mean = volume > 0 ? Math.round(inside.reduce((s, t) => s + t.yesPrice * t.count, 0) / volume) : undefined
    const bid = ohlcOf(quotes.bid)
    const ask = ohlcOf(quotes.ask)
    const d = (u: number | undefined) => (u === undefined ? null : formatDollars(u))
    const openInterest = Math.round(cumulative / 3 / 100) * 100
    if (historical) {
      out.push({
        end_period_ts: end,
        yes_bid: { open: d(bid.open), low: d(bid.low), high: d(bid.high), close: d(bid.close) },
        yes_ask: { open: d(ask.open), low: d(ask.low), high: d(ask.high), close: d(ask.close) },
        price: p ? { open: d(p.open), low: d(p.low), high: d(p.high), close: d(p.close), mean: d(mean), previous: d(previous) } : {},
        volume: formatCount(volume), open_interest: formatCount(openInterest),
      })
    } else {
      out.push({
        end_period_ts: end,
        yes_bid: { open_dollars: d(bid.open), low_dollars: d(bid.low), high_dollars: d(bid.high), close_dollars: d(bid.close) },
        yes_ask: { open_dollars: d(ask.open), low_dollars: d(ask.low), high_dollars: d(ask.high), close_dollars: d(ask.close) },
        // A period without trades has an empty price object, as in Kalshi's recorded answers.
        price: p ? { open_dollars: d(p.open), low_dollars: d(p.low), high_dollars: d(p.high), close_dollars: d(p.close), mean_dollars: d(mean), previous_dollars: d(previous), min_dollars: d(p.low), max_dollars: d(p.high) } : {},
        volume_fp: formatCount(volume), open_interest_fp: formatCount(openInterest),
      })
    }
    if (p) previous = p.close
  }
  return out
}

function candleParams(q: URLSearchParams): { startTs: number; endTs: number; period: number } {
  const startTs = intParam(q, 'start_ts', true)!
  const endTs = intParam(q, 'end_ts', true)!
  const raw = q.get('period_interval')
  if (raw === null || !PERIODS.has(Number(raw)) || !/^\d+$/.test(raw)) throw badRequest('period_interval must be 1, 60 or 1440')
  if (endTs < startTs) throw badRequest('end_ts must not be before start_ts')
  return { startTs, endTs, period: Number(raw) }
}

function isArchived(world: SimWorld, ticker: string): boolean {
  const m = world.past.has(ticker) ? world.market(ticker) : undefined
  return m?.settledTs !== undefined && m.settledTs * 1000 < world.past.cutoffMs
}

function sourceFor(world: SimWorld, ticker: string): CandleSource | undefined {
  const p = world.past.market(ticker)
  if (p) return pastSource(p)
  const m = world.market(ticker)
  return m && liveSource(world, m)
}

export type HistoryRoute = (world: SimWorld, q: URLSearchParams, params: string[]) => [number, unknown]

export const historyRoutes: Array<[method: string, pattern: RegExp, route: HistoryRoute]> = [
  ['GET', /^\/markets\/trades$/, (world, q) => {
    const ticker = q.get('ticker')
    const rows: Row[] = world.trades().filter((t) => !ticker || t.ticker === ticker)
    const past = ticker ? world.past.market(ticker)?.trades ?? [] : world.past.trades()
    for (const t of past) if (t.tsMs >= world.past.cutoffMs) rows.push(t)
    return tradePage(rows, q)
  }],
  ['GET', /^\/historical\/trades$/, (world, q) => {
    const ticker = q.get('ticker')
    const past = ticker ? world.past.market(ticker)?.trades ?? [] : world.past.trades()
    return tradePage(past.filter((t) => t.tsMs < world.past.cutoffMs), q)
  }],
  ['GET', /^\/historical\/cutoff$/, (world) => {
    const at = iso(world.past.cutoffMs)
    return [200, { market_settled_ts: at, trades_created_ts: at, orders_updated_ts: at }]
  }],
  ['GET', /^\/series\/([^/]+)\/markets\/([^/]+)\/candlesticks$/, (world, q, [series, ticker]) => {
    const m = world.market(ticker!)
    if (!m || m.seriesTicker !== series) throw notFound(`market ${ticker} not found in series ${series}`)
    if (isArchived(world, ticker!)) throw notFound(`market ${ticker} settled before the historical cutoff: use /historical/markets/${ticker}/candlesticks`)
    const { startTs, endTs, period } = candleParams(q)
    return [200, { ticker, candlesticks: candles(sourceFor(world, ticker!)!, startTs, endTs, period, false, MAX_CANDLES_PER_MARKET) }]
  }],
  ['GET', /^\/historical\/markets\/([^/]+)\/candlesticks$/, (world, q, [ticker]) => {
    if (!isArchived(world, ticker!)) throw notFound(`market ${ticker} is not in the historical tier`)
    const { startTs, endTs, period } = candleParams(q)
    return [200, { ticker, candlesticks: candles(sourceFor(world, ticker!)!, startTs, endTs, period, true, MAX_CANDLES_PER_MARKET) }]
  }],
  ['GET', /^\/markets\/candlesticks$/, (world, q) => {
    const tickers = (q.get('market_tickers') ?? '').split(',').filter(Boolean)
    if (tickers.length === 0 || tickers.length > 100) throw badRequest('market_tickers must list 1 to 100 tickers')
    const { startTs, endTs, period } = candleParams(q)
    let budget = MAX_CANDLES_PER_BATCH
    const markets = tickers.map((ticker) => {
      const src = isArchived(world, ticker) ? undefined : sourceFor(world, ticker)
      const list = src ? candles(src, startTs, endTs, period, false, budget) : []
      budget -= list.length
      return { market_ticker: ticker, candlesticks: list }
    })
    return [200, { markets }]
  }],
]
