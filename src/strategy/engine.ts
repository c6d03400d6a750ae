import type { MarketStoreView } from '../core/market-store.js'
import type { Book, MarketEvent, Tick, Trade } from '../core/types.js'
import type { Signal, Strategy } from './api.js'
import { EventClock, eventTime, type ClockMode } from './clock.js'
import type { EngineEvent, PortfolioEvent, SignalEvent, SummaryEvent } from './events.js'
import { HookRunner } from './hook-runner.js'
import { createLogHook, type OrderHook } from './hooks/hook.js'
import type { LoadedStrategy } from './loader.js'
import { resolveParams } from './params.js'
import { deepFreeze, readOnlyStore } from './read-only.js'
import { IsolatedRunner, type IsolationLimits } from './isolation/isolated-runner.js'
import type { SharedItem } from './isolation/protocol.js'
import { packBatch, TickerTable } from './isolation/shared-batch.js'
import { StrategyRunner, type DataKind } from './strategy-runner.js'
import { strategyMarkets, type StrategyMarkets } from './markets.js'
import { watchesGame } from './games.js'
import type { GameState } from '../nfl/game-state.js'

export interface EngineOptions {
  strategies: readonly (Strategy | LoadedStrategy)[]
  /** Kept current by the feed; strategies get a read-only view of it. */
  store: MarketStoreView
  /** @default 'live' */
  clock?: ClockMode
  /** `--param` flags: `key=value` or `strategy.key=value`. */
  params?: readonly string[]
  /** Params from the rc file, by strategy name. */
  rcParams?: Record<string, Record<string, unknown>>
  /** Where signals go; @default [the log hook] */
  hooks?: readonly OrderHook[]
  /** Trades a busy strategy may have waiting before new ones are dropped. @default 1000 */
  maxQueuedTrades?: number
  /** A handler still pending after this long is reported as hung. @default 5000 */
  hangAfterMs?: number
  /** onStart may take this long before start() goes on without it. @default 5000 */
  startTimeoutMs?: number
  /** Each of: waiting for a running handler at stop, onStop itself, the hooks' backlog. @default 2000 */
  stopTimeoutMs?: number
  /** A hook call still pending after this long is reported and skipped. @default 10000 */
  hookTimeoutMs?: number
  /** Signals waiting for the hooks before new ones are refused. @default 1000 */
  maxPendingSignals?: number
  /** Emit a portfolio event this often (event time on replay); 0 = never. @default 0 */
  reportEveryMs?: number
  /** Limits of strategies loaded `isolated` (in worker threads). */
  isolation?: Partial<IsolationLimits>
  /**
   * Called when an isolated strategy is terminated (stuck, out of memory, exited). The engine goes
   * on without it; a caller that prefers to stop the run does so here.
   */
  onStrategyGone?: (strategy: string, reason: string) => void
}

type Runner = StrategyRunner | IsolatedRunner

type MarketKind = Exclude<DataKind, 'game'>
const KIND: Partial<Record<MarketEvent['type'], MarketKind>> = { ticker: 'tick', trade: 'trade', book: 'book' }

/** One market's in-process strategies, by the kind of event each takes: worked out once per market. */
type Route = Record<MarketKind, StrategyRunner[]>

type Listener = (event: EngineEvent) => void

/**
 * Runs strategies side by side on one feed. The feed calls `dispatch(event)` after updating the
 * store; the engine routes each tick, trade and book to the strategies whose `markets` match, never
 * waits for them, and passes their signals, in order, to the hooks. Everything the engine has to
 * say arrives at `onEvent` listeners as typed objects (see events.ts).
 */
export class StrategyEngine {
  private readonly runners: Runner[]
  /** Isolated runners get every market event for their own store, matched or not. */
  private readonly isolated: IsolatedRunner[]
  private readonly hooks: HookRunner
  private readonly clock: EventClock
  private readonly listeners = new Set<Listener>()
  private readonly routes = new Map<string, Route>()
  /** Routes by the strategies they hold: markets routed alike share one (5,000 markets, a handful of routes). */
  private readonly routeShapes = new Map<string, Route>()
  private shared: SharedItem[] = []
  private readonly sharedTickers = new TickerTable()
  private sharedScheduled = false
  private dispatched = 0
  private signalCount = 0
  private started = false
  private stopped = false
  private lastReportAt?: number
  private reportTimer?: NodeJS.Timeout
  private summaryCache?: SummaryEvent
  /** Latest state of each game (ctx.game), frozen; and which runners watch each game. */
  private readonly gameStates = new Map<string, GameState>()
  private readonly gameRoutes = new Map<string, StrategyRunner[]>()

  constructor(private readonly options: EngineOptions) {
    const entries = options.strategies.map(s => ('strategy' in s && 'file' in s ? s : { strategy: s as Strategy, worker: undefined }))
    const strategies = entries.map(e => e.strategy)
    const params = resolveParams(strategies, options.params ?? [], options.rcParams ?? {})
    this.clock = new EventClock(options.clock ?? 'live')
    this.hooks = new HookRunner(
      options.hooks?.length ? options.hooks : [createLogHook()],
      Object.freeze({ store: options.store, now: () => this.clock.now(), report: (e: EngineEvent) => this.emit(e) }),
      { hookTimeoutMs: options.hookTimeoutMs ?? 10_000, maxPendingSignals: options.maxPendingSignals ?? 1000 },
    )
    const store = readOnlyStore(options.store)
    const deps = (strategy: Strategy) => ({
      params: params.get(strategy.name)!,
      clockMode: this.clock.mode,
      emit: (e: EngineEvent) => this.emit(e),
      onSignals: (name: string, signals: Signal[], ts: number) => this.onSignals(name, signals, ts),
      positions: () => this.hooks.positions(),
      hangAfterMs: options.hangAfterMs ?? 5000,
      maxQueuedTrades: options.maxQueuedTrades ?? 1000,
      game: (gameId: string) => this.gameStates.get(gameId),
    })
    this.runners = entries.map(({ strategy, worker }) => worker
      ? new IsolatedRunner(strategy, worker, { ...deps(strategy), now: () => this.clock.now(), onGone: (name, why) => options.onStrategyGone?.(name, why) }, options.isolation)
      : new StrategyRunner(strategy, { ...deps(strategy), store }))
    this.isolated = this.runners.filter((r): r is IsolatedRunner => r instanceof IsolatedRunner)
  }

  /** Listen to everything the engine reports; returns the unsubscribe function. */
  onEvent(listener: Listener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** What the feed must subscribe: every market pattern, and those whose books are wanted. */
  subscriptions(): StrategyMarkets {
    return strategyMarkets(this.runners.map((r) => r.strategy))
  }

  now(): number {
    return this.clock.now()
  }

  /**
   * Start the hooks and call every onStart (in parallel, each given up to startTimeoutMs). Call it
   * before the first dispatch: events dispatched right after it queue behind onStart.
   */
  async start(): Promise<void> {
    if (this.started) return
    this.started = true
    const hooksReady = this.hooks.start()
    for (const r of this.runners) r.start(this.clock.now())
    await hooksReady
    await Promise.all(this.runners.map(r => r.idle(this.options.startTimeoutMs ?? 5000)))
    const everyMs = this.options.reportEveryMs ?? 0
    if (everyMs > 0 && this.clock.mode === 'live') {
      this.reportTimer = setInterval(() => this.emitReports(), everyMs)
      this.reportTimer.unref()
    }
  }

  /** Route one market event. Returns at once: strategies run now if idle, else queue (bounded). */
  dispatch(event: MarketEvent): void {
    if (this.stopped) return
    this.dispatched++
    const ts = eventTime(event)
    this.clock.advance(ts)
    // Fills (the kalshi hook's positions) and lifecycle (the paper hook's settlements) go to the hooks.
    if (event.type === 'fill' || event.type === 'lifecycle') this.hooks.onEvent(event)
    const kind = KIND[event.type]
    if (kind !== undefined) {
      const runners = this.route((event as Tick | Trade | Book).ticker)[kind]
      if (runners.length > 0) {
        // Frozen once, in place: no strategy can change what another (or the store) sees.
        // Ticks and trades are flat, so one freeze does; a book's level arrays need the deep walk.
        const frozen = kind === 'book' ? deepFreeze(event as Book) : Object.freeze(event as Tick | Trade)
        // Each strategy's call is timed from the clock read that ended the previous one.
        let t: number | undefined
        for (let i = 0; i < runners.length; i++) t = runners[i]!.deliver(kind, frozen, ts, t)
      }
    }
    if (this.isolated.length > 0 && event.type !== 'fill') {
      // Every market event goes to every worker (its store stays complete; its handlers see only
      // their markets), in one batch per event-loop turn packed once for all of them.
      this.share({ event, ts })
    }
    this.maybeReport(ts)
  }

  /** Whether any strategy has onGame (only then is live game data worth reading). */
  wantsGames(): boolean {
    return this.runners.some(r => r.wants('game'))
  }

  /**
   * A game's state changed: kept for ctx.game, and delivered to the onGame of every strategy whose
   * markets cover the game. Time is the state's read time (replay: its recorded time). Never waits.
   */
  dispatchGame(state: GameState): void {
    if (this.stopped) return
    this.clock.advance(state.updatedAt)
    // A frozen copy: the caller's object stays its own, and no strategy can change what another sees.
    const frozen = deepFreeze(structuredClone(state))
    this.gameStates.set(state.game, frozen)
    let route = this.gameRoutes.get(state.game)
    if (!route) {
      route = this.runners.filter((r): r is StrategyRunner => r instanceof StrategyRunner && watchesGame(r.strategy.markets, state.game))
      this.gameRoutes.set(state.game, route)
    }
    for (const r of route) if (r.wants('game')) r.deliver('game', frozen, state.updatedAt)
    // Every worker gets every game state, in order with the market events (its ctx.game answers for
    // any game, as in-process); each worker decides which of them its onGame sees.
    if (this.isolated.length > 0) this.share({ state: frozen, ts: state.updatedAt })
  }

  /**
   * Resolves when every strategy is idle (or hung) and the hooks have handled every signal so far.
   * A replay awaits this after each event so async strategies see events exactly as a sync one would.
   */
  async settle(): Promise<void> {
    this.flushShared()
    do {
      await Promise.all(this.runners.map(r => r.idle()))
      await this.hooks.idle()
    } while (!this.runners.every(r => r.isIdle()) || this.hooks.busy)
  }

  /** Portfolio reports of the hooks that keep one (paper, kalshi). */
  reports(): PortfolioEvent[] {
    return this.hooks.reports()
  }

  /**
   * Stop: no more events; each strategy's running handler gets stopTimeoutMs, then onStop gets as
   * much; the hooks finish their backlog (bounded by the same timeout) and close. Idempotent.
   * `urgent` (the default: Ctrl-C must end the run within a second) gives up at once on a strategy
   * thread that has been silent over a batch for a quarter of a second; otherwise (the run reached
   * its end) a thread that is slow but alive, as on a loaded machine, is waited for.
   */
  async stop(options: { urgent?: boolean } = {}): Promise<SummaryEvent> {
    if (this.summaryCache) return this.summaryCache
    this.stopped = true
    if (this.reportTimer) clearInterval(this.reportTimer)
    const timeoutMs = this.options.stopTimeoutMs ?? 2000
    this.flushShared()
    await Promise.all(this.runners.map(r => r.stop(timeoutMs, options.urgent ?? true)))
    await this.hooks.close(timeoutMs)
    this.summaryCache = this.summary()
    return this.summaryCache
  }

  /** Counts per strategy, total signals, and the portfolio when a paper or kalshi hook ran. */
  summary(): SummaryEvent {
    const summary: SummaryEvent = {
      type: 'summary',
      strategies: this.runners.map(r => ({ ...r.stats })),
      signals: this.signalCount,
      events: this.dispatched,
      hooks: this.hooks.names,
    }
    const pnl = this.reports()[0]
    if (pnl) {
      const { type: _type, hook: _hook, ...report } = pnl
      summary.pnl = report
    }
    return summary
  }

  /** Queue an item for the next shared batch (one per event-loop turn). */
  private share(item: SharedItem): void {
    this.shared.push(item)
    if (!this.sharedScheduled) {
      this.sharedScheduled = true
      setImmediate(() => this.flushShared())
    }
  }

  private flushShared(): void {
    this.sharedScheduled = false
    if (this.shared.length === 0) return
    const items = this.shared
    this.shared = []
    const batch = packBatch(items, this.sharedTickers)
    for (const r of this.isolated) r.feedShared(batch, items, this.sharedTickers.list)
  }

  private emit(event: EngineEvent): void {
    for (const l of this.listeners) {
      try {
        l(event)
      } catch (error) {
        // A listener is our own code (a renderer): fail loudly, but not inside the engine's state changes.
        queueMicrotask(() => { throw error })
      }
    }
  }

  private route(ticker: string): Route {
    let route = this.routes.get(ticker)
    if (!route) {
      // One entry per market ever seen: bounded by the markets the feed carries. A strategy's
      // handlers and `books` are read once, here, not on every event.
      const matching: number[] = []
      for (let i = 0; i < this.runners.length; i++) {
        const r = this.runners[i]!
        if (r instanceof StrategyRunner && r.matches(ticker)) matching.push(i)
      }
      const shape = matching.join(',')
      route = this.routeShapes.get(shape)
      if (!route) {
        const runners = matching.map((i) => this.runners[i] as StrategyRunner)
        route = { tick: runners.filter(r => r.wants('tick')), trade: runners.filter(r => r.wants('trade')), book: runners.filter(r => r.wants('book')) }
        this.routeShapes.set(shape, route)
      }
      this.routes.set(ticker, route)
    }
    return route
  }

  private onSignals(strategy: string, signals: Signal[], ts: number): void {
    for (const s of signals) {
      const event: SignalEvent = {
        type: 'signal',
        strategy,
        action: s.action,
        ticker: s.ticker,
        side: s.side,
        quantity: s.quantity,
        ...(s.limitPrice !== undefined ? { limitPrice: s.limitPrice } : {}),
        confidence: s.confidence,
        reason: s.reason,
        ts,
      }
      this.signalCount++
      this.emit(event)
      this.hooks.submit(event)
    }
  }

  private maybeReport(ts: number): void {
    const everyMs = this.options.reportEveryMs ?? 0
    if (everyMs <= 0 || this.clock.mode !== 'replay') return
    if (this.lastReportAt === undefined) {
      this.lastReportAt = ts
      return
    }
    if (ts - this.lastReportAt < everyMs) return
    this.lastReportAt = ts
    // After the hooks have seen every signal so far, so the report reflects them.
    this.hooks.after(() => this.emitReports())
  }

  private emitReports(): void {
    for (const r of this.reports()) this.emit(r)
  }
}
