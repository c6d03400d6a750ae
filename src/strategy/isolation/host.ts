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
import { isGameItem, type BatchItem, type FromWorker, type SharedItem, type ToWorker } from './protocol.js'
import type { GameState } from '../../nfl/game-state.js'
import { watchesGame } from '../games.js'
import type { Book, Tick, Trade } from '../../core/types.js'

const port = parentPort!
// Taken before the strategy loads: whatever it does to JSON.parse, its feed is read with the real one.
const parseJson = JSON.parse
const KIND = { ticker: 'tick', trade: 'trade', book: 'book' } as const
const { file, label } = workerData as { file: string; label: string }
const post = (m: FromWorker) => port.postMessage(m)
const PROGRESS_EVERY_MS = 250

async function load(): Promise<Strategy | undefined> {
  let ns: Record<string, unknown>
  try {
    ns = await importUserModule(file)
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
  port.on('message', (m: ToWorker) => {
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
        const items: BatchItem[] = m.type === 'batch'
          ? m.items
          : (parseJson(m.json) as SharedItem[]).map((item): BatchItem => {
              if (isGameItem(item)) return r.wants('game') && watches(item.state.game) ? { ...item, deliver: 'game' } : item
              const { event, ts } = item
              const kind = KIND[event.type as keyof typeof KIND]
              const deliver = kind && r.wants(kind) && r.matches((event as Tick | Trade | Book).ticker) ? kind : undefined
              return { event, ts, ...(deliver ? { deliver } : {}) }
            })
        let lastProgress = performance.now()
        for (const item of items) {
          if (isGameItem(item)) {
            // Kept before onGame runs, so ctx.game in it answers with this state (or a newer one).
            const state = deepFreeze(item.state)
            games.set(state.game, state)
            if (item.deliver) r.deliver('game', state, item.ts)
          } else {
            applyToStore(store, item.event)
            if (item.deliver) r.deliver(item.deliver, item.deliver === 'book' ? deepFreeze(item.event as never) : Object.freeze(item.event) as never, item.ts)
          }
          if (performance.now() - lastProgress > PROGRESS_EVERY_MS) {
            lastProgress = performance.now()
            post({ type: 'progress' })
          }
        }
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
