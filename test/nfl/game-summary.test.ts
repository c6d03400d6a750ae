import { expect } from 'chai'
import { MarketStore } from '../../src/core/market-store.js'
import type { Tick } from '../../src/core/types.js'
import { NeuralError } from '../../src/errors.js'
import { NflMarkets } from '../../src/nfl/game-summary.js'
import { MarketStream } from '../../src/core/stream.js'
import { readFileSync } from 'node:fs'

const T0 = Date.UTC(2025, 8, 4, 20, 0, 0)

function tick(ticker: string, fields: Partial<Tick>, at = T0): Tick {
  return { type: 'ticker', ticker, lastUpdate: at, receivedAt: at, ...fields }
}

const DAL = 'KXNFLGAME-25SEP04DALPHI-DAL'
const PHI = 'KXNFLGAME-25SEP04DALPHI-PHI'
const SPREAD_PHI7 = 'KXNFLSPREAD-25SEP04DALPHI-PHI7'
const SPREAD_PHI3 = 'KXNFLSPREAD-25SEP04DALPHI-PHI3'
const SPREAD_DAL3 = 'KXNFLSPREAD-25SEP04DALPHI-DAL3'
const TOTAL_47 = 'KXNFLTOTAL-25SEP04DALPHI-47'
const TOTAL_44 = 'KXNFLTOTAL-25SEP04DALPHI-44'

/** DAL @ PHI with prices on both winners, two spreads, one total; KC @ LAC with one market. */
function filledStore(): MarketStore {
  const store = new MarketStore()
  store.applyTick(tick(DAL, { yesBid: 0.38, yesAsk: 0.42, yesPrice: 0.4, volume: 1000 }, T0))
  store.applyTick(tick(PHI, { yesBid: 0.61, yesAsk: 0.63, yesPrice: 0.62, volume: 2500.5 }, T0 + 1000))
  store.applyTick(tick(SPREAD_PHI7, { yesBid: 0.3, yesAsk: 0.32, yesPrice: 0.31, volume: 400 }, T0 + 2000))
  store.applyTick(tick(SPREAD_DAL3, { yesBid: 0.2, yesAsk: 0.2225, volume: 100 }, T0 + 3000))
  store.applyTick(tick(TOTAL_47, { yesBid: 0.5, yesAsk: 0.52, yesPrice: 0.51, volume: 300 }, T0 + 4000))
  store.applyTick(tick('KXNFLGAME-25SEP05KCLAC-KC', { yesBid: 0.55, yesAsk: 0.57, volume: 10 }, T0 + 500))
  store.applyTick(tick('KXNBAGAME-25NOV28DALLAL-LAL', { yesBid: 0.5, yesAsk: 0.52 }, T0))
  return store
}

describe('nfl game summary', () => {
  it('summarises a game with the JSON field names of `nfl game --json`', () => {
    const nfl = new NflMarkets(filledStore(), [SPREAD_PHI3, TOTAL_44])
    const s = nfl.getGameSummary('25SEP04DALPHI')!
    expect(Object.keys(s)).to.deep.equal(['type', 'game', 'kickoff', 'away', 'home', 'spread', 'total', 'markets', 'volume', 'lastUpdate'])
    expect(s).to.deep.include({ type: 'game', game: '25SEP04DALPHI', kickoff: '2025-09-04', markets: 7, volume: 4300.5, lastUpdate: T0 + 4000 })
    // Each team with its winner market's prices, the ones its win probability is read from.
    expect(s.away).to.deep.include({ team: 'DAL', name: 'Dallas Cowboys', ticker: DAL, yesBid: 0.38, yesAsk: 0.42, yesPrice: 0.4 })
    expect(s.home).to.deep.include({ team: 'PHI', name: 'Philadelphia Eagles', ticker: PHI, yesBid: 0.61, yesAsk: 0.63, yesPrice: 0.62 })
    expect(s.away.winProbability).to.be.closeTo(0.4 / 1.02, 1e-15)
    expect(s.away.winProbability! + s.home.winProbability!).to.equal(1)
  })

  it('lists spread lines by team then line, with no prices for known markets without data', () => {
    const s = new NflMarkets(filledStore(), [SPREAD_PHI3]).getGameSummary('25SEP04DALPHI')!
    expect(s.spread).to.deep.equal([
      { ticker: SPREAD_DAL3, team: 'DAL', line: 2.5, yesBid: 0.2, yesAsk: 0.2225, yesPrice: undefined },
      { ticker: SPREAD_PHI3, team: 'PHI', line: 2.5, yesBid: undefined, yesAsk: undefined, yesPrice: undefined },
      { ticker: SPREAD_PHI7, team: 'PHI', line: 6.5, yesBid: 0.3, yesAsk: 0.32, yesPrice: 0.31 },
    ])
  })

  it('takes a line from the market’s floor_strike, not from the ticker, when REST gave one', () => {
    // Kalshi: KXNFLSPREAD-…-KC7 is "Kansas City wins by over 6.5 points?" (strike_type greater, floor_strike 6.5).
    const s = new NflMarkets(filledStore(), [{ ticker: SPREAD_PHI3, floorStrike: 3.5 }, { ticker: TOTAL_44, floorStrike: 43.5 }]).getGameSummary('25SEP04DALPHI')!
    expect(s.spread.find((l) => l.ticker === SPREAD_PHI3)?.line).to.equal(3.5)
    expect(s.total.find((l) => l.ticker === TOTAL_44)?.line).to.equal(43.5)
  })

  it('lists total lines by line', () => {
    const s = new NflMarkets(filledStore(), [TOTAL_44]).getGameSummary('25SEP04DALPHI')!
    expect(s.total.map((t) => [t.ticker, t.line, t.yesBid])).to.deep.equal([[TOTAL_44, 43.5, undefined], [TOTAL_47, 46.5, 0.5]])
  })

  it('omits absent prices from the JSON', () => {
    const s = new NflMarkets(filledStore(), [SPREAD_PHI3]).getGameSummary('25SEP04DALPHI')!
    const json = JSON.parse(JSON.stringify(s))
    expect(json.spread[1]).to.deep.equal({ ticker: SPREAD_PHI3, team: 'PHI', line: 2.5 })
  })

  it('accepts the dashed game spelling and lower case', () => {
    const nfl = new NflMarkets(filledStore())
    expect(nfl.getGameSummary('25sep04-dalphi')?.game).to.equal('25SEP04DALPHI')
  })

  it('returns undefined for a game with no data yet, even when its tickers are known', () => {
    const nfl = new NflMarkets(filledStore(), ['KXNFLGAME-25SEP07GBDET-GB', 'KXNFLGAME-25SEP07GBDET-DET'])
    expect(nfl.getGameSummary('25SEP07GBDET')).to.equal(undefined)
    expect(nfl.getGameWinProbability('25SEP07GBDET')).to.equal(undefined)
    expect(nfl.getGameData('25SEP07GBDET')).to.equal(undefined)
    expect(new NflMarkets(new MarketStore()).getGameSummary('25SEP04DALPHI')).to.equal(undefined)
  })

  it('throws an input error for a malformed game id', () => {
    const nfl = new NflMarkets(filledStore())
    expect(() => nfl.getGameSummary('DALPHI')).to.throw(NeuralError, "bad game 'DALPHI'")
  })

  it('gives the game win probability for both teams', () => {
    const p = new NflMarkets(filledStore()).getGameWinProbability('25SEP04DALPHI')!
    expect(p.away).to.be.closeTo(0.39215686274509803, 1e-15)
    expect(p.home).to.be.closeTo(0.6078431372549019, 1e-15)
  })

  it('gives a one-sided win probability when only one winner market has data', () => {
    expect(new NflMarkets(filledStore()).getGameWinProbability('25SEP05KCLAC')).to.deep.equal({ away: 0.56, home: 0.44 })
  })

  it('never averages the placeholders of an empty book into the win probability (a recorded Kalshi ticker)', () => {
    // Recorded on Kalshi production with both sides empty: yes_bid_dollars "0.0000", yes_ask_dollars
    // "1.0000" (test/fixtures/kalshi/README.md, line 2), sent here as DAL's winner market.
    const recorded = readFileSync(new URL('../fixtures/kalshi/recorded-frames.jsonl', import.meta.url), 'utf8').split('\n')[1]!
    const frame = JSON.parse(recorded) as { msg: { market_ticker: string; yes_bid_dollars: string; yes_ask_dollars: string } }
    expect([frame.msg.yes_bid_dollars, frame.msg.yes_ask_dollars]).to.deep.equal(['0.0000', '1.0000'])
    const stream = MarketStream.forReplay()
    stream.ingest(recorded.replace(frame.msg.market_ticker, DAL), T0)
    // The mid of the placeholders would be 0.5; the last price (0.999) is what the market says.
    expect(new NflMarkets(stream.store).getGameWinProbability('25SEP04DALPHI')).to.deep.equal({ away: 0.999, home: 0.001 })
  })

  it('summarises a game with no winner prices without a win probability', () => {
    const store = new MarketStore()
    store.applyTick(tick(TOTAL_47, { yesBid: 0.5, yesAsk: 0.52 }))
    store.applyTick(tick(DAL, {}))
    const s = new NflMarkets(store).getGameSummary('25SEP04DALPHI')!
    expect(s.away).to.deep.equal({ team: 'DAL', name: 'Dallas Cowboys', winProbability: undefined, ticker: DAL, yesBid: undefined, yesAsk: undefined, yesPrice: undefined })
    expect(s.home).to.deep.equal({ team: 'PHI', name: 'Philadelphia Eagles', winProbability: undefined })
    expect(s.markets).to.equal(2)
    expect(s.volume).to.equal(0)
  })

  it('lists active games with data by date, ignoring other sports and known tickers without data', () => {
    const nfl = new NflMarkets(filledStore(), ['KXNFLGAME-25SEP03GBDET-GB'])
    expect(nfl.getActiveGames()).to.deep.equal(['25SEP04DALPHI', '25SEP05KCLAC'])
  })

  it("returns a game's markets with data, winner first", () => {
    const data = new NflMarkets(filledStore(), [SPREAD_PHI3]).getGameData('25SEP04DALPHI')!
    expect(data.map((s) => s.ticker)).to.deep.equal([DAL, PHI, SPREAD_DAL3, SPREAD_PHI7, TOTAL_47])
    expect(data[0]).to.deep.include({ yesBid: 0.38, yesAsk: 0.42, yesPrice: 0.4, volume: 1000 })
  })

  it("returns the markets of every game a team plays in, found by code or name", () => {
    const nfl = new NflMarkets(filledStore())
    expect(nfl.getTeamMarkets('KC').map((s) => s.ticker)).to.deep.equal(['KXNFLGAME-25SEP05KCLAC-KC'])
    expect(nfl.getTeamMarkets('Chargers').map((s) => s.ticker)).to.deep.equal(['KXNFLGAME-25SEP05KCLAC-KC'])
    expect(nfl.getTeamMarkets('phi').map((s) => s.ticker)).to.deep.equal([DAL, PHI, SPREAD_DAL3, SPREAD_PHI7, TOTAL_47])
  })

  it('returns no markets for a team without data', () => {
    expect(new NflMarkets(filledStore()).getTeamMarkets('SEA')).to.deep.equal([])
  })

  it('throws the unknown-team message for a team that does not exist', () => {
    expect(() => new NflMarkets(filledStore()).getTeamMarkets('DALAS')).to.throw(NeuralError, "unknown team 'DALAS'; did you mean DAL (Dallas Cowboys)?")
  })

  it('returns one market by ticker, undefined before its first update', () => {
    const nfl = new NflMarkets(filledStore())
    expect(nfl.getMarketData(PHI)).to.deep.include({ ticker: PHI, yesBid: 0.61, yesAsk: 0.63 })
    expect(nfl.getMarketData(SPREAD_PHI3)).to.equal(undefined)
  })

  it("groups Kalshi's LAR-spelled tickers under the canonical game", () => {
    const store = new MarketStore()
    store.applyTick(tick('KXNFLGAME-26SEP21NYGLAR-LAR', { yesBid: 0.7, yesAsk: 0.72 }))
    store.applyTick(tick('KXNFLGAME-26SEP21NYGLAR-NYG', { yesBid: 0.28, yesAsk: 0.3 }))
    const nfl = new NflMarkets(store)
    expect(nfl.getActiveGames()).to.deep.equal(['26SEP21NYGLA'])
    expect(nfl.getGameSummary('26SEP21NYGLAR')?.home).to.deep.include({ team: 'LA', name: 'Los Angeles Rams' })
    expect(nfl.getGameWinProbability('26SEP21NYGLA')).to.deep.equal({ away: 0.29, home: 0.71 })
  })

  it('sees new store updates on the next call', () => {
    const store = new MarketStore()
    const nfl = new NflMarkets(store)
    expect(nfl.getGameSummary('25SEP04DALPHI')).to.equal(undefined)
    store.applyTick(tick(PHI, { yesBid: 0.6, yesAsk: 0.62 }))
    expect(nfl.getGameWinProbability('25SEP04DALPHI')).to.deep.equal({ away: 0.39, home: 0.61 })
  })

  it('builds the win probability history from both winner markets, oldest first', () => {
    const store = new MarketStore()
    store.applyTick(tick(PHI, { yesBid: 0.6, yesAsk: 0.62 }, T0)) // one-sided: home 0.61
    store.applyTick(tick(DAL, { yesBid: 0.39, yesAsk: 0.39 }, T0 + 1000)) // 0.61 / (0.39 + 0.61)
    store.applyTick(tick(PHI, { yesBid: 0.69, yesAsk: 0.71 }, T0 + 2000)) // 0.70 / 1.09
    store.applyTick(tick(DAL, { yesBid: 0.3, yesAsk: 0.3 }, T0 + 2000)) // same ts: 0.70 / 1.00
    const h = new NflMarkets(store).getWinProbabilityHistory('25SEP04DALPHI')
    expect(h.map((p) => p.ts)).to.deep.equal([T0, T0 + 1000, T0 + 2000])
    expect(h[0]).to.deep.equal({ ts: T0, away: 0.39, home: 0.61 })
    expect(h[1]!.home).to.be.closeTo(0.61, 1e-15)
    expect(h[2]!.home).to.be.closeTo(0.7, 1e-15)
  })

  it('gives an empty history for a game with no winner data', () => {
    expect(new NflMarkets(new MarketStore()).getWinProbabilityHistory('25SEP04DALPHI')).to.deep.equal([])
  })
})
