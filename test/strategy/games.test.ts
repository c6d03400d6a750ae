import { expect } from 'chai'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Recorder } from '../../src/core/recorder.js'
import type { GameState } from '../../src/nfl/game-state.js'
import { liveDataFrame } from '../../src/nfl/live-data-record.js'
import { runStrategySession } from '../../src/app/strategy-session.js'
import { quietSpinner } from '../../src/render/spinner.js'
import type { Strategy } from '../../src/strategy/api.js'
import { watchesGame } from '../../src/strategy/games.js'
import { loadStrategyFile } from '../../src/strategy/loader.js'
import { harness, tick } from './helpers.js'

const repo = fileURLToPath(new URL('../..', import.meta.url))
const PHI = 'KXNFLGAME-25SEP04DALPHI-PHI'

function state(away: number, home: number, extra: Partial<GameState> = {}): GameState {
  return {
    game: '25SEP04DALPHI', status: 'live', period: 3, clock: '08:42',
    away: { team: 'DAL', points: away }, home: { team: 'PHI', points: home },
    updatedAt: 1_000, source: { kind: 'kalshi-live-data', milestoneId: 'm-1' }, ...extra,
  }
}

describe('strategies and the game', () => {
  it('routes a game to strategies whose markets cover it', () => {
    expect(watchesGame(['KXNFLGAME*'], '25SEP04DALPHI')).to.equal(true)
    expect(watchesGame(['*'], '25SEP04DALPHI')).to.equal(true)
    expect(watchesGame(['KXNFLSPREAD-25SEP04DALPHI*'], '25SEP04DALPHI')).to.equal(true)
    expect(watchesGame([PHI], '25SEP04DALPHI')).to.equal(true)
    expect(watchesGame(['KXNFLGAME-25SEP07NYGWAS-WAS'], '25SEP04DALPHI')).to.equal(false)
    expect(watchesGame(['KXBTCD*'], '25SEP04DALPHI')).to.equal(false)
  })

  it('delivers onGame with ctx.game, at the state\'s time on replay, frozen, only to strategies watching the game', async () => {
    const seen: string[] = []
    const watcher: Strategy = {
      name: 'watcher',
      markets: [PHI],
      onGame(s, ctx) {
        seen.push(`${s.away.points}-${s.home.points}@${ctx.clock.now()} ctx=${ctx.game('25SEP04DALPHI')?.home.points} frozen=${Object.isFrozen(s) && Object.isFrozen(s.home)}`)
      },
    }
    const other: Strategy = { name: 'other', markets: ['KXNFLGAME-25SEP07NYGWAS*'], onGame: () => { seen.push('other') } }
    const h = harness([watcher, other], { clock: 'replay' })
    await h.engine.start()
    expect(h.engine.wantsGames()).to.equal(true)
    const s = state(10, 14, { updatedAt: 5_000 })
    h.engine.dispatchGame(s)
    await h.engine.settle()
    expect(seen).to.deep.equal(['10-14@5000 ctx=14 frozen=true'])
    // Strategies get a frozen copy: the caller's object stays its own.
    expect(Object.isFrozen(s)).to.equal(false)
    expect(h.engine.summary().events).to.equal(0)
  })

  it('a strategy without onGame makes no game reads necessary', () => {
    const h = harness([{ name: 'ticks', markets: ['*'], onTick: () => undefined }])
    expect(h.engine.wantsGames()).to.equal(false)
  })

  describe('score-model sample', () => {
    const run = async (states: GameState[], yesBid: number, yesAsk: number) => {
      const strategy = (await loadStrategyFile('strategies/score-model.ts', { cwd: repo })).strategy
      const h = harness([strategy], { clock: 'replay' })
      await h.engine.start()
      h.feed(tick(PHI, { yesBid, yesAsk }))
      for (const s of states) {
        h.engine.dispatchGame(s)
        await h.engine.settle()
      }
      expect(h.of('error')).to.deep.equal([])
      return h.of('signal').map((x) => `${x.action} ${x.side} ${x.ticker} @ ${x.limitPrice}`)
    }

    it('buys yes when a late touchdown puts the model well above the market', async () => {
      // PHI goes up 21–10 with 2:00 left in Q4: the model says ~99%, the market asks 0.80.
      const signals = await run([state(10, 14, { period: 4, clock: '02:30' }), state(10, 21, { period: 4, clock: '02:00' })], 0.78, 0.8)
      expect(signals).to.deep.equal([`BUY yes ${PHI} @ 0.8`])
    })

    it('buys no when the market is far above the model after the away team scores', async () => {
      const signals = await run([state(10, 14, { period: 4, clock: '03:00' }), state(24, 14, { period: 4, clock: '01:30' })], 0.6, 0.62)
      expect(signals).to.deep.equal([`BUY no ${PHI} @ 0.4`])
    })

    it('stays quiet without a score change, when the market agrees within the fee, and on the first state', async () => {
      expect(await run([state(10, 14, { period: 4, clock: '02:00' })], 0.1, 0.12)).to.deep.equal([])
      expect(await run([state(0, 0, { period: 1, clock: '15:00' }), state(0, 3, { period: 1, clock: '10:00' })], 0.55, 0.57)).to.deep.equal([])
    })
  })

  describe('replay of live data kept in a record', () => {
    const dir = mkdtempSync(join(tmpdir(), 'neural-games-'))
    after(() => rmSync(dir, { recursive: true, force: true }))

    it('delivers the recorded game states at their recorded times, between the market frames', async () => {
      const file = join(dir, 'game.ndjson')
      const rec = new Recorder(file, { flushIntervalMs: 0 })
      const live = (home: number, away: number, clock: string) => ({ milestoneId: 'm-1', type: 'football_game', details: { status: 'live', home_points: home, away_points: away, round: 2, final_round_time_left: clock } })
      const tickFrame = (seq: number, bid: string, tsMs: number) => JSON.stringify({ type: 'ticker', sid: 1, seq, msg: { market_ticker: PHI, yes_bid_dollars: bid, yes_ask_dollars: '0.6000', price_dollars: bid, ts: Math.floor(tsMs / 1000), ts_ms: tsMs } })
      rec.write(tickFrame(1, '0.5500', 10_000), 10_000)
      rec.write(liveDataFrame('25SEP04DALPHI', live(7, 3, '08:42')), 11_000)
      rec.write(tickFrame(2, '0.5600', 12_000), 12_000)
      rec.write(liveDataFrame('25SEP04DALPHI', live(14, 3, '05:10')), 13_000)
      rec.close()
      const strategyFile = join(dir, 'game-log.mjs')
      writeFileSync(strategyFile, `export default {
  name: 'game-log',
  markets: ['KXNFLGAME*'],
  onTick(t, ctx) { ctx.log.info('tick ' + t.yesBid + '@' + ctx.clock.now()) },
  onGame(s, ctx) { ctx.log.info('game ' + s.away.points + '-' + s.home.points + ' ' + s.clock + '@' + ctx.clock.now() + ' ' + (ctx.game(s.game) === s)) },
}
`)
      const got: string[] = []
      const { summary, failure } = await runStrategySession({
        files: [strategyFile], config: { environment: 'sim', strategyParams: {} } as never, hook: 'log', live: false, params: [],
        replay: { file },
        onEngineEvent: (e) => { if (e.type === 'log') got.push(e.message) },
        onProblem: (e) => { throw e },
        spinner: quietSpinner(),
      })
      expect(failure).to.equal(undefined)
      expect(summary.events).to.equal(2)
      expect(got).to.deep.equal(['tick 0.55@10000', 'game 3-7 08:42@11000 true', 'tick 0.56@12000', 'game 3-14 05:10@13000 true'])
    })
  })
})
