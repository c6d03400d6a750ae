import type { IncomingMessage, ServerResponse } from 'node:http'
import { countToUnits, dollarsToUnits, formatCount, formatDollars } from '../core/fixed-point.js'
import type { KeyRing } from './auth.js'
import type { MarketStatus, SimGame } from './catalog.js'
import { liveDataJson, milestoneJson, MILESTONE_TYPE } from './live-data.js'
import type { RestFaults } from './faults.js'
import { placeOrder } from './orders.js'
import { accountOf, type SimOrderRecord } from './portfolio.js'
import { eventJson, eventStatus, marketJson, orderbookJson, seriesJson } from './rest-shapes.js'
import { HistoryHttpError, historyRoutes } from './history-rest.js'
import { feeCost } from './wire.js'
import type { SimWorld } from './world.js'

export const API_PREFIX = '/trade-api/v2'

export interface RestContext {
  world: SimWorld
  keys: KeyRing
  authWindowMs: number
  refuseAuth: boolean
  faults: RestFaults
}

class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) { super(message) }
}

const badRequest = (message: string) => new HttpError(400, 'bad_request', message)
const notFound = (message: string) => new HttpError(404, 'not_found', message)

/** The market statuses behind each `status` filter value of GET /markets and GET /events. */
const STATUS_FILTER: Record<string, MarketStatus[]> = {
  unopened: ['initialized'],
  open: ['active'],
  paused: ['inactive'],
  closed: ['closed', 'determined'],
  settled: ['finalized'],
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

/** Kalshi's error body: {"error":{"code","message"}}. */
export function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  send(res, status, { error: { code, message } })
}

function limitOf(q: URLSearchParams, max: number): number {
  const raw = q.get('limit')
  if (raw === null || raw === '') return 100 > max ? max : 100
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > max) throw badRequest(`limit must be an integer from 1 to ${max}`)
  return Number(raw)
}

/** Opaque cursors: the offset of the next item, base64url. The last page answers cursor "". */
function paginate<T>(items: T[], q: URLSearchParams, max: number): { page: T[]; cursor: string } {
  const limit = limitOf(q, max)
  const raw = q.get('cursor')
  let offset = 0
  if (raw) {
    const decoded = Buffer.from(raw, 'base64url').toString('utf8')
    if (!/^o\d+$/.test(decoded)) throw badRequest('invalid cursor')
    offset = Number(decoded.slice(1))
  }
  const page = items.slice(offset, offset + limit)
  const next = offset + limit
  return { page, cursor: next < items.length ? Buffer.from(`o${next}`).toString('base64url') : '' }
}

function statusFilter(q: URLSearchParams): MarketStatus[] | undefined {
  const raw = q.get('status')
  if (raw === null || raw === '') return undefined
  const statuses = raw.split(',').flatMap((s) => {
    const mapped = STATUS_FILTER[s]
    if (!mapped) throw badRequest(`status must be one of ${Object.keys(STATUS_FILTER).join(', ')}`)
    return mapped
  })
  return statuses
}

function boolParam(q: URLSearchParams, name: string): boolean {
  const raw = q.get(name)
  if (raw === null || raw === '' || raw === 'false') return false
  if (raw === 'true') return true
  throw badRequest(`${name} must be true or false`)
}

type Route = (ctx: RestContext, q: URLSearchParams, params: string[], req: IncomingMessage, keyId?: string) => Promise<[number, unknown]> | [number, unknown]

const routes: Array<[method: string, pattern: RegExp, route: Route]> = [
  ['GET', /^\/exchange\/status$/, () => [200, { exchange_active: true, trading_active: true }]],
  ['GET', /^\/series$/, (ctx, q) => {
    const category = q.get('category')
    return [200, { series: ctx.world.series().filter((s) => !category || s.category === category).map(seriesJson) }]
  }],
  ['GET', /^\/series\/([^/]+)$/, (ctx, _q, [ticker]) => {
    const s = ctx.world.seriesByTicker(ticker!)
    if (!s) throw notFound(`series ${ticker} not found`)
    return [200, { series: seriesJson(s) }]
  }],
  ['GET', /^\/events$/, (ctx, q) => {
    const series = q.get('series_ticker')
    const statuses = q.get('status')
    if (statuses && !['unopened', 'open', 'closed', 'settled'].includes(statuses)) throw badRequest('status must be one of unopened, open, closed, settled')
    const nested = boolParam(q, 'with_nested_markets')
    const events = ctx.world.events().filter((e) => (!series || e.seriesTicker === series) && (!statuses || eventStatus(e) === statuses))
    const { page, cursor } = paginate(events, q, 200)
    return [200, { events: page.map((e) => eventJson(e, nested)), cursor }]
  }],
  ['GET', /^\/events\/([^/]+)$/, (ctx, q, [ticker]) => {
    const e = ctx.world.event(ticker!)
    if (!e) throw notFound(`event ${ticker} not found`)
    const nested = boolParam(q, 'with_nested_markets')
    return [200, { event: eventJson(e, nested), markets: e.markets.map(marketJson) }]
  }],
  ['GET', /^\/markets$/, (ctx, q) => {
    const series = q.get('series_ticker')
    const event = q.get('event_ticker')
    const events = event ? new Set(event.split(',')) : undefined
    const tickers = q.get('tickers') ? new Set(q.get('tickers')!.split(',')) : undefined
    const statuses = statusFilter(q)
    const markets = ctx.world.markets().filter((m) =>
      (!series || m.seriesTicker === series) && (!events || events.has(m.eventTicker)) &&
      (!tickers || tickers.has(m.ticker)) && (!statuses || statuses.includes(m.status)))
    const { page, cursor } = paginate(markets, q, 1000)
    return [200, { markets: page.map(marketJson), cursor }]
  }],
  // History (trades, candlesticks, the historical tier) lives in history-rest.ts.
  ...historyRoutes.map(([method, pattern, route]): [string, RegExp, Route] => [method, pattern, (ctx, q, params) => route(ctx.world, q, params)]),
  ['GET', /^\/markets\/([^/]+)$/, (ctx, _q, [ticker]) => {
    const m = ctx.world.market(ticker!)
    if (!m) throw notFound(`market ${ticker} not found`)
    return [200, { market: marketJson(m) }]
  }],
  ['GET', /^\/markets\/([^/]+)\/orderbook$/, (ctx, q, [ticker]) => {
    const book = ctx.world.book(ticker!)
    if (!book) throw notFound(`market ${ticker} not found`)
    const raw = q.get('depth')
    if (raw !== null && raw !== '' && (!/^\d+$/.test(raw) || Number(raw) > 100)) throw badRequest('depth must be an integer from 0 to 100')
    return [200, orderbookJson(book.yes, book.no, Number(raw ?? 0))]
  }],
  ['POST', /^\/portfolio\/orders$/, createOrder],
  ['GET', /^\/portfolio\/fills$/, (ctx, q, _p, _req, keyId) => {
    if (keyId === undefined) throw new HttpError(401, 'unauthorized', 'this endpoint requires a signed request')
    const ticker = q.get('ticker')
    // min_ts / max_ts: Unix seconds, as Kalshi's GetFills takes them.
    const minMs = q.get('min_ts') ? Number(q.get('min_ts')) * 1000 : -Infinity
    const maxMs = q.get('max_ts') ? Number(q.get('max_ts')) * 1000 : Infinity
    const fills = ctx.world.fills(keyId).filter((f) => (!ticker || f.market.ticker === ticker) && f.trade.tsMs >= minMs && f.trade.tsMs <= maxMs).slice().reverse()
    const { page, cursor } = paginate(fills, q, 1000)
    // Kalshi's REST Fill: fee_cost beside the price and count (OpenAPI GetFills).
    return [200, {
      fills: page.map((f) => ({
        fill_id: f.trade.tradeId, trade_id: f.trade.tradeId, order_id: f.orderId, ticker: f.market.ticker, market_ticker: f.market.ticker,
        side: f.side, action: f.action, is_taker: f.isTaker, count_fp: formatCount(f.trade.count),
        yes_price_dollars: formatDollars(f.trade.yesPrice), no_price_dollars: formatDollars(10_000 - f.trade.yesPrice),
        fee_cost: feeCost(f.feeMicros), created_time: new Date(f.trade.tsMs).toISOString(), ts: Math.floor(f.trade.tsMs / 1000),
      })),
      cursor,
    }]
  }],
  ['GET', /^\/portfolio\/orders$/, listOrders],
  ['GET', /^\/portfolio\/positions$/, listPositions],
  ['GET', /^\/milestones$/, milestones],
  ['GET', /^\/milestones\/([^/]+)$/, (ctx, _q, [id]) => [200, { milestone: milestoneJson(gameOf(ctx, id!)) }]],
  ['GET', /^\/live_data\/batch$/, liveDataBatch],
  ['GET', /^\/live_data\/milestone\/([^/]+)$/, (ctx, _q, [id]) => [200, { live_data: liveDataJson(gameOf(ctx, id!)) }]],
  // The legacy form with a type segment (OpenAPI GetLiveData), still documented.
  ['GET', /^\/live_data\/([^/]+)\/milestone\/([^/]+)$/, (ctx, _q, [, id]) => [200, { live_data: liveDataJson(gameOf(ctx, id!)) }]],
]

function gameOf(ctx: RestContext, milestoneId: string): SimGame {
  const game = ctx.world.catalog.games.find((g) => g.milestoneId === milestoneId)
  if (!game) throw notFound(`milestone ${milestoneId} not found`)
  return game
}

/** GET /milestones: Kalshi requires limit (1–500); filters related_event_ticker, type, category, minimum_start_date. */
function milestones(ctx: RestContext, q: URLSearchParams): [number, unknown] {
  if (!q.get('limit')) throw badRequest('limit is required')
  const related = q.get('related_event_ticker')
  const type = q.get('type')
  const category = q.get('category')
  const minStart = q.get('minimum_start_date')
  const minStartMs = minStart ? Date.parse(minStart) : undefined
  if (minStartMs !== undefined && Number.isNaN(minStartMs)) throw badRequest('minimum_start_date must be an RFC 3339 time')
  const games = ctx.world.catalog.games.filter((g) =>
    (!related || g.eventTickers.includes(related)) && (!type || type === MILESTONE_TYPE) && (!category || category === 'Sports') &&
    (minStartMs === undefined || g.startMs >= minStartMs))
  const { page, cursor } = paginate(games, q, 500)
  return [200, { milestones: page.map(milestoneJson), cursor }]
}

/** GET /live_data/batch?milestone_ids=a&milestone_ids=b (also a,b); at most 100; unknown ids are left out. */
function liveDataBatch(ctx: RestContext, q: URLSearchParams): [number, unknown] {
  const ids = q.getAll('milestone_ids').flatMap((v) => v.split(',')).filter(Boolean)
  if (ids.length === 0) throw badRequest('milestone_ids is required')
  if (ids.length > 100) throw badRequest('at most 100 milestone_ids')
  const byId = new Map(ctx.world.catalog.games.map((g) => [g.milestoneId, g]))
  return [200, { live_datas: ids.flatMap((id) => { const g = byId.get(id); return g ? [liveDataJson(g)] : [] }) }]
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > 65_536) throw badRequest('request body too large')
    chunks.push(chunk as Buffer)
  }
  try {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown
    if (body && typeof body === 'object' && !Array.isArray(body)) return body as Record<string, unknown>
  } catch { /* answered below */ }
  throw badRequest('request body must be a JSON object')
}

async function createOrder(ctx: RestContext, _q: URLSearchParams, _p: string[], req: IncomingMessage, keyId?: string): Promise<[number, unknown]> {
  if (keyId === undefined) throw new HttpError(401, 'unauthorized', 'this endpoint requires a signed request')
  const body = await readJson(req)
  if (typeof body.ticker !== 'string') throw badRequest('ticker is required')
  const market = ctx.world.market(body.ticker)
  if (!market) throw notFound(`market ${body.ticker} not found`)
  if (body.action !== 'buy' && body.action !== 'sell') throw badRequest('action must be buy or sell')
  if (body.side !== 'yes' && body.side !== 'no') throw badRequest('side must be yes or no')
  if (body.type !== undefined && body.type !== 'limit') throw badRequest('the simulator accepts limit orders only')
  const tif = body.time_in_force ?? 'good_till_canceled'
  if (tif !== 'good_till_canceled' && tif !== 'immediate_or_cancel' && tif !== 'fill_or_kill') throw badRequest('invalid time_in_force')
  const count = body.count_fp !== undefined ? countToUnits(body.count_fp) : typeof body.count === 'number' && Number.isInteger(body.count) ? body.count * 100 : undefined
  if (count === undefined || count <= 0) throw badRequest('count must be a positive integer')
  const yesPrice = body.yes_price_dollars !== undefined ? dollarsToUnits(body.yes_price_dollars) : typeof body.yes_price === 'number' ? body.yes_price * 100 : undefined
  const noPrice = body.no_price_dollars !== undefined ? dollarsToUnits(body.no_price_dollars) : typeof body.no_price === 'number' ? body.no_price * 100 : undefined
  if ((yesPrice === undefined) === (noPrice === undefined)) throw badRequest('give exactly one of yes_price_dollars or no_price_dollars')
  const price = body.side === 'yes' ? (yesPrice ?? 10_000 - noPrice!) : (noPrice ?? 10_000 - yesPrice!)
  if (!Number.isInteger(price) || price < 100 || price > 9_900 || price % 100 !== 0) throw badRequest('price must be a whole cent from 0.01 to 0.99')
  if (market.status !== 'active') throw new HttpError(400, 'market_closed', `market ${market.ticker} is not open for trading`)
  const clientOrderId = typeof body.client_order_id === 'string' ? body.client_order_id : undefined
  const account = accountOf(ctx.world, keyId)
  // Kalshi answers a reused client_order_id with 409 Conflict (CreateOrder in its OpenAPI document).
  if (clientOrderId && account.find(clientOrderId)) throw new HttpError(409, 'order_already_exists', `an order with client_order_id ${clientOrderId} already exists`)

  const r = placeOrder(ctx.world, { keyId, market, action: body.action, side: body.side, count, price, clientOrderId, timeInForce: tif })
  const yes = body.side === 'yes' ? price : 10_000 - price
  const record: SimOrderRecord = {
    orderId: r.orderId, clientOrderId: clientOrderId ?? '', ticker: market.ticker, side: body.side, action: body.action, status: r.status,
    yesPrice: yes, initial: count, filled: r.filled, remaining: r.remaining, fillCost: r.fillCost, feeMicros: r.feeMicros, createdMs: Date.now(),
  }
  account.record(record, r.filled > 0 ? Math.round(r.fillCost / r.filled) : price)
  return [201, { order: orderJson(record, keyId) }]
}

/** An order with the fields of Kalshi's Order schema (fixed-point strings, legacy integer twins). */
function orderJson(o: SimOrderRecord, keyId: string): Record<string, unknown> {
  const created = new Date(o.createdMs).toISOString()
  return {
    order_id: o.orderId, user_id: keyId, client_order_id: o.clientOrderId, ticker: o.ticker,
    side: o.side, action: o.action, outcome_side: (o.action === 'buy') === (o.side === 'yes') ? 'yes' : 'no', type: 'limit', status: o.status,
    yes_price_dollars: formatDollars(o.yesPrice), no_price_dollars: formatDollars(10_000 - o.yesPrice),
    fill_count_fp: formatCount(o.filled), remaining_count_fp: formatCount(o.remaining), initial_count_fp: formatCount(o.initial),
    taker_fill_cost_dollars: formatDollars(Math.round(o.fillCost / 100)), maker_fill_cost_dollars: '0.0000',
    // The simulator's fills are all taker fills (orders.ts), so every fee is a taker fee.
    taker_fees_dollars: feeCost(o.feeMicros), maker_fees_dollars: '0.0000',
    created_time: created, last_update_time: created, expiration_time: null,
    yes_price: o.yesPrice / 100, no_price: (10_000 - o.yesPrice) / 100,
    fill_count: o.filled / 100, remaining_count: o.remaining / 100, initial_count: o.initial / 100,
  }
}

function signedOnly(keyId: string | undefined): string {
  if (keyId === undefined) throw new HttpError(401, 'unauthorized', 'this endpoint requires a signed request')
  return keyId
}

/** GET /portfolio/orders: newest first, filtered by ticker, event_ticker, status and min_ts/max_ts (Unix seconds) as Kalshi's GetOrders. */
function listOrders(ctx: RestContext, q: URLSearchParams, _p: string[], _req: IncomingMessage, keyId?: string): [number, unknown] {
  const key = signedOnly(keyId)
  const status = q.get('status')
  if (status && !['resting', 'canceled', 'executed'].includes(status)) throw badRequest('status must be one of resting, canceled, executed')
  const ticker = q.get('ticker')
  const events = q.get('event_ticker') ? new Set(q.get('event_ticker')!.split(',')) : undefined
  const minMs = q.get('min_ts') ? Number(q.get('min_ts')) * 1000 : -Infinity
  const maxMs = q.get('max_ts') ? Number(q.get('max_ts')) * 1000 : Infinity
  const orders = accountOf(ctx.world, key).orders.filter((o) =>
    (!status || o.status === status) && (!ticker || o.ticker === ticker) && (!events || events.has(ctx.world.market(o.ticker)?.eventTicker ?? '')) &&
    o.createdMs >= minMs && o.createdMs <= maxMs).reverse()
  const { page, cursor } = paginate(orders, q, 1000)
  return [200, { orders: page.map((o) => orderJson(o, key)), cursor }]
}

/** GET /portfolio/positions: market_positions (and event_positions) as Kalshi's GetPositions. */
function listPositions(ctx: RestContext, q: URLSearchParams, _p: string[], _req: IncomingMessage, keyId?: string): [number, unknown] {
  const key = signedOnly(keyId)
  const ticker = q.get('ticker')
  const event = q.get('event_ticker')
  const filter = q.get('count_filter')
  if (filter && !filter.split(',').every((f) => f === 'position' || f === 'total_traded')) throw badRequest('count_filter accepts position, total_traded')
  const all = [...accountOf(ctx.world, key).positions.values()].filter((p) =>
    (!ticker || p.ticker === ticker) && (!event || ctx.world.market(p.ticker)?.eventTicker === event) &&
    (!filter || filter.split(',').some((f) => (f === 'position' ? p.position !== 0 : p.traded !== 0))))
  const { page, cursor } = paginate(all, q, 1000)
  const resting = (t: string) => accountOf(ctx.world, key).orders.filter((o) => o.ticker === t && o.status === 'resting').reduce((s, o) => s + o.remaining, 0)
  const events = new Map<string, number>()
  for (const p of page) {
    const e = ctx.world.market(p.ticker)?.eventTicker ?? ''
    events.set(e, (events.get(e) ?? 0) + p.exposure)
  }
  return [200, {
    market_positions: page.map((p) => ({
      ticker: p.ticker,
      total_traded_dollars: formatDollars(Math.round(p.traded)), position_fp: formatCount(p.position),
      market_exposure_dollars: formatDollars(Math.round(p.exposure)), realized_pnl_dollars: '0.0000',
      resting_orders_count: Math.round(resting(p.ticker) / 100), fees_paid_dollars: feeCost(p.feeMicros), last_updated_ts: new Date(p.lastUpdatedMs).toISOString(),
      // Legacy twins (cents, whole contracts).
      position: Math.round(p.position / 100), market_exposure: Math.round(p.exposure / 100), total_traded: Math.round(p.traded / 100),
    })),
    event_positions: [...events].map(([e, exposure]) => ({
      event_ticker: e, total_cost_dollars: formatDollars(Math.round(exposure)), total_cost_shares_fp: '0.00',
      event_exposure_dollars: formatDollars(Math.round(exposure)), realized_pnl_dollars: '0.0000', fees_paid_dollars: '0.0000',
    })),
    cursor,
  }]
}

/** Serve one REST request under /trade-api/v2. */
export async function handleRest(req: IncomingMessage, res: ServerResponse, ctx: RestContext): Promise<void> {
  try {
    const url = new URL(req.url ?? '/', 'http://sim')
    const refusal = ctx.faults.admit()
    if (refusal) return sendError(res, 429, 'too_many_requests', refusal)
    const auth = ctx.keys.check(req.headers, req.method ?? 'GET', url.pathname, { windowMs: ctx.authWindowMs, refuseAll: ctx.refuseAuth })
    if (auth.kind === 'refused') return sendError(res, 401, 'unauthorized', auth.reason)
    const path = url.pathname.slice(API_PREFIX.length)
    for (const [method, pattern, route] of routes) {
      const match = pattern.exec(path)
      if (!match) continue
      if (req.method !== method) continue
      const params = match.slice(1).map((p) => decodeURIComponent(p))
      const [status, body] = await route(ctx, url.searchParams, params, req, auth.kind === 'signed' ? auth.keyId : undefined)
      return send(res, status, body)
    }
    throw notFound(`no route for ${req.method} ${url.pathname}`)
  } catch (error) {
    if (error instanceof HttpError || error instanceof HistoryHttpError) return sendError(res, error.status, error.code, error.message)
    sendError(res, 500, 'internal_server_error', String(error))
  }
}
