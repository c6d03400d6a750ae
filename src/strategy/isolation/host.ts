/**
 * A strategy's worker thread: imports the strategy file, validates it, and runs it with the same
 * StrategyRunner (and so the same ctx) as in-process strategies, over a store of its own that the
 * engine keeps current with batches of market events (and game states, for ctx.game). Whatever the
 * strategy does to this thread's globals, memory or event loop stays in this thread.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { MarketStore } from '../../core/market-store.js'
import type { Position, Strategy } from '../api.js'
import { validateStrategy } from '../loader.js'
import { deepFreeze, readOnlyStore } from '../read-only.js'
import { applyToStore } from '../replay.js'
import { StrategyRunner } from '../strategy-runner.js'
import { describeImportError, importUserModule } from '../user-module.js'
import { isGameItem, type FromWorker, type ToWorker } from './protocol.js'
import { overHeapLimit } from './heap-limit.js'
import { unpackBatch } from './shared-batch.js'
import { sharedStats } from './shared-stats.js'
import type { GameState } from '../../nfl/game-state.js'
import { watchesGame } from '../games.js'
import type { Book, MarketEvent, Tick, Trade } from '../../core/types.js'

const port = parentPort!
const KIND = { ticker: 'tick', trade: 'trade', book: 'book' } as const
type MarketKind = (typeof KIND)[keyof typeof KIND]
const { file, label, maxHeapMb } = workerData as { file: string; label: string; maxHeapMb: number }
const post = (m: FromWorker) => port.postMessage(m)
const PROGRESS_EVERY_MS = 250

async function load(): Promise<Strategy | undefined> {
  let ns: Record<string, unknown>
  try {
    ns = await importUserModule(file, { ownThread: true })
  } catch (error) {
    post({ type: 'load-error', message: `${label}: ${await describeImportError(error, file)}` })
    return undefined
  }
  const exported = ns.default !== undefined ? ns.default : ns.strategy
  if (exported === undefined) {
    post({ type: 'load-error', message: `${label}: no default export (export default { name, markets, onTick } or export const strategy = ...)` })
    return undefined
  }
  try {
    const { strategy, warnings } = validateStrategy(exported, label)
    const handlers = ['onStart', 'onTick', 'onTrade', 'onBook', 'onGame', 'onStop'].filter((h) => typeof (strategy as unknown as Record<string, unknown>)[h] === 'function')
    // Only plain data crosses: copies of the fields the engine reads.
    post({
      type: 'loaded',
      meta: {
        name: strategy.name,
        markets: [...strategy.markets],
        ...(strategy.params ? { params: { ...strategy.params } } : {}),
        ...(strategy.books !== undefined ? { books: strategy.books } : {}),
        ...(strategy.budgetMs !== undefined ? { budgetMs: strategy.budgetMs } : {}),
        handlers,
        warnings,
      },
    })
    return strategy
  } catch (error) {
    post({ type: 'load-error', message: error instanceof Error ? error.message : String(error) })
    return undefined
  }
}

const strategy = await load()
if (strategy) {
  // History only for the markets the strategy asks about: a store per worker, each with every market.
  const store = new MarketStore(undefined, 'on-read')
  let runner: StrategyRunner | undefined
  let positions: Position[] = []
  /** The latest state of each game the engine sent (ctx.game), frozen. */
  const games = new Map<string, GameState>()
  const watched = new Map<string, boolean>()
  const watches = (gameId: string) => {
    let yes = watched.get(gameId)
    if (yes === undefined) watched.set(gameId, (yes = watchesGame(strategy.markets, gameId)))
    return yes
  }
  let idleWatch = false
  const watchIdle = () => {
    if (!runner || idleWatch || runner.isIdle()) return
    idleWatch = true
    void runner.idle().then(() => {
      idleWatch = false
      post({ type: 'idle', stats: { ...runner!.stats } })
    })
  }
  /** Ticker ids of shared batches (shared-batch.ts), and per id whether the strategy's markets cover it. */
  const tickers: string[] = []
  const watchesMarket: boolean[] = []
  let lastProgress = 0
  let sinceRead = 0
  /**
   * Prove the thread is not stuck in a long batch. The clock is read after a handler (the runner
   * reads it anyway and passes it on) or every 64 events the strategy does not see: a read costs
   * ~90 ns on the benchmark machine, as much as storing an event.
   */
  const progress = (now: number | undefined) => {
    if (now === undefined) now = performance.now()
    if (now - lastProgress > PROGRESS_EVERY_MS) {
      lastProgress = now
      if (!outOfMemory()) post({ type: 'progress' })
    }
  }
  /**
   * The heap limit (heap-limit.ts), checked after every batch and during a long one, so a strategy
   * that keeps what it is sent is stopped between two handlers, long before one growth of its store
   * could take the process down.
   */
  let stoppedForMemory = false
  const outOfMemory = (): boolean => {
    if (!stoppedForMemory && overHeapLimit(maxHeapMb)) {
      stoppedForMemory = true
      // Nothing more runs here; the engine terminates the thread.
      post({ type: 'out-of-memory' })
    }
    return stoppedForMemory
  }
  const onMarketEvent = (r: StrategyRunner, event: MarketEvent, ts: number, deliver: MarketKind | undefined) => {
    applyToStore(store, event)
    if (deliver) {
      sinceRead = 0
      progress(r.deliver(deliver, deliver === 'book' ? deepFreeze(event as Book) : Object.freeze(event as Tick | Trade), ts))
    } else if (++sinceRead === 64) {
      sinceRead = 0
      progress(undefined)
    }
  }
  const onGame = (r: StrategyRunner, gameState: GameState, ts: number, deliver: boolean) => {
    // Kept before onGame runs, so ctx.game in it answers with this state (or a newer one).
    const state = deepFreeze(gameState)
    games.set(state.game, state)
    progress(deliver ? r.deliver('game', state, ts) : undefined)
  }
  port.on('message', (m: ToWorker) => {
    if (stoppedForMemory) return
    switch (m.type) {
      case 'run':
        positions = m.positions
        runner = new StrategyRunner(strategy, {
          store: readOnlyStore(store),
          params: Object.freeze({ ...m.params }),
          clockMode: m.clockMode,
          emit: (event) => post({ type: 'event', event }),
          onSignals: (_name, signals, ts) => post({ type: 'signals', signals, ts }),
          positions: () => positions,
          hangAfterMs: m.hangAfterMs,
          maxQueuedTrades: m.maxQueuedTrades,
          game: (gameId) => games.get(gameId),
          stats: sharedStats(strategy.name, m.stats),
        })
        break
      case 'start':
        runner!.start(m.ts)
        post({ type: 'ack', seq: 0, stats: { ...runner!.stats }, idle: runner!.isIdle() })
        watchIdle()
        break
      case 'batch':
      case 'shared': {
        if (m.positions) positions = m.positions
        const r = runner!
        lastProgress = performance.now()
        if (m.type === 'batch') {
          for (const item of m.items) {
            if (isGameItem(item)) onGame(r, item.state, item.ts, item.deliver !== undefined)
            else onMarketEvent(r, item.event, item.ts, item.deliver)
          }
        } else {
          if (m.tickers) for (const t of m.tickers) watchesMarket[tickers.push(t) - 1] = r.matches(t)
          unpackBatch(m.batch, tickers, (event, id, ts) => {
            const kind = KIND[event.type]
            onMarketEvent(r, event, ts, watchesMarket[id] && r.wants(kind) ? kind : undefined)
          }, (item) => {
            if (isGameItem(item)) onGame(r, item.state, item.ts, r.wants('game') && watches(item.state.game))
            else {
              const kind = KIND[item.event.type as keyof typeof KIND]
              onMarketEvent(r, item.event, item.ts, kind && r.wants(kind) && r.matches((item.event as Book).ticker) ? kind : undefined)
            }
          })
        }
        if (outOfMemory()) break
        post({ type: 'ack', seq: m.seq, stats: { ...r.stats }, idle: r.isIdle() })
        watchIdle()
        break
      }
      case 'stop':
        void runner!.stop(m.timeoutMs).then(() => post({ type: 'stopped', stats: { ...runner!.stats } }))
        break
    }
  })
}
