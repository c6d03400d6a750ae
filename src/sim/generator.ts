import { performance } from 'node:perf_hooks'
import type { SimGame, SimMarket } from './catalog.js'
import { GAME_SECONDS, gameSecondsAt, gameStateAt, resolvesYes } from './game-clock.js'
import { endCross, repriceNow, startCross, stepMarket } from './market-maker.js'
import { createRandom, type Random, randomInt } from './random.js'
import { listedBtcEvent } from './catalog.js'
import type { SimWorld } from './world.js'

export interface GeneratorOptions {
  /** Market updates per second across the world; each sends one orderbook_delta and one ticker (plus a trade for takes). */
  ratePerSec: number
  /** Game-clock multiplier: at 1 a game lasts GAME_DURATION_SEC real seconds. */
  speed: number
  /** Mean real time between crossed-book episodes somewhere in the world. @default 500 (a 10 s demo of strategies/arb.ts on KXNFLGAME* sees about ten) */
  crossEveryMs?: number
  /** Real time between new events listed while running (event_lifecycle on the lifecycle channel); 0 = none. @default 0 */
  newEventEveryMs?: number
  /** Called around each batch so the server can cork sockets and write each tick's frames in one go. */
  onBatchStart?: () => void
  onBatchEnd?: () => void
}

/** Timers fire every few ms and generate rate·dt updates in a batch: one setTimeout per message would cap out far below 50k/s. */
const TICK_MS = 5
/** After a stall (debugger, GC, a paused laptop) do not try to catch up more than this. */
const MAX_CATCH_UP_MS = 250
const DETERMINE_AFTER_MS = 1000
const SETTLE_AFTER_MS = 3000

export class Generator {
  private timer: NodeJS.Timeout | undefined
  private lastTickMs = 0
  private budget = 0
  private live: SimMarket[] = []
  private liveWinners: SimMarket[] = []
  private liveDirty = true
  private nextCrossRunMs: number
  private readonly crossed = new Set<SimMarket>()
  private listed = 0
  /** Its own random source, so listing events leaves the seeded market updates as they were. */
  private readonly listRandom: Random

  constructor(private readonly world: SimWorld, private readonly rand: Random, private readonly opts: GeneratorOptions) {
    this.nextCrossRunMs = this.crossGap()
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

  /** Advance the world by the real time since the last tick. Public so tests can drive it by hand. */
  tick(): void {
    const now = performance.now()
    const elapsedMs = Math.min(MAX_CATCH_UP_MS, now - this.lastTickMs)
    this.lastTickMs = now
    this.opts.onBatchStart?.()
    try {
      this.world.runMs += elapsedMs
      this.world.simMs += elapsedMs * this.opts.speed
      this.advanceGames()
      this.advanceCrosses()
      this.listEvents()
      this.budget += (this.opts.ratePerSec * elapsedMs) / 1000
      const n = Math.floor(this.budget)
      this.budget -= n
      if (this.liveDirty) this.rebuildLive()
      const live = this.live
      if (live.length === 0) return
      for (let i = 0; i < n; i++) {
        let m = live[Math.floor(this.rand() * live.length)]!
        if (m.crossedUntilRunMs > 0) m = live[Math.floor(this.rand() * live.length)]!
        if (m.crossedUntilRunMs > 0 || m.status !== 'active') continue
        stepMarket(this.world, m, this.rand)
      }
    } finally {
      this.opts.onBatchEnd?.()
    }
  }

  private crossGap(): number {
    const mean = this.opts.crossEveryMs ?? 500
    return -Math.log(Math.max(this.rand(), 1e-9)) * mean
  }

  private rebuildLive(): void {
    this.live = this.world.markets().filter((m) => m.status === 'active')
    this.liveWinners = this.live.filter((m) => m.ticker.startsWith('KXNFLGAME-'))
    this.liveDirty = false
  }

  private advanceCrosses(): void {
    const runMs = this.world.runMs
    for (const m of this.crossed) {
      if (m.crossedUntilRunMs <= runMs) {
        endCross(this.world, m)
        this.crossed.delete(m)
      }
    }
    if (runMs < this.nextCrossRunMs) return
    this.nextCrossRunMs = runMs + this.crossGap()
    if (this.liveDirty) this.rebuildLive()
    if (this.live.length === 0) return
    // Half the episodes on game-winner markets, the ones most watched (and the arb demo's), so a
    // short demo reliably sees some; the rest anywhere.
    const pool = this.liveWinners.length > 0 && this.rand() < 0.5 ? this.liveWinners : this.live
    const m = pool[Math.floor(this.rand() * pool.length)]!
    if (m.crossedUntilRunMs > 0 || m.status !== 'active') return
    if (startCross(this.world, m, this.rand, runMs + randomInt(this.rand, 1000, 2000))) this.crossed.add(m)
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
      if (game.stage === 'open' && (game.state.homeScore !== before.homeScore || game.state.awayScore !== before.awayScore)) this.reprice(game)
      if (game.stage === 'open' && game.state.phase === 'final') this.close(game)
      else if (game.stage === 'closed' && this.world.runMs - game.finalAtRunMs! >= DETERMINE_AFTER_MS) this.determine(game)
      else if (game.stage === 'determined' && this.world.runMs - game.finalAtRunMs! >= SETTLE_AFTER_MS) this.settle(game)
    }
  }

  /** Someone scored: the game's open markets requote at the new fair price now. */
  private reprice(game: SimGame): void {
    for (const m of game.markets) if (m.status === 'active' && m.crossedUntilRunMs === 0) repriceNow(this.world, m, this.rand)
  }

  /** The game ended: Kalshi closes such markets early and announces the new close time. */
  private close(game: SimGame): void {
    const nowMs = Date.now()
    for (const m of game.markets) {
      if (this.crossed.delete(m)) endCross(this.world, m)
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
