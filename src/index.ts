/**
 * neural as a library: `import { MarketStream, defineStrategy, startSimulator } from 'neural'`.
 * The streaming core, the strategy contract, the NFL layer, the simulator and configuration.
 */
import type { SimOptions, Simulator } from './sim/index.js'

export * from './core/index.js'
export { createSigner, verifySignature, signedPath, loadPrivateKey, type AuthHeaders, type Signer } from './auth/signer.js'
export { NeuralError, EXIT_CODES, exitCodeFor, type ErrorKind } from './errors.js'
export { ERROR_CODES, type ErrorCode, type WsErrorCode } from './errors.js'
export { loadConfig, type LoadConfigOptions, type LoadedConfig } from './config/load.js'
export type { NeuralConfig, RiskLimits, ConfigSource } from './config/types.js'
export { ALSO_SUPPORTED, ENDPOINTS, kalshiEnvironmentOf, type Environment } from './config/endpoints.js'
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
} from './strategy/api.js'
// Types for hook modules (`--hook module:<file>`) and custom hooks: what they receive and return.
export type { OrderHook, HookContext, HookResult } from './strategy/hooks/hook.js'
export type { SignalHandler, ModuleHookContext } from './strategy/hooks/module.js'
export type { SignalEvent, HookStatus, EngineEvent } from './strategy/events.js'
export { NflMarkets } from './nfl/game-summary.js'
export { parseGameId, parseNflTicker } from './nfl/tickers.js'
export { findTeam, TEAMS } from './nfl/teams.js'
export { winProbability } from './nfl/win-probability.js'
export { formatScoreLine, gameStateFromLiveData, type GameSide, type GameState, type GameStatus, type ScoreEvent } from './nfl/game-state.js'
export { GameFeed, findGameMilestone, type GameFeedOptions } from './nfl/game-feed.js'
export { parseLiveData, parseMilestone, type LiveData, type Milestone } from './core/live-data.js'
export type { SimOptions, Simulator } from './sim/index.js'
export { BusPublisher, BusSource, subjectFor, type BusPublisherOptions, type BusSubscribeOptions, type BusGap } from './bus/index.js'

/**
 * Start a simulated Kalshi exchange (src/sim). Its modules load on the first call: every strategy
 * that imports a value from 'neural' loads this entry in its worker thread, and none of them starts one.
 */
export async function startSimulator(options?: SimOptions): Promise<Simulator> {
  const sim = await import('./sim/index.js')
  return sim.startSimulator(options)
}
