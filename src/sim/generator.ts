import { performance } from 'node:perf_hooks'
import type { SimGame, SimMarket } from './catalog.js'
import { GAME_SECONDS, gameSecondsAt, gameStateAt, resolvesYes } from './game-clock.js'
import { requote, stepMarket } from './market-maker.js'
import { createRandom, gaussian, type Random, randomInt } from './random.js'
import { listedBtcEvent } from './catalog.js'
import type { SimWorld } from './world.js'

export interface GeneratorOptions {
  /** Market updates per second across the world; each sends one orderbook_delta and one ticker (plus a trade for takes). */
  ratePerSec: number
  /** Game-clock multiplier: at 1 a game lasts GAME_DURATION_SEC real seconds. */
  speed: number
  /**
   * Mean real time between news that moves one game's prices (an injury report: the home side's
   * strength shifts), on top of every scoring play. Each move requotes the game's markets at once
   * but one, which lags for LAG_MS: that stale leg or rung is the arbitrage a real market shows.
   * The books themselves never cross. @default 300
   */
  moveEveryMs?: number
  /** Range of the lag, real ms, drawn from the seed per move. @default [400, 1500] */
  lagMs?: readonly [number, number]
  /** Real time between new events listed while running (event_lifecycle on the lifecycle channel); 0 = none. @default 0 */
  newEventEveryMs?: number
  /** Called around each batch so the server can cork sockets and write each tick's frames in one go. */
  onBatchStart?: () => void
  onBatchEnd?: () => void
}

/**
 * Timers fire every TICK_MS and generate rate·dt updates in a batch: one setTimeout per message would
 * cap out far below 50k/s. 20 ms rather than 5: an idle simulator (no one subscribed, 200 updates/s)
 * took 6% of a core at 5 ms and 3% at 20 ms, most of it waking the event loop; the rate is the same.
 */
const TICK_MS = 20
/** After a stall (debugger, GC, a paused laptop) do not try to catch up more than this. */
const MAX_CATCH_UP_MS = 250
const DETERMINE_AFTER_MS = 1000
const SETTLE_AFTER_MS = 3000
/** How long the lagging market's quotes stay stale after a move, real ms (seeded within the range). */
const LAG_MS: readonly [number, number] = [400, 1500]

export class Generator {
  private timer: NodeJS.Timeout | undefined
  private lastTickMs = 0
  private budget = 0
  private live: SimMarket[] = []
  private liveDirty = true
  private nextMoveRunMs: number
  private readonly lagging = new Set<SimMarket>()
  /** Points scored per game when last seen, to notice a scoring play. */
  private readonly points = new Map<SimGame, number>()
  private listed = 0
  /** Its own random source, so listing events leaves the seeded market updates as they were. */
  private readonly listRandom: Random

  constructor(private readonly world: SimWorld, private readonly rand: Random, private readonly opts: GeneratorOptions) {
    this.nextMoveRunMs = this.moveGap()
    this.listRandom = createRandom(0x11575)
  }

  get running(): boolean { return this.timer !== undefined }

  start(): void {
    if (this.timer) return
    this.lastTickMs = performance.now()
    this.timer = setInterval(() => this.tick(), TICK_MS)
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
  }

  /**
   * Advance the world by the real time since the last tick, or by `stepMs` when given (a test
   * driving the world by hand).
   */
  tick(stepMs?: number): void {
    const now = performance.now()
    const elapsedMs = stepMs ?? Math.min(MAX_CATCH_UP_MS, now - this.lastTickMs)
    this.lastTickMs = now
    this.opts.onBatchStart?.()
    try {
      this.world.runMs += elapsedMs
      this.world.simMs += elapsedMs * this.opts.speed
      this.advanceGames()
      this.advanceMoves()
      this.listEvents()
      this.budget += (this.opts.ratePerSec * elapsedMs) / 1000
      const n = Math.floor(this.budget)
      this.budget -= n
      if (this.liveDirty) this.rebuildLive()
      const live = this.live
      if (live.length === 0) return
      for (let i = 0; i < n; i++) {
        let m = live[Math.floor(this.rand() * live.length)]!
        if (m.lagUntilRunMs > 0) m = live[Math.floor(this.rand() * live.length)]!
        if (m.lagUntilRunMs > 0 || m.status !== 'active') continue
        stepMarket(this.world, m, this.rand)
      }
    } finally {
      this.opts.onBatchEnd?.()
    }
  }

  private moveGap(): number {
    const mean = this.opts.moveEveryMs ?? 300
    return -Math.log(Math.max(this.rand(), 1e-9)) * mean
  }

  private rebuildLive(): void {
    this.live = this.world.markets().filter((m) => m.status === 'active')
    this.liveDirty = false
  }

  /** End lags that are due (the stale market requotes), and now and then move a game on news. */
  private advanceMoves(): void {
    const runMs = this.world.runMs
    for (const m of this.lagging) {
      if (m.lagUntilRunMs > runMs) continue
      m.lagUntilRunMs = 0
      this.lagging.delete(m)
      if (m.status === 'active') requote(this.world, m, this.rand)
    }
    if (runMs < this.nextMoveRunMs) return
    this.nextMoveRunMs = runMs + this.moveGap()
    const open = this.world.catalog.games.filter((g) => g.stage === 'open')
    if (open.length === 0) return
    const game = open[Math.floor(this.rand() * open.length)]!
    game.script.homeShare = Math.min(0.8, Math.max(0.2, game.script.homeShare + gaussian(this.rand) * 0.05))
    this.move(game)
  }

  /**
   * The game's fair prices moved: every market requotes at once except one (a winner leg, or one
   * rung of a spread or total ladder), which keeps its old quotes for a seeded LAG_MS.
   */
  private move(game: SimGame): void {
    const active = game.markets.filter((m) => m.status === 'active')
    if (active.length === 0) return
    const stale = active[Math.floor(this.rand() * active.length)]!
    const [min, max] = this.opts.lagMs ?? LAG_MS
    // A range of [0, 0] means no lagging leg: every market requotes now. Otherwise at least 1 ms, so
    // the lagging one requotes on a later tick (on a loaded machine, whenever that comes).
    if (stale.lagUntilRunMs === 0 && max > 0) {
      stale.lagUntilRunMs = this.world.runMs + Math.max(1, randomInt(this.rand, min, max))
      this.lagging.add(stale)
    }
    for (const m of active) if (m.lagUntilRunMs === 0) requote(this.world, m, this.rand)
  }

  private listEvents(): void {
    const every = this.opts.newEventEveryMs ?? 0
    if (every <= 0 || this.world.runMs < (this.listed + 1) * every) return
    this.listed++
    this.world.listEvent(listedBtcEvent(this.listRandom, this.world.startMs, this.listed), this.listRandom)
    this.liveDirty = true
  }

  private advanceGames(): void {
    for (const game of this.world.catalog.games) {
      if (game.stage === 'settled') continue
      const gameSec = gameSecondsAt((this.world.simMs - game.kickoffSimMs) / game.durationSimMs)
      const before = game.state
      game.state = gameStateAt(game.script, gameSec)
      const points = game.state.homeScore + game.state.awayScore
      if (game.stage === 'open' && points !== (this.points.get(game) ?? 0)) {
        this.points.set(game, points)
        if (game.state.phase === 'live') this.move(game)
      }
      if (game.stage === 'open' && game.state.phase === 'final') this.close(game)
      else if (game.stage === 'closed' && this.world.runMs - game.finalAtRunMs! >= DETERMINE_AFTER_MS) this.determine(game)
      else if (game.stage === 'determined' && this.world.runMs - game.finalAtRunMs! >= SETTLE_AFTER_MS) this.settle(game)
    }
  }

  /**
   * The game ended: Kalshi closes such markets early and announces the new close time. Each market
   * first requotes at the final score, so its last book shows what it will pay (found from outside:
   * spread and total markets, stepped less often than the winner legs, closed on quotes from earlier
   * in the game, 0.70 for a market that resolved yes at $1).
   */
  private close(game: SimGame): void {
    const nowMs = Date.now()
    for (const m of game.markets) {
      this.lagging.delete(m)
      m.lagUntilRunMs = 0
      if (m.status === 'active') requote(this.world, m, this.rand)
      m.closeTimeMs = nowMs
      m.closeTs = Math.floor(nowMs / 1000)
      this.world.setStatus(m, 'closed', 'close_date_updated')
    }
    game.stage = 'closed'
    game.finalAtRunMs = this.world.runMs
    this.liveDirty = true
  }

  private determine(game: SimGame): void {
    for (const m of game.markets) {
      m.result = resolvesYes(game.state, m.question!) ? 'yes' : 'no'
      m.determinationTs = Math.floor(Date.now() / 1000)
      this.world.setStatus(m, 'determined', 'determined')
    }
    game.stage = 'determined'
  }

  private settle(game: SimGame): void {
    for (const m of game.markets) {
      m.settledTs = Math.floor(Date.now() / 1000)
      this.world.setStatus(m, 'finalized', 'settled')
    }
    game.stage = 'settled'
  }
}
