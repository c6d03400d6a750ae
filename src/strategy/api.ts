/**
 * # The neural strategy contract (version 1)
 *
 * This file is the whole contract between neural and a strategy. Everything a strategy author
 * needs is here; everything else in src/strategy/ is machinery.
 *
 * A strategy is a plain object, default-exported from a `.ts`, `.mts`, `.js` or `.mjs` file:
 *
 * ```ts
 * import type { Strategy } from 'neural'
 *
 * const strategy: Strategy<{ threshold: number }> = {
 *   name: 'cheap-yes',
 *   markets: ['KXNFLGAME*'],
 *   params: { threshold: 0.2 },
 *   onTick(tick, ctx) {
 *     if (tick.yesAsk !== undefined && tick.yesAsk < ctx.params.threshold) {
 *       return { action: 'BUY', ticker: tick.ticker, side: 'yes', quantity: 1,
 *                limitPrice: tick.yesAsk, confidence: 0.5, reason: 'yes ask below threshold' }
 *     }
 *   },
 * }
 * export default strategy
 * ```
 *
 * Run it with `neural run-strategy cheap-yes.ts` (no build step: a TypeScript file is type-checked
 * against this contract, then loaded as is; `--no-typecheck` skips the check).
 *
 * ## The rules neural keeps for you
 * - **Strategies return signals; they never place orders.** What happens to a signal is chosen on
 *   the command line with `--hook`: `log` (print it, the default), `paper` (simulated fills against
 *   the live book), `exec:<command>`, `module:<file>`, or `kalshi` (real orders, only with `--live`
 *   and configured risk limits).
 * - **Your code cannot break the feed.** Every call into a handler is guarded: a throw or a rejected
 *   promise is reported with your strategy's name and the feed goes on. A handler slower than its
 *   `budgetMs` is reported. While an async handler is still running, newer ticks for the same market
 *   replace older ones (only the newest is delivered) and trades queue up to a bound; the feed and the
 *   other strategies are never delayed. `neural run-strategy` runs each strategy file in a worker
 *   thread of its own: `process.exit`, an endless loop (terminated after 5 s), running out of memory
 *   (512 MB) or replacing globals end or change only that strategy, reported once; the run goes on.
 *   A handler call may return at most 100 signals; the rest are refused with one report.
 * - **You get state you cannot corrupt.** Events, `ctx.store`, `ctx.params` and `ctx.positions()` are
 *   read-only; writing to them throws (and is reported like any other throw).
 * - **The same strategy runs live and on replay.** Read time from `ctx.clock.now()`, never from
 *   `Date.now()`: on replay it is the time of the event being handled, so a replay is repeatable.
 *
 * ## Compatibility
 * New context arrives as new members of `ctx`; existing members keep their meaning. A change that
 * would break a strategy bumps {@link STRATEGY_API_VERSION}.
 */
import type { Book, Side, Tick, Trade } from '../core/types.js'
import type { MarketStoreView } from '../core/market-store.js'
import type { GameState } from '../nfl/game-state.js'

export type { Book, Level, Side, Tick, Trade } from '../core/types.js'
export type { GameSide, GameState, GameStatus } from '../nfl/game-state.js'
export type { HistoryPoint, MarketState, MarketStoreView } from '../core/market-store.js'

/** The version of this contract. Bumped only for a change that breaks existing strategies. */
export const STRATEGY_API_VERSION = 1

/** A parameter value. `--param key=value` strings are coerced to the type of the default. */
export type ParamValue = number | string | boolean

/** A strategy's parameters: names to values. */
export type Params = Record<string, ParamValue>

/**
 * What a strategy wants done. neural validates every signal; an invalid one is reported with the
 * strategy's name and dropped, and the strategy goes on.
 */
export interface Signal {
  /** Buy or sell contracts. */
  action: 'BUY' | 'SELL'
  /** The market ticker, e.g. `KXNFLGAME-25SEP04DALPHI-PHI`. */
  ticker: string
  /** Which contract: `yes` or `no`. */
  side: Side
  /** Number of contracts: a positive integer. */
  quantity: number
  /**
   * The worst price you accept, in dollars per contract for the chosen side (0.01 to 0.99, at most
   * four decimals). A buy never pays more, a sell never receives less. Without it, the paper and
   * kalshi hooks use the current ask (buy) or bid (sell) as the limit: neural never sends a market order.
   */
  limitPrice?: number
  /** How sure the strategy is, from 0 to 1. Informational: printed and passed to hooks. */
  confidence: number
  /** Why, in a few words. Printed with the signal. */
  reason: string
}

/** What a handler may return: nothing, one signal, or several. A promise of these is fine too. */
export type HandlerResult = void | undefined | null | Signal | readonly Signal[]

/** A handler may be sync or async. */
export type MaybePromise<T> = T | Promise<T>

/**
 * `ctx.log.info('tick %s', t.ticker)` (also `warn`, `error`; printf-style arguments). run-strategy
 * prints each on stderr as `HH:MM:SS.mmm  <strategy> <level>: <message>` (prefixed `[sim] ` on a
 * simulated feed), and under --json writes `{"type":"log","source","level","message","ts"}`.
 */
export interface StrategyLog {
  info(message: string, ...args: unknown[]): void
  warn(message: string, ...args: unknown[]): void
  error(message: string, ...args: unknown[]): void
}

/** The strategy's clock. */
export interface StrategyClock {
  /**
   * Epoch milliseconds. Live: the wall clock. Replay: the time of the event being handled
   * (0 in `onStart` before any event), so replaying the same events gives the same signals.
   */
  now(): number
}

/** A position held by the paper or kalshi hook. */
export interface Position {
  ticker: string
  side: Side
  /** Contracts held (always positive). */
  quantity: number
  /** Average price paid per contract, dollars. */
  avgPriceDollars: number
  /** Total paid for the contracts held, dollars. */
  costDollars: number
}

/**
 * Everything a handler gets besides the event. All of it is read-only.
 * @typeParam P - the strategy's params type.
 */
export interface StrategyContext<P extends Params = Params> {
  /** The name of the running strategy. */
  readonly strategy: string
  /** The contract version neural runs ({@link STRATEGY_API_VERSION}). */
  readonly apiVersion: number
  /**
   * Latest state of every market the feed knows: best yes bid/ask, last price, volume, book when
   * kept, and a bounded recent history per market. Read-only: it is kept current by the feed.
   * `neural run-strategy` keeps a market's history from the first time the strategy reads it
   * (`ctx.store.history(ticker)`, which then starts with the present state), so a strategy that
   * wants history reads it early, e.g. on a market's first tick.
   */
  readonly store: MarketStoreView
  /** Parameters: your defaults, overridden by the rc file, overridden by `--param key=value`. */
  readonly params: Readonly<P>
  /** `ctx.log.info|warn|error(message, ...args)`: a line on stderr with the time, the strategy's name and the level (see StrategyLog). */
  readonly log: StrategyLog
  /** Time: use this, not `Date.now()`, so replays are repeatable. */
  readonly clock: StrategyClock
  /** Positions held by the paper or kalshi hook; empty with the `log`, `exec` and `module` hooks. */
  positions(): readonly Readonly<Position>[]
  /**
   * The latest state (score, clock, status) of an NFL game, by game id (`25SEP04DALPHI`), or
   * undefined before its live data was read. Filled only while some strategy has `onGame`
   * (neural reads live game data only then). Added in contract version 1.
   */
  game(gameId: string): Readonly<GameState> | undefined
}

/**
 * A strategy. Only `name`, `markets` and one data handler are required; every other member has a
 * safe default.
 * @typeParam P - the type of `params`, so `ctx.params` is typed in the handlers.
 */
export interface Strategy<P extends Params = Params> {
  /** Unique among the strategies run together; used in logs, reports and `--param name.key=value`. */
  name: string
  /**
   * Markets to watch, as market patterns (src/core/market-pattern.ts, the same as `neural stream`
   * targets): exact tickers (`KXNFLGAME-25SEP04DALPHI-PHI`), a series (`KXNFLGAME*`), an event
   * (`KXNFLGAME-25SEP04DALPHI*`) or `*` for every market. Case-insensitive (upper-cased as read); a
   * bad pattern fails at load, naming the strategy. Must not be empty.
   */
  markets: string[]
  /** Parameter defaults. Their types decide how `--param` strings are read. */
  params?: P
  /**
   * Set to true to receive `onBook` (order book snapshots kept current by the feed).
   * @default false
   */
  books?: boolean
  /**
   * Milliseconds a handler may take before it is reported as slow.
   * @default 10
   */
  budgetMs?: number
  /** Called once before the first event. Signals returned here are handled like any other. */
  onStart?(ctx: StrategyContext<P>): MaybePromise<HandlerResult>
  /** A ticker update (best bid/ask, last price, volume) for one of `markets`. */
  onTick?(tick: Readonly<Tick>, ctx: StrategyContext<P>): MaybePromise<HandlerResult>
  /** An executed trade in one of `markets`. */
  onTrade?(trade: Readonly<Trade>, ctx: StrategyContext<P>): MaybePromise<HandlerResult>
  /** The order book of one of `markets` changed (needs `books: true`). */
  onBook?(book: Readonly<Book>, ctx: StrategyContext<P>): MaybePromise<HandlerResult>
  /**
   * An NFL game's state changed (score, status, quarter or clock), for a game with markets in
   * `markets` (`KXNFLGAME*` covers every game; `KXNFLGAME-25SEP04DALPHI-PHI` that one game). Live:
   * read from Kalshi's live data about once a second; replay: the recorded snapshots at their times.
   * While the strategy is busy, a newer state of the same game replaces an older one.
   * Added in contract version 1 (optional).
   */
  onGame?(state: Readonly<GameState>, ctx: StrategyContext<P>): MaybePromise<HandlerResult>
  /** Called once on shutdown (Ctrl-C, end of replay), with a timeout. Signals returned here are handled. */
  onStop?(ctx: StrategyContext<P>): MaybePromise<HandlerResult>
}

/**
 * Identity helper that gives an object literal the {@link Strategy} type (and `ctx.params` its
 * type from `params`) without a type annotation. `export default defineStrategy({ ... })`.
 */
export function defineStrategy<P extends Params = Params>(strategy: Strategy<P>): Strategy<P> {
  return strategy
}

