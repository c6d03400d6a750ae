/** Messages between `neural backtest`'s thread (backtest-thread.ts) and the thread that plays the history (backtest-worker.ts). */
import type { ErrorCode, ErrorKind } from '../errors.js'
import type { EngineEvent } from '../strategy/events.js'
import { STRATEGY_MAX_HEAP_MB } from '../strategy/isolation/heap-limit.js'
import type { BacktestDetail, BacktestHistory } from './backtest.js'

export interface BacktestThreadInput {
  file: string
  cwd: string
  history: BacktestHistory
  params: readonly string[]
  rcParams?: Record<string, Record<string, unknown>>
  hangAfterMs?: number
  /** The heap limit the thread keeps (strategy/isolation/heap-limit.ts). */
  maxHeapMb: number
}

/** A backtest's thread holds the history it plays as well as the strategy: twice a live strategy thread's limit. */
export const BACKTEST_MAX_HEAP_MB = 2 * STRATEGY_MAX_HEAP_MB

/** A NeuralError as plain data (an Error's class does not cross threads). */
export interface ThreadError { kind: ErrorKind; code: ErrorCode; message: string; details?: readonly string[] }

export type FromBacktestThread =
  /** Sent while the thread's event loop turns: silence means synchronous code that does not end. */
  | { type: 'alive' }
  | { type: 'loaded'; strategy: string; warnings: string[] }
  /** The engine's `error`, `hung` and `log` events. */
  | { type: 'engine'; event: EngineEvent }
  | { type: 'done'; detail: BacktestDetail }
  | { type: 'failed'; error: ThreadError }
  /** Its heap passed the limit (strategy/isolation/heap-limit.ts): it has stopped playing. */
  | { type: 'out-of-memory' }

export type ToBacktestThread = { type: 'stop'; reason: string }

/** How often a turning event loop says so; the supervisor's patience is counted in seconds. */
export const ALIVE_EVERY_MS = 100
