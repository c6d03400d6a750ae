import { expect } from 'chai'
import { connect, type NatsConnection } from 'nats'
import { BusPublisher, type BusPublisherOptions } from '../../src/bus/publisher.js'
import { BusSource } from '../../src/bus/source.js'
import type { Fill, Lifecycle, MarketEvent } from '../../src/core/types.js'
import { NeuralError } from '../../src/errors.js'
import { asJson, book, byMarket, record, tick, trade, withSeq } from './events.js'
import { NatsServer, freePort, natsServerAvailable, waitFor } from './nats-server.js'

const FAST = { reconnectTimeWaitMs: 50, reconnectJitterMs: 0, drainTimeoutMs: 500 }

describe('bus over core NATS', function () {
  this.timeout(60_000)
  let server: NatsServer
  const open: { close(): Promise<void> }[] = []

  before(async function () {
    if (!natsServerAvailable()) {
      console.warn('    skipped: /usr/sbin/nats-server is missing (apt-get install nats-server)')
      this.skip()
    }
    server = await new NatsServer().start()
  })

  after(async () => {
    await server?.dispose()
  })

  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()))
  })

  async function publisher(options: BusPublisherOptions = {}): Promise<BusPublisher> {
    const p = new BusPublisher({ ...FAST, ...options })
    await p.connect(server.url)
    open.push(p)
    return p
  }

  async function source(filters: string[], types?: ('ticker' | 'trade' | 'book' | 'lifecycle' | 'fill')[]) {
    const s = new BusSource(FAST)
    const r = record(s)
    await s.connect(server.url, { filters, types })
    open.push(s)
    return { s, r }
  }

  async function raw(): Promise<NatsConnection> {
    const nc = await connect({ servers: server.url })
    open.push({ close: () => nc.close() })
    return nc
  }

  it('delivers ticks, trades, lifecycle events and fills as the same JSON, in order per market', async () => {
    const { r } = await source(['*'])
    const p = await publisher()
    const lifecycle: Lifecycle = { type: 'lifecycle', ticker: 'KXNFLGAME-25SEP04DALPHI-PHI', event: 'determined', result: 'yes', determinationTs: 1_757_000_100_000, receivedAt: 1_757_000_100_003 }
    const fill: Fill = { type: 'fill', ticker: 'KXNFLGAME-25SEP04DALPHI-DAL', tradeId: 'f1', orderId: 'o1', side: 'no', action: 'buy', isTaker: true, price: 0.61, quantity: 2, ts: 1_757_000_100_000, receivedAt: 1_757_000_100_004 }
    const sent: MarketEvent[] = []
    for (let n = 0; n < 30; n++) {
      const ticker = n % 3 === 0 ? 'KXNFLGAME-25SEP04DALPHI-PHI' : n % 3 === 1 ? 'KXNFLGAME-25SEP04DALPHI-DAL' : 'KXHIGHNY-25SEP04-B82.5'
      sent.push(n % 2 === 0 ? tick(ticker, n) : trade(ticker, n))
    }
    sent.push(lifecycle, fill)
    for (const e of sent) p.publish(e)
    await waitFor(() => r.events.length === sent.length, `${sent.length} events`)
    expect(byMarket(r.events)).to.deep.equal(byMarket(asJson(sent)))
    expect(p.stats()).to.include({ published: 32, dropped: 0, buffered: 0 })
  })

  it('rebuilds books exactly: a snapshot first, then deltas, each book with its bus seq', async () => {
    const { r } = await source(['KXNFLGAME*'], ['book'])
    const p = await publisher({ snapshotEveryMs: 60_000 })
    const sent = Array.from({ length: 12 }, (_, n) => book(n % 2 === 0 ? 'KXNFLGAME-25SEP04DALPHI-PHI' : 'KXNFLGAME-25SEP04DALPHI-DAL', n))
    for (const b of sent) p.publish(b)
    await waitFor(() => r.books.length === 12, '12 books')
    const expected = sent.map((b, n) => withSeq(b, Math.floor(n / 2) + 1))
    expect(byMarket(r.books.map(asJson))).to.deep.equal(byMarket(expected))
    expect(p.stats()).to.include({ snapshots: 2, deltas: 10 })
    expect(r.gaps).to.deep.equal([])
  })

  it('receives only the markets and types its filters name', async () => {
    const { r } = await source(['KXNFLGAME-25SEP04DALPHI-PHI', 'KXHIGHNY-25SEP04*'], ['ticker'])
    const p = await publisher()
    p.publish(tick('KXNFLGAME-25SEP04DALPHI-DAL', 1))
    p.publish(trade('KXNFLGAME-25SEP04DALPHI-PHI', 2))
    p.publish(tick('KXHIGHNY-25SEP05-B82.5', 3))
    p.publish(tick('KXNFLGAME-25SEP04DALPHI-PHI', 4))
    p.publish(tick('KXHIGHNY-25SEP04-B82.5', 5))
    p.publish(tick('KXNFLGAME-25SEP04DALPHI-PHI', 6))
    // Published last on the same connection, so everything before it has been delivered or filtered out.
    p.publish(tick('KXNFLGAME-25SEP04DALPHI-PHI', 99))
    await waitFor(() => r.events.some((e) => e.type === 'ticker' && e.volume === 199), 'the last tick')
    expect(r.events.map((e) => `${e.type} ${e.ticker} ${(e as { volume: number }).volume}`)).to.deep.equal([
      'ticker KXNFLGAME-25SEP04DALPHI-PHI 104',
      'ticker KXHIGHNY-25SEP04-B82.5 105',
      'ticker KXNFLGAME-25SEP04DALPHI-PHI 106',
      'ticker KXNFLGAME-25SEP04DALPHI-PHI 199',
    ])
  })

  it('a consumer that joins late emits no book until the next snapshot, then the publisher\'s latest book', async () => {
    // Long enough that no periodic snapshot falls between the join and the first delta it sees.
    const p = await publisher({ snapshotEveryMs: 800 })
    const ticker = 'KXNFLGAME-25SEP04DALPHI-PHI'
    for (let n = 0; n < 5; n++) p.publish(book(ticker, n))
    const { s, r } = await source([ticker])
    p.publish(book(ticker, 5))
    await waitFor(() => r.gaps.length === 1, 'a no_snapshot gap')
    expect(r.gaps[0]).to.include({ ticker, reason: 'no_snapshot', receivedSeq: 6 })
    expect(s.book(ticker)).to.equal(undefined)
    expect(s.stats()).to.include({ gaps: 1, invalidBooks: 1 })
    p.publish(book(ticker, 6))
    await waitFor(() => r.books.length > 0, 'a book from the periodic snapshot')
    expect(r.gaps.length).to.equal(1)
    expect(asJson(r.books[0])).to.deep.equal(withSeq(book(ticker, 6), r.books[0].seq!))
    expect(asJson(s.book(ticker))).to.deep.equal(asJson(r.books[0]))
    expect(s.stats()).to.include({ gaps: 1, invalidBooks: 0 })
  })

  it('a skipped seq emits one gap and no book until the next snapshot', async () => {
    const { s, r } = await source(['A-B-C'])
    const nc = await raw()
    const snapshot = (seq: number, qty: number) => ({ type: 'book', kind: 'snapshot', ticker: 'A-B-C', seq, yes: [[0.5, qty]], no: [[0.4, 10]], yesBid: 0.5, yesAsk: 0.6, noBid: 0.4, noAsk: 0.5, ts: 1000 + seq })
    const delta = (seq: number, qty: number) => ({ type: 'book', kind: 'delta', ticker: 'A-B-C', seq, changes: [{ side: 'yes', price: 0.5, quantity: qty }], ts: 1000 + seq })
    for (const m of [snapshot(1, 1), delta(2, 2), delta(4, 4), delta(5, 5)]) nc.publish('neural.book.A-B-C', JSON.stringify(m))
    await waitFor(() => s.stats().messages === 4, '4 book messages')
    expect(r.gaps).to.have.length(1)
    expect(r.gaps[0]).to.include({ ticker: 'A-B-C', reason: 'seq', expectedSeq: 3, receivedSeq: 4 })
    expect(s.book('A-B-C')).to.equal(undefined)
    expect(s.stats()).to.include({ gaps: 1, invalidBooks: 1 })
    for (const m of [snapshot(6, 6), delta(7, 7)]) nc.publish('neural.book.A-B-C', JSON.stringify(m))
    await waitFor(() => r.books.length === 4, '4 books')
    expect(r.books.map((b) => [b.seq, b.yes[0][1]])).to.deep.equal([[1, 1], [2, 2], [6, 6], [7, 7]])
    expect(asJson(s.book('A-B-C'))).to.deep.equal({ type: 'book', ticker: 'A-B-C', yes: [[0.5, 7]], no: [[0.4, 10]], yesBid: 0.5, yesAsk: 0.6, noBid: 0.4, noAsk: 0.5, seq: 7, ts: 1007 })
    expect(s.stats()).to.include({ gaps: 1, invalidBooks: 0 })
  })

  it('decodes events field by field: a bad price, side or time is malformed and counted, unknown fields are dropped', async () => {
    const { s, r } = await source(['A-B-C'])
    const nc = await raw()
    const good = tick('A-B-C', 1)
    nc.publish('neural.ticker.A-B-C', JSON.stringify({ ...good, yesBid: 5 }))
    nc.publish('neural.ticker.A-B-C', JSON.stringify({ ...good, lastUpdate: 'soon' }))
    nc.publish('neural.trade.A-B-C', JSON.stringify({ type: 'trade', ticker: 'A-B-C', side: 'maybe', quantity: 1, price: 0.5, noPrice: 0.5, ts: 1, receivedAt: 1 }))
    // Published last on the subject that carries the tick: once it arrives, the ones before it on that subject have been handled.
    nc.publish('neural.trade.A-B-C', JSON.stringify({ type: 'trade', ticker: 'A-B-C', side: 'yes', quantity: 1, price: 0.5, noPrice: 0.5, ts: 1, receivedAt: 1 }))
    nc.publish('neural.ticker.A-B-C', JSON.stringify({ ...good, injected: '<script>' }))
    await waitFor(() => r.events.length === 2, 'the good trade and tick')
    expect(s.stats()).to.include({ malformed: 3, messages: 2 })
    expect(r.events.map((e) => Object.keys(e).includes('injected'))).to.deep.equal([false, false])
    expect(r.errors[0]!.message).to.match(/ticker: yesBid is not a price in dollars/)
  })

  it('ignores messages that are not bus JSON, reporting only the first as an error', async () => {
    const { s, r } = await source(['A-B-C'])
    const nc = await raw()
    nc.publish('neural.ticker.A-B-C', 'not json')
    nc.publish('neural.ticker.A-B-C', '{"type":"ticker"}')
    nc.publish('neural.book.A-B-C', '{"type":"book","kind":"delta","ticker":"A-B-C","changes":[]}')
    nc.publish('neural.ticker.A-B-C', JSON.stringify(tick('A-B-C', 1)))
    await waitFor(() => r.events.length === 1, 'the good tick')
    expect(s.stats()).to.include({ malformed: 3, messages: 2 })
    expect(r.errors).to.have.length(1)
    expect(r.errors[0]).to.be.instanceOf(NeuralError).and.include({ kind: 'protocol', code: 'BUS_MALFORMED' })
  })

  it('delivers each publisher number once and in order: a duplicate or a message after a later one is dropped and counted', async () => {
    const ticker = 'KXNFLGAME-25SEP04DALPHI-PHI'
    const { s, r } = await source([ticker])
    const nc = await raw()
    const numbered = (n: number, pubSeq: number) => JSON.stringify({ ...tick(ticker, n), pub: 'p1', pubSeq })
    // 2 is lost at first (a gap of one), then arrives late, after 3; 3 then comes twice.
    for (const [n, pubSeq] of [[1, 1], [3, 3], [2, 2], [33, 3], [4, 4]]) nc.publish(`neural.ticker.${ticker}`, numbered(n, pubSeq))
    // The same numbers on another subject are a sequence of their own.
    nc.publish(`neural.trade.${ticker}`, JSON.stringify({ ...trade(ticker, 1), pub: 'p1', pubSeq: 1 }))
    await waitFor(() => r.events.length >= 4, 'ticks 1, 3 and 4, then the trade')
    expect(r.events.map((e) => (e.type === 'ticker' ? e.volume : e.type))).to.deep.equal([101, 103, 104, 'trade'])
    expect(r.gaps).to.have.length(1)
    expect(r.gaps[0]).to.include({ reason: 'publisher_seq', eventType: 'ticker', ticker, expectedSeq: 2, receivedSeq: 3, missed: 1 })
    // Delivered plus missed is what was published, once each.
    expect(s.stats()).to.include({ messages: 4, missed: 1, stale: 2 })
  })

  it('survives a publisher restart: the new publisher\'s first snapshot replaces the book without a gap', async () => {
    const ticker = 'KXNFLGAME-25SEP04DALPHI-PHI'
    const { s, r } = await source([ticker])
    const first = await publisher({ snapshotEveryMs: 60_000 })
    for (let n = 0; n < 4; n++) first.publish(book(ticker, n))
    first.publish(tick(ticker, 1))
    await waitFor(() => r.events.length === 5, '5 events from the first publisher')
    await first.close()

    const second = await publisher({ snapshotEveryMs: 60_000 })
    second.publish(book(ticker, 10))
    second.publish(book(ticker, 11))
    second.publish(tick(ticker, 2))
    await waitFor(() => r.events.length === 8, '3 events from the second publisher')
    expect(r.gaps).to.deep.equal([])
    expect(r.books.map((b) => b.seq)).to.deep.equal([1, 2, 3, 4, 1, 2])
    expect(asJson(s.book(ticker))).to.deep.equal(withSeq(book(ticker, 11), 2))
    expect(asJson(r.events[7])).to.deep.equal(asJson(tick(ticker, 2)))
  })

  it('throws a network error when nothing listens at the url', async () => {
    const port = await freePort()
    const p = new BusPublisher(FAST)
    const events: string[] = []
    p.on('connection', (e) => events.push(e.state))
    const error = await p.connect(`nats://127.0.0.1:${port}`).then(() => undefined, (e: unknown) => e)
    expect(error).to.be.instanceOf(NeuralError).and.include({ kind: 'network', code: 'BUS_CONNECT_FAILED' })
    expect(events).to.deep.equal(['connecting', 'failed'])
  })

  it('refuses a url that is not nats:// with an input error', async () => {
    const error = await new BusSource().connect('http://127.0.0.1:4222', { filters: ['*'] }).then(() => undefined, (e: unknown) => e)
    expect(error).to.be.instanceOf(NeuralError).and.include({ kind: 'input', code: 'BAD_BUS_URL' })
  })
})

describe('bus across a nats-server restart', function () {
  this.timeout(60_000)
  let server: NatsServer
  const open: { close(): Promise<void> }[] = []

  before(async function () {
    if (!natsServerAvailable()) {
      console.warn('    skipped: /usr/sbin/nats-server is missing (apt-get install nats-server)')
      this.skip()
    }
  })

  beforeEach(async () => {
    server = await new NatsServer().start()
  })

  afterEach(async () => {
    try {
      await Promise.all(open.splice(0).map((c) => c.close()))
    } finally {
      await server.dispose()
    }
  })

  it('reconnects publisher and consumer, reports it, and delivers again, books included', async () => {
    const ticker = 'KXNFLGAME-25SEP04DALPHI-PHI'
    const p = new BusPublisher({ ...FAST, snapshotEveryMs: 300 })
    const published: string[] = []
    p.on('connection', (e) => published.push(e.state))
    await p.connect(server.url)
    const s = new BusSource(FAST)
    const r = record(s)
    await s.connect(server.url, { filters: [ticker] })
    open.push(p, s)

    p.publish(book(ticker, 0))
    p.publish(tick(ticker, 0))
    await waitFor(() => r.events.length === 2, 'events before the restart')

    await server.stop()
    await waitFor(() => !p.stats().connected && !s.stats().connected, 'both to see the disconnect')
    await server.start()
    await waitFor(() => p.stats().connected && s.stats().connected, 'both to reconnect')

    // The consumer's subscription is back once a tick published now arrives; publish until one does.
    let n = 1
    const deadline = Date.now() + 20_000
    while (!r.events.some((e) => e.type === 'ticker' && e.volume !== 100)) {
      if (Date.now() > deadline) throw new Error(`no tick within 20 s of the restart (${n - 1} published)`)
      p.publish(tick(ticker, n++))
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    p.publish(book(ticker, 1))
    const wanted = JSON.stringify(book(ticker, 1).yes)
    await waitFor(() => JSON.stringify(s.book(ticker)?.yes) === wanted, 'the book after the restart')
    expect(asJson(s.book(ticker))).to.deep.equal(withSeq(book(ticker, 1), s.book(ticker)!.seq!))
    expect(published).to.include.members(['connecting', 'connected', 'disconnected', 'reconnecting'])
    expect(published.filter((st) => st === 'connected')).to.have.length(2)
    expect(r.connections.map((c) => c.state)).to.include.members(['disconnected', 'reconnecting', 'connected'])
    expect(r.errors).to.deep.equal([])
  })

  it('keeps at most maxBufferedMessages while NATS is down, counting the dropped, and hands them to NATS on reconnect', async () => {
    const p = new BusPublisher({ ...FAST, maxBufferedMessages: 3 })
    await p.connect(server.url)
    open.push(p)
    await server.stop()
    await waitFor(() => !p.stats().connected, 'the publisher to see the disconnect')
    for (let n = 0; n < 5; n++) p.publish(tick('A-B-C', n))
    p.publish(book('A-B-C', 0))
    expect(p.stats()).to.include({ buffered: 3, dropped: 2, published: 0, snapshots: 0 })
    await server.start()
    await waitFor(() => p.stats().connected, 'the publisher to reconnect')
    // The buffered ticks, then the book's snapshot that the reconnect owes.
    expect(p.stats()).to.include({ buffered: 0, dropped: 2, published: 4, snapshots: 1 })
  })

  it('closes publisher and consumer while NATS is down, within drainTimeoutMs', async () => {
    const p = new BusPublisher(FAST)
    await p.connect(server.url)
    const s = new BusSource(FAST)
    await s.connect(server.url, { filters: ['*'] })
    await server.stop()
    await waitFor(() => !p.stats().connected && !s.stats().connected, 'both to see the disconnect')
    p.publish(tick('A-B-C', 1))
    const started = Date.now()
    await Promise.all([p.close(), s.close()])
    // Bounded by the drain timeout (without it, close waits on a server that is gone); the rest is a loaded machine's slack.
    expect(Date.now() - started).to.be.below(FAST.drainTimeoutMs + 2000)
    expect(p.stats()).to.include({ connected: false, buffered: 1 })
  })
})
