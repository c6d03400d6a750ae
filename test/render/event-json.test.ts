/**
 * The hand-written `--json` lines of market events must be JSON.stringify's, byte for byte: same
 * fields, same order, same values, the same escapes.
 */
import { readFileSync } from 'node:fs'
import { expect } from 'chai'
import fc from 'fast-check'
import { OrderBooks } from '../../src/core/order-book.js'
import type { ConnectionEvent, MarketEvent } from '../../src/core/types.js'
import { parseFrame } from '../../src/core/wire.js'
import { BOOK_FIELDS, FILL_FIELDS, LIFECYCLE_FIELDS, LineBuffer, TICK_FIELDS, TRADE_FIELDS } from '../../src/render/event-json.js'

/**
 * The line the writer makes for `e`, as bytes. One writer for every line, each chunk handed back
 * once copied, as the stream does: a writer per line allocated two 64 KiB buffers, and the tens of
 * thousands of lines here spent seconds of CPU on them.
 */
const writer = new LineBuffer()
function line(e: unknown): Buffer {
  writer.event(e as MarketEvent)
  const chunk = writer.take()
  if (!chunk) return Buffer.alloc(0)
  const copy = Buffer.from(chunk)
  writer.release(chunk)
  return copy
}

function expectSame(e: unknown): void {
  const expected = JSON.stringify(e)
  const bytes = line(e)
  expect(bytes.toString('utf8'), expected).to.equal(expected)
  expect(bytes.equals(Buffer.from(expected, 'utf8')), expected).to.equal(true)
}

// ——— values of every kind a field might hold ———
const exactPrice = fc.integer({ min: 0, max: 10_000 }).map((u) => u / 10_000)
const anyDouble = fc.double({ noDefaultInfinity: false, noNaN: false })
const price = fc.oneof({ weight: 4, arbitrary: exactPrice }, { weight: 1, arbitrary: anyDouble }, { weight: 1, arbitrary: fc.constantFrom(-0, 1.0001, -0.01, 0.12345, 10_000, 1e21, 5e-7) })
const whole = fc.oneof(fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 0, max: 2 ** 31 + 10 }), fc.maxSafeNat(), fc.integer({ min: 1_700_000_000_000, max: 1_900_000_000_000 }))
const number = fc.oneof({ weight: 4, arbitrary: whole }, { weight: 1, arbitrary: anyDouble }, { weight: 1, arbitrary: fc.constantFrom(-0, -1, 0.5, 12.25, 999_999_999, 1_000_000_000, Number.MAX_SAFE_INTEGER + 2, 2 ** 60, 1e21) })
const text = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('KXNFLGAME-25SEP04DALPHI-PHI', 'FED-23DEC-T3.00', 'yes', 'no', '') },
  { weight: 1, arbitrary: fc.string() },
  // Lone surrogates, control characters, quotes, backslashes, non-ASCII.
  { weight: 1, arbitrary: fc.string16bits() },
  { weight: 1, arbitrary: fc.fullUnicodeString() },
  { weight: 1, arbitrary: fc.constantFrom('a"b', 'a\\b', 'line\nbreak', '\u0000\u001f', '\u007f', 'é', '€', '\ud800', '\udc00x', '😀') },
)
const level = fc.tuple(price, number)

const ABSENT = Symbol('absent')
/** An optional field: a value, missing, or present as undefined (which JSON.stringify leaves out). */
const optional = <T>(arb: fc.Arbitrary<T>) => fc.oneof(arb, fc.constant(undefined), fc.constant(ABSENT))

/** An object with its fields in `order` (as the core builds them), from arbitraries per field. */
function shaped(order: readonly string[], fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(fields).map((values) => {
    const out: Record<string, unknown> = {}
    for (const k of order) if (values[k] !== ABSENT) out[k] = values[k]
    return out
  })
}

const tick = shaped(TICK_FIELDS, {
  type: fc.constant('ticker'), ticker: text, yesBid: optional(price), yesAsk: optional(price), yesPrice: optional(price), noPrice: optional(price),
  volume: optional(number), openInterest: optional(number), lastUpdate: number, receivedAt: number, yesBidSize: optional(number), yesAskSize: optional(number),
})
const trade = shaped(TRADE_FIELDS, {
  type: fc.constant('trade'), ticker: text, tradeId: optional(text), side: text, quantity: number, price, noPrice: price, ts: number, receivedAt: number, isBlockTrade: optional(fc.boolean()),
})
const book = shaped(BOOK_FIELDS, {
  type: fc.constant('book'), ticker: text, yes: fc.array(level, { maxLength: 12 }), no: fc.array(level, { maxLength: 12 }),
  yesBid: optional(price), yesAsk: optional(price), noBid: optional(price), noAsk: optional(price), seq: optional(number), ts: number, exchangeTs: optional(number),
})
const lifecycle = shaped(LIFECYCLE_FIELDS, {
  type: fc.constant('lifecycle'), ticker: text, event: text, openTs: optional(number), closeTs: optional(number), determinationTs: optional(number),
  settledTs: optional(number), result: optional(text), receivedAt: number, settlementValue: optional(price),
})
const fill = shaped(FILL_FIELDS, {
  type: fc.constant('fill'), ticker: text, tradeId: optional(text), orderId: optional(text), side: optional(text), action: text, isTaker: optional(fc.boolean()),
  price, quantity: number, ts: number, receivedAt: number, feeDollars: optional(number),
})
const connection = fc.record({
  type: fc.constant('connection'), state: fc.constantFrom('connecting', 'connected', 'disconnected', 'reconnecting', 'failed'), url: text, ts: number,
}, { requiredKeys: ['type', 'state', 'ts'] }).chain((base) => fc.record({ attempt: number, connection: number, delayMs: number, reason: text, byClient: fc.boolean(), handshakeMs: number }, { requiredKeys: [] }).map((extra) => ({ ...base, ...extra })))

describe('event lines (--json)', () => {
  for (const [type, arbitrary] of Object.entries({ ticker: tick, trade, book, lifecycle, fill, connection })) {
    it(`writes a ${type} event exactly as JSON.stringify does`, () => {
      fc.assert(fc.property(arbitrary, (e) => expectSame(e)), { numRuns: 2000 })
    })
  }

  it('writes every price of a whole ten-thousandth from 0 to 1 as JavaScript prints it', () => {
    for (let units = 0; units <= 10_000; units++) expectSame({ type: 'book', ticker: 'A', yes: [[units / 10_000, units]], no: [], yesBid: units / 10_000, ts: 1 })
  })

  it('writes whole numbers at every length, and around 2^31 and 2^53, as JavaScript prints them', () => {
    const edges = [0, 9, 10, 99, 100, 999_999_999, 1_000_000_000, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 1_784_475_900_544, Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1]
    for (let n = 1; n < 1e16; n *= 10) edges.push(n - 1, n, n + 1)
    for (const n of edges) expectSame({ type: 'ticker', ticker: 'A', volume: n, lastUpdate: n, receivedAt: n })
  })

  it('leaves a value of the wrong type to JSON.stringify (the line is still exact)', () => {
    const odd: unknown[] = [
      { type: 'ticker', ticker: undefined, lastUpdate: 1, receivedAt: 2 },
      { type: 'ticker', ticker: 'A', yesBid: '0.5', lastUpdate: null, receivedAt: 2 },
      { type: 'trade', ticker: 'A', side: 'yes', quantity: 1, price: 0.5, noPrice: 0.5, ts: 1, receivedAt: 2, isBlockTrade: 'no' },
      { type: 'book', ticker: 'A', yes: [[0.5, 1, 2]], no: [], ts: 1 },
      { type: 'book', ticker: 'A', yes: 'none', no: [], ts: 1 },
      { type: 'book', ticker: 'A', yes: [0.5], no: [], ts: 1 },
      { type: 'fill', ticker: 'A', action: 'buy', price: { dollars: 0.5 }, quantity: 1, ts: 1, receivedAt: 2 },
      { type: 'lifecycle', ticker: 'A', event: 7, receivedAt: 2 },
      { type: 'unknown', ticker: 'A' },
    ]
    for (const e of odd) expectSame(e)
  })

  it('writes the events the core makes from real Kalshi frames exactly as JSON.stringify does', () => {
    const fixtures = ['asyncapi-examples.jsonl', 'recorded-frames.jsonl'].flatMap((file) => readFileSync(new URL(`../fixtures/kalshi/${file}`, import.meta.url), 'utf8').trim().split('\n'))
    // The fixtures have no fill: one with every field, as the AsyncAPI document describes it.
    fixtures.push(JSON.stringify({ type: 'fill', sid: 13, msg: { trade_id: 't', order_id: 'o', market_ticker: 'A-B-C', is_taker: true, side: 'yes', action: 'buy', yes_price_dollars: '0.4200', count_fp: '3.00', fee_cost: '0.0700', ts_ms: 1790363780921 } }))
    const books = new OrderBooks()
    const events: MarketEvent[] = []
    for (const raw of fixtures) {
      const m = parseFrame(raw, 1_800_000_000_000)
      if (m.kind === 'tick') events.push(m.tick)
      else if (m.kind === 'trade') events.push(m.trade)
      else if (m.kind === 'lifecycle') events.push(m.lifecycle)
      else if (m.kind === 'fill') events.push(m.fill)
      else if (m.kind === 'book_snapshot' || m.kind === 'book_delta') {
        const r = m.kind === 'book_snapshot' ? books.applySnapshot({ ...m, sid: undefined }) : books.applyDelta({ ...m, sid: undefined })
        if (r && !('type' in r)) events.push(r.toBook())
      }
    }
    expect(new Set(events.map((e) => e.type))).to.deep.equal(new Set(['ticker', 'trade', 'book', 'lifecycle', 'fill']))
    for (const e of events) expectSame(e)
  })

  it('writes a connection event as JSON.stringify does, whatever order its fields come in', () => {
    const e: ConnectionEvent = { type: 'connection', state: 'reconnecting', url: 'ws://x', attempt: 2, delayMs: 1500, reason: 'socket hang up', ts: 1 }
    expectSame(e)
    expectSame({ ts: 1, reason: 'r', type: 'connection', state: 'connected' })
  })

  it('starts a fresh buffer after take(): a chunk handed over is written again only after release()', () => {
    const lines = new LineBuffer()
    const line = (ticker: string) => `{"type":"ticker","ticker":"${ticker}","lastUpdate":1,"receivedAt":2}`
    lines.event({ type: 'ticker', ticker: 'A', lastUpdate: 1, receivedAt: 2 })
    const first = lines.take()!
    expect(lines.pos).to.equal(0)
    expect(lines.take()).to.equal(undefined)
    lines.event({ type: 'ticker', ticker: 'B', lastUpdate: 1, receivedAt: 2 })
    expect(lines.take()!.toString()).to.equal(line('B'))
    expect(first.toString()).to.equal(line('A'))
    lines.release(first)
    // The buffer after the current one is the released one.
    lines.event({ type: 'ticker', ticker: 'C', lastUpdate: 1, receivedAt: 2 })
    lines.take()
    lines.event({ type: 'ticker', ticker: 'D', lastUpdate: 1, receivedAt: 2 })
    expect(lines.take()!.buffer === first.buffer).to.equal(true)
    expect(first.toString()).to.equal(line('D'))
  })
})
