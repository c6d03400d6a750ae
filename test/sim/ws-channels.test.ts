import { expect } from 'chai'
import { readFileSync } from 'node:fs'
import { startSimulator, type Simulator } from '../../src/sim/index.js'
import { COUNT, DOLLARS, connect, getJson, newKeyPair, signHeaders, type TestClient } from './helpers.js'
import { hostMonotonicMs } from '../../src/core/host-clock.js'

const WS_PATH = '/trade-api/ws/v2'
const units = (dollars: string) => Math.round(Number(dollars) * 10_000)
const countUnits = (fp: string) => Math.round(Number(fp) * 100)

/** The smallest correct book applier: levels by price, signed deltas, zero removes. */
class ReferenceBook {
  yes = new Map<number, number>()
  no = new Map<number, number>()
  snapshot(msg: any): void {
    // An empty side has no key at all.
    this.yes = new Map((msg.yes_dollars_fp ?? []).map(([p, q]: [string, string]) => [units(p), countUnits(q)]))
    this.no = new Map((msg.no_dollars_fp ?? []).map(([p, q]: [string, string]) => [units(p), countUnits(q)]))
  }
  delta(msg: any): void {
    const side = msg.side === 'yes' ? this.yes : this.no
    const price = units(msg.price_dollars)
    const next = (side.get(price) ?? 0) + countUnits(msg.delta_fp)
    if (next === 0) side.delete(price)
    else side.set(price, next)
  }
  levels(side: 'yes' | 'no'): [number, number][] {
    return [...(side === 'yes' ? this.yes : this.no).entries()].sort((a, b) => b[0] - a[0])
  }
}

/** A command round trip: every frame the server wrote before its reply has arrived by then. */
async function drain(client: TestClient): Promise<void> {
  await client.command('list_subscriptions')
}

describe('simulator WebSocket channels', () => {
  const key = newKeyPair()
  let sim: Simulator
  let client: TestClient
  before(async () => { sim = await startSimulator({ seed: 11, ratePerSec: 5000, publicKeys: [key.publicPem] }) })
  after(async () => { await sim.close() })
  beforeEach(async () => {
    sim.resume()
    client = await connect(sim.wsUrl, signHeaders(key.privateKey, 'GET', WS_PATH))
  })
  afterEach(() => client.close())

  it('sends ticker messages with exactly the fields of the AsyncAPI document (no legacy integers)', async () => {
    await client.command('subscribe', { channels: ['ticker'] })
    const msg = (await client.waitFor((f) => f.json?.type === 'ticker')).json
    expect(msg.sid).to.equal(1)
    // The AsyncAPI ticker example's keys (test/fixtures/kalshi/asyncapi-examples.jsonl, line 1).
    const example = JSON.parse(readFileSync(new URL('../fixtures/kalshi/asyncapi-examples.jsonl', import.meta.url), 'utf8').split('\n')[0]!).msg
    expect(msg.msg).to.have.keys(Object.keys(example))
    for (const f of ['price_dollars', 'yes_bid_dollars', 'yes_ask_dollars']) expect(msg.msg[f], f).to.match(DOLLARS)
    for (const f of ['volume_fp', 'open_interest_fp', 'yes_bid_size_fp', 'yes_ask_size_fp', 'last_trade_size_fp']) expect(msg.msg[f], f).to.match(COUNT)
    expect(Math.abs(msg.msg.ts_ms - Date.now())).to.be.below(5000)
    expect(msg.msg.ts).to.equal(Math.floor(msg.msg.ts_ms / 1000))
    expect(Date.parse(msg.msg.time)).to.equal(msg.msg.ts_ms)
    expect(msg.sent_at_ms).to.equal(undefined)
  })

  it('sends the last ticker of a market equal to the authoritative best bid and 1 − best no bid', async () => {
    const ticker = 'KXNFLGAME-25SEP04DALPHI-PHI'
    await client.command('subscribe', { channels: ['ticker'], market_tickers: [ticker] })
    await client.waitFor((f) => f.json?.type === 'ticker')
    sim.pause()
    await drain(client)
    const last = client.data('ticker').at(-1).msg
    const book = sim.world.book(ticker)!
    expect(units(last.yes_bid_dollars)).to.equal(book.yes[0]![0])
    expect(units(last.yes_ask_dollars)).to.equal(10_000 - book.no[0]![0])
  })

  it('sends trade messages with the reference fields and matching yes/no prices', async () => {
    await client.command('subscribe', { channels: ['trade'] })
    const msg = (await client.waitFor((f) => f.json?.type === 'trade')).json.msg
    // The AsyncAPI trade schema's required fields.
    expect(msg).to.have.keys('trade_id', 'market_ticker', 'yes_price_dollars', 'no_price_dollars', 'count_fp', 'taker_side', 'taker_outcome_side', 'taker_book_side', 'is_block_trade', 'ts', 'ts_ms')
    expect(Math.floor((msg.ts_ms as number) / 1000)).to.equal(msg.ts)
    expect(units(msg.yes_price_dollars) + units(msg.no_price_dollars)).to.equal(10_000)
    expect(msg.count_fp).to.match(COUNT)
    expect(['yes', 'no']).to.include(msg.taker_outcome_side)
    expect(msg.taker_book_side).to.equal(msg.taker_outcome_side === 'yes' ? 'bid' : 'ask')
  })

  it('starts orderbook_delta with a snapshot per market, then deltas that name the market, seq +1 per message per sid', async () => {
    const tickers = ['KXNFLGAME-25SEP04DALPHI-PHI', 'KXNFLGAME-25SEP04DALPHI-DAL', 'KXNFLTOTAL-25SEP04DALPHI-44']
    const { msg: { sid } } = await client.command('subscribe', { channels: ['orderbook_delta'], market_tickers: tickers })
    await client.until(() => client.data('orderbook_delta').length >= 30, 5000)
    const book = client.frames.filter((f) => f.json?.sid === sid).map((f) => f.json)
    expect(book.slice(0, 3).map((m) => [m.type, m.msg.market_ticker])).to.deep.equal(tickers.map((t) => ['orderbook_snapshot', t]))
    expect(book.map((m) => m.seq)).to.deep.equal(book.map((_, i) => i + 1))
    for (const m of book.slice(3)) {
      expect(m.type).to.equal('orderbook_delta')
      expect(tickers).to.include(m.msg.market_ticker)
      expect(m.msg.price_dollars).to.match(DOLLARS)
      expect(m.msg.delta_fp).to.match(/^-?\d+\.\d{2}$/)
      expect(m.msg.delta).to.equal(undefined)
      expect(Date.parse(m.msg.ts)).to.equal(m.msg.ts_ms)
    }
  })

  it('reproduces world.book() exactly when the snapshot and deltas are applied, once paused', async () => {
    const tickers = sim.world.markets().filter((m) => m.seriesTicker === 'KXNFLGAME').map((m) => m.ticker)
    await client.command('subscribe', { channels: ['orderbook_delta'], market_tickers: tickers })
    await client.until(() => client.data('orderbook_delta').length >= 200, 5000)
    sim.pause()
    await drain(client)
    const books = new Map<string, ReferenceBook>()
    for (const m of client.frames.map((f) => f.json).filter((j) => j?.type?.startsWith('orderbook'))) {
      if (m.type === 'orderbook_snapshot') books.set(m.msg.market_ticker, new ReferenceBook())
      const b = books.get(m.msg.market_ticker)!
      if (m.type === 'orderbook_snapshot') b.snapshot(m.msg)
      else b.delta(m.msg)
    }
    expect([...books.keys()].sort()).to.deep.equal([...tickers].sort())
    for (const t of tickers) {
      expect({ yes: books.get(t)!.levels('yes'), no: books.get(t)!.levels('no') }, t).to.deep.equal(sim.world.book(t))
    }
  })

  it('streams valid ticker messages within a second for every KXNFLGAME market listed by REST', async () => {
    const { body } = await getJson(`${sim.apiUrl}/markets?series_ticker=KXNFLGAME&limit=1000`)
    const tickers: string[] = body.markets.map((m: any) => m.ticker)
    const plain = await connect(sim.wsUrl)
    try {
      const reply = await plain.command('subscribe', { channels: ['ticker'], market_tickers: tickers })
      expect(reply.type).to.equal('subscribed')
      const started = Date.now()
      await plain.until(() => plain.data('ticker').length >= 20, 1000)
      expect(Date.now() - started).to.be.below(1000)
      for (const t of plain.data('ticker')) {
        expect(tickers).to.include(t.msg.market_ticker)
        expect(t.msg.yes_bid_dollars).to.match(DOLLARS)
      }
    } finally { plain.close() }
  })

  it('adds sent_at_ms to data messages only when benchTimestamps is on', async () => {
    const bench = await startSimulator({ ratePerSec: 2000, benchTimestamps: true })
    const c = await connect(bench.wsUrl)
    try {
      await c.command('subscribe', { channels: ['ticker'] })
      const msg = (await c.waitFor((f) => f.json?.type === 'ticker')).json
      expect(msg.sent_at_ms).to.be.a('number')
      // The host's monotonic clock, as the bench clients read it: Date.now() drifts from it (0.5% here).
      expect(Math.abs(msg.sent_at_ms - hostMonotonicMs())).to.be.below(2000)
    } finally {
      c.close()
      await bench.close()
    }
  })
})

describe('simulator game clock and lifecycle', () => {
  it('closes, determines and settles the first game with market_lifecycle_v2 messages and REST status changes', async () => {
    // At speed 400 DAL@PHI (kickoff 1 s, 180 s long) ends after ~0.45 s real.
    const sim = await startSimulator({ seed: 2, speed: 400, ratePerSec: 500 })
    const client = await connect(sim.wsUrl)
    try {
      await client.command('subscribe', { channels: ['market_lifecycle_v2'] })
      const ticker = 'KXNFLGAME-25SEP04DALPHI-PHI'
      const events = () => client.data('market_lifecycle_v2').filter((m) => m.msg.market_ticker === ticker).map((m) => m.msg)
      await client.until(() => events().length >= 1, 3000)
      expect(events()[0]).to.include({ event_type: 'close_date_updated' })
      expect((await getJson(`${sim.apiUrl}/markets/${ticker}`)).body.market.status).to.equal('closed')
      await client.until(() => events().length >= 3, 6000)
      const [, determined, settled] = events()
      expect(determined.event_type).to.equal('determined')
      expect(['yes', 'no']).to.include(determined.result)
      expect(determined.determination_ts).to.be.a('number')
      expect(settled).to.include({ event_type: 'settled', result: determined.result })
      const market = (await getJson(`${sim.apiUrl}/markets/${ticker}`)).body.market
      expect(market).to.include({ status: 'finalized', result: determined.result })
      // The settlement value: what a YES contract pays ($1 or $0: the simulator's games never tie).
      const value = determined.result === 'yes' ? '1.0000' : '0.0000'
      expect(determined.settlement_value).to.equal(value)
      expect(market.settlement_value_dollars).to.equal(value)
      const dal = (await getJson(`${sim.apiUrl}/markets/KXNFLGAME-25SEP04DALPHI-DAL`)).body.market
      expect(dal.result).to.equal(determined.result === 'yes' ? 'no' : 'yes')
      expect((await getJson(`${sim.apiUrl}/events?status=settled`)).body.events.map((e: any) => e.event_ticker)).to.include('KXNFLGAME-25SEP04DALPHI')
    } finally {
      client.close()
      await sim.close()
    }
  })

  it('moves the winner price of a team leading by 8+ points late in the game above 0.90', async () => {
    // Speed 150: DAL@PHI ends ~1.2 s real; 20k updates/s give each market ~150 requotes over the game.
    // No news moves, and lags of 0 ms: the book at the end shows the fair price, not a stale quote.
    const sim = await startSimulator({ seed: 4, speed: 150, ratePerSec: 20_000, moveEveryMs: 1e9, lagMs: [0, 0] })
    try {
      const game = sim.world.catalog.games[0]!
      // Driven here in 1 ms steps, not by the simulator's timer: on a loaded machine a late timer
      // (up to 250 ms of catch-up at once) stepped over the whole last tenth of the game, leaving it
      // unquoted (twice in about 40 runs, with the last twentieth and then the last tenth).
      sim.pause()
      // Read inside the world's own updates, with the home margin when each quote was made.
      const late = new Map<string, { bid: number; margin: number }>()
      sim.world.onEvent((e) => {
        if (e.kind !== 'ticker' || game.state.phase !== 'live' || game.state.remaining >= 0.1) return
        const best = e.market.book.best('yes')
        if (best !== undefined) late.set(e.market.ticker, { bid: best, margin: game.state.homeScore - game.state.awayScore })
      })
      for (let steps = 0; game.state.phase !== 'final'; steps++) {
        if (steps > 60_000) throw new Error('the game did not end within 60 s of simulated real time')
        sim.step(1)
      }
      const margin = game.state.homeScore - game.state.awayScore
      expect(Math.abs(margin), 'seed 4 scripts a clear lead').to.be.at.least(8)
      const leader = margin > 0 ? 'PHI' : 'DAL'
      const quote = late.get(`KXNFLGAME-25SEP04DALPHI-${leader}`)
      expect(quote, 'a quote of the leader in the last tenth').to.not.equal(undefined)
      expect(leader === 'PHI' ? quote!.margin : -quote!.margin, 'the lead when it was quoted').to.be.at.least(8)
      expect(quote!.bid).to.be.at.least(9_000)
    } finally { await sim.close() }
  })
})

describe('simulator price moves', () => {
  /** Best yes bid + best no bid in price units: at or above $1 the book would have crossed. */
  const bidSum = (sim: Simulator, ticker: string) => {
    const b = sim.world.book(ticker)!
    return (b.yes[0]?.[0] ?? 0) + (b.no[0]?.[0] ?? 0)
  }

  it('never shows a crossed book: a resting yes bid at or above the best yes ask would have matched', async () => {
    const sim = await startSimulator({ seed: 9, ratePerSec: 5000, moveEveryMs: 20, speed: 20 })
    const checked = new Set<string>()
    let samples = 0
    const deadline = Date.now() + 4000
    try {
      const listener = (e: { kind: string; market: { ticker: string } }) => {
        if (e.kind !== 'ticker') return
        samples++
        checked.add(e.market.ticker)
        expect(bidSum(sim, e.market.ticker), e.market.ticker).to.be.below(10_000)
      }
      sim.world.onEvent(listener as never)
      while (samples < 20_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
      expect(samples, 'ticker updates checked').to.be.above(1000)
      expect(checked.size).to.be.above(50)
      for (const m of sim.world.markets()) expect(bidSum(sim, m.ticker), m.ticker).to.be.below(10_000)
    } finally { await sim.close() }
  })

  it('after a move lets one leg of a game lag, so the two winner markets disagree for a moment, then requotes it', async () => {
    const sim = await startSimulator({ seed: 5, ratePerSec: 200, moveEveryMs: 30 })
    try {
      const pairs = sim.world.catalog.games.map((g) => g.markets.filter((m) => m.seriesTicker === 'KXNFLGAME'))
      // A consistent pair of winner books: yes asks sum to ≥ $1 and yes bids to ≤ $1 (exactly one team wins).
      // A stale leg breaks that: both YES (or both NO) cost less than the $1 they are sure to pay.
      const gap = () => {
        for (const [a, b] of pairs) {
          const ask = (m: typeof a) => 10_000 - (sim.world.book(m!.ticker)!.no[0]?.[0] ?? 0)
          const bid = (m: typeof a) => sim.world.book(m!.ticker)!.yes[0]?.[0] ?? 0
          if (ask(a) + ask(b) < 10_000 || bid(a) + bid(b) > 10_000) return { a: a!, b: b! }
        }
        return undefined
      }
      let found: ReturnType<typeof gap>
      const deadline = Date.now() + 15_000
      while (!(found = gap()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5))
      expect(found, 'a winner pair out of line within 15 s').to.not.equal(undefined)
      const stale = [found!.a, found!.b].find((m) => m.lagUntilRunMs > 0)
      expect(stale, 'one leg of the pair is the lagging one').to.not.equal(undefined)
      // Its lag ends and it requotes: then it no longer lags.
      const until = Date.now() + 5000
      while (stale!.lagUntilRunMs > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10))
      expect(stale!.lagUntilRunMs).to.equal(0)
    } finally { await sim.close() }
  })
})
