/**
 * The `nfl` command logic (no oclif) against the in-process simulator's 2025 week 1 on port 0.
 */
import { expect } from 'chai'
import type { EventSink } from '../../src/render/event-sink.js'
import { runNflGame } from '../../src/app/nfl-game.js'
import { listNflGames, runNflGames } from '../../src/app/nfl-games.js'
import { findGameMarkets, findTeamMarkets } from '../../src/app/nfl-lookup.js'
import { runNflTeam } from '../../src/app/nfl-team.js'
import type { StreamSummary } from '../../src/app/stream-session.js'
import type { NeuralConfig } from '../../src/config/types.js'
import { RestClient, type MarketInfo } from '../../src/core/rest-client.js'
import type { LiveDataRest } from '../../src/nfl/game-feed.js'
import { NeuralError } from '../../src/errors.js'
import type { GameSummary } from '../../src/nfl/game-summary.js'
import { teamByCode } from '../../src/nfl/teams.js'
import { parseGameId } from '../../src/nfl/tickers.js'
import { formatGameRow, formatGamesHeader } from '../../src/render/game-panel.js'
import type { Spinner } from '../../src/render/spinner.js'
import type { Exchange } from '../../src/runtime/open-exchange.js'
import { startSimulator, type Simulator } from '../../src/sim/index.js'

const CONFIG: NeuralConfig = Object.freeze({
  environment: 'sim', websocketTimeoutMs: 5000, retryAttempts: 1, retryDelayMs: 50, retryMaxDelayMs: 200, subscriptionBatchSize: 100, sources: {},
})

const SPINNER: Spinner = {
  start: () => SPINNER, update: () => SPINNER, succeed: () => SPINNER, fail: () => SPINNER, stop: () => SPINNER, enabled: false,
}

const GAME_FIELDS = ['type', 'game', 'kickoff', 'away', 'home', 'spread', 'total', 'markets', 'volume', 'lastUpdate']

function recordingSink() {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const records: Record<string, any>[] = []
  const humans: string[] = []
  const summaries: { type: 'summary' }[] = []
  const problems: string[] = []
  const sink: EventSink = {
    event: () => undefined,
    problem: (e) => problems.push(e.message),
    record: (value, human) => {
      records.push(value)
      humans.push(human)
    },
    summary: (value) => summaries.push(value),
  }
  return { sink, records, humans, summaries, problems }
}

async function expectInputError(promise: Promise<unknown>, message: string): Promise<void> {
  const error = await promise.then(() => undefined, (e: unknown) => e)
  expect(error).to.be.instanceOf(NeuralError)
  expect((error as NeuralError).kind).to.equal('input')
  expect((error as NeuralError).message).to.equal(message)
}

describe('nfl commands against the simulator', function () {
  this.timeout(10_000)
  let sim: Simulator
  let exchange: Exchange
  let rest: RestClient
  /** Every NFL market ticker of a game in the simulator's world. */
  let worldTickers: (gameId: string) => string[]

  before(async () => {
    // Busy enough that the few markets of one game change within a second.
    sim = await startSimulator({ seed: 3, ratePerSec: 2000 })
    exchange = { apiUrl: sim.apiUrl, wsUrl: sim.wsUrl, simulated: true, close: async () => undefined }
    rest = new RestClient({ apiUrl: sim.apiUrl, maxRequestsPerSec: 1000 })
    worldTickers = (gameId) => sim.world.markets().map((m) => m.ticker).filter((t) => /^KXNFL(GAME|SPREAD|TOTAL)-/.test(t) && t.split('-')[1] === gameId).sort()
  })

  after(async () => {
    await sim?.close()
  })

  describe('lookup', () => {
    it("finds a game's markets in the three series, with one event wildcard per series", async () => {
      const found = await findGameMarkets(rest, parseGameId('25SEP04-dalphi'))
      expect(found.targets).to.deep.equal(['KXNFLGAME-25SEP04DALPHI*', 'KXNFLSPREAD-25SEP04DALPHI*', 'KXNFLTOTAL-25SEP04DALPHI*'])
      expect(found.markets.map((m) => m.ticker).sort()).to.deep.equal(worldTickers('25SEP04DALPHI'))
    })

    it('refuses a game that has no open market', async () => {
      await expectInputError(findGameMarkets(rest, parseGameId('25SEP09DALPHI')), 'no open markets for game 25SEP09DALPHI (DAL @ PHI) in KXNFLGAME, KXNFLSPREAD or KXNFLTOTAL')
    })

    it('refuses a game whose only markets are spreads, since there is no win probability', async () => {
      const spread = { ticker: 'KXNFLSPREAD-25SEP04DALPHI-PHI7', eventTicker: 'KXNFLSPREAD-25SEP04DALPHI', title: '', yesSubTitle: '', status: 'active' } as MarketInfo
      const onlySpreads = { listAllMarkets: async (f: { event_ticker?: string }) => (f.event_ticker === 'KXNFLSPREAD-25SEP04DALPHI' ? [spread] : []) }
      await expectInputError(findGameMarkets(onlySpreads, parseGameId('25SEP04DALPHI')), 'no open winner markets for game 25SEP04DALPHI (DAL @ PHI) in KXNFLGAME, so no win probability to show')
    })

    it("finds a team's games and their markets, and nothing of other games", async () => {
      const found = await findTeamMarkets(rest, teamByCode('DAL'))
      expect(found.games).to.deep.equal(['25SEP04DALPHI'])
      expect(found.markets.map((m) => m.ticker).sort()).to.deep.equal(worldTickers('25SEP04DALPHI'))
      expect(found.targets).to.deep.equal(['KXNFLGAME-25SEP04DALPHI*', 'KXNFLSPREAD-25SEP04DALPHI*', 'KXNFLTOTAL-25SEP04DALPHI*'])
    })
  })

  describe('nfl games', () => {
    it('lists the 16 games of the week by date, each with win probabilities that sum to 1', async () => {
      const games = await listNflGames(rest)
      const expected = [...new Set(sim.world.markets().filter((m) => m.ticker.startsWith('KXNFLGAME-') && !sim.world.past.has(m.ticker)).map((m) => m.ticker.split('-')[1]!))]
      expect(games.map((g) => g.game).sort()).to.deep.equal(expected.sort())
      expect(games).to.have.length(16)
      expect(games[0]!.game).to.equal('25SEP04DALPHI')
      expect(games.map((g) => g.kickoff)).to.deep.equal(games.map((g) => g.kickoff).sort())
      for (const g of games) {
        expect(Object.keys(g), g.game).to.deep.equal(GAME_FIELDS)
        expect(g.away.winProbability! + g.home.winProbability!, g.game).to.be.closeTo(1, 1e-9)
        expect(g.markets, g.game).to.equal(worldTickers(g.game).length)
      }
    })

    it("takes the win probability from the mids of the winner markets' REST quotes", async () => {
      // Paused, so the quotes read here are the ones the listing reads.
      sim.pause()
      try {
        const units = async (ticker: string) => {
          const m = await rest.getMarket(ticker)
          return Math.round(m.yesBid! * 10_000) + Math.round(m.yesAsk! * 10_000)
        }
        const dal = await units('KXNFLGAME-25SEP04DALPHI-DAL')
        const phi = await units('KXNFLGAME-25SEP04DALPHI-PHI')
        const game = (await listNflGames(rest))[0]!
        expect(game.away.winProbability).to.be.closeTo(dal / (dal + phi), 1e-12)
        expect(game.home.winProbability).to.be.closeTo(phi / (dal + phi), 1e-12)
      } finally {
        sim.resume()
      }
    })

    it('writes a header, one row per game and a summary record', async () => {
      const { sink, records, humans } = recordingSink()
      const writes: string[] = []
      // The same server, not known to be the simulator: no [sim] marks.
      const summary = await runNflGames({ exchange: { ...exchange, simulated: false }, sink, header: true, out: { write: (s: string) => writes.push(s) } })
      expect(writes).to.deep.equal([`${formatGamesHeader()}\n`])
      expect(records).to.have.length(17)
      expect(humans.slice(0, 16)).to.deep.equal((records.slice(0, 16) as GameSummary[]).map(formatGameRow))
      expect(humans[16]).to.match(/^16 games, \d+ markets in \d+\.\d s$/)
      expect(records[16]).to.equal(summary)
      expect(summary).to.include({ type: 'summary', games: 16, markets: (records.slice(0, 16) as GameSummary[]).reduce((n, g) => n + g.markets, 0) })
    })

    it("marks every human line of the simulator's list with [sim], the header too, and no record", async () => {
      const { sink, records, humans } = recordingSink()
      const writes: string[] = []
      await runNflGames({ exchange, sink, header: true, out: { write: (s: string) => writes.push(s) } })
      expect(writes).to.deep.equal([`[sim] ${formatGamesHeader()}\n`])
      expect(humans.slice(0, 16)).to.deep.equal((records.slice(0, 16) as GameSummary[]).map((g) => `[sim] ${formatGameRow(g)}`))
      expect(humans[16]).to.match(/^\[sim\] 16 games, \d+ markets in \d+\.\d s$/)
      expect(records.map((r) => Object.keys(r))).to.not.deep.include('simulated')
      expect(JSON.stringify(records)).to.not.include('[sim]')
    })
  })

  describe('live sessions', () => {
    let game: { records: Record<string, any>[]; summaries: { type: 'summary' }[]; result: StreamSummary }
    let team: { records: Record<string, any>[]; summaries: { type: 'summary' }[]; result: StreamSummary }

    before(async () => {
      const g = recordingSink()
      const t = recordingSink()
      const [gameResult, teamResult] = await Promise.all([
        runNflGame({ exchange, config: CONFIG, game: parseGameId('25SEP04DALPHI'), mode: 'json', sink: g.sink, spinner: SPINNER, durationMs: 1500 }),
        runNflTeam({ exchange, config: CONFIG, team: teamByCode('PHI'), mode: 'json', sink: t.sink, spinner: SPINNER, durationMs: 1500 }),
      ])
      game = { ...g, result: gameResult }
      team = { ...t, result: teamResult }
    })

    it('nfl game writes summaries of the game with the exact field set and probabilities summing to 1', () => {
      expect(game.records.length).to.be.greaterThan(1)
      for (const r of (game.records as GameSummary[]).filter((x) => x.type === 'game')) {
        // `state` joins once the game's live data has been read.
        expect(Object.keys(r).filter((k) => k !== 'state')).to.deep.equal(GAME_FIELDS)
        expect(r).to.include({ type: 'game', game: '25SEP04DALPHI', kickoff: '2025-09-04', markets: worldTickers('25SEP04DALPHI').length })
        expect(r.away).to.include({ team: 'DAL', name: 'Dallas Cowboys' })
        expect(r.home).to.include({ team: 'PHI', name: 'Philadelphia Eagles' })
        expect(r.away.winProbability! + r.home.winProbability!).to.be.closeTo(1, 1e-9)
      }
    })

    it('nfl game writes a summary only when it changed', () => {
      const keys = (game.records as GameSummary[]).filter((x) => x.type === 'game').map((r) => JSON.stringify({ ...r, lastUpdate: 0, state: r.state && { ...r.state, updatedAt: 0 } }))
      for (let i = 1; i < keys.length; i++) expect(keys[i], `summary ${i}`).to.not.equal(keys[i - 1])
    })

    it('nfl game ends with the stream summary', () => {
      expect(game.summaries).to.deep.equal([game.result])
      expect(game.result.markets).to.equal(worldTickers('25SEP04DALPHI').length)
    })

    it("nfl team writes records of the team's game markets only, each market at least once", () => {
      const tickers = new Set((team.records as { ticker: string }[]).map((r) => r.ticker))
      expect([...tickers].sort()).to.deep.equal(worldTickers('25SEP04DALPHI'))
      for (const r of team.records) expect(r).to.include({ type: 'market', game: '25SEP04DALPHI' })
      expect(team.records.length).to.be.greaterThan(tickers.size)
      expect(team.summaries).to.deep.equal([team.result])
    })
  })

  it('nfl game writes nothing after its summary, even when a read of live data answers right after it', async () => {
    // The first read is the simulator's. The second is read at once and held until the summary is
    // written, then answers with PHI seven points up: a score, which the view writes without delay.
    let reads = 0
    let release!: () => void
    const released = new Promise<void>((resolve) => (release = resolve))
    let late: Promise<unknown> | undefined
    const liveDataRest: LiveDataRest = {
      getMilestones: (...args) => rest.getMilestones(...args),
      getLiveDatas: (...args) => {
        if (++reads === 1) return rest.getLiveDatas(...args)
        const scored = rest.getLiveDatas(...args).then((list) => list.map((d) => ({ ...d, details: { ...d.details, home_points: Number(d.details.home_points) + 7 } })))
        const answer = Promise.all([scored, released]).then(([list]) => list)
        late ??= answer
        return answer
      },
    }
    const order: string[] = []
    const sink: EventSink = {
      event: () => undefined,
      problem: () => undefined,
      record: (value) => order.push(String(value.type)),
      summary: () => {
        order.push('summary')
        release()
      },
    }
    await runNflGame({ exchange, config: CONFIG, game: parseGameId('25SEP04DALPHI'), mode: 'json', sink, spinner: SPINNER, durationMs: 1000, liveDataRest, liveDataIntervalMs: 50 })
    expect(reads).to.be.greaterThan(1)
    expect(order).to.include('game')
    // The feed's own continuation of that read runs before this one.
    await late
    expect(order.at(-1)).to.equal('summary')
    expect(order.filter((t) => t === 'summary')).to.have.length(1)
  })
})
