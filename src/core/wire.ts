/**
 * The edge: one Kalshi WebSocket frame in, one of our own messages out. Nothing past this file
 * reads raw Kalshi fields. Prices are converted from fixed-point dollar strings (or legacy cents)
 * into integer price units exactly once, here; `parseFrame` never throws, so garbage from the
 * network (or a fuzzer) becomes a `malformed` message instead of a crash.
 */
import { centsToUnits, COUNT_SCALE as COUNT_SCALE_IMPORT, parseScaled, PRICE_SCALE as PRICE_SCALE_IMPORT } from './fixed-point.js'
import type { EventFeeUpdate, EventLifecycle, Fill, FillAction, Lifecycle, Side, Tick, Trade } from './types.js'
import * as scan from './frame-scan.js'
import { WS_ERROR_TABLE, wsError } from './ws-errors.js'

/** code → name, from the one table in ws-errors.ts (kept for the library's users). */
export const WS_ERROR_CODES: Readonly<Record<number, string>> = Object.fromEntries(WS_ERROR_TABLE.map((e) => [e.code, e.name]))

export function wsErrorName(code: number): string {
  return wsError(code).name
}

export interface TickMessage { kind: 'tick'; sid?: number; seq?: number; tick: Tick }
export interface TradeMessage { kind: 'trade'; sid?: number; seq?: number; trade: Trade }
export interface LifecycleMessage { kind: 'lifecycle'; sid?: number; seq?: number; lifecycle: Lifecycle }
export interface FillMessage { kind: 'fill'; sid?: number; seq?: number; fill: Fill }
export interface EventLifecycleMessage { kind: 'event_lifecycle'; sid?: number; seq?: number; event: EventLifecycle }
export interface EventFeeMessage { kind: 'event_fee_update'; sid?: number; seq?: number; fee: EventFeeUpdate }

/** Full book for one market; levels are flat pairs [priceUnits, countUnits, priceUnits, countUnits, ...]. */
export interface BookSnapshotMessage {
  kind: 'book_snapshot'
  sid?: number
  seq?: number
  ticker: string
  yes: number[]
  no: number[]
  receivedAt: number
}

/** A signed change of resting quantity at one price level. */
export interface BookDeltaMessage {
  kind: 'book_delta'
  sid?: number
  seq?: number
  ticker: string
  side: Side
  priceUnits: number
  deltaUnits: number
  receivedAt: number
  /** Exchange time of the change (`ts_ms`, else `ts`), epoch ms. */
  exchangeTs?: number
}

export interface SubscribedMessage { kind: 'subscribed'; id?: number; channel: string; sid: number }
export interface UnsubscribedMessage { kind: 'unsubscribed'; id?: number; sid: number; seq?: number }
/** update_subscription ack (sid, seq, marketTickers) or list_subscriptions reply (subscriptions). */
export interface OkMessage {
  kind: 'ok'
  id?: number
  sid?: number
  seq?: number
  marketTickers?: string[]
  subscriptions?: { channel: string; sid: number }[]
}
export interface ErrorMessage {
  kind: 'error'
  id?: number
  /** A subscription-scoped error names its subscription and takes a place in its sequence. */
  sid?: number
  seq?: number
  code: number
  codeName: string
  message: string
  marketTicker?: string
}
export interface UnknownMessage { kind: 'unknown'; msgType: string }
export interface MalformedMessage { kind: 'malformed'; reason: string }

export type DataMessage = TickMessage | TradeMessage | LifecycleMessage | FillMessage | BookSnapshotMessage | BookDeltaMessage | EventLifecycleMessage | EventFeeMessage
export type ControlMessage = SubscribedMessage | UnsubscribedMessage | OkMessage | ErrorMessage
export type WireMessage = DataMessage | ControlMessage | UnknownMessage | MalformedMessage

type Obj = Record<string, unknown>

// Local copies: under a CommonJS transform (tsx) every read of an imported binding is a getter call,
// measurable on a path that runs several times per frame.
const PRICE_SCALE = PRICE_SCALE_IMPORT
const COUNT_SCALE = COUNT_SCALE_IMPORT
const F = scan.F

const POW10 = [1, 10, 100, 1000, 10000, 100000]

/**
 * Decimal string → integer of 10^-decimals. The canonical wire form ("0.5600", "250.00", and a
 * delta's "-67.00") is decoded here with a character loop; anything else (spaces, long numbers)
 * goes to fixed-point.ts's parseScaled, which defines the semantics. Measured: the regex path alone
 * cost ~0.12 µs per field, about 60% of a JSON.parse of a whole ticker frame for its five fields
 * (and half of all book deltas are negative).
 * Exported for the equivalence test.
 */
export function decimalToUnits(text: unknown, decimals: number): number | undefined {
  if (typeof text !== 'string') return undefined
  const n = text.length
  const negative = n > 0 && text.charCodeAt(0) === 45
  const start = negative ? 1 : 0
  let i = start
  let whole = 0
  while (i < n) {
    const c = text.charCodeAt(i)
    if (c < 48 || c > 57) break
    whole = whole * 10 + (c - 48)
    i++
  }
  if (i === start || i - start > 9) return parseScaled(text, decimals)
  let frac = 0
  let digits = 0
  if (i < n) {
    if (text.charCodeAt(i) !== 46) return parseScaled(text, decimals)
    i++
    while (i < n) {
      const c = text.charCodeAt(i)
      if (c < 48 || c > 57 || digits === decimals) return parseScaled(text, decimals)
      frac = frac * 10 + (c - 48)
      digits++
      i++
    }
  }
  const v = whole * POW10[decimals] + frac * POW10[decimals - digits]
  return negative ? -v : v
}

function countToUnits(value: unknown): number | undefined {
  const u = typeof value === 'number' ? Math.round(value * COUNT_SCALE) : decimalToUnits(value, 2)
  // Found by fuzzing: a huge legacy number must not become Infinity or an inexact count.
  return u !== undefined && Number.isSafeInteger(u) ? u : undefined
}

const malformed = (reason: string): MalformedMessage => ({ kind: 'malformed', reason })

function int(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined
}

/** A price: the `*_dollars` string first, the legacy integer cents second; outside 0..1 dollar is rejected. */
function priceUnits(dollars: unknown, cents: unknown): number | undefined {
  let u = dollars === undefined ? undefined : (typeof dollars === 'number' ? (Number.isFinite(dollars) ? Math.round(dollars * PRICE_SCALE) : undefined) : decimalToUnits(dollars, 4))
  if (u === undefined) u = centsToUnits(cents)
  return u !== undefined && u >= 0 && u <= PRICE_SCALE ? u : undefined
}

/** A count: the `_fp` string first, the legacy integer second. Only a delta may be negative. */
function countUnits(fp: unknown, legacy: unknown, signed = false): number | undefined {
  let u = fp === undefined ? undefined : countToUnits(fp)
  if (u === undefined) u = countToUnits(legacy)
  return u !== undefined && (signed || u >= 0) ? u : undefined
}

function dollars(units: number | undefined): number | undefined {
  return units === undefined ? undefined : units / PRICE_SCALE
}

/** Kalshi's older data timestamps are Unix seconds. */
function secondsToMs(ts: unknown): number | undefined {
  // Found by fuzzing: a huge number times 1000 is Infinity, which prints as null.
  const ms = typeof ts === 'number' ? Math.round(ts * 1000) : NaN
  return Number.isSafeInteger(ms) && ms >= 0 ? ms : undefined
}

/**
 * The exchange time of a message: `ts_ms` (milliseconds, current) first, then the deprecated `ts`,
 * which is Unix seconds on ticker and trade and an RFC 3339 string on orderbook_delta.
 */
function exchangeMs(tsMs: unknown, ts: unknown): number | undefined {
  if (typeof tsMs === 'number' && Number.isSafeInteger(tsMs) && tsMs >= 0) return tsMs
  if (typeof ts === 'string') {
    const ms = Date.parse(ts)
    return Number.isFinite(ms) && ms >= 0 ? ms : undefined
  }
  return secondsToMs(ts)
}

/** Kalshi reports an empty side as a bid of $0 and an ask of $1 (ticker and REST): "none", not a price. */
function bidOrNone(units: number | undefined): number | undefined {
  return units === undefined || units === 0 ? undefined : units
}
function askOrNone(units: number | undefined): number | undefined {
  return units === undefined || units === PRICE_SCALE ? undefined : units
}

function side(v: unknown): Side | undefined {
  return v === 'yes' || v === 'no' ? v : undefined
}

/** Kalshi's book vocabulary: a bid buys yes, an ask buys no. */
function bookSide(v: unknown): Side | undefined {
  return v === 'bid' ? 'yes' : v === 'ask' ? 'no' : undefined
}

/** A tick from its fields in units; both readers of a ticker frame end here. */
function buildTick(ticker: string, last: number | undefined, volume: number | undefined, openInterest: number | undefined, bid: number | undefined, ask: number | undefined, bidSize: number | undefined, askSize: number | undefined, lastUpdate: number, receivedAt: number, sid: number | undefined): TickMessage {
  // Kalshi sends a last price of 0 for a market that has not traded; no trade prints at $0.
  const yesPrice = last === 0 ? undefined : last
  const yesBid = bidOrNone(bid)
  const yesAsk = askOrNone(ask)
  const tick: Tick = {
    type: 'ticker',
    ticker,
    yesBid: dollars(yesBid),
    yesAsk: dollars(yesAsk),
    yesPrice: dollars(yesPrice),
    noPrice: yesPrice === undefined ? undefined : (PRICE_SCALE - yesPrice) / PRICE_SCALE,
    volume: volume === undefined ? undefined : volume / COUNT_SCALE,
    openInterest: openInterest === undefined ? undefined : openInterest / COUNT_SCALE,
    lastUpdate,
    receivedAt,
  }
  // A size belongs to a price: none for a placeholder side.
  if (yesBid !== undefined && bidSize !== undefined) tick.yesBidSize = bidSize / COUNT_SCALE
  if (yesAsk !== undefined && askSize !== undefined) tick.yesAskSize = askSize / COUNT_SCALE
  return { kind: 'tick', sid, tick }
}

function parseTick(msg: Obj, sid: number | undefined, receivedAt: number): TickMessage | MalformedMessage {
  const ticker = msg.market_ticker
  if (typeof ticker !== 'string' || ticker === '') return malformed('ticker: missing market_ticker')
  return buildTick(
    ticker,
    priceUnits(msg.price_dollars, msg.price),
    countUnits(msg.volume_fp, msg.volume),
    countUnits(msg.open_interest_fp, msg.open_interest),
    priceUnits(msg.yes_bid_dollars, msg.yes_bid),
    priceUnits(msg.yes_ask_dollars, msg.yes_ask),
    msg.yes_bid_size_fp === undefined ? undefined : countUnits(msg.yes_bid_size_fp, undefined),
    msg.yes_ask_size_fp === undefined ? undefined : countUnits(msg.yes_ask_size_fp, undefined),
    exchangeMs(msg.ts_ms, msg.ts) ?? receivedAt,
    receivedAt,
    sid,
  )
}

/** The taker's side: taker_outcome_side / taker_book_side replace the deprecated taker_side (bid = yes, ask = no). */
function takerSide(outcome: Side | undefined, book: Side | undefined, legacy: Side | undefined): Side | undefined {
  return outcome ?? book ?? legacy
}

function buildTrade(ticker: string, yes: number | undefined, no: number | undefined, count: number, taker: Side, tradeId: unknown, isBlockTrade: unknown, ts: number, receivedAt: number, sid: number | undefined): TradeMessage {
  const yesUnits = yes ?? PRICE_SCALE - (no as number)
  if (no === undefined) no = PRICE_SCALE - yesUnits
  const trade: Trade = {
    type: 'trade',
    ticker,
    tradeId: typeof tradeId === 'string' ? tradeId : undefined,
    side: taker,
    quantity: count / COUNT_SCALE,
    price: yesUnits / PRICE_SCALE,
    noPrice: no / PRICE_SCALE,
    ts,
    receivedAt,
  }
  if (typeof isBlockTrade === 'boolean') trade.isBlockTrade = isBlockTrade
  return { kind: 'trade', sid, trade }
}

function parseTrade(msg: Obj, sid: number | undefined, receivedAt: number): TradeMessage | MalformedMessage {
  const ticker = msg.market_ticker
  if (typeof ticker !== 'string' || ticker === '') return malformed('trade: missing market_ticker')
  const yes = priceUnits(msg.yes_price_dollars, msg.yes_price)
  const no = priceUnits(msg.no_price_dollars, msg.no_price)
  if (yes === undefined && no === undefined) return malformed('trade: missing yes_price_dollars')
  const count = countUnits(msg.count_fp, msg.count)
  if (count === undefined) return malformed('trade: missing count_fp')
  const taker = takerSide(side(msg.taker_outcome_side), bookSide(msg.taker_book_side), side(msg.taker_side))
  if (!taker) return malformed('trade: no taker_outcome_side, taker_book_side or taker_side')
  return buildTrade(ticker, yes, no, count, taker, msg.trade_id, msg.is_block_trade, exchangeMs(msg.ts_ms, msg.ts) ?? receivedAt, receivedAt, sid)
}

/** Levels as [[price, qty], ...] into flat integer pairs; the `_fp` field (strings) first, legacy fields after. */
function levels(fp: unknown, dollarsLegacy: unknown, centsLegacy: unknown): number[] | string {
  const out: number[] = []
  if (Array.isArray(fp) || Array.isArray(dollarsLegacy)) {
    const list = (Array.isArray(fp) ? fp : dollarsLegacy) as unknown[]
    for (const level of list) {
      if (!Array.isArray(level) || level.length < 2) return 'book level is not [price, quantity]'
      const p = priceUnits(level[0], undefined)
      const q = countToUnits(level[1])
      if (p === undefined || q === undefined || q < 0) return 'book level has a bad price or quantity'
      if (q > 0) out.push(p, q)
    }
    return out
  }
  if (Array.isArray(centsLegacy)) {
    for (const level of centsLegacy as unknown[]) {
      if (!Array.isArray(level) || level.length < 2) return 'book level is not [price, quantity]'
      const p = priceUnits(undefined, level[0])
      const q = countToUnits(level[1])
      if (p === undefined || q === undefined || q < 0) return 'book level has a bad price or quantity'
      if (q > 0) out.push(p, q)
    }
    return out
  }
  // An empty side is sent as a missing (or null) field.
  if (fp == null && dollarsLegacy == null && centsLegacy == null) return out
  return 'book side is not an array'
}

function parseSnapshot(msg: Obj, sid: number | undefined, seq: number | undefined, receivedAt: number): BookSnapshotMessage | MalformedMessage {
  const ticker = msg.market_ticker
  if (typeof ticker !== 'string' || ticker === '') return malformed('orderbook_snapshot: missing market_ticker')
  const yes = levels(msg.yes_dollars_fp, msg.yes_dollars, msg.yes)
  if (typeof yes === 'string') return malformed(`orderbook_snapshot: yes ${yes}`)
  const no = levels(msg.no_dollars_fp, msg.no_dollars, msg.no)
  if (typeof no === 'string') return malformed(`orderbook_snapshot: no ${no}`)
  return { kind: 'book_snapshot', sid, seq, ticker, yes, no, receivedAt }
}

function buildDelta(ticker: string, s: Side, p: number, d: number, ts: number | undefined, receivedAt: number, sid: number | undefined, seq: number | undefined): BookDeltaMessage {
  const out: BookDeltaMessage = { kind: 'book_delta', sid, seq, ticker, side: s, priceUnits: p, deltaUnits: d, receivedAt }
  if (ts !== undefined) out.exchangeTs = ts
  return out
}

function parseDelta(msg: Obj, sid: number | undefined, seq: number | undefined, receivedAt: number): BookDeltaMessage | MalformedMessage {
  const ticker = msg.market_ticker
  if (typeof ticker !== 'string' || ticker === '') return malformed('orderbook_delta: missing market_ticker')
  const s = side(msg.side)
  if (!s) return malformed('orderbook_delta: side is not "yes" or "no"')
  const p = priceUnits(msg.price_dollars, msg.price)
  if (p === undefined) return malformed('orderbook_delta: missing price_dollars')
  const d = countUnits(msg.delta_fp, msg.delta, true)
  if (d === undefined) return malformed('orderbook_delta: missing delta_fp')
  return buildDelta(ticker, s, p, d, exchangeMs(msg.ts_ms, msg.ts), receivedAt, sid, seq)
}

function parseLifecycle(msg: Obj, sid: number | undefined, receivedAt: number): LifecycleMessage | MalformedMessage {
  const ticker = msg.market_ticker
  if (typeof ticker !== 'string' || ticker === '') return malformed('market_lifecycle_v2: missing market_ticker')
  if (typeof msg.event_type !== 'string') return malformed('market_lifecycle_v2: missing event_type')
  const lifecycle: Lifecycle = {
    type: 'lifecycle',
    ticker,
    event: msg.event_type,
    openTs: secondsToMs(msg.open_ts),
    closeTs: secondsToMs(msg.close_ts),
    determinationTs: secondsToMs(msg.determination_ts),
    settledTs: secondsToMs(msg.settled_ts),
    result: typeof msg.result === 'string' && msg.result !== '' ? msg.result : undefined,
    receivedAt,
  }
  const value = settlementValue(msg)
  if (value !== undefined) lifecycle.settlementValue = value
  return { kind: 'lifecycle', sid, lifecycle }
}

/** `settlement_value_dollars` / a dollar-string `settlement_value`, else legacy integer cents. */
function settlementValue(msg: Obj): number | undefined {
  const v = msg.settlement_value
  const units = priceUnits(msg.settlement_value_dollars ?? (typeof v === 'string' ? v : undefined), typeof v === 'number' ? v : undefined)
  return dollars(units)
}

/** `fee_cost`: a dollar string (up to six decimals when contracts are fractional); a plain number is taken as dollars. */
function feeCostDollars(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : undefined
  const micros = parseScaled(v, 6)
  return micros === undefined || micros < 0 ? undefined : micros / 1_000_000
}

const FILL_ACTIONS: ReadonlySet<string> = new Set<FillAction>(['buy', 'sell', 'sell_partial', 'sell_to_close', ''])

function parseFill(msg: Obj, sid: number | undefined, receivedAt: number): FillMessage | MalformedMessage {
  const ticker = msg.market_ticker
  if (typeof ticker !== 'string' || ticker === '') return malformed('fill: missing market_ticker')
  // `side` is deprecated and may be missing; `action` has more values than buy/sell, or none.
  const action = msg.action === undefined || msg.action === null ? '' : msg.action
  if (typeof action !== 'string' || !FILL_ACTIONS.has(action)) return malformed(`fill: unknown action ${JSON.stringify(msg.action)}`)
  if (msg.side !== undefined && msg.side !== null && !side(msg.side)) return malformed('fill: side is not "yes" or "no"')
  const s = side(msg.side) ?? side(msg.outcome_side) ?? side(msg.purchased_side) ?? bookSide(msg.book_side)
  let p = priceUnits(msg.yes_price_dollars, msg.yes_price)
  if (p === undefined) {
    const no = priceUnits(msg.no_price_dollars, msg.no_price)
    if (no !== undefined) p = PRICE_SCALE - no
  }
  if (p === undefined) return malformed('fill: missing yes_price_dollars')
  const count = countUnits(msg.count_fp, msg.count)
  if (count === undefined) return malformed('fill: missing count_fp')
  const fill: Fill = {
    type: 'fill',
    ticker,
    tradeId: typeof msg.trade_id === 'string' ? msg.trade_id : undefined,
    orderId: typeof msg.order_id === 'string' ? msg.order_id : undefined,
    side: s,
    action: action as FillAction,
    isTaker: typeof msg.is_taker === 'boolean' ? msg.is_taker : undefined,
    price: p / PRICE_SCALE,
    quantity: count / COUNT_SCALE,
    ts: exchangeMs(msg.ts_ms, msg.ts) ?? receivedAt,
    receivedAt,
  }
  const fee = feeCostDollars(msg.fee_cost)
  if (fee !== undefined) fill.feeDollars = fee
  return { kind: 'fill', sid, fill }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined
}

function parseEventLifecycle(msg: Obj, sid: number | undefined, receivedAt: number): EventLifecycleMessage | MalformedMessage {
  const eventTicker = str(msg.event_ticker)
  if (!eventTicker) return malformed('event_lifecycle: missing event_ticker')
  const event: EventLifecycle = { type: 'event_lifecycle', eventTicker, seriesTicker: str(msg.series_ticker), title: str(msg.title), subtitle: str(msg.subtitle) ?? str(msg.sub_title), strikeDate: secondsToMs(msg.strike_date), receivedAt }
  return { kind: 'event_lifecycle', sid, event }
}

function parseEventFee(msg: Obj, sid: number | undefined, receivedAt: number): EventFeeMessage | MalformedMessage {
  const eventTicker = str(msg.event_ticker)
  if (!eventTicker) return malformed('event_fee_update: missing event_ticker')
  const feeType = typeof msg.fee_type_override === 'string' ? msg.fee_type_override : null
  // A multiplier sent as a string (dollar-style fields are strings) is read too; a negative or
  // non-numeric one is bad input, not a cleared override.
  const m = msg.fee_multiplier_override
  const feeMultiplier = typeof m === 'number' ? m : typeof m === 'string' && m !== '' ? Number(m) : null
  if (feeMultiplier !== null && !(Number.isFinite(feeMultiplier) && feeMultiplier >= 0)) return malformed('event_fee_update: fee_multiplier_override is not a number')
  return { kind: 'event_fee_update', sid, fee: { type: 'event_fee_update', eventTicker, feeType, feeMultiplier, receivedAt } }
}

function parseOk(o: Obj): OkMessage {
  const out: OkMessage = { kind: 'ok', id: int(o.id), sid: int(o.sid), seq: int(o.seq) }
  const msg = o.msg
  if (Array.isArray(msg)) {
    // list_subscriptions: {"type":"ok","msg":[{"channel":"ticker","sid":7}, ...]}
    const subs: { channel: string; sid: number }[] = []
    for (const s of msg) {
      if (s && typeof s === 'object' && typeof (s as Obj).channel === 'string' && int((s as Obj).sid) !== undefined) {
        subs.push({ channel: (s as Obj).channel as string, sid: (s as Obj).sid as number })
      }
    }
    out.subscriptions = subs
  } else if (msg && typeof msg === 'object' && Array.isArray((msg as Obj).market_tickers)) {
    out.marketTickers = ((msg as Obj).market_tickers as unknown[]).filter((t): t is string => typeof t === 'string')
  }
  return out
}

function parseError(o: Obj): ErrorMessage | MalformedMessage {
  const msg = o.msg
  if (!msg || typeof msg !== 'object') return malformed('error: missing msg')
  const m = msg as Obj
  const code = int(m.code)
  if (code === undefined) return malformed('error: missing code')
  return {
    kind: 'error',
    id: int(o.id),
    sid: int(o.sid),
    seq: int(o.seq),
    code,
    codeName: wsErrorName(code),
    message: typeof m.msg === 'string' ? m.msg : '',
    marketTicker: typeof m.market_ticker === 'string' ? m.market_ticker : undefined,
  }
}

// ——— The same three decoders over frame-scan.ts's fields, for frames read from the socket's bytes ———
// Each field is read as JSON.parse would have given it (valueOf) and put through the same helpers,
// except a decimal string in its canonical form, read straight from the bytes. A frame they cannot
// decode as it stands (a missing field: a malformed message) returns undefined, and JSON.parse's
// path says what is wrong with it.

function scannedPrice(dollarsField: number, centsField: number): number | undefined {
  if (scan.kindOf(dollarsField) === scan.STRING) {
    const u = scan.decimalOf(dollarsField, 4)
    if (u !== undefined) return u >= 0 && u <= PRICE_SCALE ? u : undefined
  }
  return priceUnits(scan.valueOf(dollarsField), scan.valueOf(centsField))
}

function scannedCount(fpField: number, legacyField: number | undefined, signed = false): number | undefined {
  if (scan.kindOf(fpField) === scan.STRING) {
    const u = scan.decimalOf(fpField, 2)
    if (u !== undefined) return signed || u >= 0 ? u : undefined
  }
  return countUnits(scan.valueOf(fpField), legacyField === undefined ? undefined : scan.valueOf(legacyField), signed)
}

function scannedExchangeMs(): number | undefined {
  const tsMs = scan.kindOf(F.ts_ms) === scan.NUMBER ? scan.numberOf(F.ts_ms) : scan.valueOf(F.ts_ms)
  return exchangeMs(tsMs, typeof tsMs === 'number' && Number.isSafeInteger(tsMs) && tsMs >= 0 ? undefined : scan.valueOf(F.ts))
}

const YES = Buffer.from('yes')
const NO = Buffer.from('no')
const BID = Buffer.from('bid')
const ASK = Buffer.from('ask')

function scannedSide(field: number): Side | undefined {
  return scan.stringIs(field, YES) ? 'yes' : scan.stringIs(field, NO) ? 'no' : undefined
}

function scannedTicker(): string | undefined {
  const ticker = scan.internedOf(F.market_ticker)
  return ticker === '' ? undefined : ticker
}

function scannedTick(sid: number | undefined, receivedAt: number): TickMessage | undefined {
  const ticker = scannedTicker()
  if (ticker === undefined) return undefined
  return buildTick(
    ticker,
    scannedPrice(F.price_dollars, F.price),
    scannedCount(F.volume_fp, F.volume),
    scannedCount(F.open_interest_fp, F.open_interest),
    scannedPrice(F.yes_bid_dollars, F.yes_bid),
    scannedPrice(F.yes_ask_dollars, F.yes_ask),
    scan.kindOf(F.yes_bid_size_fp) === scan.ABSENT ? undefined : scannedCount(F.yes_bid_size_fp, undefined),
    scan.kindOf(F.yes_ask_size_fp) === scan.ABSENT ? undefined : scannedCount(F.yes_ask_size_fp, undefined),
    scannedExchangeMs() ?? receivedAt,
    receivedAt,
    sid,
  )
}

function scannedTrade(sid: number | undefined, receivedAt: number): TradeMessage | undefined {
  const ticker = scannedTicker()
  if (ticker === undefined) return undefined
  const yes = scannedPrice(F.yes_price_dollars, F.yes_price)
  const no = scannedPrice(F.no_price_dollars, F.no_price)
  const count = scannedCount(F.count_fp, F.count)
  const book = scan.stringIs(F.taker_book_side, BID) ? 'yes' : scan.stringIs(F.taker_book_side, ASK) ? 'no' : undefined
  const taker = takerSide(scannedSide(F.taker_outcome_side), book, scannedSide(F.taker_side))
  if ((yes === undefined && no === undefined) || count === undefined || !taker) return undefined
  return buildTrade(ticker, yes, no, count, taker, scan.valueOf(F.trade_id), scan.valueOf(F.is_block_trade), scannedExchangeMs() ?? receivedAt, receivedAt, sid)
}

function scannedDelta(sid: number | undefined, seq: number | undefined, receivedAt: number): BookDeltaMessage | undefined {
  const ticker = scannedTicker()
  const s = scannedSide(F.side)
  const p = scannedPrice(F.price_dollars, F.price)
  const d = scannedCount(F.delta_fp, F.delta, true)
  if (ticker === undefined || !s || p === undefined || d === undefined) return undefined
  return buildDelta(ticker, s, p, d, scannedExchangeMs(), receivedAt, sid, seq)
}

/** A frame of the socket's bytes, when frame-scan.ts takes it and it decodes; else undefined. */
function parseScanned(raw: Buffer, receivedAt: number): WireMessage | undefined {
  if (!scan.scanFrame(raw)) {
    scan.release()
    return undefined
  }
  const m = decodeScanned(receivedAt)
  scan.release()
  return m
}

function decodeScanned(receivedAt: number): WireMessage | undefined {
  const sid = int(scan.valueOf(scan.SID))
  const seq = int(scan.valueOf(scan.SEQ))
  const type = scan.frameType()
  if (type === scan.DELTA) return scannedDelta(sid, seq, receivedAt)
  let out: TickMessage | TradeMessage | undefined
  if (type === scan.TICKER) out = scannedTick(sid, receivedAt)
  else if (type === scan.TRADE) out = scannedTrade(sid, receivedAt)
  if (out !== undefined && seq !== undefined) out.seq = seq
  return out
}

/**
 * Parse one frame: text, or the socket's bytes. Ticker, trade and delta frames in bytes are read by
 * frame-scan.ts without JSON.parse (their text is never made); every other frame, and any of those
 * the reader gives up on, takes one JSON.parse. No schema validation per message (the hot path):
 * fields are checked by hand where they are read.
 */
export function parseFrame(raw: string | Buffer, receivedAt: number): WireMessage {
  if (typeof raw !== 'string') {
    try {
      const m = parseScanned(raw, receivedAt)
      if (m !== undefined) return m
    } catch (error) {
      return malformed(`parser fault: ${(error as Error).message}`)
    }
  }
  return parseParsed(raw, receivedAt)
}

/** parseFrame by JSON.parse alone: the definition the byte reader is held to. Exported for that test. */
export function parseParsed(raw: string | Buffer, receivedAt: number): WireMessage {
  let o: unknown
  try {
    o = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'))
  } catch {
    return malformed('not JSON')
  }
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return malformed('not a JSON object')
  const frame = o as Obj
  const type = frame.type
  if (typeof type !== 'string') return malformed('missing type')
  try {
    const sid = int(frame.sid)
    const seq = int(frame.seq)
    switch (type) {
      case 'ticker':
      case 'trade':
      case 'orderbook_snapshot':
      case 'orderbook_delta':
      case 'market_lifecycle_v2':
      case 'event_lifecycle':
      case 'event_fee_update':
      case 'fill': {
        const msg = frame.msg
        if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) return malformed(`${type}: missing msg`)
        const m = msg as Obj
        let out: WireMessage
        if (type === 'ticker') out = parseTick(m, sid, receivedAt)
        else if (type === 'trade') out = parseTrade(m, sid, receivedAt)
        else if (type === 'orderbook_snapshot') return parseSnapshot(m, sid, seq, receivedAt)
        else if (type === 'orderbook_delta') return parseDelta(m, sid, seq, receivedAt)
        else if (type === 'market_lifecycle_v2') out = parseLifecycle(m, sid, receivedAt)
        else if (type === 'event_lifecycle') out = parseEventLifecycle(m, sid, receivedAt)
        else if (type === 'event_fee_update') out = parseEventFee(m, sid, receivedAt)
        else out = parseFill(m, sid, receivedAt)
        if (seq !== undefined && out.kind !== 'malformed') (out as DataMessage).seq = seq
        return out
      }
      case 'subscribed': {
        const msg = frame.msg as Obj | undefined
        const s = msg && typeof msg === 'object' ? int(msg.sid) : undefined
        if (s === undefined || typeof msg?.channel !== 'string') return malformed('subscribed: missing channel or sid')
        return { kind: 'subscribed', id: int(frame.id), channel: msg.channel, sid: s }
      }
      case 'unsubscribed':
        if (sid === undefined) return malformed('unsubscribed: missing sid')
        return { kind: 'unsubscribed', id: int(frame.id), sid, seq }
      case 'ok':
        return parseOk(frame)
      case 'error':
        return parseError(frame)
      default:
        return { kind: 'unknown', msgType: type }
    }
  } catch (error) {
    // Unreachable by design; kept so that a parser bug cannot take the stream down.
    return malformed(`parser fault: ${(error as Error).message}`)
  }
}
