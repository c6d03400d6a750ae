import { expect } from 'chai'
import { startSimulator, type Simulator } from '../../src/sim/index.js'
import { SimWorld } from '../../src/sim/world.js'
import { Generator } from '../../src/sim/generator.js'
import { createRandom } from '../../src/sim/random.js'
import { fairOf, requote } from '../../src/sim/market-maker.js'
import { GAME_SECONDS, HALFTIME_SHARE, gameSecondsAt, gameStateAt, quarterClock, resolvesYes } from '../../src/sim/game-clock.js'
import { liveDataJson } from '../../src/sim/live-data.js'
import { getJson } from './helpers.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('simulator milestones and live data', () => {
  let sim: Simulator
  before(async () => { sim = await startSimulator({ seed: 5, ratePerSec: 100, speed: 20 }) })
  after(async () => { await sim.close() })

  it('finds a game milestone by related event ticker, in Kalshi\'s Milestone shape', async () => {
    const { status, body } = await getJson(`${sim.apiUrl}/milestones?limit=10&related_event_ticker=KXNFLGAME-25SEP04DALPHI`)
    expect(status).to.equal(200)
    expect(body.cursor).to.equal('')
    expect(body.milestones).to.have.length(1)
    const m = body.milestones[0]
    expect(m.id).to.match(UUID)
    expect(m).to.include({ category: 'Sports', type: 'football_game', title: 'Dallas at Philadelphia' })
    expect(m.related_event_tickers).to.deep.equal(['KXNFLGAME-25SEP04DALPHI', 'KXNFLSPREAD-25SEP04DALPHI', 'KXNFLTOTAL-25SEP04DALPHI'])
    expect(m.primary_event_tickers).to.deep.equal(['KXNFLGAME-25SEP04DALPHI'])
    expect(Date.parse(m.start_date)).to.be.below(Date.parse(m.end_date))
    expect(m.details).to.deep.equal({})
    // The spread event finds the same milestone.
    const spread = await getJson(`${sim.apiUrl}/milestones?limit=10&related_event_ticker=KXNFLSPREAD-25SEP04DALPHI`)
    expect(spread.body.milestones.map((x: any) => x.id)).to.deep.equal([m.id])
  })

  it('requires limit on GET /milestones, as Kalshi does, and pages with a cursor', async () => {
    expect((await getJson(`${sim.apiUrl}/milestones`)).status).to.equal(400)
    const first = await getJson(`${sim.apiUrl}/milestones?limit=10&type=football_game`)
    expect(first.body.milestones).to.have.length(10)
    const rest = await getJson(`${sim.apiUrl}/milestones?limit=10&type=football_game&cursor=${first.body.cursor}`)
    expect(rest.body.milestones).to.have.length(6)
    expect(rest.body.cursor).to.equal('')
  })

  it('serves live data per milestone, in the legacy typed path and in the batch (repeated milestone_ids)', async () => {
    const ids = (await getJson(`${sim.apiUrl}/milestones?limit=2`)).body.milestones.map((m: any) => m.id)
    const one = await getJson(`${sim.apiUrl}/live_data/milestone/${ids[0]}`)
    expect(one.status).to.equal(200)
    expect(one.body.live_data).to.include({ type: 'football_game', milestone_id: ids[0] })
    expect(one.body.live_data.details).to.include({ home_abbreviation: 'PHI', away_abbreviation: 'DAL' })
    expect(['none', 'live', 'finished']).to.include(one.body.live_data.details.status)
    const legacy = await getJson(`${sim.apiUrl}/live_data/football_game/milestone/${ids[0]}`)
    expect(legacy.body.live_data.milestone_id).to.equal(ids[0])
    const batch = await getJson(`${sim.apiUrl}/live_data/batch?milestone_ids=${ids[0]}&milestone_ids=${ids[1]}`)
    expect(batch.body.live_datas.map((l: any) => l.milestone_id)).to.deep.equal(ids)
    expect((await getJson(`${sim.apiUrl}/live_data/milestone/00000000-0000-4000-8000-000000000000`)).status).to.equal(404)
    expect((await getJson(`${sim.apiUrl}/live_data/batch`)).status).to.equal(400)
  })

  it('shows the first game live soon after start, with a quarter and a game clock', async () => {
    const id = (await getJson(`${sim.apiUrl}/milestones?limit=1&related_event_ticker=KXNFLGAME-25SEP04DALPHI`)).body.milestones[0].id
    const details = await until('a live game', async () => {
      const d = (await getJson(`${sim.apiUrl}/live_data/milestone/${id}`)).body.live_data.details
      return d.status === 'live' ? d : undefined
    })
    expect(details.round).to.be.within(1, 4)
    expect(details.final_round_time_left).to.match(/^\d{2}:\d{2}$/)
    expect(details.home_points).to.be.a('number')
  })
})

describe('simulator game clock', () => {
  it('counts quarters down from 15:00 and ends at Q4 00:00', () => {
    const script = { homeShare: 0.5, plays: [] }
    expect(quarterClock(gameStateAt(script, 0))).to.deep.equal({ quarter: 1, clock: '15:00' })
    expect(quarterClock(gameStateAt(script, 900 + 378))).to.deep.equal({ quarter: 2, clock: '08:42' })
    expect(quarterClock(gameStateAt(script, GAME_SECONDS - 1))).to.deep.equal({ quarter: 4, clock: '00:01' })
    expect(quarterClock(gameStateAt(script, GAME_SECONDS + 5))).to.deep.equal({ quarter: 4, clock: '00:00' })
  })

  it('stops the clock at half-time (Q2 00:00) and runs the whole game in the same running time', () => {
    const script = { homeShare: 0.5, plays: [] }
    expect(gameSecondsAt(0)).to.equal(0)
    expect(gameSecondsAt(0.5)).to.equal(GAME_SECONDS / 2)
    expect(gameSecondsAt(0.47)).to.equal(GAME_SECONDS / 2)
    expect(gameSecondsAt(1)).to.be.closeTo(GAME_SECONDS, 1e-9)
    expect(gameSecondsAt(0.3)).to.be.below(gameSecondsAt(0.4))
    expect(quarterClock(gameStateAt(script, gameSecondsAt(0.5)))).to.deep.equal({ quarter: 2, clock: '00:00' })
    expect(gameStateAt(script, gameSecondsAt(0.5)).phase).to.equal('live')
  })

  it('serves the scripted score: live data points are the plays so far', () => {
    const w = new SimWorld(11, { startMs: 0 })
    const game = w.catalog.games[0]!
    const play = game.script.plays[0]!
    game.state = gameStateAt(game.script, play.gameSec + 1)
    const d = liveDataJson(game).details as Record<string, number>
    expect(d[play.home ? 'home_points' : 'away_points']).to.equal(play.points)
    expect(d[play.home ? 'away_points' : 'home_points']).to.equal(0)
  })

  it('moves the scoring team\'s winner price up when it scores (once a lagging leg requotes), and settles by the final score', () => {
    const w = new SimWorld(11, { startMs: 0 })
    const gen = new Generator(w, createRandom(1), { ratePerSec: 0, speed: 1 })
    const game = w.catalog.games[0]!
    const play = game.script.plays[0]!
    const scorer = game.markets.find((m) => m.ticker === `KXNFLGAME-25SEP04DALPHI-${play.home ? 'PHI' : 'DAL'}`)!
    const bestYes = () => Math.max(...scorer.book.levels('yes').map((l) => l[0]))
    // Drive the game clock by hand, up to just before the first score, then just after it.
    const half = (1 - HALFTIME_SHARE) / 2
    const shareOf = (sec: number) => (sec <= GAME_SECONDS / 2 ? (sec / (GAME_SECONDS / 2)) * half : half + HALFTIME_SHARE + ((sec - GAME_SECONDS / 2) / (GAME_SECONDS / 2)) * half)
    const setGameSec = (sec: number) => { w.simMs = game.kickoffSimMs + shareOf(sec) * game.durationSimMs; (gen as any).advanceGames() }
    const rand = createRandom(2)
    setGameSec(play.gameSec - 0.5)
    for (const m of game.markets) requote(w, m, rand)
    const before = bestYes()
    const fairBefore = fairOf(scorer)
    setGameSec(play.gameSec + 0.5)
    // A score requotes the game's markets at once except one seeded stale leg (the arbitrage the
    // simulator offers); if that leg is this one, its lag ending is what requotes it.
    if (scorer.lagUntilRunMs > 0) requote(w, scorer, rand)
    expect(fairOf(scorer)).to.be.above(fairBefore)
    expect(bestYes()).to.be.above(before)
    setGameSec(GAME_SECONDS + 1)
    expect(game.state.phase).to.equal('final')
    const homeWon = game.state.homeScore > game.state.awayScore
    expect(fairOf(game.markets.find((m) => m.ticker.endsWith('-PHI') && m.ticker.startsWith('KXNFLGAME'))!)).to.equal(homeWon ? 1 : 0)
  })

  it('closes every market of a game on quotes at its final score: the winner legs, the spreads and the totals', () => {
    const w = new SimWorld(12, { startMs: 0 })
    const gen = new Generator(w, createRandom(3), { ratePerSec: 0, speed: 1 })
    const game = w.catalog.games[0]!
    // No market steps during the game (ratePerSec 0): every book still holds its pregame quotes.
    w.simMs = game.kickoffSimMs + game.durationSimMs * 1.01
    ;(gen as any).advanceGames()
    expect(game.stage).to.equal('closed')
    const best = (m: (typeof game.markets)[number], side: 'yes' | 'no') => Math.max(...m.book.levels(side).map((l) => l[0])) / 10_000
    const kinds = new Set(game.markets.map((m) => m.ticker.split('-')[0]))
    expect([...kinds].sort()).to.deep.equal(['KXNFLGAME', 'KXNFLSPREAD', 'KXNFLTOTAL'])
    for (const m of game.markets) {
      // The side that pays $1 is bid at 0.95 or more.
      expect(best(m, resolvesYes(game.state, m.question!) ? 'yes' : 'no'), m.ticker).to.be.at.least(0.95)
    }
  })
})
