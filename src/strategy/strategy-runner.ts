import { performance } from 'node:perf_hooks'
import { format } from 'node:util'
import type { MarketStoreView } from '../core/market-store.js'
import type { Book, Tick, Trade } from '../core/types.js'
import type { GameState } from '../nfl/game-state.js'
import { STRATEGY_API_VERSION, type Params, type Position, type Signal, type Strategy, type StrategyContext } from './api.js'
import type { ClockMode } from './clock.js'
import type { EngineEvent, HandlerName, StrategyStats } from './events.js'
import { frozenCopy } from './read-only.js'
import { collectSignals } from './signal.js'
import { marketMatcher, parseMarketPattern } from '../core/market-pattern.js'
import { inputError } from '../errors.js'
import { IdleWaiters } from './idle-waiters.js'

export const DEFAULT_BUDGET_MS = 10

/**
 * Signals one handler call may return. More is a runaway loop, not a trading decision: the first
 * MAX_SIGNALS_PER_CALL are kept and the rest refused with one report, before any of them is validated.
 */
export const MAX_SIGNALS_PER_CALL = 100

export type DataKind = 'tick' | 'trade' | 'book' | 'game'

type DataEvent = Tick | Trade | Book | GameState

interface Job {
  handler: HandlerName
  event?: DataEvent
  ts: number
}

/** One call into user code that has not settled yet. */
interface InFlight {
  handler: HandlerName
  startedAt: number
  slowReported: boolean
  hung: boolean
  timers: NodeJS.Timeout[]
}

export interface RunnerDeps {
  /** Already read-only. */
  store: MarketStoreView
  params: Readonly<Params>
  clockMode: ClockMode
  emit(event: EngineEvent): void
  onSignals(strategy: string, signals: Signal[], ts: number): void
  positions(): Position[]
  hangAfterMs: number
  maxQueuedTrades: number
  /** The latest state of a game (ctx.game). */
  game?(gameId: string): Readonly<GameState> | undefined
  /**
   * Where to count, all 0: a worker's runner counts in memory the engine can read after the thread
   * has ended (isolation/shared-stats.ts). @default a plain object
   */
  stats?: StrategyStats
}

const HANDLER_FOR: Record<DataKind, HandlerName> = { tick: 'onTick', trade: 'onTrade', book: 'onBook', game: 'onGame' }

function isPromiseLike(v: unknown): v is PromiseLike<unknown> {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as PromiseLike<unknown>).then === 'function'
}


/**
 * Runs one strategy: every call into its code is guarded and timed, and while an async handler is
 * in flight new events wait in a bounded queue (ticks and books conflated per market, trades up to
 * `maxQueuedTrades`), so a slow or hung strategy costs bounded memory and never delays anyone else.
 */
export class StrategyRunner {
  readonly name: string
  readonly budgetMs: number
  readonly matches: (ticker: string) => boolean
  readonly stats: StrategyStats
  private readonly ctx: StrategyContext
  /** Pending jobs in arrival order; keys `t:<ticker>`/`b:<ticker>` (conflated) or `r<n>` (trades). */
  private readonly queue = new Map<string, Job>()
  private queuedTrades = 0
  private tradeSeq = 0
  private inFlight?: InFlight
  /** True during a synchronous call, so a re-entrant delivery queues instead of nesting. */
  private calling = false
  private closed = false
  private currentTs = 0
  private readonly idleWaiters = new IdleWaiters()

  constructor(readonly strategy: Strategy, private readonly deps: RunnerDeps) {
    this.name = strategy.name
    this.budgetMs = strategy.budgetMs ?? DEFAULT_BUDGET_MS
    // The same parser the subscription side uses; the loader has checked files, this checks strategies built in code.
    this.matches = marketMatcher(strategy.markets.map((m) => {
      try {
        return parseMarketPattern(m)
      } catch (error) {
        throw inputError('BAD_TARGET', `strategy ${this.name}: markets: ${(error as Error).message}`)
      }
    }))
    this.stats = deps.stats ?? { name: this.name, ticks: 0, trades: 0, books: 0, signals: 0, errors: 0, slow: 0, hung: 0, conflated: 0, dropped: 0 }
    const log = (level: 'info' | 'warn' | 'error') => (message: string, ...args: unknown[]) => {
      deps.emit({ type: 'log', source: this.name, level, message: format(message, ...args), ts: this.now() })
    }
    this.ctx = Object.freeze({
      strategy: this.name,
      apiVersion: STRATEGY_API_VERSION,
      store: deps.store,
      params: deps.params,
      log: Object.freeze({ info: log('info'), warn: log('warn'), error: log('error') }),
      clock: Object.freeze({ now: () => this.now() }),
      positions: () => frozenCopy(deps.positions()),
      game: (gameId: string) => deps.game?.(gameId),
    })
  }

  /** Whether this strategy has a handler for `kind` (and, for books, asked for them). */
  wants(kind: DataKind): boolean {
    if (kind === 'book') return this.strategy.books === true && typeof this.strategy.onBook === 'function'
    return typeof this.strategy[HANDLER_FOR[kind]] === 'function'
  }

  private now(): number {
    return this.deps.clockMode === 'live' ? Date.now() : this.currentTs
  }

  /**
   * Hand over a (frozen) event: run now if idle, else queue it. Never waits.
   *
   * `startedAt` is a performance.now() read taken just before, and the return value the read taken
   * right after the handler returned (undefined when there is none to pass on): the engine chains
   * them, so strategies called back to back on one event cost one clock read each instead of two.
   * A read costs ~90 ns on the benchmark machine, more than a sample strategy's whole onTick.
   */
  deliver(kind: DataKind, event: DataEvent, ts: number, startedAt?: number): number | undefined {
    if (this.closed) return startedAt
    if (!this.calling && this.inFlight === undefined) {
      const end = this.call(HANDLER_FOR[kind], event, ts, startedAt ?? performance.now())
      if (this.queue.size === 0) {
        this.wake()
        return end
      }
      // Events queued by a re-entrant call run now: the next strategy's clock starts afresh.
      this.drain()
      return undefined
    }
    const job: Job = { handler: HANDLER_FOR[kind], event, ts }
    if (kind === 'trade') {
      if (this.queuedTrades >= this.deps.maxQueuedTrades) {
        this.stats.dropped++
        return startedAt
      }
      this.queuedTrades++
      this.queue.set(`r${this.tradeSeq++}`, job)
      return startedAt
    }
    // Ticks, books and game states conflate per market (per game): the newest holds everything older ones did.
    const key = kind === 'game' ? `g:${(event as GameState).game}` : `${kind === 'tick' ? 't' : 'b'}:${(event as Tick | Book).ticker}`
    // Delete then set: the newest event takes its own place in arrival order, after trades that came first.
    if (this.queue.delete(key)) this.stats.conflated++
    this.queue.set(key, job)
    return startedAt
  }

  /** Call onStart (if any); events arriving meanwhile queue behind it. */
  start(ts: number): void {
    if (typeof this.strategy.onStart !== 'function') return
    this.call('onStart', undefined, ts, performance.now())
    this.drain()
  }

  /**
   * Stop taking events, drop what is queued, give an in-flight handler up to `timeoutMs`, then call
   * onStop with the same timeout. Resolves false when onStop did not finish in time.
   */
  // `_urgent` matters only to a strategy in a thread of its own (IsolatedRunner.stop): this one runs here.
  async stop(timeoutMs: number, _urgent = true): Promise<boolean> {
    this.closed = true
    this.queue.clear()
    this.queuedTrades = 0
    await this.idle(timeoutMs)
    if (typeof this.strategy.onStop !== 'function') return true
    // A handler still pending (hung or over time) is abandoned so onStop runs regardless.
    this.abandon()
    this.call('onStop', undefined, this.currentTs, performance.now())
    const done = await this.idle(timeoutMs, true)
    if (!done) {
      this.stats.errors++
      this.deps.emit({ type: 'error', code: 'STOP_TIMEOUT', strategy: this.name, handler: 'onStop', message: `onStop did not finish within ${timeoutMs} ms`, ts: this.now() })
      this.abandon()
    }
    return done
  }

  /**
   * Resolves true once nothing is queued or running, or the running handler is hung (it may never
   * settle; waiting on it would hang a replay). Resolves false after `timeoutMs`.
   */
  idle(timeoutMs?: number, strict = false): Promise<boolean> {
    return this.idleWaiters.until(() => this.isIdle(strict), timeoutMs)
  }


  /** Nothing queued or running; unless `strict`, a hung handler counts as idle. */
  isIdle(strict = false): boolean {
    return this.inFlight ? !strict && this.inFlight.hung : this.queue.size === 0
  }

  private busy(): boolean {
    return this.calling || this.inFlight !== undefined
  }

  private wake(): void {
    this.idleWaiters.wake()
  }

  private abandon(): void {
    if (!this.inFlight) return
    for (const t of this.inFlight.timers) clearTimeout(t)
    this.inFlight = undefined
  }

  private count(handler: HandlerName): void {
    if (handler === 'onTick') this.stats.ticks++
    else if (handler === 'onTrade') this.stats.trades++
    else if (handler === 'onBook') this.stats.books++
  }

  /**
   * Call one handler (`event` undefined for onStart/onStop), guarded and timed from `startedAt`.
   * Returns the clock read taken when it returned, or undefined when what followed the call (an
   * error report, signals to validate and hand on, a promise to follow) took time of its own.
   */
  private call(handler: HandlerName, event: DataEvent | undefined, ts: number, startedAt: number): number | undefined {
    this.currentTs = ts
    this.count(handler)
    const fn = this.strategy[handler] as ((...args: unknown[]) => unknown) | undefined
    if (typeof fn !== 'function') return startedAt
    let result: unknown
    this.calling = true
    try {
      result = event ? fn.call(this.strategy, event, this.ctx) : fn.call(this.strategy, this.ctx)
    } catch (error) {
      this.calling = false
      const end = performance.now()
      this.fault(handler, error, 'threw')
      this.checkSlow(handler, end - startedAt, false)
      return undefined
    }
    this.calling = false
    const end = performance.now()
    const syncMs = end - startedAt
    if (!isPromiseLike(result)) {
      const reported = this.checkSlow(handler, syncMs, false)
      const handedOn = this.finish(handler, result)
      return reported || handedOn ? undefined : end
    }
    const flight: InFlight = { handler, startedAt, slowReported: false, hung: false, timers: [] }
    this.inFlight = flight
    if (syncMs > this.budgetMs) flight.slowReported = this.checkSlow(handler, syncMs, true)
    else {
      const t = setTimeout(() => {
        // Timers may fire a fraction of a millisecond early by performance.now(): still pending is what counts.
        if (this.inFlight === flight) flight.slowReported = this.checkSlow(handler, Math.max(performance.now() - startedAt, this.budgetMs + 1), true)
      }, Math.max(0, this.budgetMs - syncMs))
      t.unref()
      flight.timers.push(t)
    }
    const hangAfterMs = Math.max(this.deps.hangAfterMs, this.budgetMs)
    const h = setTimeout(() => {
      if (this.inFlight !== flight) return
      flight.hung = true
      this.stats.hung++
      this.deps.emit({ type: 'hung', strategy: this.name, handler, pendingMs: Math.round(performance.now() - startedAt), ts: this.now() })
      this.wake()
    }, hangAfterMs)
    h.unref()
    flight.timers.push(h)
    Promise.resolve(result).then(
      value => {
        if (this.inFlight !== flight) return
        this.finish(handler, value)
      },
      error => {
        if (this.inFlight !== flight) return
        this.fault(handler, error, 'rejected')
      },
    ).finally(() => {
      if (this.inFlight !== flight) return
      for (const t of flight.timers) clearTimeout(t)
      this.inFlight = undefined
      this.drain()
    })
    return undefined
  }

  private drain(): void {
    while (!this.busy() && this.queue.size > 0) {
      const [key, job] = this.queue.entries().next().value as [string, Job]
      this.queue.delete(key)
      if (job.handler === 'onTrade') this.queuedTrades--
      this.call(job.handler, job.event, job.ts, performance.now())
    }
    this.wake()
  }

  /** Report a data handler over budget; returns true when reported. onStart/onStop have their own timeouts. */
  private checkSlow(handler: HandlerName, elapsedMs: number, pending: boolean): boolean {
    if (elapsedMs <= this.budgetMs || handler === 'onStart' || handler === 'onStop') return false
    this.stats.slow++
    this.deps.emit({ type: 'slow', strategy: this.name, handler, elapsedMs: Math.round(elapsedMs), budgetMs: this.budgetMs, pending, ts: this.now() })
    return true
  }

  private fault(handler: HandlerName, error: unknown, how: 'threw' | 'rejected'): void {
    this.stats.errors++
    const message = error instanceof Error ? error.message : typeof error === 'string' ? error : format('%o', error)
    this.deps.emit({
      type: 'error',
      code: 'HANDLER_ERROR',
      strategy: this.name,
      handler,
      message: `${handler} ${how}: ${message}`,
      ...(error instanceof Error && error.stack ? { stack: error.stack } : {}),
      ts: this.now(),
    })
  }

  /** Validate and hand on what a handler returned; true when there was anything to do. */
  private finish(handler: HandlerName, value: unknown): boolean {
    if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) return false
    if (Array.isArray(value) && value.length > MAX_SIGNALS_PER_CALL) {
      this.stats.errors++
      this.deps.emit({ type: 'error', code: 'TOO_MANY_SIGNALS', strategy: this.name, handler, message: `${handler} returned ${value.length} signals; the first ${MAX_SIGNALS_PER_CALL} are kept, ${value.length - MAX_SIGNALS_PER_CALL} refused`, ts: this.now() })
      value = value.slice(0, MAX_SIGNALS_PER_CALL)
    }
    const { signals, problems } = collectSignals(value)
    for (const p of problems) {
      this.stats.errors++
      this.deps.emit({ type: 'error', code: 'INVALID_SIGNAL', strategy: this.name, handler, message: `invalid signal from ${handler}, dropped: ${p}`, ts: this.now() })
    }
    if (signals.length) {
      this.stats.signals += signals.length
      this.deps.onSignals(this.name, signals, this.now())
    }
    return true
  }
}
