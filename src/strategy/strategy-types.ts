/**
 * What a strategy file sees of 'neural' in the quick type check (typecheck.ts): the part of the
 * package's exports whose declarations need nothing of Node's (no @types/node, ~2 MB of declarations
 * and two thirds of a check's cost). The package entry (src/index.ts) exports all of it, and adds what
 * needs Node (the stream, the REST client, the bus); typecheck-quick.suite.ts holds this module free of
 * Node's types. A strategy that imports anything else, or uses Node's globals, is checked again in full.
 */
export {
  defineStrategy,
  STRATEGY_API_VERSION,
  type Strategy,
  type StrategyContext,
  type Signal,
  type Params,
  type ParamValue,
  type Position,
  type StrategyClock,
  type StrategyLog,
  type HandlerResult,
} from './api.js'
export type { OrderHook, HookContext, HookResult } from './hooks/hook.js'
export type { SignalHandler, ModuleHookContext } from './hooks/module.js'
export type { SignalEvent, HookStatus, EngineEvent } from './events.js'
export * from '../core/types.js'
export { MarketStore, type MarketState, type MarketStoreView, type HistoryPoint } from '../core/market-store.js'
export { marketMatcher, matchesMarket, parseMarketPattern, parseMarketPatterns, type MarketPattern, type MarketPatternKind } from '../core/market-pattern.js'
export { FeeSchedules, OrderFees, feeDollars, feeRate, takerFeeDollars, tradeFeeMicros, DEFAULT_FEE_SCHEDULE, MAKER_RATE, TAKER_RATE, MICROS_PER_DOLLAR, type FeeSchedule, type FeeType, type FillFee, type Liquidity } from '../core/fees.js'
export { WS_ERROR, WS_ERROR_TABLE, wsError, type WsErrorInfo, type WsErrorKind, type WsErrorName } from '../core/ws-errors.js'
export { NeuralError, EXIT_CODES, exitCodeFor, ERROR_CODES, type ErrorKind, type ErrorCode, type WsErrorCode } from '../errors.js'
export type { NeuralConfig, RiskLimits, ConfigSource } from '../config/types.js'
export { ALSO_SUPPORTED, ENDPOINTS, kalshiEnvironmentOf, type Environment } from '../config/endpoints.js'
export { NflMarkets } from '../nfl/game-summary.js'
export { parseGameId, parseNflTicker } from '../nfl/tickers.js'
export { findTeam, TEAMS } from '../nfl/teams.js'
export { winProbability } from '../nfl/win-probability.js'
export { formatScoreLine, gameStateFromLiveData, type GameSide, type GameState, type GameStatus, type ScoreEvent } from '../nfl/game-state.js'
export { parseLiveData, parseMilestone, type LiveData, type Milestone } from '../core/live-data.js'
