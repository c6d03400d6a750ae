/**
 * Kalshi REST v2, the few endpoints neural needs, parsed at the edge into our own types (dollars,
 * contracts, epoch ms). Requests are paced under the basic-tier read limit, 429s are retried with
 * backoff, and failures become NeuralErrors grouped by what the caller should do.
 */
import { randomUUID } from 'node:crypto'
import type { Signer } from '../auth/signer.js'
import { NeuralError, type ErrorCode } from '../errors.js'
import { AbortedError, backoffDelay, canRetry, sleep, type RetryPolicy } from './backoff.js'
import { centsToUnits, COUNT_SCALE, countToUnits, dollarsToUnits, formatDollars, dollarsNumberToUnits, parseScaled, PRICE_SCALE } from './fixed-point.js'
import { bookFromLevels } from './order-book.js'
import type { Book, Side } from './types.js'
import { parseLiveData, parseMilestone, type LiveData, type Milestone } from './live-data.js'

export type MarketStatusFilter = 'unopened' | 'open' | 'closed' | 'settled'

export interface MarketFilter {
  series_ticker?: string
  event_ticker?: string
  tickers?: string[]
  status?: MarketStatusFilter
  /** 1–1000; the exchange's default is 100. */
  limit?: number
  cursor?: string
}

export interface EventFilter {
  series_ticker?: string
  status?: MarketStatusFilter
  with_nested_markets?: boolean
  limit?: number
  cursor?: string
}

/** One market, in dollars and contracts. */
export interface MarketInfo {
  ticker: string
  eventTicker: string
  seriesTicker?: string
  title: string
  subtitle?: string
  yesSubTitle: string
  noSubTitle?: string
  /** The market's own status: initialized, active, inactive, closed, determined, settled (newer: open, …). */
  status: string
  /** ISO 8601 as sent. */
  openTime?: string
  closeTime?: string
  yesBid?: number
  yesAsk?: number
  noBid?: number
  noAsk?: number
  lastPrice?: number
  volume?: number
  volume24h?: number
  openInterest?: number
  result?: string
  /** What one YES contract pays once determined, dollars (`settlement_value_dollars`; 0.5 for a tied NFL game). */
  settlementValue?: number
  /** How the strikes read: `greater` (YES above floorStrike), `less` (below capStrike), `between`, `structured`/`custom` (see customStrike), … */
  strikeType?: string
  /** Lower strike, e.g. an NFL spread or total line (`KXNFLSPREAD-…-KC7`: 6.5). */
  floorStrike?: number
  capStrike?: number
  /** Structured strike, e.g. the team id of a winner market. */
  customStrike?: Record<string, unknown>
  rulesPrimary?: string
  /** When the thing the market is about happens (e.g. kickoff + game length), ISO 8601. */
  occurrenceTime?: string
}

export interface MilestoneFilter {
  relatedEventTicker?: string
  /** e.g. "football_game". */
  type?: string
  category?: string
  /** RFC 3339. */
  minimumStartDate?: string
  /** 1–500. @default 100 */
  limit?: number
  cursor?: string
}

/** Kalshi's maximum of milestone_ids per GET /live_data/batch. */
export const LIVE_DATA_BATCH = 100

/** A series' fee settings (see src/core/fees.ts). */
export interface SeriesInfo {
  ticker: string
  title: string
  feeType?: string
  feeMultiplier?: number
}

export interface EventInfo {
  eventTicker: string
  seriesTicker: string
  title: string
  subTitle?: string
  category?: string
  markets?: MarketInfo[]
}

export interface ExchangeStatus {
  exchangeActive: boolean
  tradingActive: boolean
}

export interface OrderRequest {
  ticker: string
  action: 'buy' | 'sell'
  side: Side
  /** Whole contracts. */
  count: number
  /** Limit price in dollars of the side bought or sold (yes price for side yes, no price for side no). */
  priceDollars: number
  /**
   * The exchange refuses a second order with the same id, so a retried or repeated POST cannot place
   * the order twice. A random one is made when absent.
   */
  clientOrderId?: string
  timeInForce?: string
}

export interface OrderResult {
  orderId: string
  status: string
  clientOrderId?: string
  /** Contracts filled when the exchange answered. */
  filledCount?: number
  /** Contracts still resting when the exchange answered. */
  remainingCount?: number
  /** What the filled contracts cost (taker and maker fills), dollars: over `filledCount`, the average fill price. */
  fillCostDollars?: number
  /** Fees of the fills so far (taker and maker), dollars. */
  feesDollars?: number
  /**
   * True when the exchange already had an order with this client_order_id (HTTP 409): it was placed
   * by an earlier try or an earlier run, and the fields above describe that order.
   */
  duplicate?: boolean
}

/** An order as GET /portfolio/orders lists it. */
export interface OrderInfo {
  orderId: string
  clientOrderId?: string
  ticker: string
  side: Side
  action: 'buy' | 'sell'
  /** resting, canceled, executed. */
  status: string
  /** Limit price of the order's own side, dollars. */
  priceDollars: number
  initialCount: number
  filledCount: number
  remainingCount: number
  /** When the exchange took the order (`created_time`), epoch ms; undefined when it sent none. */
  createdMs?: number
}

/** A market position as GET /portfolio/positions lists it. */
export interface PositionInfo {
  ticker: string
  /** Contracts held: positive = YES, negative = NO (Kalshi's sign convention). */
  position: number
  /** Cost of the position held, dollars. */
  exposureDollars: number
  /** Fees paid in this market (`fees_paid_dollars`, to the micro-dollar), dollars; 0 when not sent. */
  feesPaidDollars: number
}

/** One fill of GET /portfolio/fills. */
export interface FillInfo {
  ticker: string
  side: 'yes' | 'no'
  action: 'buy' | 'sell'
  count: number
  /** Price paid or received per contract for `side`, dollars. */
  priceDollars: number
  /** `fee_cost`, dollars (0 when absent). */
  feeDollars: number
  /** Epoch ms. */
  ts: number
}

export interface RestClientOptions {
  /** Base URL including /trade-api/v2. */
  apiUrl: string
  signer?: Signer
  fetch?: typeof fetch
  /** Retries of a 429 or 5xx before giving up. @default { attempts: 4, baseDelayMs: 250, maxDelayMs: 4000, jitter: 'equal' } */
  retry?: RetryPolicy
  /** Pace: at most this many requests per second (basic tier: ~20 reads/s). @default 20 */
  maxRequestsPerSec?: number
  /** Per-request timeout. @default 15000 */
  timeoutMs?: number
  random?: () => number
  /** Told of each failed try that will be retried (429, 5xx, network), before the backoff sleep. */
  onRetry?: (error: NeuralError, delayMs: number) => void
  /** Aborts requests in flight and every pacing or backoff sleep (Ctrl-C). */
  signal?: AbortSignal
  /** A `Retry-After` longer than this is cut to it: a server cannot park us for an hour. @default 30000 */
  maxRetryAfterMs?: number
}

/** `attempts` as in the WebSocket policy: retries after the first try (0 = no limit). */
const DEFAULT_REST_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 250, maxDelayMs: 4000, jitter: 'equal' }
const DEFAULT_MAX_RETRY_AFTER_MS = 30_000

type Obj = Record<string, unknown>

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined
}

function priceOf(o: Obj, key: string): number | undefined {
  const u = dollarsToUnits(o[`${key}_dollars`]) ?? centsToUnits(o[key])
  return u === undefined ? undefined : u / PRICE_SCALE
}

/** Kalshi shows an empty side as a $0 bid and a $1 ask: "none", not a price (and an untraded market's last price as $0). */
function bidOf(o: Obj, key: string): number | undefined {
  const p = priceOf(o, key)
  return p === 0 ? undefined : p
}
function askOf(o: Obj, key: string): number | undefined {
  const p = priceOf(o, key)
  return p === 1 ? undefined : p
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v)
    return Number.isFinite(n) ? n : undefined
  }
  return undefined
}

function countOf(o: Obj, key: string): number | undefined {
  const u = countToUnits(o[`${key}_fp`]) ?? countToUnits(o[key])
  return u === undefined ? undefined : u / COUNT_SCALE
}

/** Parse a Kalshi market object. */
export function parseMarket(raw: unknown): MarketInfo {
  if (!raw || typeof raw !== 'object') throw new NeuralError('protocol', 'BAD_RESPONSE', 'the exchange sent a market that is not an object')
  const o = raw as Obj
  const ticker = str(o.ticker)
  if (!ticker) throw new NeuralError('protocol', 'BAD_RESPONSE', 'the exchange sent a market without a ticker')
  const eventTicker = str(o.event_ticker) ?? ticker.split('-').slice(0, -1).join('-')
  const market = marketFields(o, ticker, eventTicker)
  const settlementValue = priceOf(o, 'settlement_value')
  if (settlementValue !== undefined && o.settlement_value !== null) market.settlementValue = settlementValue
  return market
}

function marketFields(o: Obj, ticker: string, eventTicker: string): MarketInfo {
  return {
    ticker,
    eventTicker,
    seriesTicker: str(o.series_ticker) ?? (eventTicker.includes('-') ? eventTicker.slice(0, eventTicker.indexOf('-')) : undefined),
    title: str(o.title) ?? '',
    subtitle: str(o.subtitle),
    yesSubTitle: str(o.yes_sub_title) ?? '',
    noSubTitle: str(o.no_sub_title),
    status: str(o.status) ?? 'unknown',
    openTime: str(o.open_time),
    closeTime: str(o.close_time),
    yesBid: bidOf(o, 'yes_bid'),
    yesAsk: askOf(o, 'yes_ask'),
    noBid: bidOf(o, 'no_bid'),
    noAsk: askOf(o, 'no_ask'),
    lastPrice: bidOf(o, 'last_price'),
    volume: countOf(o, 'volume'),
    volume24h: countOf(o, 'volume_24h'),
    openInterest: countOf(o, 'open_interest'),
    result: str(o.result),
    strikeType: str(o.strike_type),
    floorStrike: num(o.floor_strike),
    capStrike: num(o.cap_strike),
    customStrike: o.custom_strike && typeof o.custom_strike === 'object' && !Array.isArray(o.custom_strike) ? (o.custom_strike as Record<string, unknown>) : undefined,
    rulesPrimary: str(o.rules_primary),
    occurrenceTime: str(o.occurrence_datetime),
  }
}

export function parseEvent(raw: unknown, markets?: unknown): EventInfo {
  if (!raw || typeof raw !== 'object') throw new NeuralError('protocol', 'BAD_RESPONSE', 'the exchange sent an event that is not an object')
  const o = raw as Obj
  const eventTicker = str(o.event_ticker) ?? str(o.ticker)
  if (!eventTicker) throw new NeuralError('protocol', 'BAD_RESPONSE', 'the exchange sent an event without an event_ticker')
  const nested = Array.isArray(markets) ? markets : Array.isArray(o.markets) ? o.markets : undefined
  return {
    eventTicker,
    seriesTicker: str(o.series_ticker) ?? eventTicker.split('-')[0],
    title: str(o.title) ?? '',
    subTitle: str(o.sub_title),
    category: str(o.category),
    markets: nested?.map(parseMarket),
  }
}

/** Levels [["0.4400","250.00"], ...] (or legacy [[44, 250], ...] cents) into flat integer pairs. */
function restLevels(v: unknown, legacyCents: boolean): number[] {
  const out: number[] = []
  if (!Array.isArray(v)) return out
  for (const level of v) {
    if (!Array.isArray(level) || level.length < 2) continue
    const p = legacyCents ? centsToUnits(level[0]) : dollarsToUnits(level[0])
    const q = countToUnits(level[1])
    if (p !== undefined && q !== undefined && q > 0) out.push(p, q)
  }
  return out
}

export class RestClient {
  private readonly apiUrl: string
  private readonly basePath: string
  private readonly signer?: Signer
  private readonly fetchImpl: typeof fetch
  private readonly retry: RetryPolicy
  private readonly intervalMs: number
  private readonly timeoutMs: number
  private readonly random: () => number
  private readonly onRetry?: (error: NeuralError, delayMs: number) => void
  private readonly signal?: AbortSignal
  private readonly maxRetryAfterMs: number
  private nextSlotAt = 0
  /** Requests sent (including retries). */
  requests = 0

  constructor(options: RestClientOptions) {
    this.apiUrl = options.apiUrl.replace(/\/+$/, '')
    this.basePath = new URL(this.apiUrl).pathname
    this.signer = options.signer
    this.fetchImpl = options.fetch ?? fetch
    this.retry = options.retry ?? DEFAULT_REST_RETRY
    this.intervalMs = 1000 / (options.maxRequestsPerSec ?? 20)
    this.timeoutMs = options.timeoutMs ?? 15_000
    this.random = options.random ?? Math.random
    this.onRetry = options.onRetry
    this.signal = options.signal
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS
  }

  async exchangeStatus(): Promise<ExchangeStatus> {
    const body = await this.request('GET', '/exchange/status')
    return { exchangeActive: body.exchange_active === true, tradingActive: body.trading_active === true }
  }

  /** One page of markets. */
  async getMarkets(filter: MarketFilter = {}): Promise<{ markets: MarketInfo[]; cursor: string }> {
    const body = await this.request('GET', '/markets', {
      series_ticker: filter.series_ticker,
      event_ticker: filter.event_ticker,
      tickers: filter.tickers?.join(','),
      status: filter.status,
      limit: filter.limit,
      cursor: filter.cursor,
    })
    const list = Array.isArray(body.markets) ? body.markets : []
    return { markets: list.map(parseMarket), cursor: typeof body.cursor === 'string' ? body.cursor : '' }
  }

  /** Every market matching the filter: follows the cursor until it comes back empty. */
  async listAllMarkets(filter: Omit<MarketFilter, 'cursor'> = {}): Promise<MarketInfo[]> {
    const out: MarketInfo[] = []
    const seen = new Set<string>()
    let cursor: string | undefined
    for (let page = 0; ; page++) {
      const res = await this.getMarkets({ limit: 1000, ...filter, cursor })
      out.push(...res.markets)
      if (!res.cursor) return out
      // A server that hands back the same cursor would loop forever.
      if (seen.has(res.cursor) || page > 10_000) throw new NeuralError('protocol', 'BAD_CURSOR', 'the exchange repeated a pagination cursor')
      seen.add(res.cursor)
      cursor = res.cursor
    }
  }

  async getMarket(ticker: string): Promise<MarketInfo> {
    const body = await this.request('GET', `/markets/${encodeURIComponent(ticker)}`, undefined, () => notFound('UNKNOWN_MARKET', `unknown market ${ticker} (example of a market ticker: KXNFLGAME-25SEP04DALPHI-PHI)`))
    return parseMarket(body.market)
  }

  /** GET /series/{series_ticker}: the series' fee settings among the rest. */
  async getSeries(seriesTicker: string): Promise<SeriesInfo> {
    const body = await this.request('GET', `/series/${encodeURIComponent(seriesTicker)}`, undefined, () => notFound('UNKNOWN_SERIES', `unknown series ${seriesTicker} (example of a series ticker: KXNFLGAME)`))
    const o = (body.series && typeof body.series === 'object' ? body.series : {}) as Obj
    const multiplier = typeof o.fee_multiplier === 'number' ? o.fee_multiplier : typeof o.fee_multiplier === 'string' ? Number(o.fee_multiplier) : undefined
    return {
      ticker: str(o.ticker) ?? seriesTicker,
      title: str(o.title) ?? '',
      feeType: str(o.fee_type),
      feeMultiplier: multiplier !== undefined && Number.isFinite(multiplier) && multiplier >= 0 ? multiplier : undefined,
    }
  }

  async getEvent(eventTicker: string, options: { withNestedMarkets?: boolean } = {}): Promise<EventInfo> {
    const body = await this.request(
      'GET',
      `/events/${encodeURIComponent(eventTicker)}`,
      { with_nested_markets: options.withNestedMarkets ? 'true' : undefined },
      () => notFound('UNKNOWN_EVENT', `unknown event ${eventTicker} (example of an event ticker: KXNFLGAME-25SEP04DALPHI)`),
    )
    return parseEvent(body.event, body.markets)
  }

  async getEvents(filter: EventFilter = {}): Promise<{ events: EventInfo[]; cursor: string }> {
    const body = await this.request('GET', '/events', {
      series_ticker: filter.series_ticker,
      status: filter.status,
      with_nested_markets: filter.with_nested_markets ? 'true' : undefined,
      limit: filter.limit,
      cursor: filter.cursor,
    })
    const list = Array.isArray(body.events) ? body.events : []
    return { events: list.map((e: unknown) => parseEvent(e)), cursor: typeof body.cursor === 'string' ? body.cursor : '' }
  }

  async getOrderbook(ticker: string, depth?: number): Promise<Book> {
    const body = await this.request('GET', `/markets/${encodeURIComponent(ticker)}/orderbook`, { depth }, () =>
      notFound('UNKNOWN_MARKET', `unknown market ${ticker} (example of a market ticker: KXNFLGAME-25SEP04DALPHI-PHI)`),
    )
    const fp = body.orderbook_fp as Obj | undefined
    if (fp && typeof fp === 'object') return bookFromLevels(ticker, restLevels(fp.yes_dollars, false), restLevels(fp.no_dollars, false), Date.now())
    const legacy = body.orderbook as Obj | undefined
    if (legacy && typeof legacy === 'object') {
      if (Array.isArray(legacy.yes_dollars) || Array.isArray(legacy.no_dollars)) {
        return bookFromLevels(ticker, restLevels(legacy.yes_dollars, false), restLevels(legacy.no_dollars, false), Date.now())
      }
      return bookFromLevels(ticker, restLevels(legacy.yes, true), restLevels(legacy.no, true), Date.now())
    }
    throw new NeuralError('protocol', 'BAD_RESPONSE', `the exchange sent no order book for ${ticker}`)
  }

  /**
   * POST /portfolio/orders (signed). Always carries a client_order_id, so the POST may be retried
   * after a network error or a 5xx: a try that did reach the exchange makes the retry answer 409,
   * and the order placed is then looked up and returned with `duplicate: true`.
   */
  async placeOrder(order: OrderRequest, options: { signal?: AbortSignal } = {}): Promise<OrderResult> {
    if (!this.signer) throw new NeuralError('auth', 'NO_KEY', 'placing orders needs an API key (set KALSHI_API_KEY_ID and a private key)')
    if (!Number.isInteger(order.count) || order.count <= 0) throw new NeuralError('input', 'BAD_ORDER', `order count must be a positive whole number (got ${order.count})`)
    const units = dollarsNumberToUnits(order.priceDollars)
    if (!(units > 0 && units < PRICE_SCALE)) throw new NeuralError('input', 'BAD_ORDER', `order price must be between 0 and 1 dollar exclusive (got ${order.priceDollars})`)
    const clientOrderId = order.clientOrderId || randomUUID()
    const body: Record<string, unknown> = {
      ticker: order.ticker,
      action: order.action,
      side: order.side,
      count: order.count,
      type: 'limit',
      [order.side === 'yes' ? 'yes_price_dollars' : 'no_price_dollars']: formatDollars(units),
      client_order_id: clientOrderId,
    }
    if (order.timeInForce) body.time_in_force = order.timeInForce
    let res: Obj
    try {
      res = await this.request('POST', '/portfolio/orders', undefined, () => notFound('UNKNOWN_MARKET', `unknown market ${order.ticker}`), body, options.signal)
    } catch (error) {
      if (!(error instanceof NeuralError && error.code === 'ORDER_EXISTS')) throw error
      const placed = (await this.getOrders({ ticker: order.ticker }, options.signal)).find((o) => o.clientOrderId === clientOrderId)
      if (!placed) throw new NeuralError('protocol', 'ORDER_EXISTS', `the exchange says an order with client_order_id ${clientOrderId} exists, but does not list it`)
      return { orderId: placed.orderId, status: placed.status, clientOrderId, filledCount: placed.filledCount, remainingCount: placed.remainingCount, duplicate: true }
    }
    const o = (res.order ?? {}) as Obj
    const orderId = str(o.order_id)
    if (!orderId) throw new NeuralError('protocol', 'BAD_RESPONSE', 'the exchange accepted the order but sent no order_id')
    return {
      orderId,
      status: str(o.status) ?? 'unknown',
      clientOrderId: str(o.client_order_id) ?? clientOrderId,
      ...optionalCount('filledCount', countOf(o, 'fill_count')),
      ...optionalCount('remainingCount', countOf(o, 'remaining_count')),
      ...optionalCount('fillCostDollars', sumOf(priceOf(o, 'taker_fill_cost'), priceOf(o, 'maker_fill_cost'))),
      ...optionalCount('feesDollars', sumOf(priceOf(o, 'taker_fees'), priceOf(o, 'maker_fees'))),
    }
  }

  /** GET /portfolio/orders (signed), every page; `minTs`: orders created from then on (epoch ms; Kalshi takes seconds). */
  async getOrders(filter: { ticker?: string; status?: 'resting' | 'canceled' | 'executed'; minTs?: number } = {}, signal?: AbortSignal): Promise<OrderInfo[]> {
    const out: OrderInfo[] = []
    const seen = new Set<string>()
    let cursor: string | undefined
    const minTs = filter.minTs === undefined ? undefined : Math.floor(filter.minTs / 1000)
    for (;;) {
      const body = await this.request('GET', '/portfolio/orders', { ticker: filter.ticker, status: filter.status, min_ts: minTs, limit: 1000, cursor }, undefined, undefined, signal)
      for (const raw of Array.isArray(body.orders) ? body.orders : []) {
        const parsed = parseOrder(raw)
        if (parsed) out.push(parsed)
      }
      const next = typeof body.cursor === 'string' ? body.cursor : ''
      if (!next) return out
      if (seen.has(next)) throw new NeuralError('protocol', 'BAD_CURSOR', 'the exchange repeated a pagination cursor')
      seen.add(next)
      cursor = next
    }
  }

  /** GET /portfolio/positions (signed), every page; markets with no position left out. */
  /**
   * GET /portfolio/fills (signed), every page from `minTs` (epoch ms) on: what the account bought
   * and sold, with each fill's fee. Fills without a side, action or count we can read are left out.
   */
  async getFills(filter: { minTs?: number; ticker?: string } = {}, signal?: AbortSignal): Promise<FillInfo[]> {
    const out: FillInfo[] = []
    const seen = new Set<string>()
    let cursor: string | undefined
    for (;;) {
      const minTs = filter.minTs === undefined ? undefined : Math.floor(filter.minTs / 1000)
      const body = await this.request('GET', '/portfolio/fills', { ticker: filter.ticker, min_ts: minTs, limit: 1000, cursor }, undefined, undefined, signal)
      for (const raw of Array.isArray(body.fills) ? body.fills : []) {
        if (!raw || typeof raw !== 'object') continue
        const o = raw as Obj
        const ticker = str(o.ticker) ?? str(o.market_ticker)
        const side = o.side === 'yes' || o.side === 'no' ? o.side : undefined
        const action = o.action === 'buy' || o.action === 'sell' ? o.action : undefined
        const count = countOf(o, 'count')
        const price = side ? priceOf(o, side === 'yes' ? 'yes_price' : 'no_price') : undefined
        if (!ticker || !side || !action || count === undefined || price === undefined) continue
        const fee = typeof o.fee_cost === 'string' || typeof o.fee_cost === 'number' ? Number(o.fee_cost) : 0
        const created = typeof o.created_time === 'string' ? Date.parse(o.created_time) : NaN
        const ts = typeof o.ts === 'number' ? o.ts * 1000 : created
        out.push({ ticker, side, action, count, priceDollars: price, feeDollars: Number.isFinite(fee) && fee > 0 ? fee : 0, ts: Number.isFinite(ts) ? ts : 0 })
      }
      const next = typeof body.cursor === 'string' ? body.cursor : ''
      if (!next) return out
      if (seen.has(next)) throw new NeuralError('protocol', 'BAD_CURSOR', 'the exchange repeated a pagination cursor')
      seen.add(next)
      cursor = next
    }
  }

  async getPositions(signal?: AbortSignal): Promise<PositionInfo[]> {
    const out: PositionInfo[] = []
    const seen = new Set<string>()
    let cursor: string | undefined
    for (;;) {
      const body = await this.request('GET', '/portfolio/positions', { count_filter: 'position', limit: 1000, cursor }, undefined, undefined, signal)
      for (const raw of Array.isArray(body.market_positions) ? body.market_positions : []) {
        if (!raw || typeof raw !== 'object') continue
        const o = raw as Obj
        const ticker = str(o.ticker)
        const position = countOf(o, 'position')
        if (!ticker || position === undefined || position === 0) continue
        // market_exposure_dollars, or the older market_exposure in cents.
        const exposure = priceOf(o, 'market_exposure') ?? 0
        // A fee is to the micro-dollar ("0.012345"); the older field is cents.
        const feeMicros = parseScaled(o.fees_paid_dollars, 6) ?? (typeof o.fees_paid === 'number' && Number.isInteger(o.fees_paid) ? o.fees_paid * 10_000 : 0)
        out.push({ ticker, position, exposureDollars: exposure, feesPaidDollars: feeMicros > 0 ? feeMicros / 1_000_000 : 0 })
      }
      const next = typeof body.cursor === 'string' ? body.cursor : ''
      if (!next) return out
      if (seen.has(next)) throw new NeuralError('protocol', 'BAD_CURSOR', 'the exchange repeated a pagination cursor')
      seen.add(next)
      cursor = next
    }
  }

  /**
   * GET any path under the API base with the client's pacing, signing and 429/5xx back-off; for
   * endpoint modules beside this one (src/core/history-api.ts). `on404` turns a 404 into an error of the caller's choosing.
   */
  async getJson(path: string, query?: Record<string, string | number | undefined>, on404?: () => NeuralError): Promise<Record<string, unknown>> {
    return this.request('GET', path, query, on404)
  }

  /** One page of milestones (GET /milestones; Kalshi requires `limit`, 1–500). */
  async getMilestones(filter: MilestoneFilter = {}): Promise<{ milestones: Milestone[]; cursor: string }> {
    const body = await this.request('GET', '/milestones', {
      limit: filter.limit ?? 100,
      related_event_ticker: filter.relatedEventTicker,
      type: filter.type,
      category: filter.category,
      minimum_start_date: filter.minimumStartDate,
      cursor: filter.cursor,
    })
    const list = Array.isArray(body.milestones) ? body.milestones : []
    return { milestones: list.map(parseMilestone), cursor: typeof body.cursor === 'string' ? body.cursor : '' }
  }

  /** GET /live_data/milestone/{milestone_id}. */
  async getLiveData(milestoneId: string): Promise<LiveData> {
    const body = await this.request('GET', `/live_data/milestone/${encodeURIComponent(milestoneId)}`, undefined, () => notFound('UNKNOWN_MILESTONE', `no live data for milestone ${milestoneId}`))
    const live = parseLiveData(body.live_data)
    return live.milestoneId ? live : { ...live, milestoneId }
  }

  /** GET /live_data/batch for up to 100 milestones in one request (more are split into several). */
  async getLiveDatas(milestoneIds: readonly string[]): Promise<LiveData[]> {
    const out: LiveData[] = []
    for (let i = 0; i < milestoneIds.length; i += LIVE_DATA_BATCH) {
      const body = await this.request('GET', '/live_data/batch', { milestone_ids: milestoneIds.slice(i, i + LIVE_DATA_BATCH) })
      const list = Array.isArray(body.live_datas) ? body.live_datas : []
      out.push(...list.map(parseLiveData))
    }
    return out
  }

  /** Wait for this request's slot: requests start at least 1/maxRequestsPerSec apart. */
  private async pace(signal?: AbortSignal): Promise<void> {
    const now = Date.now()
    const at = Math.max(now, this.nextSlotAt)
    this.nextSlotAt = at + this.intervalMs
    if (at > now) await this.sleep(at - now, signal)
  }

  /** A sleep that the client's signal or the call's signal cuts short with an 'ABORTED' error. */
  private async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    try {
      await sleep(ms, signal)
    } catch (error) {
      if (error instanceof AbortedError) throw new NeuralError('network', 'ABORTED', 'the request was cancelled', { cause: error })
      throw error
    }
  }

  private async request(method: 'GET' | 'POST', path: string, query?: Record<string, string | number | readonly string[] | undefined>, on404?: () => NeuralError, body?: unknown, callSignal?: AbortSignal): Promise<Obj> {
    const url = new URL(this.apiUrl + path)
    if (query) {
      for (const [k, v] of Object.entries(query)) {
        // An array is a repeated parameter (OpenAPI style form, explode true): ?k=a&k=b.
        if (Array.isArray(v)) for (const item of v) url.searchParams.append(k, item)
        else if (v !== undefined && v !== '') url.searchParams.set(k, String(v))
      }
    }
    const signals = [this.signal, callSignal].filter((s): s is AbortSignal => s !== undefined)
    const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0]
    // A POST that may have reached the exchange is repeated only when the exchange can tell it is a repeat.
    const idempotent = method === 'GET' || (typeof (body as Obj | undefined)?.client_order_id === 'string' && (body as Obj).client_order_id !== '')
    const mayRetry = (attempt: number) => idempotent && canRetry(this.retry, attempt + 1)
    for (let attempt = 0; ; attempt++) {
      await this.pace(signal)
      const headers: Record<string, string> = { accept: 'application/json' }
      if (body !== undefined) headers['content-type'] = 'application/json'
      // Kalshi signs the path without its query string.
      if (this.signer) Object.assign(headers, this.signer(method, this.basePath + path))
      let res: Response
      this.requests++
      try {
        const timeout = AbortSignal.timeout(this.timeoutMs)
        res = await this.fetchImpl(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: signal ? AbortSignal.any([timeout, signal]) : timeout })
      } catch (error) {
        if (signal?.aborted) throw new NeuralError('network', 'ABORTED', 'the request was cancelled', { cause: error })
        const e = new NeuralError('network', 'NETWORK', `could not reach ${url.origin}: ${(error as Error).message}`, { cause: error })
        if (mayRetry(attempt)) {
          const delay = backoffDelay(this.retry, attempt + 1, this.random)
          this.onRetry?.(e, delay)
          await this.sleep(delay, signal)
          continue
        }
        throw e
      }
      if (res.ok) {
        try {
          const json = (await res.json()) as unknown
          if (!json || typeof json !== 'object') throw new Error('not an object')
          return json as Obj
        } catch (error) {
          throw new NeuralError('protocol', 'BAD_RESPONSE', `the exchange sent a response that is not JSON (${method} ${path})`, { cause: error })
        }
      }
      const text = await res.text().catch(() => '')
      const exchangeMessage = errorMessage(text)
      if ((res.status === 429 || res.status >= 500) && mayRetry(attempt)) {
        const retryAfterMs = Number(res.headers.get('retry-after')) * 1000
        const asked = Number.isFinite(retryAfterMs) && retryAfterMs > 0 ? Math.min(retryAfterMs, this.maxRetryAfterMs) : 0
        const delay = Math.max(backoffDelay(this.retry, attempt + 1, this.random), asked)
        this.onRetry?.(
          res.status === 429
            ? new NeuralError('rate_limit', 'RATE_LIMITED', `the exchange is rate limiting requests (HTTP 429 on ${method} ${path}); retrying in ${delay} ms`)
            : new NeuralError('network', 'EXCHANGE_UNAVAILABLE', `the exchange failed ${method} ${path} with HTTP ${res.status}; retrying in ${delay} ms`),
          delay,
        )
        await this.sleep(delay, signal)
        continue
      }
      if (res.status === 409 && method === 'POST' && path === '/portfolio/orders') {
        throw new NeuralError('protocol', 'ORDER_EXISTS', `the exchange already has an order with this client_order_id${exchangeMessage ? ` (${exchangeMessage})` : ''}`)
      }
      if (res.status === 429) throw new NeuralError('rate_limit', 'RATE_LIMITED', `the exchange kept rate limiting requests (HTTP 429 after ${attempt + 1} tries)`)
      if (res.status === 401 || res.status === 403) throw new NeuralError('auth', 'AUTH_REJECTED', `the exchange refused the API key (HTTP ${res.status}${exchangeMessage ? `: ${exchangeMessage}` : ''})`)
      if (res.status === 404 && on404) throw on404()
      if (res.status >= 500) throw new NeuralError('network', 'EXCHANGE_UNAVAILABLE', `the exchange failed ${method} ${path} with HTTP ${res.status}${exchangeMessage ? `: ${exchangeMessage}` : ''}`)
      throw new NeuralError('input', 'BAD_REQUEST', `the exchange rejected ${method} ${path} with HTTP ${res.status}${exchangeMessage ? `: ${exchangeMessage}` : ''}`)
    }
  }
}

/** Both parts of an amount the exchange splits (taker and maker), when it sent either. */
function sumOf(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined && b === undefined ? undefined : Math.round(((a ?? 0) + (b ?? 0)) * PRICE_SCALE) / PRICE_SCALE
}

function optionalCount<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>)
}

/** One order of GET /portfolio/orders; undefined when it lacks what we need. */
export function parseOrder(raw: unknown): OrderInfo | undefined {
  if (!raw || typeof raw !== 'object') return undefined
  const o = raw as Obj
  const orderId = str(o.order_id)
  const ticker = str(o.ticker)
  const side = o.side === 'yes' || o.side === 'no' ? o.side : undefined
  const action = o.action === 'buy' || o.action === 'sell' ? o.action : undefined
  if (!orderId || !ticker || !side || !action) return undefined
  const price = priceOf(o, side === 'yes' ? 'yes_price' : 'no_price')
  return {
    orderId,
    clientOrderId: str(o.client_order_id),
    ticker,
    side,
    action,
    status: str(o.status) ?? 'unknown',
    priceDollars: price ?? 0,
    initialCount: countOf(o, 'initial_count') ?? 0,
    filledCount: countOf(o, 'fill_count') ?? 0,
    remainingCount: countOf(o, 'remaining_count') ?? 0,
    ...optionalCount('createdMs', typeof o.created_time === 'string' && Number.isFinite(Date.parse(o.created_time)) ? Date.parse(o.created_time) : undefined),
  }
}

function notFound(code: ErrorCode, message: string): NeuralError {
  return new NeuralError('input', code, message)
}

/** `{"error":{"code","message"}}` → message. */
function errorMessage(text: string): string | undefined {
  try {
    const o = JSON.parse(text) as Obj
    const e = o.error
    if (e && typeof e === 'object') return str((e as Obj).message) ?? str((e as Obj).code)
    return str(e) ?? str(o.message)
  } catch {
    return undefined
  }
}
