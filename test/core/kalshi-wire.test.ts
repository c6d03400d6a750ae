/**
 * The client against real Kalshi payloads: the AsyncAPI document's examples and frames recorded from
 * production by public projects (test/fixtures/kalshi/README.md names each source).
 */
import { expect } from 'chai'
import { readFileSync } from 'node:fs'
import { MarketStream, type MarketStreamOptions } from '../../src/core/stream.js'
import type { Gap } from '../../src/core/order-book.js'
import type { Book, Trade } from '../../src/core/types.js'
import { parseFrame, type WireMessage } from '../../src/core/wire.js'
import { WS_ERROR, WS_ERROR_TABLE, wsError } from '../../src/core/ws-errors.js'
import { parseTargets } from '../../src/core/targets.js'
import { Wildcards } from '../../src/core/wildcards.js'
import type { NeuralError } from '../../src/errors.js'
import { FakeKalshi, waitFor } from './helpers.js'

const FIXTURES = new URL('../fixtures/kalshi/', import.meta.url)
const lines = (file: string): string[] => readFileSync(new URL(file, FIXTURES), 'utf8').trim().split('\n')
const ASYNCAPI = lines('asyncapi-examples.jsonl')
const RECORDED = lines('recorded-frames.jsonl')
const AT = 1_800_000_000_000

function parse(text: string): WireMessage {
  return parseFrame(text, AT)
}

function as<K extends WireMessage['kind']>(m: WireMessage, kind: K): Extract<WireMessage, { kind: K }> {
  if (m.kind !== kind) throw new Error(`expected ${kind}, got ${m.kind}${m.kind === 'malformed' ? ` (${m.reason})` : ''}`)
  return m as Extract<WireMessage, { kind: K }>
}

describe('Kalshi wire: real payloads', () => {
  it('parses every fixture frame: nothing malformed, nothing unknown', () => {
    for (const text of [...ASYNCAPI, ...RECORDED]) {
      const m = parse(text)
      expect(m.kind, text).to.not.be.oneOf(['malformed', 'unknown'])
    }
  })

  describe('ticker', () => {
    it('reads the AsyncAPI example: prices, sizes, and the exchange time from ts_ms', () => {
      const { tick } = as(parse(ASYNCAPI[0]), 'tick')
      expect(tick).to.deep.include({ ticker: 'FED-23DEC-T3.00', yesBid: 0.45, yesAsk: 0.53, yesBidSize: 300, yesAskSize: 150, yesPrice: 0.48, volume: 33896, openInterest: 20422, lastUpdate: 1669149841000 })
    })

    it('reads an empty side ($0 bid, $1 ask, recorded in production) as no bid and no ask', () => {
      const { tick } = as(parse(RECORDED[1]), 'tick')
      expect(tick.yesBid).to.equal(undefined)
      expect(tick.yesAsk).to.equal(undefined)
      expect(tick.yesBidSize).to.equal(undefined)
      expect(tick.yesAskSize).to.equal(undefined)
      // The last trade is a real price, and ts_ms carries the milliseconds that ts drops.
      expect(tick).to.deep.include({ yesPrice: 0.999, volume: 2233487.48, openInterest: 618700.14, lastUpdate: 1784475900544 })
    })

    it('reads the older cents + dollars generation (recorded), its time from ts seconds', () => {
      const { tick } = as(parse(RECORDED[0]), 'tick')
      expect(tick).to.deep.include({ ticker: 'KXRANKLISTGOOGLESEARCH-26JAN-BIA', yesBid: 0.11, yesAsk: 0.12, yesPrice: 0.12, volume: 351970, openInterest: 182646, lastUpdate: 1732579880000 })
    })

    it('reads legacy cents alone, with the same placeholder rule', () => {
      const { tick } = as(parse('{"type":"ticker","sid":1,"msg":{"market_ticker":"A-B-C","price":40,"yes_bid":0,"yes_ask":100,"ts":1}}'), 'tick')
      expect(tick).to.deep.include({ yesBid: undefined, yesAsk: undefined, yesPrice: 0.4, lastUpdate: 1000 })
    })
  })

  describe('trade', () => {
    it('reads the AsyncAPI example: taker side, prices, block flag, ts_ms', () => {
      const { trade } = as(parse(ASYNCAPI[1]), 'trade')
      expect(trade).to.deep.include({ ticker: 'HIGHNY-22DEC23-B53.5', side: 'no', price: 0.36, noPrice: 0.64, quantity: 136, isBlockTrade: false, ts: 1669149841000 })
    })

    it('prefers taker_outcome_side, then taker_book_side, over the deprecated taker_side', () => {
      const msg = JSON.parse(ASYNCAPI[1])
      const withOutcome = { ...msg, msg: { ...msg.msg, taker_side: 'no', taker_outcome_side: 'yes', taker_book_side: 'bid' } }
      expect(as(parse(JSON.stringify(withOutcome)), 'trade').trade.side).to.equal('yes')
      const bookOnly = { ...msg, msg: { ...msg.msg, taker_side: undefined, taker_book_side: 'ask' } }
      expect(as(parse(JSON.stringify(bookOnly)), 'trade').trade.side).to.equal('no')
      const none = { ...msg, msg: { ...msg.msg, taker_side: undefined } }
      expect(parse(JSON.stringify(none)).kind).to.equal('malformed')
    })

    it('keeps the seq of a recorded trade and its ts in seconds', () => {
      const m = as(parse(RECORDED[2]), 'trade')
      expect(m.seq).to.equal(2573)
      expect(m.trade).to.deep.include({ side: 'yes', price: 0.89, quantity: 3, ts: 1773331880000 })
    })
  })

  describe('order book', () => {
    it('reads the AsyncAPI snapshot and a delta with its exchange time (ts_ms)', () => {
      const snap = as(parse(ASYNCAPI[2]), 'book_snapshot')
      expect(snap.yes).to.deep.equal([800, 30000, 2200, 33300])
      expect(snap.no).to.deep.equal([5400, 2000, 5600, 14600])
      const delta = as(parse(ASYNCAPI[3]), 'book_delta')
      expect(delta).to.deep.include({ seq: 3, side: 'yes', priceUnits: 9600, deltaUnits: -5400, exchangeTs: 1669149841000 })
    })

    it('reads recorded legacy cents frames; a delta time from the RFC 3339 ts', () => {
      const snap = as(parse(RECORDED[3]), 'book_snapshot')
      expect(snap.yes.slice(-2)).to.deep.equal([2300, 20000])
      expect(snap.no.length / 2).to.equal(12)
      const delta = as(parse(RECORDED[4]), 'book_delta')
      expect(delta).to.deep.include({ side: 'no', priceUnits: 5100, deltaUnits: -100, exchangeTs: Date.parse('2025-08-12T21:00:32.539Z') })
    })
  })

  describe('market_lifecycle_v2 channel', () => {
    it('reads market events, including metadata_updated', () => {
      expect(as(parse(ASYNCAPI[4]), 'lifecycle').lifecycle).to.deep.include({ ticker: 'INXD-23SEP14-B4487', event: 'created', openTs: 1694635200000, closeTs: 1694721600000 })
      expect(as(parse(ASYNCAPI[5]), 'lifecycle').lifecycle).to.deep.include({ ticker: 'KXBTC-25APR30-T0915-B95000', event: 'metadata_updated' })
    })

    it('lets a wildcard that covers a new event (event_lifecycle) look its markets up', () => {
      const w = new Wildcards()
      for (const t of parseTargets(['KXQUICKSETTLE*', 'KXNFLGAME-25SEP04DALPHI*'])) w.add(t, [], new Set())
      expect(w.coversEvent(as(parse(ASYNCAPI[6]), 'event_lifecycle').event.eventTicker)).to.equal(true)
      expect(w.coversEvent('KXNFLGAME-25SEP04DALPHI')).to.equal(true)
      expect(w.coversEvent('KXNFLGAME-25SEP07GBDET')).to.equal(false)
      expect(w.coversEvent('KXQUICKSETTLEX-26JAN25H2150')).to.equal(false)
    })

    it('reads event_lifecycle and event_fee_update as their own messages, with their seq', () => {
      const e = as(parse(ASYNCAPI[6]), 'event_lifecycle')
      expect(e.seq).to.equal(8)
      expect(e.event).to.deep.include({ eventTicker: 'KXQUICKSETTLE-26JAN25H2150', seriesTicker: 'KXQUICKSETTLE', title: 'What will 1+1 equal on Jan 25 at 21:50?', subtitle: 'Jan 25 at 21:50' })
      const f = as(parse(ASYNCAPI[7]), 'event_fee_update')
      expect(f.fee).to.deep.include({ eventTicker: 'KXBTCD-26MAY2018', feeType: 'quadratic', feeMultiplier: 1 })
      const cleared = as(parse('{"type":"event_fee_update","sid":5,"seq":10,"msg":{"event_ticker":"E-1","fee_type_override":null,"fee_multiplier_override":null}}'), 'event_fee_update')
      expect(cleared.fee).to.deep.include({ feeType: null, feeMultiplier: null })
    })
  })

  describe('fill', () => {
    const fill = (msg: Record<string, unknown>) => parse(JSON.stringify({ type: 'fill', sid: 13, msg: { trade_id: 't', order_id: 'o', market_ticker: 'A-B-C', is_taker: true, yes_price_dollars: '0.4200', count_fp: '3.00', ts_ms: 1790363780921, ...msg } }))

    it('accepts every documented action, an empty one, and a missing side', () => {
      for (const action of ['buy', 'sell', 'sell_partial', 'sell_to_close', '']) expect(as(fill({ action, side: 'yes' }), 'fill').fill.action).to.equal(action)
      expect(as(fill({}), 'fill').fill).to.deep.include({ action: '', side: undefined, price: 0.42, quantity: 3, ts: 1790363780921 })
      expect(as(fill({ action: 'sell_to_close', outcome_side: 'no' }), 'fill').fill.side).to.equal('no')
      expect(fill({ action: 'borrow' }).kind).to.equal('malformed')
    })
  })

  describe('errors', () => {
    it('names the quick-start example from the one table, and keeps a subscription error’s sid and seq', () => {
      expect(as(parse(ASYNCAPI[8]), 'error')).to.deep.include({ id: 123, code: 2, codeName: 'params_required', message: 'Params required' })
      expect(as(parse('{"id":4,"sid":7,"seq":4,"type":"error","msg":{"code":14,"msg":"Market Ticker required"}}'), 'error')).to.deep.include({ sid: 7, seq: 4, codeName: 'market_ticker_required' })
    })

    it('has one row per code with the documented names for 16, 17, 26, 27', () => {
      expect(WS_ERROR_TABLE.map((e) => e.code)).to.deep.equal([...Array(29).keys()].map((i) => i + 1))
      expect(wsError(16)).to.deep.include({ name: 'market_not_found', kind: 'user', retryable: false })
      expect(wsError(17)).to.deep.include({ name: 'internal_error', kind: 'server', retryable: true, terminal: true })
      expect(wsError(26)).to.deep.include({ name: 'subscription_market_limit_exceeded', kind: 'limit', retryable: false })
      expect(wsError(27)).to.deep.include({ name: 'too_many_requests', kind: 'limit', retryable: true })
      expect(WS_ERROR.subscription_buffer_overflow.terminal).to.equal(true)
      expect(wsError(99).name).to.equal('code_99')
    })
  })
})

describe('Kalshi wire: subscription behaviour', function () {
  this.timeout(10_000)
  const FAST = { attempts: 0, baseDelayMs: 20, maxDelayMs: 50, jitter: 'none' as const }
  let server: FakeKalshi
  let stream: MarketStream | undefined

  function make(options: Partial<MarketStreamOptions> = {}): MarketStream {
    stream = new MarketStream({ wsUrl: server.url, timeoutMs: 2000, retry: FAST, batchSize: 100, batchPauseMs: 0, refreshMs: 0, ...options })
    return stream
  }

  afterEach(async () => {
    await stream?.close()
    stream = undefined
    await server?.close()
  })

  it('counts a subscription-scoped error in the book sequence: the next delta is no gap', async () => {
    server = await new FakeKalshi().start()
    const s = make({ channels: ['orderbook'] })
    const books: Book[] = []
    const gaps: Gap[] = []
    const errors: NeuralError[] = []
    s.on('book', (b) => books.push(b))
    s.on('gap', (g) => gaps.push(g))
    s.on('error', (e) => errors.push(e))
    await s.start()
    await s.subscribe(['A-B-1'])
    await waitFor(() => books.length === 1)
    const sid = server.sidFor('orderbook_delta', 'A-B-1') as number
    // seq 2 is an error for this subscription (as recorded on Kalshi: code 14 took a sequence slot).
    server.send({ id: 99, sid, seq: 2, type: 'error', msg: { code: 14, msg: 'Market Ticker required' } })
    server.sendSeq(sid, 'orderbook_delta', { market_ticker: 'A-B-1', side: 'yes', price_dollars: '0.5600', delta_fp: '1.00', ts_ms: 1790363780921 }, 3)
    await waitFor(() => books.length === 2)
    expect(gaps).to.deep.equal([])
    expect(books[1]).to.deep.include({ yesBid: 0.56, seq: 3, exchangeTs: 1790363780921 })
    expect(errors.map((e) => e.code)).to.deep.equal(['WS_MARKET_TICKER_REQUIRED'])
  })

  it('backs re-snapshots off per market when a book keeps gapping, and reports it once', async () => {
    server = await new FakeKalshi().start()
    const s = make({ channels: ['orderbook'], gapBackoff: { firstDelayMs: 100, maxDelayMs: 400, resetMs: 60_000, reportAfter: 4 } })
    const errors: NeuralError[] = []
    s.on('error', (e) => errors.push(e))
    // Every fresh snapshot is followed at once by a delta that skips a number.
    const snapshotsAt: number[] = []
    s.on('book', () => {
      snapshotsAt.push(Date.now())
      const sid = server.sidFor('orderbook_delta', 'A-B-1')
      if (sid !== undefined) server.sendSeq(sid, 'orderbook_delta', { market_ticker: 'A-B-1', side: 'yes', price_dollars: '0.5600', delta_fp: '1.00' }, 9)
    })
    await s.start()
    await s.subscribe(['A-B-1'])
    await waitFor(() => snapshotsAt.length >= 6, 5000, 'six snapshots')
    const pauses = snapshotsAt.slice(1).map((t, i) => t - snapshotsAt[i])
    // First re-snapshot at once, then about 100, 200, 400, 400 ms apart (timers never fire early).
    expect(pauses[1]).to.be.at.least(95)
    expect(pauses[2]).to.be.at.least(195)
    expect(pauses[3]).to.be.at.least(395)
    expect(errors.filter((e) => e.code === 'BOOK_KEEPS_GAPPING')).to.have.length(1)
  })

  it('splits a batch refused with error 26 into halves, none unknown, and keeps the smaller size', async () => {
    server = await new FakeKalshi({ marketLimit: 3 }).start()
    const s = make({ channels: ['ticker'], batchSize: 10 })
    await s.start()
    const tickers = Array.from({ length: 10 }, (_, i) => `A-B-${i}`)
    const r = await s.subscribe(tickers)
    expect(r.unknown).to.deep.equal([])
    expect(r.tickers).to.deep.equal(tickers)
    await waitFor(() => server.activeOn().length === 10)
    const sizes = server.commands.filter((c) => c.cmd === 'subscribe').map((c) => (c.params?.market_tickers as string[]).length)
    // 10 → 5 → 3+2, 5 → 3+2: every market lands, in batches of at most 3.
    expect(sizes).to.deep.equal([10, 5, 3, 2, 5, 3, 2])
    const more = await s.subscribe(['A-C-1', 'A-C-2', 'A-C-3', 'A-C-4'])
    expect(more.unknown).to.deep.equal([])
    const later = server.commands.filter((c) => c.cmd === 'subscribe').slice(7).map((c) => (c.params?.market_tickers as string[]).length)
    expect(Math.max(...later)).to.be.at.most(3)
  })

  it('backs off on error 27 and subscribes in the end, marking nothing unknown', async () => {
    server = await new FakeKalshi({ rateLimitSubscribes: 3 }).start()
    const s = make({ channels: ['ticker'] })
    const errors: NeuralError[] = []
    s.on('error', (e) => errors.push(e))
    await s.start()
    const started = Date.now()
    const r = await s.subscribe(['A-B-1', 'A-B-2'])
    expect(r).to.deep.equal({ tickers: ['A-B-1', 'A-B-2'], unknown: [] })
    expect(server.activeOn().map((a) => a.ticker)).to.deep.equal(['A-B-1', 'A-B-2'])
    // 250 + 500 + 1000 ms of backoff before the fourth try.
    expect(Date.now() - started).to.be.at.least(1700)
    expect(errors.map((e) => [e.kind, e.code])).to.deep.equal([['rate_limit', 'WS_TOO_MANY_REQUESTS']])
  })

  it('does not print documented lifecycle messages as unknown', async () => {
    server = await new FakeKalshi().start()
    const s = make({ channels: ['lifecycle'] })
    const errors: NeuralError[] = []
    const events: unknown[] = []
    s.on('error', (e) => errors.push(e))
    s.on('event_lifecycle', (e) => events.push(e))
    s.on('event_fee_update', (e) => events.push(e))
    await s.start()
    await s.subscribe(['INXD-23SEP14-B4487'])
    await waitFor(() => server.activeOn().length > 0)
    for (const text of ASYNCAPI.slice(4, 8)) server.send(text)
    await waitFor(() => events.length === 2)
    expect(s.stats()).to.deep.include({ unknownTypes: 0, malformed: 0 })
    expect(errors).to.deep.equal([])
  })

  it('emits trades with the direction Kalshi now sends', async () => {
    server = await new FakeKalshi().start()
    const s = make({ channels: ['trade'] })
    const trades: Trade[] = []
    s.on('trade', (t) => trades.push(t))
    await s.start()
    await s.subscribe(['HIGHNY-22DEC23-B53.5'])
    const sid = server.sidFor('trade', 'HIGHNY-22DEC23-B53.5') as number
    const msg = JSON.parse(ASYNCAPI[1])
    server.send({ ...msg, sid, msg: { ...msg.msg, taker_side: 'no', taker_outcome_side: 'yes', taker_book_side: 'bid' } })
    await waitFor(() => trades.length === 1)
    expect(trades[0]).to.deep.include({ side: 'yes', ts: 1669149841000 })
  })
})
