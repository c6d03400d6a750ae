/**
 * The edge: one Kalshi WebSocket frame in, one of our own messages out. Nothing past this file
 * reads raw Kalshi fields. Prices are converted from fixed-point dollar strings (or legacy cents)
 * into integer price units exactly once, here; `parseFrame` never throws, so garbage from the
 * network (or a fuzzer) becomes a `malformed` message instead of a crash.
 */
import { centsToUnits, COUNT_SCALE as COUNT_SCALE_IMPORT, parseScaled, PRICE_SCALE as PRICE_SCALE_IMPORT } from './fixed-point.js'
import type { FeeUpdate } from './fees.js'
import type { Fill, Lifecycle, Side, Tick, Trade } from './types.js'

/**
 * Kalshi WebSocket error codes (docs.kalshi.com AsyncAPI, "Error Codes Reference"). Codes 14+ were
 * checked against copies of that table: 14 market ticker required … 27 too many requests; 28 and 29
 * appear in newer client code (nautilus_kalshi) only. Code 6 is retired and no longer sent.
 */
export const WS_ERROR_CODES: Readonly<Record<number, string>> = {
  1: 'unable_to_process',
  2: 'params_required',
  3: 'channels_required',
  4: 'subscription_ids_required',
  5: 'unknown_command',
  6: 'already_subscribed',
  7: 'unknown_subscription_id',
  8: 'unknown_channel_name',
  9: 'authentication_required',
  10: 'channel_error',
  11: 'invalid_parameter',
  12: 'exactly_one_subscription_id_required',
  13: 'unsupported_action',
  14: 'market_ticker_required',
  15: 'action_required',
  16: 'market_not_found',
  17: 'internal_error',
  18: 'command_timeout',
  19: 'invalid_shard_factor',
  20: 'shard_factor_required',
  21: 'invalid_shard_key',
  22: 'shard_factor_too_large',
  23: 'match_ids_required',
  24: 'index_ids_required',
  25: 'subscription_buffer_overflow',
  26: 'subscription_market_limit_exceeded',
  27: 'too_many_requests',
  28: 'underlying_tickers_required',
  29: 'invalid_update_interval',
}

export function wsErrorName(code: number): string {
  return WS_ERROR_CODES[code] ?? `code_${code}`
}

export interface TickMessage { kind: 'tick'; sid?: number; seq?: number; tick: Tick }
export interface TradeMessage { kind: 'trade'; sid?: number; seq?: number; trade: Trade }
export interface LifecycleMessage { kind: 'lifecycle'; sid?: number; seq?: number; lifecycle: Lifecycle }
export interface FillMessage { kind: 'fill'; sid?: number; seq?: number; fill: Fill }
/** `event_fee_update` (market_lifecycle_v2 channel): an event's fee override changed. */
export interface FeeUpdateMessage { kind: 'fee_update'; sid?: number; seq?: number; update: FeeUpdate }
/** A documented message neural has no use for (`event_lifecycle`): not an unknown type. */
export interface IgnoredMessage { kind: 'ignored'; msgType: string }

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
  sid?: number
  code: number
  codeName: string
  message: string
  marketTicker?: string
}
export interface UnknownMessage { kind: 'unknown'; msgType: string }
export interface MalformedMessage { kind: 'malformed'; reason: string }

export type DataMessage = TickMessage | TradeMessage | LifecycleMessage | FillMessage | FeeUpdateMessage | BookSnapshotMessage | BookDeltaMessage
export type ControlMessage = SubscribedMessage | UnsubscribedMessage | OkMessage | ErrorMessage
export type WireMessage = DataMessage | ControlMessage | IgnoredMessage | UnknownMessage | MalformedMessage

type Obj = Record<string, unknown>

// Local copies: under a CommonJS transform (tsx) every read of an imported binding is a getter call,
// measurable on a path that runs several times per frame.
const PRICE_SCALE = PRICE_SCALE_IMPORT
const COUNT_SCALE = COUNT_SCALE_IMPORT

const POW10 = [1, 10, 100, 1000, 10000, 100000]

/**
 * Decimal string → integer of 10^-decimals. The canonical wire form ("0.5600", "250.00") is decoded
 * here with a character loop; anything else (sign, spaces, long numbers) goes to fixed-point.ts's
 * parseScaled, which defines the semantics. Measured: the regex path alone cost ~0.12 µs per field,
 * about 60% of a JSON.parse of a whole ticker frame for its five fields.
 * Exported for the equivalence test.
 */
export function decimalToUnits(text: unknown, decimals: number): number | undefined {
  if (typeof text !== 'string') return undefined
  const n = text.length
  let i = 0
  let whole = 0
  while (i < n) {
    const c = text.charCodeAt(i)
    if (c < 48 || c > 57) break
    whole = whole * 10 + (c - 48)
    i++
  }
  if (i === 0 || i > 9) return parseScaled(text, decimals)
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
  return whole * POW10[decimals] + frac * POW10[decimals - digits]
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

/** Kalshi data timestamps are Unix seconds. */
function secondsToMs(ts: unknown): number | undefined {
  // Found by fuzzing: a huge number times 1000 is Infinity, which prints as null.
  const ms = typeof ts === 'number' ? Math.round(ts * 1000) : NaN
  return Number.isSafeInteger(ms) && ms >= 0 ? ms : undefined
}

function side(v: unknown): Side | undefined {
  return v === 'yes' || v === 'no' ? v : undefined
}

function parseTick(msg: Obj, sid: number | undefined, receivedAt: number): TickMessage | MalformedMessage {
  const ticker = msg.market_ticker
  if (typeof ticker !== 'string' || ticker === '') return malformed('ticker: missing market_ticker')
  // Kalshi sends a last price of 0 for a market that has not traded; no trade prints at $0.
  const last = priceUnits(msg.price_dollars, msg.price)
  const yesPrice = last === 0 ? undefined : last
  const volume = countUnits(msg.volume_fp, msg.volume)
  const openInterest = countUnits(msg.open_interest_fp, msg.open_interest)
  const tick: Tick = {
    type: 'ticker',
    ticker,
    yesBid: dollars(priceUnits(msg.yes_bid_dollars, msg.yes_bid)),
    yesAsk: dollars(priceUnits(msg.yes_ask_dollars, msg.yes_ask)),
    yesPrice: dollars(yesPrice),
    noPrice: yesPrice === undefined ? undefined : (PRICE_SCALE - yesPrice) / PRICE_SCALE,
    volume: volume === undefined ? undefined : volume / COUNT_SCALE,
    openInterest: openInterest === undefined ? undefined : openInterest / COUNT_SCALE,
    lastUpdate: secondsToMs(msg.ts) ?? receivedAt,
    receivedAt,
  }
  return { kind: 'tick', sid, tick }
}

function parseTrade(msg: Obj, sid: number | undefined, receivedAt: number): TradeMessage | MalformedMessage {
  const ticker = msg.market_ticker
  if (typeof ticker !== 'string' || ticker === '') return malformed('trade: missing market_ticker')
  const yes = priceUnits(msg.yes_price_dollars, msg.yes_price)
  let no = priceUnits(msg.no_price_dollars, msg.no_price)
  if (yes === undefined && no === undefined) return malformed('trade: missing yes_price_dollars')
  const yesUnits = yes ?? PRICE_SCALE - (no as number)
  if (no === undefined) no = PRICE_SCALE - yesUnits
  const count = countUnits(msg.count_fp, msg.count)
  if (count === undefined) return malformed('trade: missing count_fp')
  const taker = side(msg.taker_side)
  if (!taker) return malformed('trade: taker_side is not "yes" or "no"')
  const trade: Trade = {
    type: 'trade',
    ticker,
    tradeId: typeof msg.trade_id === 'string' ? msg.trade_id : undefined,
    side: taker,
    quantity: count / COUNT_SCALE,
    price: yesUnits / PRICE_SCALE,
    noPrice: no / PRICE_SCALE,
    ts: secondsToMs(msg.ts) ?? receivedAt,
    receivedAt,
  }
  return { kind: 'trade', sid, trade }
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

function parseDelta(msg: Obj, sid: number | undefined, seq: number | undefined, receivedAt: number): BookDeltaMessage | MalformedMessage {
  const ticker = msg.market_ticker
  if (typeof ticker !== 'string' || ticker === '') return malformed('orderbook_delta: missing market_ticker')
  const s = side(msg.side)
  if (!s) return malformed('orderbook_delta: side is not "yes" or "no"')
  const p = priceUnits(msg.price_dollars, msg.price)
  if (p === undefined) return malformed('orderbook_delta: missing price_dollars')
  const d = countUnits(msg.delta_fp, msg.delta, true)
  if (d === undefined) return malformed('orderbook_delta: missing delta_fp')
  return { kind: 'book_delta', sid, seq, ticker, side: s, priceUnits: p, deltaUnits: d, receivedAt }
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

function parseFeeUpdate(msg: Obj, sid: number | undefined, receivedAt: number): FeeUpdateMessage | MalformedMessage {
  const eventTicker = msg.event_ticker
  if (typeof eventTicker !== 'string' || eventTicker === '') return malformed('event_fee_update: missing event_ticker')
  const type = msg.fee_type_override
  const multiplier = msg.fee_multiplier_override
  const m = typeof multiplier === 'number' ? multiplier : typeof multiplier === 'string' ? Number(multiplier) : null
  if (m !== null && !(Number.isFinite(m) && m >= 0)) return malformed('event_fee_update: fee_multiplier_override is not a number')
  return { kind: 'fee_update', sid, update: { type: 'fee_update', eventTicker, feeType: typeof type === 'string' && type !== '' ? type : null, feeMultiplier: m, receivedAt } }
}

function parseFill(msg: Obj, sid: number | undefined, receivedAt: number): FillMessage | MalformedMessage {
  const ticker = msg.market_ticker
  if (typeof ticker !== 'string' || ticker === '') return malformed('fill: missing market_ticker')
  const s = side(msg.side)
  if (!s) return malformed('fill: side is not "yes" or "no"')
  if (msg.action !== 'buy' && msg.action !== 'sell') return malformed('fill: action is not "buy" or "sell"')
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
    action: msg.action,
    isTaker: typeof msg.is_taker === 'boolean' ? msg.is_taker : undefined,
    price: p / PRICE_SCALE,
    quantity: count / COUNT_SCALE,
    ts: secondsToMs(msg.ts) ?? receivedAt,
    receivedAt,
  }
  const fee = feeCostDollars(msg.fee_cost)
  if (fee !== undefined) fill.feeDollars = fee
  return { kind: 'fill', sid, fill }
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
    code,
    codeName: wsErrorName(code),
    message: typeof m.msg === 'string' ? m.msg : '',
    marketTicker: typeof m.market_ticker === 'string' ? m.market_ticker : undefined,
  }
}

/**
 * Parse one frame. One JSON.parse, no schema validation per message (the hot path): fields are
 * checked by hand where they are read.
 */
export function parseFrame(raw: string | Buffer, receivedAt: number): WireMessage {
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
        else out = parseFill(m, sid, receivedAt)
        if (seq !== undefined && out.kind !== 'malformed') (out as DataMessage).seq = seq
        return out
      }
      case 'event_fee_update': {
        const msg = frame.msg
        if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) return malformed('event_fee_update: missing msg')
        return parseFeeUpdate(msg as Obj, sid, receivedAt)
      }
      case 'event_lifecycle':
        return { kind: 'ignored', msgType: type }
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
