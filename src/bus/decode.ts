/**
 * Messages from NATS are a wire edge like Kalshi's: anyone can publish on `neural.>`. Each event is
 * decoded field by field into our own types (prices in [0, 1], quantities ≥ 0, times finite,
 * sides and actions from their sets); unknown fields are dropped and a message with a bad field is
 * refused with the field's name, so the source counts it as malformed instead of passing it on.
 */
import type { Fill, FillAction, Lifecycle, Side, Tick, Trade } from '../core/types.js'

export type Decoded<T> = { ok: true; value: T } | { ok: false; why: string }

type Obj = Record<string, unknown>

class Bad extends Error {}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)

function price(m: Obj, k: string): number {
  const v = m[k]
  if (!isNum(v) || v < 0 || v > 1) throw new Bad(`${k} is not a price in dollars`)
  return v
}
function count(m: Obj, k: string): number {
  const v = m[k]
  if (!isNum(v) || v < 0) throw new Bad(`${k} is not a quantity`)
  return v
}
function time(m: Obj, k: string): number {
  const v = m[k]
  if (!isNum(v)) throw new Bad(`${k} is not a time`)
  return v
}
function text(m: Obj, k: string): string {
  const v = m[k]
  if (typeof v !== 'string' || v === '') throw new Bad(`${k} is not a string`)
  return v
}
function oneOf<T extends string>(m: Obj, k: string, allowed: readonly T[]): T {
  const v = m[k]
  if (!allowed.includes(v as T)) throw new Bad(`${k} is not one of ${allowed.join(', ')}`)
  return v as T
}
function bool(m: Obj, k: string): boolean {
  const v = m[k]
  if (typeof v !== 'boolean') throw new Bad(`${k} is not a boolean`)
  return v
}
function optional<T>(m: Obj, k: string, read: (m: Obj, k: string) => T): T | undefined {
  return m[k] === undefined ? undefined : read(m, k)
}
/**
 * Copy the defined entries only, so an absent field stays absent (as in the --json output). The
 * fields are listed in the order the core builds each event (src/render/event-json.ts lists them),
 * so a line of `stream --source --json` is the line the publishing `stream --json` printed.
 */
function defined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k]
  return o
}

const SIDES: readonly Side[] = ['yes', 'no']
const FILL_ACTIONS: readonly FillAction[] = ['buy', 'sell', 'sell_partial', 'sell_to_close', '']

function tick(m: Obj): Tick {
  return defined({
    type: 'ticker',
    ticker: text(m, 'ticker'),
    yesBid: optional(m, 'yesBid', price),
    yesAsk: optional(m, 'yesAsk', price),
    yesPrice: optional(m, 'yesPrice', price),
    noPrice: optional(m, 'noPrice', price),
    volume: optional(m, 'volume', count),
    openInterest: optional(m, 'openInterest', count),
    lastUpdate: time(m, 'lastUpdate'),
    receivedAt: time(m, 'receivedAt'),
    yesBidSize: optional(m, 'yesBidSize', count),
    yesAskSize: optional(m, 'yesAskSize', count),
  })
}

function trade(m: Obj): Trade {
  return defined({
    type: 'trade',
    ticker: text(m, 'ticker'),
    tradeId: optional(m, 'tradeId', text),
    side: oneOf(m, 'side', SIDES),
    quantity: count(m, 'quantity'),
    price: price(m, 'price'),
    noPrice: price(m, 'noPrice'),
    ts: time(m, 'ts'),
    receivedAt: time(m, 'receivedAt'),
    isBlockTrade: optional(m, 'isBlockTrade', bool),
  })
}

function lifecycle(m: Obj): Lifecycle {
  return defined({
    type: 'lifecycle',
    ticker: text(m, 'ticker'),
    event: text(m, 'event'),
    openTs: optional(m, 'openTs', time),
    closeTs: optional(m, 'closeTs', time),
    determinationTs: optional(m, 'determinationTs', time),
    settledTs: optional(m, 'settledTs', time),
    result: optional(m, 'result', text),
    receivedAt: time(m, 'receivedAt'),
    settlementValue: optional(m, 'settlementValue', price),
  })
}

function fill(m: Obj): Fill {
  return defined({
    type: 'fill',
    ticker: text(m, 'ticker'),
    tradeId: optional(m, 'tradeId', text),
    orderId: optional(m, 'orderId', text),
    side: optional(m, 'side', (o, k) => oneOf(o, k, SIDES)),
    action: oneOf(m, 'action', FILL_ACTIONS),
    isTaker: optional(m, 'isTaker', bool),
    price: price(m, 'price'),
    quantity: count(m, 'quantity'),
    ts: time(m, 'ts'),
    receivedAt: time(m, 'receivedAt'),
    feeDollars: optional(m, 'feeDollars', count),
  })
}

const DECODERS = { ticker: tick, trade, lifecycle, fill } as const

/** Decode a parsed bus message of a non-book type; `why` names the first bad field. */
export function decodeBusEvent(m: Obj): Decoded<Tick | Trade | Lifecycle | Fill> | undefined {
  const decode = DECODERS[m.type as keyof typeof DECODERS]
  if (!decode) return undefined
  try {
    return { ok: true, value: decode(m) }
  } catch (error) {
    if (error instanceof Bad) return { ok: false, why: `${String(m.type)}: ${error.message}` }
    throw error
  }
}
