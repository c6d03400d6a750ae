import { expect } from 'chai'
import fc from 'fast-check'
import { MarketStream } from '../../src/core/stream.js'
import type { Book, Tick, Trade } from '../../src/core/types.js'

/** Valid frames of every data type, as the reference describes them; the fuzz mutates them. */
const VALID: Record<string, unknown>[] = [
  { type: 'ticker', sid: 1, msg: { market_ticker: 'KXNFLGAME-25SEP04DALPHI-PHI', price_dollars: '0.5600', yes_bid_dollars: '0.5500', yes_ask_dollars: '0.5700', volume_fp: '100.00', open_interest_fp: '50.00', ts: 1_757_000_000 } },
  { type: 'trade', sid: 2, msg: { trade_id: 't1', market_ticker: 'KXNFLGAME-25SEP04DALPHI-PHI', yes_price_dollars: '0.5600', no_price_dollars: '0.4400', count_fp: '3.00', taker_side: 'yes', ts: 1_757_000_000 } },
  { type: 'orderbook_snapshot', sid: 3, seq: 1, msg: { market_ticker: 'KXNFLGAME-25SEP04DALPHI-PHI', yes_dollars_fp: [['0.5500', '10.00']], no_dollars_fp: [['0.4300', '12.00']] } },
  { type: 'orderbook_delta', sid: 3, seq: 2, msg: { market_ticker: 'KXNFLGAME-25SEP04DALPHI-PHI', side: 'yes', price_dollars: '0.5500', delta_fp: '-2.00' } },
  { type: 'market_lifecycle_v2', sid: 4, msg: { market_ticker: 'KXNFLGAME-25SEP04DALPHI-PHI', event_type: 'settled', result: 'yes', settled_ts: 1_757_000_000 } },
  { type: 'fill', sid: 5, msg: { trade_id: 't', order_id: 'o', market_ticker: 'KXNFLGAME-25SEP04DALPHI-PHI', is_taker: true, side: 'yes', action: 'buy', yes_price_dollars: '0.5600', count_fp: '1.00', ts: 1_757_000_000 } },
]

const isPrice = (p: unknown) => p === undefined || (typeof p === 'number' && Number.isFinite(p) && p >= 0 && p <= 1)
const isCount = (q: unknown) => q === undefined || (typeof q === 'number' && Number.isFinite(q))

/** A stream fed only through ingest(), with every event checked for values that could mislead a trader. */
function harness() {
  const stream = new MarketStream({ wsUrl: 'ws://fuzz.invalid', errorIntervalMs: 1e9 })
  const bad: string[] = []
  stream.on('tick', (t: Tick) => {
    if (![t.yesBid, t.yesAsk, t.yesPrice, t.noPrice].every(isPrice) || !isCount(t.volume) || !Number.isFinite(t.lastUpdate)) bad.push(JSON.stringify(t))
  })
  stream.on('trade', (t: Trade) => {
    if (!isPrice(t.price) || !isPrice(t.noPrice) || !(t.quantity >= 0) || (t.side !== 'yes' && t.side !== 'no')) bad.push(JSON.stringify(t))
  })
  stream.on('book', (b: Book) => {
    for (const [p, q] of [...b.yes, ...b.no]) if (!isPrice(p) || !(q > 0)) bad.push(JSON.stringify(b))
  })
  stream.on('error', () => undefined)
  return { stream, bad }
}

/** Replace one field of a valid frame (top level or inside msg) by an arbitrary value. */
const nearMiss = fc.oneof(
  fc.constantFrom('1.5000', '-0.1000', '1.0001', 'NaN', 'Infinity', '1e3', '0x10', '', '0.56.1', '-5.00', '99999999999999999999.00', 'yes', 'maybe'),
  fc.double(),
  fc.integer(),
  fc.array(fc.tuple(fc.oneof(fc.string(), fc.double()), fc.oneof(fc.string(), fc.double())), { maxLength: 3 }),
)
const mutated = fc.tuple(fc.constantFrom(...VALID), fc.nat(), fc.oneof(fc.anything({ withBigInt: false }), nearMiss)).map(([frame, pick, value]) => {
  const copy = structuredClone(frame) as Record<string, unknown> & { msg: Record<string, unknown> }
  const fields = [...Object.keys(copy).filter((k) => k !== 'msg').map((k) => [copy, k] as const), ...Object.keys(copy.msg).map((k) => [copy.msg, k] as const)]
  const [target, key] = fields[pick % fields.length]!
  target[key] = value
  return JSON.stringify(copy) ?? 'undefined'
})

describe('reliability: frame parser under fuzz', () => {
  it('never throws out of ingest and never emits an invalid price, count or side, whatever field is wrong', () => {
    const { stream, bad } = harness()
    fc.assert(fc.property(mutated, (raw) => {
      stream.ingest(raw, Date.now())
    }), { numRuns: 3000 })
    expect(bad).to.deep.equal([])
  })

  it('counts every frame that is not JSON, not an object, or has no type as malformed', () => {
    const { stream, bad } = harness()
    const garbage = fc.oneof(
      fc.uint8Array({ maxLength: 256 }).map((bytes) => Buffer.from(bytes).toString('latin1') + '\u0000{'),
      fc.string().map((s) => `{${s}`),
      fc.jsonValue().filter((v) => v === null || typeof v !== 'object' || Array.isArray(v)).map((v) => JSON.stringify(v)),
      fc.dictionary(fc.string().filter((k) => k !== 'type'), fc.jsonValue()).map((o) => JSON.stringify(o)),
    )
    let sent = 0
    fc.assert(fc.property(garbage, (raw) => {
      stream.ingest(raw, Date.now())
      sent++
    }), { numRuns: 2000 })
    expect(stream.stats().malformed).to.equal(sent)
    expect(stream.stats().messages).to.equal(sent)
    expect(bad).to.deep.equal([])
  })

  it('survives a huge frame and a deeply nested one, counting both as malformed', () => {
    const { stream } = harness()
    const huge = JSON.stringify({ type: 'ticker', sid: 1, msg: { market_ticker: 'X'.repeat(4_000_000) } }).slice(0, -2)
    const deep = '['.repeat(200_000) + ']'.repeat(200_000)
    expect(() => stream.ingest(huge, Date.now())).to.not.throw()
    expect(() => stream.ingest(deep, Date.now())).to.not.throw()
    expect(stream.stats().malformed).to.equal(2)
  })

  it('keeps streaming valid frames after garbage', () => {
    const { stream } = harness()
    const ticks: Tick[] = []
    stream.on('tick', (t: Tick) => ticks.push(t))
    stream.ingest('\u0000\u0001garbage', Date.now())
    stream.ingest(JSON.stringify(VALID[0]), Date.now())
    expect(ticks.map((t) => [t.ticker, t.yesBid, t.yesAsk, t.yesPrice, t.noPrice])).to.deep.equal([['KXNFLGAME-25SEP04DALPHI-PHI', 0.55, 0.57, 0.56, 0.44]])
  })
})
