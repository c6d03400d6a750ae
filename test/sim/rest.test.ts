import { expect } from 'chai'
import { startSimulator, type Simulator } from '../../src/sim/index.js'
import { COUNT, DOLLARS, getJson } from './helpers.js'

describe('simulator REST', () => {
  let sim: Simulator
  before(async () => { sim = await startSimulator({ seed: 3, ratePerSec: 100 }) })
  after(async () => { await sim.close() })

  it('reports the exchange as active and trading', async () => {
    expect(await getJson(`${sim.apiUrl}/exchange/status`)).to.deep.equal({ status: 200, body: { exchange_active: true, trading_active: true } })
  })

  it('returns the KXNFLGAME series with Kalshi field names', async () => {
    const { status, body } = await getJson(`${sim.apiUrl}/series/KXNFLGAME`)
    expect(status).to.equal(200)
    expect(body.series).to.include({ ticker: 'KXNFLGAME', category: 'Sports', frequency: 'custom' })
    expect(body.series.tags).to.deep.equal(['Football'])
  })

  it('lists every series including the spread, total and non-NFL ones', async () => {
    const { body } = await getJson(`${sim.apiUrl}/series`)
    expect(body.series.map((s: any) => s.ticker)).to.deep.equal(['KXNFLGAME', 'KXNFLSPREAD', 'KXNFLTOTAL', 'KXFEDDECISION', 'KXHIGHNY', 'KXBTCD'])
  })

  it('lists the 16 week-one game events of a series', async () => {
    const { body } = await getJson(`${sim.apiUrl}/events?series_ticker=KXNFLGAME&status=open&limit=200`)
    expect(body.events).to.have.length(16)
    expect(body.events[0]).to.include({ event_ticker: 'KXNFLGAME-25SEP04DALPHI', series_ticker: 'KXNFLGAME', title: 'DAL Cowboys vs PHI Eagles', mutually_exclusive: true })
    expect(body.events[0].markets).to.equal(undefined)
    expect(body.cursor).to.equal('')
  })

  it('nests markets in events when with_nested_markets=true', async () => {
    const { body } = await getJson(`${sim.apiUrl}/events?series_ticker=KXNFLGAME&with_nested_markets=true&limit=1`)
    expect(body.events[0].markets.map((m: any) => m.ticker)).to.deep.equal(['KXNFLGAME-25SEP04DALPHI-DAL', 'KXNFLGAME-25SEP04DALPHI-PHI'])
    expect(body.cursor).to.not.equal('')
  })

  it('filters events by status', async () => {
    const open = await getJson(`${sim.apiUrl}/events?status=open&limit=200`)
    const settled = await getJson(`${sim.apiUrl}/events?status=settled&limit=200`)
    // The settled ones are the previous week's games (src/sim/past-week.ts).
    const past = sim.world.events().filter((e) => e.markets.every((m) => m.status === 'finalized'))
    expect(past).to.have.length(48)
    expect(open.body.events).to.have.length(sim.world.events().length - past.length)
    expect(settled.body.events.map((e: any) => e.event_ticker)).to.deep.equal(past.map((e) => e.ticker))
  })

  it('returns one event with its markets', async () => {
    const { status, body } = await getJson(`${sim.apiUrl}/events/KXNFLSPREAD-25SEP04DALPHI?with_nested_markets=true`)
    expect(status).to.equal(200)
    expect(body.event.event_ticker).to.equal('KXNFLSPREAD-25SEP04DALPHI')
    expect(body.markets).to.have.length(4)
    expect(body.event.markets).to.have.length(4)
    for (const m of body.markets) expect(m.ticker).to.match(/^KXNFLSPREAD-25SEP04DALPHI-(DAL|PHI)\d+$/)
  })

  it('pages through every KXNFLGAME market with limit 5 without duplicates or gaps, ending with cursor ""', async () => {
    const seen: string[] = []
    let cursor = ''
    let pages = 0
    do {
      const { status, body } = await getJson(`${sim.apiUrl}/markets?series_ticker=KXNFLGAME&status=open&limit=5${cursor ? `&cursor=${cursor}` : ''}`)
      expect(status).to.equal(200)
      expect(body.markets.length).to.be.at.most(5)
      seen.push(...body.markets.map((m: any) => m.ticker))
      cursor = body.cursor
      pages++
    } while (cursor !== '')
    const expected = sim.world.markets().filter((m) => m.seriesTicker === 'KXNFLGAME' && m.status === 'active').map((m) => m.ticker)
    expect(expected).to.have.length(32)
    expect(seen).to.deep.equal(expected)
    expect(pages).to.equal(7)
  })

  it('answers a single page with cursor "" when everything fits', async () => {
    const { body } = await getJson(`${sim.apiUrl}/markets?event_ticker=KXNFLGAME-25SEP08MINCHI`)
    expect(body.markets.map((m: any) => m.ticker)).to.deep.equal(['KXNFLGAME-25SEP08MINCHI-MIN', 'KXNFLGAME-25SEP08MINCHI-CHI'])
    expect(body.cursor).to.equal('')
  })

  it('filters markets by tickers=A,B', async () => {
    const { body } = await getJson(`${sim.apiUrl}/markets?tickers=KXNFLTOTAL-25SEP04DALPHI-44,KXBTCD-25SEP0717-T110000`)
    expect(body.markets.map((m: any) => m.ticker)).to.deep.equal(['KXNFLTOTAL-25SEP04DALPHI-44', 'KXBTCD-25SEP0717-T110000'])
  })

  it('maps the status filter open to active markets and unopened to none', async () => {
    const open = await getJson(`${sim.apiUrl}/markets?status=open&limit=1000`)
    const unopened = await getJson(`${sim.apiUrl}/markets?status=unopened`)
    expect(open.body.markets).to.have.length(sim.world.markets().filter((m) => m.status === 'active').length)
    expect(open.body.markets.every((m: any) => m.status === 'active')).to.equal(true)
    expect(unopened.body.markets).to.deep.equal([])
  })

  it('describes spread, total and winner markets with Kalshi strike fields and numbering (N is over N − 0.5)', async () => {
    const { body } = await getJson(`${sim.apiUrl}/markets?event_ticker=KXNFLSPREAD-25SEP04DALPHI`)
    expect(body.markets.length).to.be.greaterThan(0)
    for (const m of body.markets) {
      const n = Number(/(\d+)$/.exec(m.ticker)![1])
      expect(m).to.include({ strike_type: 'greater', floor_strike: n - 0.5, fractional_trading_enabled: false, tick_size: 1 })
      expect(m.title).to.match(new RegExp(`wins by over ${n - 0.5} points\\?$`))
      expect(m.yes_sub_title).to.match(new RegExp(`wins by over ${n - 0.5} points$`))
      expect(Date.parse(m.occurrence_datetime)).to.be.a('number').and.not.NaN
    }
    const totals = (await getJson(`${sim.apiUrl}/markets?event_ticker=KXNFLTOTAL-25SEP04DALPHI`)).body.markets
    for (const m of totals) expect(m).to.include({ strike_type: 'greater', floor_strike: Number(/(\d+)$/.exec(m.ticker)![1]) - 0.5 })
    const winner = (await getJson(`${sim.apiUrl}/markets/KXNFLGAME-25SEP04DALPHI-PHI`)).body.market
    expect(winner.strike_type).to.equal('structured')
    expect(winner.custom_strike.football_team).to.match(/^[0-9a-f-]{36}$/)
  })

  it('returns a market with dollar strings, fp counts and legacy twins', async () => {
    const { body } = await getJson(`${sim.apiUrl}/markets/KXNFLGAME-25SEP04DALPHI-PHI`)
    const m = body.market
    expect(m).to.include({ ticker: 'KXNFLGAME-25SEP04DALPHI-PHI', event_ticker: 'KXNFLGAME-25SEP04DALPHI', market_type: 'binary', yes_sub_title: 'Philadelphia', status: 'active', result: '' })
    for (const f of ['yes_bid_dollars', 'yes_ask_dollars', 'no_bid_dollars', 'no_ask_dollars', 'last_price_dollars', 'previous_price_dollars']) expect(m[f], f).to.match(DOLLARS)
    for (const f of ['volume_fp', 'volume_24h_fp', 'open_interest_fp']) expect(m[f], f).to.match(COUNT)
    // Integer cents equal to the dollar string: 0.56 × 100 is 56.00000000000001 in floating point,
    // and the price is wherever the simulated market has moved by the time of the request.
    expect(m.yes_bid).to.be.a('number').and.satisfy(Number.isInteger)
    expect(m.yes_bid).to.equal(Math.round(Number(m.yes_bid_dollars) * 100))
    expect((m.yes_bid / 100).toFixed(4)).to.equal(m.yes_bid_dollars)
    expect(Number(m.no_ask_dollars)).to.be.closeTo(1 - Number(m.yes_bid_dollars), 1e-9)
    expect(new Date(m.close_time).toISOString()).to.equal(m.close_time)
  })

  it('returns the order book as orderbook_fp (ascending, best last) with the legacy cents book beside it', async () => {
    sim.pause()
    try {
      const ticker = 'KXNFLGAME-25SEP04DALPHI-DAL'
      const { body } = await getJson(`${sim.apiUrl}/markets/${ticker}/orderbook`)
      const book = sim.world.book(ticker)!
      const fmt = (levels: [number, number][]) => levels.map(([p, q]) => [(p / 10000).toFixed(4), (q / 100).toFixed(2)]).reverse()
      expect(body.orderbook_fp).to.deep.equal({ yes_dollars: fmt(book.yes), no_dollars: fmt(book.no) })
      expect(body.orderbook.yes).to.deep.equal(book.yes.map(([p, q]) => [p / 100, q / 100]).reverse())
    } finally { sim.resume() }
  })

  it('limits the order book to the best N levels with depth', async () => {
    sim.pause()
    try {
      const ticker = 'KXNFLGAME-25SEP04DALPHI-DAL'
      const { body } = await getJson(`${sim.apiUrl}/markets/${ticker}/orderbook?depth=2`)
      const best = sim.world.book(ticker)!.yes.slice(0, 2).reverse()
      expect(body.orderbook_fp.yes_dollars).to.deep.equal(best.map(([p, q]) => [(p / 10000).toFixed(4), (q / 100).toFixed(2)]))
    } finally { sim.resume() }
  })

  it('lists recent trades newest first for a market', async () => {
    const deadline = Date.now() + 5000
    while (sim.world.trades().length === 0) {
      if (Date.now() > deadline) throw new Error('no trade on the simulator within 5 s')
      await new Promise((r) => setTimeout(r, 10))
    }
    const ticker = sim.world.trades().at(-1)!.ticker
    const { body } = await getJson(`${sim.apiUrl}/markets/trades?ticker=${ticker}&limit=1000`)
    const expected = sim.world.trades().filter((t) => t.ticker === ticker)
    expect(body.trades.length).to.be.at.least(1)
    expect(body.trades.every((t: any) => t.ticker === ticker)).to.equal(true)
    expect(body.trades[body.trades.length - 1].trade_id).to.equal(expected[0]!.tradeId)
    expect(body.trades[0]).to.have.keys('trade_id', 'ticker', 'count_fp', 'yes_price_dollars', 'no_price_dollars', 'taker_side', 'taker_outcome_side', 'taker_book_side', 'created_time', 'is_block_trade', 'count', 'yes_price', 'no_price')
  })

  for (const path of ['/markets/KXNFLGAME-25SEP04DALPHI-XXX', '/events/KXNFLGAME-25SEP99AAABBB', '/series/KXNOPE', '/markets/NOPE/orderbook', '/nonsense']) {
    it(`answers 404 with a not_found body for ${path}`, async () => {
      const { status, body } = await getJson(`${sim.apiUrl}${path}`)
      expect(status).to.equal(404)
      expect(body.error.code).to.equal('not_found')
      expect(body.error.message).to.be.a('string')
    })
  }

  for (const query of ['limit=0', 'limit=1001', 'limit=abc', 'cursor=garbage', 'status=bogus']) {
    it(`answers 400 with a bad_request body for /markets?${query}`, async () => {
      const { status, body } = await getJson(`${sim.apiUrl}/markets?${query}`)
      expect(status).to.equal(400)
      expect(body.error.code).to.equal('bad_request')
    })
  }
})
