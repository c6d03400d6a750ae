import type { IncomingMessage, ServerResponse } from 'node:http'
import { countToUnits, dollarsToUnits, formatCount, formatDollars } from '../core/fixed-point.js'
import type { KeyRing } from './auth.js'
import type { MarketStatus } from './catalog.js'
import type { RestFaults } from './faults.js'
import { placeOrder } from './orders.js'
import { eventJson, eventStatus, marketJson, orderbookJson, seriesJson, tradeJson } from './rest-shapes.js'
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
  ['GET', /^\/markets\/trades$/, (ctx, q) => {
    const ticker = q.get('ticker')
    const trades = ctx.world.trades().filter((t) => !ticker || t.ticker === ticker).reverse()
    const { page, cursor } = paginate(trades, q, 1000)
    return [200, { trades: page.map(tradeJson), cursor }]
  }],
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
    const fills = ctx.world.fills(keyId).filter((f) => !ticker || f.market.ticker === ticker).slice().reverse()
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
]

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

  const r = placeOrder(ctx.world, { keyId, market, action: body.action, side: body.side, count, price, clientOrderId, timeInForce: tif })
  const sidePrice = price
  const yes = body.side === 'yes' ? sidePrice : 10_000 - sidePrice
  const now = new Date().toISOString()
  return [201, {
    order: {
      order_id: r.orderId, user_id: keyId, client_order_id: clientOrderId ?? '', ticker: market.ticker,
      side: body.side, action: body.action, outcome_side: body.side, type: 'limit', status: r.status,
      yes_price_dollars: formatDollars(yes), no_price_dollars: formatDollars(10_000 - yes),
      fill_count_fp: formatCount(r.filled), remaining_count_fp: formatCount(r.remaining), initial_count_fp: formatCount(count),
      taker_fill_cost_dollars: formatDollars(Math.round(r.fillCost / 100)), maker_fill_cost_dollars: '0.0000',
      taker_fees_dollars: feeCost(r.feeMicros), maker_fees_dollars: '0.0000',
      created_time: now, last_update_time: now, expiration_time: null,
      yes_price: yes / 100, no_price: (10_000 - yes) / 100,
      fill_count: r.filled / 100, remaining_count: r.remaining / 100, initial_count: count / 100,
    },
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
    if (error instanceof HttpError) return sendError(res, error.status, error.code, error.message)
    sendError(res, 500, 'internal_server_error', String(error))
  }
}
