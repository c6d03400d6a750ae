import type { Book, MarketEvent, Tick, Trade } from '../../core/types.js'
import type { GameState } from '../../nfl/game-state.js'
import type { Params, Position, Signal } from '../api.js'
import type { ClockMode } from '../clock.js'
import type { EngineEvent, StrategyStats } from '../events.js'
import type { DataKind } from '../strategy-runner.js'
import type { PackedBatch } from './shared-batch.js'

/**
 * Messages between the engine (main thread) and a strategy's worker. Events cross in batches: one
 * postMessage per batch and per worker, because a structured clone costs far more per message
 * than per event.
 */

/** What the engine needs to know of a strategy without running its code. */
export interface StrategyMeta {
  name: string
  markets: string[]
  params?: Params
  books?: boolean
  budgetMs?: number
  /** Handlers the strategy defines. */
  handlers: string[]
  warnings: string[]
}

/** A game's state (onGame, ctx.game) in a batch, with its read time; see isGameItem. */
export interface GameItem {
  state: GameState
  /** Present when the strategy's onGame sees it; else it only updates what ctx.game returns. */
  deliver?: 'game'
  ts: number
}

/** A market event (or a game state) of a shared batch, with the time the engine's clock read for it. */
export type SharedItem = { event: MarketEvent; ts: number } | { state: GameState; ts: number }

/** One market event; `deliver` says whether the strategy's handler sees it (else it only updates the worker's store). */
export interface MarketItem {
  event: MarketEvent
  deliver?: Exclude<DataKind, 'game'>
  ts: number
}

export type BatchItem = MarketItem | GameItem

export function isGameItem<T extends BatchItem | SharedItem>(item: T): item is Extract<T, { state: GameState }> {
  return 'state' in item
}

export type ToWorker =
  /** `stats`: the strategy's counters, shared with the engine (shared-stats.ts). */
  | { type: 'run'; stats: SharedArrayBuffer; params: Params; clockMode: ClockMode; hangAfterMs: number; maxQueuedTrades: number; positions: Position[] }
  | { type: 'batch'; seq: number; items: BatchItem[]; positions?: Position[] }
  /**
   * The same batch for every worker, packed once by the engine however many workers there are
   * (shared-batch.ts), with the tickers this worker has not been sent yet (its ticker ids go on
   * from there); each worker decides which of the events its handlers see.
   */
  | { type: 'shared'; seq: number; batch: PackedBatch; tickers?: string[]; positions?: Position[] }
  | { type: 'start'; ts: number }
  | { type: 'stop'; timeoutMs: number }

export type FromWorker =
  | { type: 'loaded'; meta: StrategyMeta }
  | { type: 'load-error'; message: string }
  | { type: 'event'; event: EngineEvent }
  | { type: 'signals'; signals: Signal[]; ts: number }
  /** A batch handled (its synchronous part), with the counts so far and whether anything is still pending. */
  | { type: 'ack'; seq: number; stats: StrategyStats; idle: boolean }
  /** Still working on a batch (a long one): proves the thread is not stuck. */
  | { type: 'progress' }
  | { type: 'idle'; stats: StrategyStats }
  /** Its heap passed the limit (spawn.ts): it runs nothing more and waits to be terminated. */
  | { type: 'out-of-memory' }
  | { type: 'stopped'; stats: StrategyStats }

export type DeliveredEvent = Tick | Trade | Book
