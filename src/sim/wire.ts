import { formatCount, formatDollars } from '../core/fixed-point.js'
import type { SimMarket } from './catalog.js'
import type { LevelUnits } from './order-book.js'
import type { LifecycleType, TradeRecord } from './world.js'

/**
 * WebSocket message bodies, written as template strings: at 50k messages/s JSON.stringify of
 * fresh objects is the hot spot. Tickers and ids never contain quotes or backslashes, so no
 * escaping is needed. Current fields (`*_dollars`, `*_fp`) go out with their legacy integer
 * twins beside them (cents, whole contracts), as Kalshi did during its migration.
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

export function tickerBody(m: SimMarket, tsSec: number): string {
  const { yesBid, yesAsk } = topOfBook(m)
  const dollarVolume = Math.round((m.volume / 100) * (m.lastPrice / 10_000))
  const dollarOpenInterest = Math.round((m.openInterest / 100) * (m.lastPrice / 10_000))
  return `{"market_ticker":"${m.ticker}","market_id":"${m.marketId}","price":${cents(m.lastPrice)},"yes_bid":${cents(yesBid)},"yes_ask":${cents(yesAsk)},` +
    `"price_dollars":"${formatDollars(m.lastPrice)}","yes_bid_dollars":"${formatDollars(yesBid)}","yes_ask_dollars":"${formatDollars(yesAsk)}",` +
    `"volume":${whole(m.volume)},"volume_fp":"${formatCount(m.volume)}","open_interest":${whole(m.openInterest)},"open_interest_fp":"${formatCount(m.openInterest)}",` +
    `"dollar_volume":${dollarVolume},"dollar_open_interest":${dollarOpenInterest},"ts":${tsSec}}`
}

export function tradeBody(m: SimMarket, t: TradeRecord): string {
  const noPrice = 10_000 - t.yesPrice
  return `{"trade_id":"${t.tradeId}","market_ticker":"${m.ticker}","yes_price":${cents(t.yesPrice)},"no_price":${cents(noPrice)},` +
    `"yes_price_dollars":"${formatDollars(t.yesPrice)}","no_price_dollars":"${formatDollars(noPrice)}","count":${whole(t.count)},"count_fp":"${formatCount(t.count)}",` +
    `"taker_side":"${t.takerSide}","ts":${Math.floor(t.tsMs / 1000)}}`
}

export function deltaBody(m: SimMarket, side: string, price: number, delta: number, clientOrderId?: string): string {
  const coid = clientOrderId === undefined ? '' : `,"client_order_id":${JSON.stringify(clientOrderId)}`
  return `{"market_ticker":"${m.ticker}","market_id":"${m.marketId}","price":${cents(price)},"price_dollars":"${formatDollars(price)}",` +
    `"delta":${whole(delta)},"delta_fp":"${formatCount(delta)}","side":"${side}"${coid}}`
}

/** Kalshi lists levels in ascending price order: the best bid is the last element. */
function ascending(levels: LevelUnits[]): LevelUnits[] {
  return [...levels].sort((a, b) => a[0] - b[0])
}

export function snapshotBody(m: SimMarket): string {
  const yes = ascending(m.book.levels('yes'))
  const no = ascending(m.book.levels('no'))
  return JSON.stringify({
    market_ticker: m.ticker,
    market_id: m.marketId,
    yes: yes.map(([p, q]) => [cents(p), whole(q)]),
    no: no.map(([p, q]) => [cents(p), whole(q)]),
    yes_dollars: yes.map(([p, q]) => [formatDollars(p), whole(q)]),
    no_dollars: no.map(([p, q]) => [formatDollars(p), whole(q)]),
    yes_dollars_fp: yes.map(([p, q]) => [formatDollars(p), formatCount(q)]),
    no_dollars_fp: no.map(([p, q]) => [formatDollars(p), formatCount(q)]),
  })
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

export interface FillFields { orderId: string; side: string; action: string; isTaker: boolean; clientOrderId?: string; feeMicros: number }

/** A fee in micro-dollars as Kalshi's `fee_cost`: a dollar string, six decimals only when a fractional contract needs them. */
export function feeCost(micros: number): string {
  return micros % 100 === 0 ? formatDollars(micros / 100) : (micros / 1_000_000).toFixed(6)
}

export function fillBody(m: SimMarket, t: TradeRecord, f: FillFields): string {
  return JSON.stringify({
    trade_id: t.tradeId,
    order_id: f.orderId,
    market_ticker: m.ticker,
    is_taker: f.isTaker,
    side: f.side,
    action: f.action,
    yes_price: cents(t.yesPrice),
    no_price: cents(10_000 - t.yesPrice),
    yes_price_dollars: formatDollars(t.yesPrice),
    no_price_dollars: formatDollars(10_000 - t.yesPrice),
    count: whole(t.count),
    count_fp: formatCount(t.count),
    fee_cost: feeCost(f.feeMicros),
    ...(f.clientOrderId === undefined ? {} : { client_order_id: f.clientOrderId }),
    ts: Math.floor(t.tsMs / 1000),
  })
}
