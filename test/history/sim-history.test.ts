/**
 * The simulator's history endpoints in Kalshi's shapes: trades it generated, candlesticks
 * aggregated from them, and the historical tier for games settled before its cutoff.
 */
import { expect } from 'chai'
import { startSimulator, type Simulator } from '../../src/sim/index.js'

describe('simulator: history endpoints', function () {
  this.timeout(60_000)
  let sim: Simulator
  const get = async (path: string): Promise<[number, Record<string, any>]> => {
    const res = await fetch(sim.apiUrl + path)
    return [res.status, (await res.json()) as Record<string, any>]
  }
  const LIVE_TIER = 'KXNFLGAME-25AUG31BUFBAL-BAL'
  const ARCHIVED = 'KXNFLGAME-25AUG28PHIDAL-PHI'

  before(async () => { sim = await startSimulator({ ratePerSec: 20 }) })
  after(async () => { await sim?.close() })

  it('lists the past week as settled markets with results, after the live week', async () => {
    const [status, body] = await get('/markets?series_ticker=KXNFLGAME&status=settled&limit=1000')
    expect(status).to.equal(200)
    expect(body.markets).to.have.length(32)
    for (const m of body.markets) {
      expect(m.status).to.equal('finalized')
      expect(m.result).to.be.oneOf(['yes', 'no'])
    }
    // The two markets of a winner event settle opposite ways.
    const phi = body.markets.filter((m: any) => m.event_ticker === 'KXNFLGAME-25AUG28PHIDAL').map((m: any) => m.result).sort()
    expect(phi).to.deep.equal(['no', 'yes'])
    const [, open] = await get('/markets?series_ticker=KXNFLGAME&status=open&limit=1000')
    expect(open.markets.every((m: any) => !m.ticker.includes('25AUG'))).to.equal(true)
  })

  it('serves trades newest first in the Trade shape, filtered by min_ts/max_ts, split at the cutoff', async () => {
    const [, body] = await get(`/markets/trades?ticker=${LIVE_TIER}&limit=1000`)
    const trades = body.trades as any[]
    expect(trades.length).to.equal(sim.world.past.market(LIVE_TIER)!.trades.length)
    expect(Object.keys(trades[0]).sort()).to.include.members(['trade_id', 'ticker', 'count_fp', 'yes_price_dollars', 'no_price_dollars', 'taker_outcome_side', 'taker_book_side', 'created_time', 'is_block_trade'])
    const times = trades.map((t) => Date.parse(t.created_time))
    expect(times).to.deep.equal([...times].sort((a, b) => b - a))
    for (const t of trades) expect(t.taker_book_side).to.equal(t.taker_outcome_side === 'yes' ? 'bid' : 'ask')
    const mid = Math.floor(times[Math.floor(times.length / 2)]! / 1000)
    const [, after] = await get(`/markets/trades?ticker=${LIVE_TIER}&limit=1000&min_ts=${mid}`)
    expect(after.trades.every((t: any) => Date.parse(t.created_time) >= mid * 1000)).to.equal(true)
    expect(after.trades.length).to.be.lessThan(trades.length)
    // An archived game's trades are only on /historical/trades.
    expect((await get(`/markets/trades?ticker=${ARCHIVED}`))[1].trades).to.deep.equal([])
    expect((await get(`/historical/trades?ticker=${ARCHIVED}&limit=5`))[1].trades).to.have.length(5)
  })

  it('aggregates candlesticks from its trades: volume, OHLC, and an empty price where nothing traded', async () => {
    const [status, body] = await get(`/series/KXNFLGAME/markets/${LIVE_TIER}/candlesticks?start_ts=0&end_ts=2000000000&period_interval=1`)
    expect(status).to.equal(200)
    const past = sim.world.past.market(LIVE_TIER)!
    let volume = 0
    for (const c of body.candlesticks as any[]) {
      const inside = past.trades.filter((t) => t.tsMs >= (c.end_period_ts - 60) * 1000 && t.tsMs < c.end_period_ts * 1000)
      expect(Number(c.volume_fp) * 100).to.equal(inside.reduce((s, t) => s + t.count, 0))
      volume += Number(c.volume_fp)
      if (inside.length === 0) expect(c.price).to.deep.equal({})
      else {
        expect(Number(c.price.open_dollars) * 10_000).to.be.closeTo(inside[0]!.yesPrice, 0.5)
        expect(Number(c.price.close_dollars) * 10_000).to.be.closeTo(inside.at(-1)!.yesPrice, 0.5)
      }
      expect(Number(c.yes_ask.close_dollars)).to.be.greaterThan(Number(c.yes_bid.close_dollars))
    }
    expect(volume * 100).to.equal(past.trades.reduce((s, t) => s + t.count, 0))
    const [, hourly] = await get(`/series/KXNFLGAME/markets/${LIVE_TIER}/candlesticks?start_ts=0&end_ts=2000000000&period_interval=60`)
    expect(hourly.candlesticks.every((c: any) => c.end_period_ts % 3600 === 0)).to.equal(true)
    expect(hourly.candlesticks.reduce((s: number, c: any) => s + Number(c.volume_fp), 0)).to.equal(volume)
  })

  it('serves the historical tier in its own shape, and refuses the archived market on the live path', async () => {
    const [, cut] = await get('/historical/cutoff')
    expect(Date.parse(cut.market_settled_ts)).to.equal(sim.world.past.cutoffMs)
    const [status, body] = await get(`/historical/markets/${ARCHIVED}/candlesticks?start_ts=0&end_ts=2000000000&period_interval=60`)
    expect(status).to.equal(200)
    expect(Object.keys(body.candlesticks[0]).sort()).to.deep.equal(['end_period_ts', 'open_interest', 'price', 'volume', 'yes_ask', 'yes_bid'])
    expect(body.candlesticks[0].yes_bid).to.have.keys('open', 'low', 'high', 'close')
    expect((await get(`/series/KXNFLGAME/markets/${ARCHIVED}/candlesticks?start_ts=0&end_ts=2000000000&period_interval=60`))[0]).to.equal(404)
  })

  it('serves the batch form and refuses bad requests like Kalshi', async () => {
    const [, batch] = await get(`/markets/candlesticks?market_tickers=${LIVE_TIER},KXNFLGAME-25AUG31BUFBAL-BUF&start_ts=0&end_ts=2000000000&period_interval=60`)
    expect(batch.markets.map((m: any) => m.market_ticker)).to.deep.equal([LIVE_TIER, 'KXNFLGAME-25AUG31BUFBAL-BUF'])
    expect(batch.markets[0].candlesticks.length).to.be.greaterThan(2)
    const bad: Array<[string, number]> = [
      [`/series/KXNFLGAME/markets/${LIVE_TIER}/candlesticks?start_ts=0&end_ts=2000000000&period_interval=5`, 400],
      [`/series/KXNFLGAME/markets/${LIVE_TIER}/candlesticks?end_ts=2000000000&period_interval=1`, 400],
      [`/series/KXNFLTOTAL/markets/${LIVE_TIER}/candlesticks?start_ts=0&end_ts=2000000000&period_interval=1`, 404],
      [`/markets/candlesticks?market_tickers=${Array.from({ length: 101 }, (_, i) => `T-${i}`).join(',')}&start_ts=0&end_ts=1&period_interval=1`, 400],
      ['/markets/trades?limit=1001', 400],
      ['/markets/trades?cursor=bogus', 400],
    ]
    for (const [path, status] of bad) {
      const [s, body] = await get(path)
      expect(s, path).to.equal(status)
      expect(body.error.message, path).to.be.a('string')
    }
  })

  it('the past week is the same for the same seed, whenever the simulator starts', async () => {
    const other = await startSimulator({ ratePerSec: 20 })
    try {
      expect(other.world.past.trades()).to.deep.equal(sim.world.past.trades())
    } finally {
      await other.close()
    }
  })
})
