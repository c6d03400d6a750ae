import { expect } from 'chai'
import type { EventSink } from '../../src/render/event-sink.js'
import { createGameView } from '../../src/app/nfl-game.js'
import { seedStore } from '../../src/app/nfl-lookup.js'
import { createTeamView, marketRecord } from '../../src/app/nfl-team.js'
import { MarketStore } from '../../src/core/market-store.js'
import type { MarketInfo } from '../../src/core/rest-client.js'
import type { Tick } from '../../src/core/types.js'
import { NflMarkets } from '../../src/nfl/game-summary.js'
import type { GameState } from '../../src/nfl/game-state.js'
import { teamByCode } from '../../src/nfl/teams.js'
import { parseGameId } from '../../src/nfl/tickers.js'
import { formatTeamMarketHeader, formatTeamMarketRow, renderGamePanel } from '../../src/render/game-panel.js'

const T0 = Date.UTC(2025, 8, 4, 20, 0, 0)
const GAME = parseGameId('25SEP04DALPHI')

function recordingSink() {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const records: { value: Record<string, any>; human: string }[] = []
  const sink: EventSink = {
    event: () => undefined,
    problem: () => undefined,
    record: (value, human) => records.push({ value, human }),
    summary: () => undefined,
  }
  return { sink, records }
}

function terminal() {
  const writes: string[] = []
  return { writes, out: { columns: 200, write: (s: string) => writes.push(s) } }
}

/** DAL @ PHI with both winners, one spread and one total; and a KC game that DAL is not in. */
function world() {
  const store = new MarketStore()
  const tick = (ticker: string, f: Partial<Tick>, at = T0) => store.applyTick({ type: 'ticker', ticker, lastUpdate: at, receivedAt: at, ...f })
  tick('KXNFLGAME-25SEP04DALPHI-DAL', { yesBid: 0.38, yesAsk: 0.42, volume: 10 })
  tick('KXNFLGAME-25SEP04DALPHI-PHI', { yesBid: 0.58, yesAsk: 0.62, volume: 20 })
  tick('KXNFLSPREAD-25SEP04DALPHI-PHI7', { yesBid: 0.3, yesAsk: 0.32 })
  tick('KXNFLTOTAL-25SEP04DALPHI-47', { yesBid: 0.5, yesAsk: 0.52 })
  tick('KXNFLGAME-25SEP05KCLAC-KC', { yesBid: 0.5, yesAsk: 0.52 })
  return { store, tick, markets: new NflMarkets(store) }
}

const tickEvent = (ticker: string): Tick => ({ type: 'ticker', ticker, lastUpdate: T0, receivedAt: T0 })

describe('nfl views', () => {
  describe('game view', () => {
    it('writes nothing before ready, then the current summary once ready', () => {
      const { markets } = world()
      const { sink, records } = recordingSink()
      const view = createGameView(markets, { game: GAME, mode: 'json', sink, throttleMs: 0 })
      view.update(tickEvent('KXNFLGAME-25SEP04DALPHI-DAL'))
      expect(records).to.have.length(0)
      view.ready()
      expect(records.map((r) => r.value)).to.deep.equal([markets.getGameSummary(GAME)])
    })

    it('writes a summary only when something other than the update time changed', () => {
      const { markets, tick } = world()
      const { sink, records } = recordingSink()
      const view = createGameView(markets, { game: GAME, mode: 'json', sink, throttleMs: 0 })
      view.ready()
      tick('KXNFLGAME-25SEP04DALPHI-DAL', { yesBid: 0.38, yesAsk: 0.42, volume: 10 }, T0 + 1000)
      view.update(tickEvent('KXNFLGAME-25SEP04DALPHI-DAL'))
      expect(records).to.have.length(1)
      tick('KXNFLGAME-25SEP04DALPHI-DAL', { yesBid: 0.4, yesAsk: 0.42, volume: 10 }, T0 + 2000)
      view.update(tickEvent('KXNFLGAME-25SEP04DALPHI-DAL'))
      expect(records).to.have.length(2)
      const last = records[1]!.value as ReturnType<NflMarkets['getGameSummary']>
      expect(last!.away.winProbability! + last!.home.winProbability!).to.be.closeTo(1, 1e-12)
      // Mids 0.41 and 0.60, normalised in price units (1/10000 dollar).
      expect(last!.away.winProbability).to.equal(4100 / 10100)
      expect(last!.lastUpdate).to.equal(T0 + 2000)
    })

    it('off a terminal gives each summary the panel text, followed by a blank line', () => {
      const { markets } = world()
      const { sink, records } = recordingSink()
      createGameView(markets, { game: GAME, mode: 'lines', sink, throttleMs: 0, color: false }).ready()
      const summary = markets.getGameSummary(GAME)!
      expect(records[0]!.human).to.equal(`${renderGamePanel(summary, { history: markets.getWinProbabilityHistory(GAME), color: false })}\n`)
      expect(records[0]!.human).to.contain('40.0%').and.contain('60.0%')
    })

    it('on a terminal redraws the panel in place and writes no records', () => {
      const { markets, tick } = world()
      const { sink, records } = recordingSink()
      const { writes, out } = terminal()
      const view = createGameView(markets, { game: GAME, mode: 'tty', sink, out, throttleMs: 0, color: false })
      view.ready()
      tick('KXNFLGAME-25SEP04DALPHI-PHI', { yesBid: 0.6, yesAsk: 0.62 }, T0 + 1000)
      view.update(tickEvent('KXNFLGAME-25SEP04DALPHI-PHI'))
      expect(records).to.have.length(0)
      expect(writes).to.have.length(2)
      const rows = writes[0]!.split('\n').length - 1
      expect(writes[1]!.startsWith(`\r\u001b[${rows}A\u001b[0J`)).to.equal(true)
      expect(writes[1]).to.contain(renderGamePanel(markets.getGameSummary(GAME)!, { history: markets.getWinProbabilityHistory(GAME), color: false }))
    })

    it('on the simulator marks the header line of each panel with [sim], off a terminal and on one', () => {
      const { markets } = world()
      const lines = recordingSink()
      createGameView(markets, { game: GAME, mode: 'lines', sink: lines.sink, throttleMs: 0, color: false, simulated: true }).ready()
      const panel = renderGamePanel(markets.getGameSummary(GAME)!, { history: markets.getWinProbabilityHistory(GAME), color: false })
      expect(lines.records[0]!.human).to.equal(`[sim] ${panel}\n`)
      const { writes, out } = terminal()
      createGameView(markets, { game: GAME, mode: 'tty', sink: recordingSink().sink, out, throttleMs: 0, color: false, simulated: true }).ready()
      expect(writes).to.deep.equal([`[sim] ${panel}\n`])
    })

    it('on the simulator marks each SCORE line off a terminal with [sim]', () => {
      const { markets } = world()
      const { sink, records } = recordingSink()
      const view = createGameView(markets, { game: GAME, mode: 'lines', sink, throttleMs: 0, color: false, simulated: true })
      view.ready()
      const state = (away: number, home: number): GameState => ({
        game: '25SEP04DALPHI', status: 'live', period: 2, clock: '08:53', away: { team: 'DAL', points: away }, home: { team: 'PHI', points: home },
        updatedAt: T0, source: { kind: 'kalshi-live-data', milestoneId: 'm1' },
      })
      view.game!(state(3, 3), undefined)
      view.game!(state(10, 3), state(3, 3))
      expect(records.map((r) => r.human).filter((h) => h.includes('SCORE'))).to.deep.equal(['[sim] SCORE DAL +7  DAL 10 – 3 PHI · Q2 08:53'])
    })

    it('finish writes a change still waiting for its frame', () => {
      const { markets, tick } = world()
      const { sink, records } = recordingSink()
      const view = createGameView(markets, { game: GAME, mode: 'json', sink, throttleMs: 60_000 })
      view.ready()
      tick('KXNFLGAME-25SEP04DALPHI-DAL', { yesBid: 0.4, yesAsk: 0.42 }, T0 + 1000)
      view.update(tickEvent('KXNFLGAME-25SEP04DALPHI-DAL'))
      expect(records).to.have.length(1)
      view.finish()
      expect(records).to.have.length(2)
      expect((records[1]!.value as { lastUpdate: number }).lastUpdate).to.equal(T0 + 1000)
    })
  })

  describe('team view', () => {
    it('marketRecord names the game, the kind of market, its team and line', () => {
      const { store } = world()
      expect(marketRecord(store.get('KXNFLSPREAD-25SEP04DALPHI-PHI7')!)).to.deep.equal({
        type: 'market', ticker: 'KXNFLSPREAD-25SEP04DALPHI-PHI7', game: '25SEP04DALPHI', market: 'spread', team: 'PHI', line: 7,
        yesBid: 0.3, yesAsk: 0.32, yesPrice: undefined, volume: undefined, lastUpdate: T0,
      })
      expect(marketRecord(store.get('KXNFLTOTAL-25SEP04DALPHI-47')!)).to.include({ market: 'total', line: 47, team: undefined })
      expect(marketRecord({ ticker: 'KXFEDDECISION-25SEP-H0', lastUpdate: T0 })).to.equal(undefined)
    })

    it("on ready writes the header and one row per market of the team's games, and only those", () => {
      const { markets, store } = world()
      const { sink, records } = recordingSink()
      const { writes, out } = terminal()
      createTeamView(markets, { team: teamByCode('DAL'), mode: 'lines', sink, out }).ready()
      expect(writes).to.deep.equal([`${formatTeamMarketHeader()}\n`])
      expect(records.map((r) => (r.value as { ticker: string }).ticker)).to.deep.equal([
        'KXNFLGAME-25SEP04DALPHI-DAL', 'KXNFLGAME-25SEP04DALPHI-PHI', 'KXNFLSPREAD-25SEP04DALPHI-PHI7', 'KXNFLTOTAL-25SEP04DALPHI-47',
      ])
      expect(records[0]!.human).to.equal(formatTeamMarketRow(store.get('KXNFLGAME-25SEP04DALPHI-DAL')!))
    })

    it('writes one record per market update that changed what is shown', () => {
      const { markets, tick } = world()
      const { sink, records } = recordingSink()
      const view = createTeamView(markets, { team: teamByCode('DAL'), mode: 'json', sink })
      view.ready()
      records.length = 0
      tick('KXNFLTOTAL-25SEP04DALPHI-47', { yesBid: 0.5, yesAsk: 0.52 }, T0 + 1000)
      view.update(tickEvent('KXNFLTOTAL-25SEP04DALPHI-47'))
      tick('KXNFLTOTAL-25SEP04DALPHI-47', { yesBid: 0.51, yesAsk: 0.52 }, T0 + 2000)
      view.update(tickEvent('KXNFLTOTAL-25SEP04DALPHI-47'))
      expect(records.map((r) => r.value)).to.deep.equal([{
        type: 'market', ticker: 'KXNFLTOTAL-25SEP04DALPHI-47', game: '25SEP04DALPHI', market: 'total', team: undefined, line: 47,
        yesBid: 0.51, yesAsk: 0.52, yesPrice: undefined, volume: undefined, lastUpdate: T0 + 2000,
      }])
    })

    it('on the simulator marks the header and every row with [sim] off a terminal', () => {
      const { markets, store } = world()
      const { sink, records } = recordingSink()
      const { writes, out } = terminal()
      createTeamView(markets, { team: teamByCode('DAL'), mode: 'lines', sink, out, simulated: true }).ready()
      expect(writes).to.deep.equal([`[sim] ${formatTeamMarketHeader()}\n`])
      expect(records.map((r) => r.human)).to.deep.equal(
        ['KXNFLGAME-25SEP04DALPHI-DAL', 'KXNFLGAME-25SEP04DALPHI-PHI', 'KXNFLSPREAD-25SEP04DALPHI-PHI7', 'KXNFLTOTAL-25SEP04DALPHI-47'].map((t) => `[sim] ${formatTeamMarketRow(store.get(t)!)}`),
      )
    })

    it('on the simulator marks the title of the table drawn on a terminal with [sim]', () => {
      const { markets } = world()
      const { writes, out } = terminal()
      createTeamView(markets, { team: teamByCode('PHI'), mode: 'tty', sink: recordingSink().sink, out, throttleMs: 0, simulated: true }).ready()
      expect(writes[0]!.split('\n').slice(0, 2)).to.deep.equal(['[sim] PHI (Philadelphia Eagles): 1 game, 4 markets', formatTeamMarketHeader()])
    })

    it('on a terminal draws a titled table of the team markets', () => {
      const { markets, store } = world()
      const { sink, records } = recordingSink()
      const { writes, out } = terminal()
      createTeamView(markets, { team: teamByCode('PHI'), mode: 'tty', sink, out, throttleMs: 0 }).ready()
      expect(records).to.have.length(0)
      expect(writes).to.deep.equal([[
        'PHI (Philadelphia Eagles): 1 game, 4 markets',
        formatTeamMarketHeader(),
        ...['KXNFLGAME-25SEP04DALPHI-DAL', 'KXNFLGAME-25SEP04DALPHI-PHI', 'KXNFLSPREAD-25SEP04DALPHI-PHI7', 'KXNFLTOTAL-25SEP04DALPHI-47'].map((t) => formatTeamMarketRow(store.get(t)!)),
      ].join('\n') + '\n'])
    })
  })

  it('seedStore turns REST quotes into ticks at the read time, leaving out a last price of 0 (never traded)', () => {
    const store = new MarketStore()
    const info = (ticker: string, lastPrice: number): MarketInfo => ({
      ticker, eventTicker: ticker.split('-').slice(0, 2).join('-'), title: '', yesSubTitle: '', status: 'active', yesBid: 0.4, yesAsk: 0.42, lastPrice, volume: 12, openInterest: 3,
    })
    seedStore(store, [info('KXNFLGAME-25SEP04DALPHI-DAL', 0), info('KXNFLGAME-25SEP04DALPHI-PHI', 0.6)], T0)
    expect(store.get('KXNFLGAME-25SEP04DALPHI-DAL')).to.deep.include({ yesBid: 0.4, yesAsk: 0.42, volume: 12, openInterest: 3, lastUpdate: T0 })
    expect(store.get('KXNFLGAME-25SEP04DALPHI-DAL')!.yesPrice).to.equal(undefined)
    expect(store.get('KXNFLGAME-25SEP04DALPHI-PHI')!.yesPrice).to.equal(0.6)
  })
})
