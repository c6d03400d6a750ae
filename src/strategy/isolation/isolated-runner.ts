import { Worker } from 'node:worker_threads'
import type { Book, MarketEvent, Tick, Trade } from '../../core/types.js'
import type { Params, Position, Signal, Strategy } from '../api.js'
import type { ClockMode } from '../clock.js'
import type { EngineEvent, StrategyStats } from '../events.js'
import type { DataKind, RunnerDeps } from '../strategy-runner.js'
import { marketMatcher, parseMarketPatterns } from '../../core/market-pattern.js'
import type { GameState } from '../../nfl/game-state.js'
import { watchesGame } from '../games.js'
import { isGameItem, type BatchItem, type FromWorker, type SharedItem, type StrategyMeta, type ToWorker } from './protocol.js'
import { IdleWaiters } from '../idle-waiters.js'
import type { PackedBatch } from './shared-batch.js'
import { readSharedStats, sharedStatsBuffer } from './shared-stats.js'

/** A worker whose strategy has loaded and validated, not yet running. */
export interface StrategyWorker {
  worker: Worker
  meta: StrategyMeta
  /** Messages that arrived before the engine took the worker over. */
  early: FromWorker[]
  /** The heap limit it runs under (spawn.ts). */
  maxHeapMb: number
}

export interface IsolationLimits {
  /** The worker's thread may be silent (a handler running synchronously) this long before it is terminated. @default 5000 */
  terminateAfterMs: number
  /** Batches sent and not yet handled before new events are held back (conflated) on the engine's side. @default 8 */
  maxBatchesInFlight: number
}

const KIND: Partial<Record<MarketEvent['type'], DataKind>> = { ticker: 'tick', trade: 'trade', book: 'book' }

/** At stop, a worker silent this long over a batch is taken as stuck (unless its budget is longer). */
const STUCK_AT_STOP_MS = 250

export const DEFAULT_ISOLATION: IsolationLimits = { terminateAfterMs: 5000, maxBatchesInFlight: 8 }

/** What an in-process runner gets, minus the store and games (the worker keeps its own copies) and the counters (shared with the worker). */
export interface IsolatedDeps extends Omit<RunnerDeps, 'store' | 'game' | 'stats'> {
  now(): number
  /** Called once when the worker is gone for good (terminated, exited, out of memory). */
  onGone(strategy: string, reason: string): void
}

/**
 * The engine's side of one strategy running in a worker thread: same surface as StrategyRunner.
 * Events are batched per event-loop turn; while the worker is behind, ticks and books wait here
 * conflated per market and trades up to a bound, so a busy strategy costs bounded memory and the
 * feed never waits. A worker silent for `terminateAfterMs` in the middle of a batch (a synchronous
 * handler far over its budget) is terminated; so is one that exits or runs out of memory. Each is
 * reported once and the run goes on without it.
 */
export class IsolatedRunner {
  readonly name: string
  readonly budgetMs: number
  readonly matches: (ticker: string) => boolean
  readonly stats: StrategyStats
  private readonly worker: Worker
  private readonly meta: StrategyMeta
  private readonly limits: IsolationLimits
  /** Items for the next batch: market events for the store, conflated per key while the worker is behind. */
  private readonly pending = new Map<string, BatchItem>()
  private pendingTrades = 0
  private unique = 0
  private seq = 0
  private inFlight = 0
  private flushScheduled = false
  private workerIdle = true
  private gone?: string
  private lastHeard = performance.now()
  private watchdog?: NodeJS.Timeout
  private lastPositions = ''
  /** How much of the engine's ticker table (shared-batch.ts) the worker has been sent. */
  private tickersSent = 0
  private readonly idleWaiters = new IdleWaiters()
  private stopped?: (stats: StrategyStats) => void

  private attached = false
  private readonly watchedGames = new Map<string, boolean>()
  /** The worker's counters as it counts (shared-stats.ts): read when it can no longer acknowledge a batch. */
  private readonly workerStats = sharedStatsBuffer()

  constructor(readonly strategy: Strategy, private readonly sw: StrategyWorker, private readonly deps: IsolatedDeps, limits: Partial<IsolationLimits> = {}) {
    this.meta = sw.meta
    this.worker = sw.worker
    this.limits = { ...DEFAULT_ISOLATION, ...limits }
    this.name = sw.meta.name
    this.budgetMs = sw.meta.budgetMs ?? 10
    this.matches = marketMatcher(parseMarketPatterns(sw.meta.markets))
    this.stats = { name: this.name, ticks: 0, trades: 0, books: 0, signals: 0, errors: 0, slow: 0, hung: 0, conflated: 0, dropped: 0 }
  }

  /** Take the worker over: only an engine that starts does, so an engine built to read subscriptions costs nothing. */
  private attach(): void {
    if (this.attached) return
    this.attached = true
    this.worker.on('message', (m: FromWorker) => this.onMessage(m))
    this.worker.on('error', (error: Error & { code?: string }) => {
      this.fail(error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? this.outOfMemory() : `crashed: ${error.message}`)
    })
    this.worker.on('exit', (code) => this.fail(`exited (code ${code}) and was stopped: a strategy cannot end the run`))
    for (const m of this.sw.early) this.onMessage(m)
    this.post({ type: 'run', stats: this.workerStats, params: { ...this.deps.params }, clockMode: this.deps.clockMode, hangAfterMs: this.deps.hangAfterMs, maxQueuedTrades: this.deps.maxQueuedTrades, positions: this.positionsIfChanged() ?? [] })
    this.watchdog = setInterval(() => this.watch(), Math.max(50, Math.min(1000, this.limits.terminateAfterMs / 5)))
    this.watchdog.unref()
  }

  wants(kind: DataKind): boolean {
    if (kind === 'book') return this.meta.books === true && this.meta.handlers.includes('onBook')
    return this.meta.handlers.includes(kind === 'tick' ? 'onTick' : kind === 'trade' ? 'onTrade' : 'onGame')
  }

  /** Every market event goes to the worker's store; `deliver` marks those its handlers see. */
  feed(event: MarketEvent, deliver: DataKind | undefined, ts: number): void {
    if (!this.attached || this.gone || this.stopped) return
    const ticker = (event as Tick | Trade | Book).ticker
    let key: string
    if (event.type === 'trade') {
      if (this.pendingTrades >= this.deps.maxQueuedTrades) {
        if (deliver) this.hereDropped++
        return
      }
      this.pendingTrades++
      key = `r${this.seq}:${this.pendingTrades}`
    } else if (deliver && this.inFlight < this.limits.maxBatchesInFlight) {
      // The worker keeps up: every tick it would see goes in the next batch.
      key = `u${++this.unique}`
    } else {
      key = `${event.type}:${ticker}`
      const old = this.pending.get(key)
      if (old) {
        this.pending.delete(key)
        // A tick the strategy would have seen is replaced by a newer one: counted like the runner's conflation.
        if (old.deliver) this.hereConflated++
        deliver ??= old.deliver
      }
    }
    this.pending.set(key, { event, ...(deliver ? { deliver: deliver as Exclude<DataKind, 'game'> } : {}), ts })
    this.schedule()
  }

  /**
   * A batch the engine packed once for every worker. Sent as is while the worker keeps up, with the
   * tickers (of the engine's table, `tickers`) it has not been sent yet; while it is behind, its
   * events wait here, conflated, and go later as a batch of its own.
   */
  feedShared(batch: PackedBatch, items: readonly SharedItem[], tickers: readonly string[]): void {
    if (!this.attached || this.gone || this.stopped) return
    if (this.inFlight < this.limits.maxBatchesInFlight && this.pending.size === 0) {
      if (this.inFlight === 0) this.lastHeard = performance.now()
      this.inFlight++
      this.workerIdle = false
      const positions = this.positionsIfChanged()
      const newTickers = tickers.length > this.tickersSent ? tickers.slice(this.tickersSent) : undefined
      this.tickersSent = tickers.length
      this.post({ type: 'shared', seq: ++this.seq, batch, ...(newTickers ? { tickers: newTickers } : {}), ...(positions ? { positions } : {}) })
      return
    }
    for (const item of items) {
      if (isGameItem(item)) {
        this.feedGame(item.state, item.ts)
        continue
      }
      const { event, ts } = item
      const kind = KIND[event.type]
      const ticker = (event as Tick | Trade | Book).ticker
      this.feed(event, kind && this.wants(kind) && this.matches(ticker) ? kind : undefined, ts)
    }
  }

  deliver(kind: Exclude<DataKind, 'game'>, event: Tick | Trade | Book, ts: number): void {
    this.feed(event, kind, ts)
  }

  /**
   * A game's state for the worker's ctx.game, and for its onGame when the strategy's markets cover
   * the game. While the worker is behind, a newer state of a game replaces the older one here.
   */
  feedGame(state: GameState, ts: number): void {
    if (!this.attached || this.gone || this.stopped) return
    let deliver = this.wants('game') && this.watches(state.game)
    let key: string
    if (deliver && this.inFlight < this.limits.maxBatchesInFlight) {
      key = `u${++this.unique}`
    } else {
      key = `game:${state.game}`
      const old = this.pending.get(key)
      if (old) {
        this.pending.delete(key)
        if (old.deliver) this.hereConflated++
        deliver ||= old.deliver !== undefined
      }
    }
    this.pending.set(key, { state, ...(deliver ? { deliver: 'game' as const } : {}), ts })
    this.schedule()
  }

  private watches(gameId: string): boolean {
    let yes = this.watchedGames.get(gameId)
    if (yes === undefined) {
      yes = watchesGame(this.meta.markets, gameId)
      this.watchedGames.set(gameId, yes)
    }
    return yes
  }

  /** Attach to the worker and call onStart; the worker acknowledges like a batch. */
  start(ts: number): void {
    this.attach()
    if (this.gone) return
    this.lastHeard = performance.now()
    this.inFlight++
    this.workerIdle = false
    this.post({ type: 'start', ts })
  }

  async stop(timeoutMs: number, urgent = true): Promise<boolean> {
    if (this.watchdog) clearInterval(this.watchdog)
    this.pending.clear()
    if (!this.attached) {
      await this.worker.terminate()
      return true
    }
    if (this.gone) return true
    // A thread silent over a batch it owes is running synchronous code: it cannot read the stop
    // message, and waiting for it would outlast Ctrl-C's deadline and lose the summary.
    // Not urgent (the run reached its end): only a silence that the overall wait would end anyway.
    const stuckAfterMs = urgent ? Math.max(STUCK_AT_STOP_MS, this.budgetMs * 20) : Math.min(this.limits.terminateAfterMs, timeoutMs * 2)
    const stuck = () => this.inFlight > 0 && performance.now() - this.lastHeard > stuckAfterMs
    const done = await new Promise<boolean | 'stuck'>((resolve) => {
      const timer = setTimeout(() => finish(false), timeoutMs * 2 + 500)
      const check = setInterval(() => stuck() && finish('stuck'), 50)
      const finish = (result: boolean | 'stuck') => {
        clearTimeout(timer)
        clearInterval(check)
        resolve(result)
      }
      if (stuck()) return finish('stuck')
      this.stopped = (stats) => {
        this.absorb(stats)
        finish(true)
      }
      this.post({ type: 'stop', timeoutMs })
    })
    if (done === 'stuck') {
      this.fail(`was terminated at stop: its thread had run synchronous code for ${Math.round(performance.now() - this.lastHeard)} ms (budget ${this.budgetMs} ms)`)
      await this.worker.terminate()
      this.wake()
      return false
    }
    if (!done) this.deps.emit({ type: 'error', code: 'STOP_TIMEOUT', strategy: this.name, handler: 'onStop', message: `the strategy did not stop within ${timeoutMs * 2 + 500} ms; its thread was terminated`, ts: this.deps.now() })
    // Ended by us: its exit is not a fault.
    this.gone = 'stopped'
    await this.worker.terminate()
    this.wake()
    return done
  }

  idle(timeoutMs?: number): Promise<boolean> {
    return this.idleWaiters.until(() => this.isIdle(), timeoutMs)
  }


  isIdle(): boolean {
    return this.gone !== undefined || (this.pending.size === 0 && this.inFlight === 0 && this.workerIdle)
  }

  private schedule(): void {
    if (this.flushScheduled || this.inFlight >= this.limits.maxBatchesInFlight) return
    this.flushScheduled = true
    // One batch per event-loop turn: every event the feed emitted from one read of the socket.
    setImmediate(() => {
      this.flushScheduled = false
      this.flush()
    })
  }

  private flush(): void {
    if (this.gone || this.pending.size === 0 || this.inFlight >= this.limits.maxBatchesInFlight) return
    const items = [...this.pending.values()]
    this.pending.clear()
    this.pendingTrades = 0
    // The silence clock starts when the worker owes an answer.
    if (this.inFlight === 0) this.lastHeard = performance.now()
    this.inFlight++
    this.workerIdle = false
    const positions = this.positionsIfChanged()
    this.post({ type: 'batch', seq: ++this.seq, items, ...(positions ? { positions } : {}) })
  }

  private positionsIfChanged(): Position[] | undefined {
    const positions = this.deps.positions()
    const text = JSON.stringify(positions)
    if (text === this.lastPositions) return undefined
    this.lastPositions = text
    return positions
  }

  private post(m: ToWorker): void {
    if (this.gone) return
    this.worker.postMessage(m)
  }

  private onMessage(m: FromWorker): void {
    // Once stopped or given up, nothing more from it may reach the run (the summary may be printed already).
    if (this.gone) return
    this.lastHeard = performance.now()
    switch (m.type) {
      case 'event':
        this.deps.emit(m.event)
        break
      case 'signals':
        this.deps.onSignals(this.name, m.signals, m.ts)
        break
      case 'ack':
        this.inFlight--
        this.absorb(m.stats)
        this.workerIdle = m.idle
        if (this.pending.size > 0) this.schedule()
        this.wake()
        break
      case 'idle':
        this.absorb(m.stats)
        this.workerIdle = true
        this.wake()
        break
      case 'stopped':
        this.stopped?.(m.stats)
        break
      case 'out-of-memory':
        this.fail(this.outOfMemory())
        void this.worker.terminate()
        break
      default:
        break
    }
  }

  // Conflation and drops on this side are counted apart from the worker's and added to its counts.
  private hereConflated = 0
  private hereDropped = 0
  private absorb(stats: StrategyStats): void {
    Object.assign(this.stats, stats, { conflated: stats.conflated + this.hereConflated, dropped: stats.dropped + this.hereDropped })
  }

  private outOfMemory(): string {
    return `ran out of memory (limit ${this.sw.maxHeapMb} MB) and was stopped`
  }

  /** A worker that owes an answer and has said nothing for terminateAfterMs is stuck in synchronous code. */
  private watch(): void {
    // Only a worker that owes an acknowledgement: one waiting on its own promise (hung) answers batches.
    if (this.gone || this.inFlight === 0) return
    const silentMs = performance.now() - this.lastHeard
    if (silentMs < this.limits.terminateAfterMs) return
    this.fail(`was terminated: its thread ran synchronous code for over ${this.limits.terminateAfterMs} ms (budget ${this.budgetMs} ms)`)
    void this.worker.terminate()
  }

  private fail(why: string): void {
    if (this.gone) return
    this.gone = why
    if (this.watchdog) clearInterval(this.watchdog)
    this.pending.clear()
    // The batch it was in the middle of will never be acknowledged: keep what it counted up to the end.
    this.absorb(readSharedStats(this.name, this.workerStats))
    this.stats.errors++
    this.deps.emit({ type: 'error', code: 'STRATEGY_TERMINATED', strategy: this.name, message: `strategy ${this.name} ${why}; the run goes on without it`, ts: this.deps.now() })
    this.deps.onGone(this.name, why)
    this.wake()
  }

  private wake(): void {
    this.idleWaiters.wake()
  }
}
