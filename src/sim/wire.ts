import { formatCount, formatDollars } from '../core/fixed-point.js'
import type { SimEvent, SimMarket } from './catalog.js'
import type { LevelUnits } from './order-book.js'
import type { LifecycleType, TradeRecord } from './world.js'

/**
 * WebSocket message bodies, written as template strings: at 50k messages/s JSON.stringify of
 * fresh objects is the hot spot. Tickers and ids never contain quotes or backslashes, so no
 * escaping is needed.
 *
 * The current wire (Kalshi's AsyncAPI document): `*_dollars` / `*_fp` strings, `ts_ms` beside the
 * deprecated `ts`, trade direction as `taker_outcome_side` / `taker_book_side`, snapshots without
 * the key of an empty side. `legacy` (neural sim --legacy-wire) adds the integer twins Kalshi sent
 * during its migration (cents, whole contracts), for clients that still read only those.
 */

const cents = (units: number) => Math.round(units / 100)
const whole = (countUnits: number) => Math.round(countUnits / 100)

export interface TopOfBook { yesBid: number; yesAsk: number }

/** yes bid = best yes bid; yes ask = $1 − best no bid. An empty side reads 0 / $1 as Kalshi shows it. */
export function topOfBook(m: SimMarket): TopOfBook {
  const yesBid = m.book.best('yes') ?? 0
  const noBid = m.book.best('no')
  return { yesBid, yesAsk: noBid === undefined ? 10_000 : 10_000 - noBid }
}

export function tickerBody(m: SimMarket, nowMs: number, legacy = false): string {
  const { yesBid, yesAsk } = topOfBook(m)
  const yesBidSize = yesBid === 0 ? 0 : m.book.quantity('yes', yesBid)
  const yesAskSize = yesAsk === 10_000 ? 0 : m.book.quantity('no', 10_000 - yesAsk)
  const dollarVolume = Math.round((m.volume / 100) * (m.lastPrice / 10_000))
  const dollarOpenInterest = Math.round((m.openInterest / 100) * (m.lastPrice / 10_000))
  const old = legacy ? `"price":${cents(m.lastPrice)},"yes_bid":${cents(yesBid)},"yes_ask":${cents(yesAsk)},"volume":${whole(m.volume)},"open_interest":${whole(m.openInterest)},` : ''
  return `{"market_id":"${m.marketId}","market_ticker":"${m.ticker}",${old}"price_dollars":"${formatDollars(m.lastPrice)}","yes_bid_dollars":"${formatDollars(yesBid)}","yes_ask_dollars":"${formatDollars(yesAsk)}",` +
    `"volume_fp":"${formatCount(m.volume)}","open_interest_fp":"${formatCount(m.openInterest)}","dollar_volume":${dollarVolume},"dollar_open_interest":${dollarOpenInterest},` +
    `"yes_bid_size_fp":"${formatCount(yesBidSize)}","yes_ask_size_fp":"${formatCount(yesAskSize)}","last_trade_size_fp":"${formatCount(m.lastTradeCount ?? 0)}",` +
    `"ts":${Math.floor(nowMs / 1000)},"ts_ms":${nowMs},"time":"${new Date(nowMs).toISOString()}"}`
}

export function tradeBody(m: SimMarket, t: TradeRecord, legacy = false): string {
  const noPrice = 10_000 - t.yesPrice
  const old = legacy ? `"yes_price":${cents(t.yesPrice)},"no_price":${cents(noPrice)},"count":${whole(t.count)},` : ''
  return `{"trade_id":"${t.tradeId}","market_ticker":"${m.ticker}",${old}"yes_price_dollars":"${formatDollars(t.yesPrice)}","no_price_dollars":"${formatDollars(noPrice)}","count_fp":"${formatCount(t.count)}",` +
    `"taker_side":"${t.takerSide}","taker_outcome_side":"${t.takerSide}","taker_book_side":"${t.takerSide === 'yes' ? 'bid' : 'ask'}","is_block_trade":false,` +
    `"ts":${Math.floor(t.tsMs / 1000)},"ts_ms":${t.tsMs}}`
}

/**
 * With use_yes_price, Kalshi prices the NO side of the book at the YES price it offers (a NO bid at
 * $0.49 shows as $0.51): seen on real Kalshi, where the NO level equalled the ticker's yes ask.
 */
const shown = (side: string, price: number, useYesPrice: boolean) => (useYesPrice && side === 'no' ? 10_000 - price : price)

export function deltaBody(m: SimMarket, side: string, price: number, delta: number, clientOrderId: string | undefined, nowMs: number, legacy = false, useYesPrice = false): string {
  const coid = clientOrderId === undefined ? '' : `,"client_order_id":${JSON.stringify(clientOrderId)}`
  const p = shown(side, price, useYesPrice)
  const old = legacy ? `"price":${cents(p)},"delta":${whole(delta)},` : ''
  return `{"market_ticker":"${m.ticker}","market_id":"${m.marketId}",${old}"price_dollars":"${formatDollars(p)}",` +
    `"delta_fp":"${formatCount(delta)}","side":"${side}"${coid},"ts":"${new Date(nowMs).toISOString()}","ts_ms":${nowMs}}`
}

/** Kalshi lists levels in ascending price order: the best bid is the last element. */
function ascending(levels: LevelUnits[]): LevelUnits[] {
  return [...levels].sort((a, b) => a[0] - b[0])
}

export function snapshotBody(m: SimMarket, legacy = false, useYesPrice = false): string {
  const yes = ascending(m.book.levels('yes'))
  const no = ascending(m.book.levels('no').map(([p, q]) => [shown('no', p, useYesPrice), q] as LevelUnits))
  const body: Record<string, unknown> = { market_ticker: m.ticker, market_id: m.marketId }
  // An empty side is left out (AsyncAPI: "This key will not exist if there are no Yes offers").
  if (yes.length) body.yes_dollars_fp = yes.map(([p, q]) => [formatDollars(p), formatCount(q)])
  if (no.length) body.no_dollars_fp = no.map(([p, q]) => [formatDollars(p), formatCount(q)])
  if (legacy) {
    if (yes.length) Object.assign(body, { yes: yes.map(([p, q]) => [cents(p), whole(q)]), yes_dollars: yes.map(([p, q]) => [formatDollars(p), whole(q)]) })
    if (no.length) Object.assign(body, { no: no.map(([p, q]) => [cents(p), whole(q)]), no_dollars: no.map(([p, q]) => [formatDollars(p), whole(q)]) })
  }
  return JSON.stringify(body)
}

export function lifecycleBody(m: SimMarket, eventType: LifecycleType): string {
  const body: Record<string, unknown> = {
    market_ticker: m.ticker,
    event_type: eventType,
    open_ts: Math.floor(m.openTimeMs / 1000),
    close_ts: Math.floor(m.closeTimeMs / 1000),
  }
  if (eventType === 'determined') {
    body.result = m.result
    body.determination_ts = m.determinationTs
    // What a YES contract pays; the simulator's games never tie, so always $1 or $0.
    body.settlement_value = formatDollars(m.result === 'yes' ? 10_000 : 0)
  }
  if (eventType === 'settled') {
    body.result = m.result
    body.settled_ts = m.settledTs
  }
  return JSON.stringify(body)
}

/** Kalshi's event_lifecycle message: an event was created (its markets follow as `created`). */
export function eventLifecycleBody(e: SimEvent): string {
  return JSON.stringify({
    event_ticker: e.ticker,
    exchange_index: 0,
    title: e.title,
    subtitle: e.subTitle,
    collateral_return_type: e.mutuallyExclusive ? 'MECNET' : '',
    series_ticker: e.seriesTicker,
    strike_date: Math.floor(e.strikeTimeMs / 1000),
  })
}

export interface FillFields { orderId: string; side: string; action: string; isTaker: boolean; clientOrderId?: string; feeMicros: number }

/** A fee in micro-dollars as Kalshi's `fee_cost`: a dollar string, six decimals only when a fractional contract needs them. */
export function feeCost(micros: number): string {
  return micros % 100 === 0 ? formatDollars(micros / 100) : (micros / 1_000_000).toFixed(6)
}

export function fillBody(m: SimMarket, t: TradeRecord, f: FillFields, legacy = false): string {
  return JSON.stringify({
    trade_id: t.tradeId,
    order_id: f.orderId,
    market_ticker: m.ticker,
    is_taker: f.isTaker,
    side: f.side,
    outcome_side: f.side,
    book_side: f.side === 'yes' ? 'bid' : 'ask',
    action: f.action,
    ...(legacy ? { yes_price: cents(t.yesPrice), no_price: cents(10_000 - t.yesPrice), count: whole(t.count) } : {}),
    yes_price_dollars: formatDollars(t.yesPrice),
    no_price_dollars: formatDollars(10_000 - t.yesPrice),
    count_fp: formatCount(t.count),
    fee_cost: feeCost(f.feeMicros),
    ...(f.clientOrderId === undefined ? {} : { client_order_id: f.clientOrderId }),
    ts: Math.floor(t.tsMs / 1000),
    ts_ms: t.tsMs,
  })
}
