/**
 * The simulator's wire against Kalshi's: the current generation by default, legacy integers only with
 * --legacy-wire, use_yes_price honoured either way the default falls, and the subscription limits
 * (errors 26 and 27) enforced so the client's handling of them runs for real.
 */
import { expect } from 'chai'
import { createSigner } from '../../src/auth/signer.js'
import { MarketStream, type MarketStreamOptions } from '../../src/core/stream.js'
import type { Book, Tick } from '../../src/core/types.js'
import { parseFrame } from '../../src/core/wire.js'
import type { NeuralError } from '../../src/errors.js'
import { startSimulator, type SimOptions, type Simulator } from '../../src/sim/index.js'
import { waitFor } from '../core/helpers.js'
import { connect, signHeaders } from './helpers.js'
import { testRsaKey } from '../support/rsa-keys.js'

const FAST = { attempts: 0, baseDelayMs: 20, maxDelayMs: 100, jitter: 'none' as const }
const { privateKey, publicPem } = testRsaKey()
const signer = createSigner('wire-key', privateKey)
const PHI = 'KXNFLGAME-25SEP04DALPHI-PHI'

describe('simulator wire generations and limits', function () {
  this.timeout(15_000)
  const sims: Simulator[] = []
  const streams: MarketStream[] = []

  async function sim(options: SimOptions = {}): Promise<Simulator> {
    const s = await startSimulator({ seed: 5, ratePerSec: 300, publicKeys: [publicPem], ...options })
    sims.push(s)
    return s
  }

  function stream(s: Simulator, options: Partial<MarketStreamOptions> = {}): MarketStream {
    const m = new MarketStream({ wsUrl: s.wsUrl, apiUrl: s.apiUrl, signer, timeoutMs: 3000, retry: FAST, batchSize: 10, batchPauseMs: 0, refreshMs: 0, ...options })
    streams.push(m)
    return m
  }

  afterEach(async () => {
    for (const m of streams.splice(0)) await m.close()
    for (const s of sims.splice(0)) await s.close()
  })

  it('sends legacy integer fields only with legacyWire, and the client reads the same numbers from both', async () => {
    for (const legacyWire of [false, true]) {
      const s = await sim({ legacyWire })
      const client = await connect(s.wsUrl, signHeaders(privateKey, 'GET', '/trade-api/ws/v2', 'wire-key'))
      try {
        await client.command('subscribe', { channels: ['ticker'], market_tickers: [PHI], send_initial_snapshot: true })
        const frame = await client.waitFor((f) => f.json?.type === 'ticker')
        expect('yes_bid' in frame.json.msg, `legacyWire ${legacyWire}`).to.equal(legacyWire)
        expect('price' in frame.json.msg).to.equal(legacyWire)
        // Without the current fields the legacy ones alone give the same tick.
        const current = parseFrame(frame.raw, 1)
        if (legacyWire) {
          const m = { ...frame.json.msg }
          for (const k of Object.keys(m)) if (k.endsWith('_dollars') || k.endsWith('_fp')) delete m[k]
          const legacyOnly = parseFrame(JSON.stringify({ ...frame.json, msg: m }), 1)
          if (current.kind !== 'tick' || legacyOnly.kind !== 'tick') throw new Error('not a tick')
          expect(legacyOnly.tick.yesBid).to.equal(current.tick.yesBid)
          expect(legacyOnly.tick.yesAsk).to.equal(current.tick.yesAsk)
          expect(legacyOnly.tick.volume).to.equal(current.tick.volume)
        }
      } finally {
        client.close()
      }
    }
  })

  it('gives the client the same books whichever way the use_yes_price default falls', async () => {
    const books: Book[][] = []
    for (const useYesPriceDefault of [false, true]) {
      const s = await sim({ useYesPriceDefault, ratePerSec: 0 })
      s.pause()
      const m = stream(s, { channels: ['orderbook'] })
      const got: Book[] = []
      m.on('book', (b) => got.push(b))
      await m.start()
      await m.subscribe([PHI])
      await waitFor(() => got.length === 1, 5000, 'snapshot')
      const world = s.world.book(PHI)!
      expect(got[0]!.no.map(([p]) => Math.round(p * 10_000))).to.deep.equal(world.no.map(([p]) => p))
      books.push(got)
      // A client that leaves use_yes_price out gets NO levels at yes prices on the flipped simulator.
      const raw = await connect(s.wsUrl, signHeaders(privateKey, 'GET', '/trade-api/ws/v2', 'wire-key'))
      try {
        await raw.command('subscribe', { channels: ['orderbook_delta'], market_tickers: [PHI] })
        const snap = (await raw.waitFor((f) => f.json?.type === 'orderbook_snapshot')).json.msg
        const prices = snap.no_dollars_fp.map(([p]: [string]) => Math.round(Number(p) * 10_000)).sort((a: number, b: number) => a - b)
        const expected = world.no.map(([p]) => (useYesPriceDefault ? 10_000 - p : p)).sort((a, b) => a - b)
        expect(prices).to.deep.equal(expected)
      } finally {
        raw.close()
      }
    }
    expect(books[1]![0]!.yes).to.deep.equal(books[0]![0]!.yes)
    expect(books[1]![0]!.no).to.deep.equal(books[0]![0]!.no)
  })

  it('enforces the subscription market limit with error 26; the client splits and gets every market', async () => {
    const s = await sim({ subscriptionMarketLimit: 4 })
    const tickers = s.world.markets().filter((m) => m.seriesTicker === 'KXNFLSPREAD').slice(0, 12).map((m) => m.ticker)
    const raw = await connect(s.wsUrl)
    try {
      const refused = await raw.command('subscribe', { channels: ['ticker'], market_tickers: tickers })
      expect(refused).to.deep.include({ type: 'error' })
      expect(refused.msg.code).to.equal(26)
    } finally {
      raw.close()
    }
    const m = stream(s, { channels: ['ticker'], batchSize: 12 })
    const ticks = new Set<string>()
    m.on('tick', (t: Tick) => ticks.add(t.ticker))
    await m.start()
    const r = await m.subscribe(tickers)
    expect(r.unknown).to.deep.equal([])
    expect(r.tickers).to.deep.equal(tickers)
    await waitFor(() => ticks.size === 12, 5000, 'a tick from every market')
  })

  it('enforces a command rate limit with error 27; the client backs off and gets every market', async () => {
    const s = await sim({ commandRateLimitPerSec: 2 })
    const tickers = s.world.markets().filter((m) => m.seriesTicker === 'KXNFLTOTAL').slice(0, 6).map((m) => m.ticker)
    const m = stream(s, { channels: ['ticker'], batchSize: 1, batchBurst: 10 })
    const errors: NeuralError[] = []
    m.on('error', (e) => errors.push(e))
    await m.start()
    const r = await m.subscribe(tickers)
    expect(r).to.deep.equal({ tickers, unknown: [] })
    expect(m.subscriptions().map((x) => x.tickers[0])).to.have.members(tickers)
    expect(errors.map((e) => [e.kind, e.code])).to.deep.include(['rate_limit', 'WS_TOO_MANY_REQUESTS'])
  })

  it('lists new events while running: event_lifecycle, then its markets, which a wildcard follows', async () => {
    const s = await sim({ newEventEverySec: 0.3 })
    const raw = await connect(s.wsUrl)
    const m = stream(s, { channels: ['ticker'] })
    try {
      await raw.command('subscribe', { channels: ['market_lifecycle_v2'] })
      await m.start()
      const before = (await m.subscribe(['KXBTCD*'])).tickers
      // An event listed after the wildcard's subscription: on a loaded machine the first one (0.3 s
      // in) can come before it, and the wildcard then found its markets in the listing itself.
      const listedAfter = (f: { json?: any }) => f.json?.type === 'event_lifecycle' && !s.world.event(f.json.msg.event_ticker)!.markets.some((x) => before.includes(x.ticker))
      const event = (await raw.waitFor(listedAfter, 5000)).json
      expect(event.msg).to.include({ series_ticker: 'KXBTCD', exchange_index: 0 })
      expect(event.seq).to.be.a('number')
      const listed = s.world.event(event.msg.event_ticker)!.markets.map((x) => x.ticker)
      await raw.until(() => listed.every((t) => raw.data('market_lifecycle_v2').some((f: any) => f.msg.market_ticker === t && f.msg.event_type === 'created')), 3000)
      // REST knows the event, and the wildcard's stream now watches its markets.
      const rest = await fetch(`${s.apiUrl}/events/${event.msg.event_ticker}`).then((r) => r.json() as Promise<any>)
      expect(rest.event.event_ticker).to.equal(event.msg.event_ticker)
      await waitFor(() => listed.every((t) => m.watched().includes(t)), 5000, 'the wildcard to follow the new markets')
    } finally {
      raw.close()
    }
  })

  it('answers a bad update of a book subscription with an error that takes the next seq', async () => {
    const s = await sim()
    const raw = await connect(s.wsUrl, signHeaders(privateKey, 'GET', '/trade-api/ws/v2', 'wire-key'))
    try {
      const { msg: { sid } } = await raw.command('subscribe', { channels: ['orderbook_delta'], market_tickers: [PHI] })
      const err = await raw.command('update_subscription', { sids: [sid], action: 'add_markets', market_tickers: ['KXNOPE-1'] })
      // By arrival order, not by what has arrived when the answer is read: frames that came in the same
      // read as the error, after it, are already in the list then (seen on a loaded machine).
      const at = raw.frames.findIndex((f) => f.json === err)
      const seqs = (frames: typeof raw.frames) => frames.filter((f) => f.json?.sid === sid && typeof f.json?.seq === 'number').map((f) => f.json.seq as number)
      expect(err).to.deep.include({ type: 'error', sid })
      expect(err.msg.code).to.equal(16)
      expect(err.seq).to.equal(Math.max(...seqs(raw.frames.slice(0, at))) + 1)
      for (const seq of seqs(raw.frames.slice(at + 1))) expect(seq).to.be.greaterThan(err.seq)
    } finally {
      raw.close()
    }
  })
})
