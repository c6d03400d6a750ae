import { expect } from 'chai'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { MarketStream, type MarketStreamOptions } from '../../src/core/stream.js'
import type { Gap } from '../../src/core/order-book.js'
import type { Book, Lifecycle, Tick } from '../../src/core/types.js'
import type { NeuralError } from '../../src/errors.js'
import { FakeKalshi, tickerFrame, waitFor } from './helpers.js'

const FAST = { attempts: 0, baseDelayMs: 20, maxDelayMs: 50, jitter: 'none' as const }

describe('market stream', function () {
  this.timeout(5000)
  let server: FakeKalshi
  let stream: MarketStream | undefined

  function make(options: Partial<MarketStreamOptions> = {}): MarketStream {
    stream = new MarketStream({ wsUrl: server.url, timeoutMs: 1000, retry: FAST, batchSize: 100, batchPauseMs: 0, refreshMs: 0, ...options })
    return stream
  }

  beforeEach(async () => {
    server = await new FakeKalshi().start()
  })

  afterEach(async () => {
    await stream?.close()
    stream = undefined
    await server.close()
  })

  it('subscribes market tickers in batches of batchSize, all channels per command', async () => {
    const s = make({ batchSize: 2, channels: ['ticker', 'trade'] })
    await s.start()
    const r = await s.subscribe(['A-B-1', 'A-B-2', 'A-B-3', 'A-B-4', 'A-B-5'])
    expect(r).to.deep.equal({ tickers: ['A-B-1', 'A-B-2', 'A-B-3', 'A-B-4', 'A-B-5'], unknown: [] })
    const subs = server.commands.filter((c) => c.cmd === 'subscribe')
    expect(subs.map((c) => c.params)).to.deep.equal([
      { channels: ['ticker', 'trade'], market_tickers: ['A-B-1', 'A-B-2'], send_initial_snapshot: true },
      { channels: ['ticker', 'trade'], market_tickers: ['A-B-3', 'A-B-4'], send_initial_snapshot: true },
      { channels: ['ticker', 'trade'], market_tickers: ['A-B-5'], send_initial_snapshot: true },
    ])
    expect(s.subscriptions().length).to.equal(6)
  })

  it('pauses between batches after the first burst', async () => {
    const s = make({ batchSize: 1, batchPauseMs: 40, batchBurst: 1, channels: ['ticker'] })
    await s.start()
    const t0 = Date.now()
    await s.subscribe(['A-B-1', 'A-B-2', 'A-B-3'])
    expect(Date.now() - t0).to.be.at.least(75)
  })

  it('sends the first batchBurst batches without pausing', async () => {
    const s = make({ batchSize: 1, batchPauseMs: 5000, batchBurst: 3, channels: ['ticker'] })
    await s.start()
    const t0 = Date.now()
    await s.subscribe(['A-B-1', 'A-B-2', 'A-B-3'])
    expect(Date.now() - t0).to.be.below(4000)
    expect(server.commands.filter((c) => c.cmd === 'subscribe')).to.have.length(3)
  })

  it('maps channel names to Kalshi channels', async () => {
    const s = make({ channels: ['orderbook', 'lifecycle'] })
    await s.start()
    await s.subscribe(['A-B-1'])
    const params = server.commands.filter((c) => c.cmd === 'subscribe').map((c) => c.params)
    expect(params).to.deep.equal([{ channels: ['market_lifecycle_v2'] }, { channels: ['orderbook_delta'], market_tickers: ['A-B-1'], use_yes_price: false }])
    expect(s.subscriptions().map((x) => x.channel).sort()).to.deep.equal(['lifecycle', 'orderbook'])
  })

  it('does not send a market it already watches again', async () => {
    const s = make({ channels: ['ticker'] })
    await s.start()
    await s.subscribe(['A-B-1'])
    await s.subscribe(['A-B-1', 'A-B-2'])
    expect(server.activeOn().map((x) => x.ticker).sort()).to.deep.equal(['A-B-1', 'A-B-2'])
  })

  it('rejects a malformed target before sending anything', async () => {
    const s = make()
    await s.start()
    const error = await s.subscribe(['A-B-1', 'not a ticker']).then(() => undefined, (e: NeuralError) => e)
    expect(error?.kind).to.equal('input')
    expect(server.commands.length).to.equal(0)
  })

  it('reports a market the exchange refuses, and subscribes the rest', async () => {
    server.options.unknownMarkets = ['A-B-BAD']
    const s = make({ channels: ['ticker'] })
    await s.start()
    const r = await s.subscribe(['A-B-1', 'A-B-BAD', 'A-B-2'])
    expect(r).to.deep.equal({ tickers: ['A-B-1', 'A-B-2'], unknown: [{ ticker: 'A-B-BAD', message: 'market_not_found (code 16): Market not found' }] })
    expect(s.subscriptions()[0].tickers).to.deep.equal(['A-B-1', 'A-B-2'])
  })

  it('emits ticks and keeps them in the store', async () => {
    const s = make({ channels: ['ticker'] })
    const ticks: Tick[] = []
    s.on('tick', (t) => ticks.push(t))
    await s.start()
    await s.subscribe(['A-B-1'])
    server.send(tickerFrame('A-B-1', '0.5600'))
    await waitFor(() => ticks.length === 1)
    expect(ticks[0]).to.include({ ticker: 'A-B-1', yesPrice: 0.56, noPrice: 0.44, yesBid: 0.55, yesAsk: 0.56, volume: 1000, lastUpdate: 1_757_000_000_000 })
    expect(s.store.get('A-B-1')?.yesPrice).to.equal(0.56)
    expect(s.stats()).to.include({ connected: true, messages: 2, markets: 1, subscriptions: 1, malformed: 0 })
  })

  it('restores every subscription after a reconnect, once, with fresh sids', async () => {
    const s = make({ batchSize: 2, channels: ['ticker', 'orderbook'] })
    await s.start()
    await s.subscribe(['A-B-1', 'A-B-2', 'A-B-3'])
    const before = s.subscriptions().map((x) => x.sid)
    server.dropAll()
    await waitFor(() => server.connectionCount === 2 && server.activeOn(1).length === 6, 2000, 'restored subscriptions')
    // A later command answered on the same socket: whatever the client sent before it has landed by now.
    await s.subscribe(['A-B-4'])
    const restored = server.activeOn(1).filter((x) => x.ticker !== 'A-B-4')
    expect(restored.map((x) => `${x.channel}:${x.ticker}`).sort()).to.deep.equal([
      'orderbook_delta:A-B-1',
      'orderbook_delta:A-B-2',
      'orderbook_delta:A-B-3',
      'ticker:A-B-1',
      'ticker:A-B-2',
      'ticker:A-B-3',
    ])
    expect(server.commands.filter((c) => c.conn === 1 && c.cmd === 'subscribe' && !JSON.stringify(c.params).includes('A-B-4')).length).to.equal(2)
    const after = s.subscriptions().map((x) => x.sid)
    expect(after.some((sid) => before.includes(sid))).to.equal(false)
    expect(s.stats().reconnects).to.equal(1)
  })

  it('re-snapshots the books after a reconnect', async () => {
    const s = make({ channels: ['orderbook'] })
    const books: Book[] = []
    s.on('book', (b) => books.push(b))
    await s.start()
    await s.subscribe(['A-B-1'])
    await waitFor(() => books.length === 1)
    server.dropAll()
    await waitFor(() => books.length === 2, 2000, 'second snapshot')
    expect(books[1].yes).to.deep.equal([[0.55, 100], [0.54, 50]])
    expect(s.books.get('A-B-1')?.valid).to.equal(true)
  })

  it('applies deltas to the book and emits it best first', async () => {
    const s = make({ channels: ['orderbook'] })
    const books: Book[] = []
    s.on('book', (b) => books.push(b))
    await s.start()
    await s.subscribe(['A-B-1'])
    await waitFor(() => books.length === 1)
    const sid = server.sidFor('orderbook_delta', 'A-B-1') as number
    server.sendSeq(sid, 'orderbook_delta', { market_ticker: 'A-B-1', side: 'no', price_dollars: '0.4500', delta_fp: '5.00' })
    await waitFor(() => books.length === 2)
    expect(books[1]).to.deep.include({ yesBid: 0.55, yesAsk: 0.55, noBid: 0.45, noAsk: 0.45, seq: 2 })
    expect(s.store.get('A-B-1')?.yesAsk).to.equal(0.55)
  })

  it('on a sequence gap emits a gap, emits no book from it, and re-subscribes for a fresh snapshot', async () => {
    const s = make({ channels: ['orderbook'] })
    const books: Book[] = []
    const gaps: Gap[] = []
    s.on('book', (b) => books.push(b))
    s.on('gap', (g) => gaps.push(g))
    await s.start()
    await s.subscribe(['A-B-1'])
    await waitFor(() => books.length === 1)
    const sid = server.sidFor('orderbook_delta', 'A-B-1') as number
    server.sendSeq(sid, 'orderbook_delta', { market_ticker: 'A-B-1', side: 'yes', price_dollars: '0.5600', delta_fp: '1.00' }, 3)
    server.sendSeq(sid, 'orderbook_delta', { market_ticker: 'A-B-1', side: 'yes', price_dollars: '0.5700', delta_fp: '1.00' }, 4)
    await waitFor(() => gaps.length === 1 && books.length === 2, 2000, 'gap and fresh snapshot')
    expect(gaps[0]).to.deep.include({ sid, reason: 'seq', expectedSeq: 2, receivedSeq: 3, tickers: ['A-B-1'] })
    // The book after the gap is the fresh snapshot, not one with the 0.56/0.57 levels.
    expect(books[1].yes).to.deep.equal([[0.55, 100], [0.54, 50]])
    const cmds = server.commands.filter((c) => c.conn === 0).map((c) => c.cmd)
    expect(cmds).to.deep.equal(['subscribe', 'unsubscribe', 'subscribe'])
    expect(server.activeOn().length).to.equal(1)
    expect(s.stats().gaps).to.equal(1)
  })

  it('removes a market with update_subscription, and the last market of a sid with unsubscribe', async () => {
    const s = make({ channels: ['ticker'] })
    await s.start()
    await s.subscribe(['A-B-1', 'A-B-2'])
    await s.unsubscribe(['A-B-1'])
    expect(server.commands.at(-1)).to.deep.include({ cmd: 'update_subscription', params: { sids: [1], market_tickers: ['A-B-1'], action: 'delete_markets' } })
    await s.unsubscribe(['A-B-2'])
    expect(server.commands.at(-1)).to.deep.include({ cmd: 'unsubscribe', params: { sids: [1] } })
    expect(server.activeOn()).to.deep.equal([])
    expect(s.subscriptions()).to.deep.equal([])
  })

  it('lists the exchange-side subscriptions', async () => {
    const s = make({ channels: ['ticker', 'trade'] })
    await s.start()
    await s.subscribe(['A-B-1'])
    expect(await s.listServerSubscriptions()).to.deep.equal([
      { channel: 'ticker', sid: 1 },
      { channel: 'trade', sid: 2 },
    ])
  })

  it('counts malformed and unknown frames, reports them at most once per interval, and keeps going', async () => {
    const s = make({ channels: ['ticker'], errorIntervalMs: 60_000 })
    const errors: NeuralError[] = []
    const ticks: Tick[] = []
    s.on('error', (e) => errors.push(e))
    s.on('tick', (t) => ticks.push(t))
    await s.start()
    await s.subscribe(['A-B-1'])
    server.send('{"type":"ticker","msg":')
    server.send('\u0000\u00ff garbage')
    server.send({ type: 'brand_new_thing', msg: {} })
    server.send(tickerFrame('A-B-1', '0.5100'))
    await waitFor(() => ticks.length === 1)
    expect(s.stats()).to.include({ malformed: 2, unknownTypes: 1 })
    expect(errors.length).to.equal(1)
    expect(errors[0].kind).to.equal('protocol')
    expect(errors[0].code).to.equal('MALFORMED_FRAME')
  })

  it('reports an exchange error on a live subscription with its code name', async () => {
    const s = make({ channels: ['ticker'] })
    const errors: NeuralError[] = []
    s.on('error', (e) => errors.push(e))
    await s.start()
    await s.subscribe(['A-B-1'])
    server.send({ type: 'error', sid: 1, msg: { code: 17, msg: 'Internal error' } })
    await waitFor(() => errors.length === 1)
    expect(errors[0]).to.include({ kind: 'protocol', code: 'WS_INTERNAL_ERROR' })
    // Code 17 ends the subscription on Kalshi's side: it is subscribed again.
    await waitFor(() => server.commands.filter((c) => c.cmd === 'subscribe').length === 2)
    expect(server.commands.filter((c) => c.cmd === 'unsubscribe').length).to.equal(0)
  })

  it('stops asking for a channel the exchange refuses for lack of a key, and reports it as auth', async () => {
    const s = make({ channels: ['ticker', 'orderbook'] })
    const errors: NeuralError[] = []
    s.on('error', (e) => errors.push(e))
    await s.start()
    // This fake refuses orderbook_delta like an unsigned Kalshi connection would.
    const socket = server.socket
    socket.removeAllListeners('message')
    socket.on('message', (data) => {
      const c = JSON.parse(data.toString())
      server.commands.push({ conn: 0, id: c.id, cmd: c.cmd, params: c.params })
      if (c.params.channels.includes('orderbook_delta')) socket.send(JSON.stringify({ id: c.id, type: 'error', msg: { code: 9, msg: 'Authentication required' } }))
      else for (const ch of c.params.channels) socket.send(JSON.stringify({ id: c.id, type: 'subscribed', msg: { channel: ch, sid: 40 } }))
    })
    const r = await s.subscribe(['A-B-1'])
    await waitFor(() => s.subscriptions().length === 1)
    expect(r.unknown).to.deep.equal([])
    expect(errors.map((e) => [e.kind, e.code])).to.deep.equal([['auth', 'AUTH_REQUIRED']])
    expect(server.commands.map((c) => c.params)).to.deep.equal([{ channels: ['ticker', 'orderbook_delta'], market_tickers: ['A-B-1'], send_initial_snapshot: true, use_yes_price: false }, { channels: ['ticker'], market_tickers: ['A-B-1'], send_initial_snapshot: true }])
  })

  it('sends markets subscribed before start once the connection opens', async () => {
    const s = make({ channels: ['ticker'] })
    const r = await s.subscribe(['A-B-1', 'A-B-2'])
    expect(r.tickers).to.deep.equal(['A-B-1', 'A-B-2'])
    expect(server.commands.length).to.equal(0)
    await s.start()
    await waitFor(() => server.activeOn().length === 2, 2000, 'subscriptions after start')
    expect(server.commands.filter((c) => c.cmd === 'subscribe').length).to.equal(1)
  })

  it('reports the message rate of the last full second', () => {
    const s = make({ channels: ['ticker'], now: () => 2100 })
    for (let i = 0; i < 100; i++) s.ingest(tickerFrame('A-B-1', '0.5000'), 1000 + i * 10)
    s.ingest(tickerFrame('A-B-1', '0.5000'), 2000)
    expect(s.stats()).to.include({ messages: 101, ratePerSec: 100, lastMessageAt: 2000 })
  })

  it('passes every frame to frame listeners as it came (the socket\'s bytes, no copy) with its receive time', async () => {
    const s = make({ channels: ['ticker'], now: () => 777 })
    const frames: [string | Buffer, number][] = []
    s.on('frame', (raw, at) => frames.push([raw, at]))
    await s.start()
    await s.subscribe(['A-B-1'])
    expect(frames.map(([raw, at]) => [Buffer.isBuffer(raw), String(raw), at])).to.deep.equal([
      [true, '{"id":1,"type":"subscribed","msg":{"channel":"ticker","sid":1}}', 777],
    ])
  })

  it('replays recorded frames through ingest without a connection', () => {
    const s = make({ channels: ['orderbook'] })
    const books: Book[] = []
    s.on('book', (b) => books.push(b))
    s.ingest('{"id":1,"type":"subscribed","msg":{"channel":"orderbook_delta","sid":5}}', 1)
    s.ingest('{"type":"orderbook_snapshot","sid":5,"seq":1,"msg":{"market_ticker":"A-B-1","yes_dollars_fp":[["0.3000","10.00"]],"no_dollars_fp":[]}}', 2)
    s.ingest('{"type":"orderbook_delta","sid":5,"seq":2,"msg":{"market_ticker":"A-B-1","side":"yes","price_dollars":"0.3000","delta_fp":"-10.00"}}', 3)
    expect(books.map((b) => b.yes)).to.deep.equal([[[0.3, 10]], []])
    expect(s.stats().messages).to.equal(3)
  })

  it('a throwing listener does not stop the stream; it is reported as a strategy error', async () => {
    const s = make({ channels: ['ticker'] })
    const errors: NeuralError[] = []
    const ticks: Tick[] = []
    s.on('tick', () => {
      throw new Error('boom')
    })
    s.on('tick', (t) => ticks.push(t))
    s.on('error', (e) => errors.push(e))
    s.ingest(tickerFrame('A-B-1', '0.5000'), 1)
    s.ingest(tickerFrame('A-B-1', '0.5100'), 2)
    expect(ticks.length).to.equal(2)
    expect(errors.map((e) => e.kind)).to.deep.equal(['strategy', 'strategy'])
  })

  describe('wildcards', () => {
    let rest: Server
    let apiUrl: string
    let markets: { ticker: string; event_ticker: string; status: string }[]
    const restQueries: string[] = []

    beforeEach(async () => {
      restQueries.length = 0
      markets = [
        { ticker: 'KXNFLGAME-25SEP04DALPHI-DAL', event_ticker: 'KXNFLGAME-25SEP04DALPHI', status: 'active' },
        { ticker: 'KXNFLGAME-25SEP04DALPHI-PHI', event_ticker: 'KXNFLGAME-25SEP04DALPHI', status: 'active' },
        { ticker: 'KXNFLGAME-25SEP07NYGWAS-NYG', event_ticker: 'KXNFLGAME-25SEP07NYGWAS', status: 'active' },
      ]
      rest = createServer((req, res) => {
        const u = new URL(req.url ?? '/', 'http://x')
        restQueries.push(u.pathname + u.search)
        const series = u.searchParams.get('series_ticker')
        const event = u.searchParams.get('event_ticker')
        const list = markets.filter((m) => (series ? m.ticker.startsWith(series + '-') : true) && (event ? m.event_ticker === event : true))
        res.setHeader('content-type', 'application/json')
        res.end(JSON.stringify({ markets: list, cursor: '' }))
      })
      await new Promise<void>((r) => rest.listen(0, '127.0.0.1', r))
      apiUrl = `http://127.0.0.1:${(rest.address() as AddressInfo).port}/trade-api/v2`
    })

    afterEach(async () => {
      await new Promise<void>((r) => rest.close(() => r()))
    })

    it('resolves a series wildcard through REST and subscribes its open markets', async () => {
      const s = make({ apiUrl, channels: ['ticker'] })
      await s.start()
      const r = await s.subscribe(['KXNFLGAME*'])
      expect(r.tickers).to.deep.equal(['KXNFLGAME-25SEP04DALPHI-DAL', 'KXNFLGAME-25SEP04DALPHI-PHI', 'KXNFLGAME-25SEP07NYGWAS-NYG'])
      expect(restQueries).to.deep.equal(['/trade-api/v2/markets?series_ticker=KXNFLGAME&status=open&limit=1000'])
    })

    it('fails with a one-line input error when a wildcard matches nothing', async () => {
      const s = make({ apiUrl, channels: ['ticker'] })
      await s.start()
      const error = await s.subscribe(['KXNOPE*']).then(() => undefined, (e: NeuralError) => e)
      expect(error?.kind).to.equal('input')
      expect(error?.message).to.equal('no open markets match KXNOPE* (check the series ticker, e.g. KXNFLGAME*)')
    })

    it('adds a market that a lifecycle event activates in a watched event, and drops one that settles', async () => {
      const s = make({ apiUrl, channels: ['ticker', 'lifecycle'] })
      const events: Lifecycle[] = []
      s.on('lifecycle', (e) => events.push(e))
      await s.start()
      await s.subscribe(['KXNFLGAME-25SEP04DALPHI*'])
      const lifeSid = s.subscriptions().find((x) => x.channel === 'lifecycle')?.sid as number
      server.send({ type: 'market_lifecycle_v2', sid: lifeSid, msg: { market_ticker: 'KXNFLGAME-25SEP04DALPHI-TIE', event_type: 'activated', open_ts: 1757000000 } })
      server.send({ type: 'market_lifecycle_v2', sid: lifeSid, msg: { market_ticker: 'KXNFLGAME-25SEP07NYGWAS-NYG', event_type: 'activated' } })
      await waitFor(() => server.activeOn().some((x) => x.ticker === 'KXNFLGAME-25SEP04DALPHI-TIE'), 2000, 'activated market subscribed')
      expect(s.watched().sort()).to.deep.equal(['KXNFLGAME-25SEP04DALPHI-DAL', 'KXNFLGAME-25SEP04DALPHI-PHI', 'KXNFLGAME-25SEP04DALPHI-TIE'])
      server.send({ type: 'market_lifecycle_v2', sid: lifeSid, msg: { market_ticker: 'KXNFLGAME-25SEP04DALPHI-DAL', event_type: 'settled', settled_ts: 1757100000, result: 'no' } })
      await waitFor(() => !server.activeOn().some((x) => x.ticker === 'KXNFLGAME-25SEP04DALPHI-DAL'), 2000, 'settled market removed')
      expect(s.watched().sort()).to.deep.equal(['KXNFLGAME-25SEP04DALPHI-PHI', 'KXNFLGAME-25SEP04DALPHI-TIE'])
      expect(events.map((e) => `${e.ticker}:${e.event}`)).to.deep.equal(['KXNFLGAME-25SEP04DALPHI-TIE:activated', 'KXNFLGAME-25SEP04DALPHI-DAL:settled'])
    })

    it('emits event_fee_update from the lifecycle channel, and takes event_lifecycle without a protocol error', async () => {
      const s = make({ apiUrl, channels: ['ticker', 'lifecycle'] })
      const updates: unknown[] = []
      const errors: NeuralError[] = []
      s.on('event_fee_update', (u) => updates.push(u))
      s.on('error', (e) => errors.push(e))
      await s.start()
      await s.subscribe(['KXNFLGAME-25SEP04DALPHI*'])
      const lifeSid = s.subscriptions().find((x) => x.channel === 'lifecycle')?.sid as number
      server.send({ type: 'event_lifecycle', sid: lifeSid, msg: { event_ticker: 'KXNFLGAME-25SEP04DALPHI', series_ticker: 'KXNFLGAME' } })
      server.send({ type: 'event_fee_update', sid: lifeSid, msg: { event_ticker: 'KXNFLGAME-25SEP04DALPHI', fee_type_override: null, fee_multiplier_override: 0.5 } })
      await waitFor(() => updates.length === 1, 2000, 'the fee update')
      expect(updates[0]).to.deep.include({ type: 'event_fee_update', eventTicker: 'KXNFLGAME-25SEP04DALPHI', feeType: null, feeMultiplier: 0.5 })
      expect(errors).to.deep.equal([])
    })

    it('picks up new markets and drops closed ones on a periodic refresh', async () => {
      const s = make({ apiUrl, channels: ['ticker'] })
      await s.start()
      await s.subscribe(['KXNFLGAME-25SEP04DALPHI*'])
      markets.shift()
      markets.push({ ticker: 'KXNFLGAME-25SEP04DALPHI-TIE', event_ticker: 'KXNFLGAME-25SEP04DALPHI', status: 'active' })
      await s.refreshWildcards()
      expect(s.watched().sort()).to.deep.equal(['KXNFLGAME-25SEP04DALPHI-PHI', 'KXNFLGAME-25SEP04DALPHI-TIE'])
      expect(server.activeOn().filter((x) => x.channel === 'ticker').map((x) => x.ticker).sort()).to.deep.equal(['KXNFLGAME-25SEP04DALPHI-PHI', 'KXNFLGAME-25SEP04DALPHI-TIE'])
      // Following a wildcard needs lifecycle events for all markets, even when the user did not ask for them.
      expect(server.activeOn().filter((x) => x.channel === 'market_lifecycle_v2').map((x) => x.ticker)).to.deep.equal(['*'])
    })
  })
})

describe('market stream: transient command errors', function () {
  this.timeout(5000)
  it('retries a subscribe answered with "unable to process" instead of giving up on its markets', async () => {
    const server = await new FakeKalshi().start()
    const s = new MarketStream({ wsUrl: server.url, timeoutMs: 1000, retry: FAST, batchPauseMs: 0, refreshMs: 0, channels: ['ticker'] })
    try {
      await s.start()
      // The first command of the connection gets error 1, like the simulator's errorEvery fault.
      const socket = server.socket
      const handlers = socket.listeners('message')
      socket.removeAllListeners('message')
      let first = true
      socket.on('message', (data, isBinary) => {
        if (first) {
          first = false
          const c = JSON.parse(data.toString())
          server.commands.push({ conn: 0, id: c.id, cmd: c.cmd, params: c.params })
          socket.send(JSON.stringify({ id: c.id, type: 'error', msg: { code: 1, msg: 'Unable to process message' } }))
          return
        }
        for (const h of handlers) (h as (d: unknown, b: boolean) => void)(data, isBinary)
      })
      const r = await s.subscribe(['A-B-1', 'A-B-2'])
      expect(r).to.deep.equal({ tickers: ['A-B-1', 'A-B-2'], unknown: [] })
      expect(server.commands.filter((c) => c.cmd === 'subscribe').length).to.equal(2)
      expect(server.activeOn().map((x) => x.ticker)).to.deep.equal(['A-B-1', 'A-B-2'])
    } finally {
      await s.close()
      await server.close()
    }
  })

  it('finds the unknown market when the exchange refuses a whole batch without naming it', async () => {
    const server = await new FakeKalshi().start()
    const s = new MarketStream({ wsUrl: server.url, timeoutMs: 1000, retry: FAST, batchPauseMs: 0, refreshMs: 0, channels: ['ticker'] })
    try {
      await s.start()
      const socket = server.socket
      const handlers = socket.listeners('message')
      socket.removeAllListeners('message')
      socket.on('message', (data, isBinary) => {
        const c = JSON.parse(data.toString())
        if ((c.params?.market_tickers ?? []).includes('A-B-BAD')) {
          server.commands.push({ conn: 0, id: c.id, cmd: c.cmd, params: c.params })
          socket.send(JSON.stringify({ id: c.id, type: 'error', msg: { code: 11, msg: 'Invalid parameter: unknown market ticker A-B-BAD' } }))
          return
        }
        for (const h of handlers) (h as (d: unknown, b: boolean) => void)(data, isBinary)
      })
      const r = await s.subscribe(['A-B-1', 'A-B-BAD', 'A-B-2'])
      expect(r).to.deep.equal({ tickers: ['A-B-1', 'A-B-2'], unknown: [{ ticker: 'A-B-BAD', message: 'invalid_parameter (code 11): Invalid parameter: unknown market ticker A-B-BAD' }] })
      expect(server.activeOn().map((x) => x.ticker).sort()).to.deep.equal(['A-B-1', 'A-B-2'])
    } finally {
      await s.close()
      await server.close()
    }
  })
})
