/**
 * What the strategy engine emits. These objects are printed as-is, one JSON line each, by
 * `neural run-strategy --json`: the field names here are that contract.
 */
import type { Side } from '../core/types.js'
import type { PortfolioReport } from './hooks/portfolio.js'

export type HandlerName = 'onStart' | 'onTick' | 'onTrade' | 'onBook' | 'onGame' | 'onStop'

/** A valid signal returned by a strategy. */
export interface SignalEvent {
  type: 'signal'
  strategy: string
  action: 'BUY' | 'SELL'
  ticker: string
  side: Side
  quantity: number
  /** Absent when the strategy gave none (hooks then use the current ask/bid as the limit). */
  limitPrice?: number
  confidence: number
  reason: string
  /** Strategy clock time of the signal, epoch ms (event time on replay). */
  ts: number
}

/**
 * Codes: HANDLER_ERROR (a handler threw or rejected), INVALID_SIGNAL (a handler returned something
 * that is not a valid signal), STOP_TIMEOUT (onStop did not finish in time), HOOK_ERROR (a hook
 * failed: command exited, module threw, request failed).
 */
export type EngineErrorCode = 'HANDLER_ERROR' | 'INVALID_SIGNAL' | 'STOP_TIMEOUT' | 'HOOK_ERROR' | 'TOO_MANY_SIGNALS' | 'STRATEGY_TERMINATED'

/** A fault in user code or in a hook, reported; the feed and the other strategies go on. */
export interface StrategyErrorEvent {
  type: 'error'
  code: EngineErrorCode
  /** The strategy at fault, or whose signal a hook was handling. */
  strategy?: string
  handler?: HandlerName
  hook?: string
  message: string
  /** For `--debug`. */
  stack?: string
  ts: number
}

/** A handler took longer than its budget (sync: measured; async: still pending at the budget). */
export interface SlowEvent {
  type: 'slow'
  strategy: string
  handler: HandlerName
  elapsedMs: number
  budgetMs: number
  /** True when the handler had not finished when reported. */
  pending: boolean
  ts: number
}

/** An async handler still pending after the hang limit: the strategy gets no events until it settles. */
export interface HungEvent {
  type: 'hung'
  strategy: string
  handler: HandlerName
  pendingMs: number
  ts: number
}

/** A line from ctx.log (or from a hook, `source` is then the hook's name). */
export interface LogEvent {
  type: 'log'
  source: string
  level: 'info' | 'warn' | 'error'
  message: string
  ts: number
}

export type HookStatus = 'logged' | 'filled' | 'partial' | 'unfilled' | 'sent' | 'refused' | 'failed'

/** What a hook did with one signal (not emitted for `logged`). */
export interface OrderEvent {
  type: 'order'
  hook: string
  strategy: string
  action: 'BUY' | 'SELL'
  ticker: string
  side: Side
  quantity: number
  status: HookStatus
  /** Contracts filled (paper) or ordered (kalshi). */
  filledQuantity?: number
  /** Average fill price (paper) or limit price sent (kalshi), dollars. */
  priceDollars?: number
  /** The fill's trading fee (paper: Kalshi's taker fee for it), dollars. */
  feeDollars?: number
  orderId?: string
  /** The risk limit that refused the signal. */
  limit?: string
  message?: string
  ts: number
}

export type PortfolioEvent = { type: 'portfolio'; hook: string } & PortfolioReport

/** A market was determined or settled and a position in it was paid out (paper hook). */
export interface SettlementEvent {
  type: 'settlement'
  hook: string
  ticker: string
  /** Kalshi's result: yes, no, or scalar (then `settlementValueDollars` says what YES paid). */
  result: string
  side: Side
  quantity: number
  /** What one YES contract paid, dollars (1, 0, or e.g. 0.5 for a tied NFL game). */
  settlementValueDollars: number
  payoutDollars: number
  /** Payout minus what the position cost, fees included. */
  pnlDollars: number
  ts: number
}

export interface StrategyStats {
  name: string
  /** Handler calls per kind (after conflation). */
  ticks: number
  trades: number
  books: number
  signals: number
  /** Throws, rejections and invalid signals. */
  errors: number
  slow: number
  hung: number
  /** Ticks and books replaced by a newer one while the strategy was busy. */
  conflated: number
  /** Trades dropped because the strategy's queue was full. */
  dropped: number
}

export interface SummaryEvent {
  type: 'summary'
  strategies: StrategyStats[]
  /** Valid signals across all strategies. */
  signals: number
  /** Market events dispatched. */
  events: number
  hooks: string[]
  /** The paper (or kalshi) hook's portfolio at the end, when one ran. */
  pnl?: PortfolioReport
}

export type EngineEvent =
  | SignalEvent
  | StrategyErrorEvent
  | SlowEvent
  | HungEvent
  | LogEvent
  | OrderEvent
  | PortfolioEvent
  | SettlementEvent
