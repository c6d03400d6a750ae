/**
 * neural as a library: `import { MarketStream, defineStrategy, startSimulator } from 'neural'`.
 * The streaming core, the strategy contract, the NFL layer, the simulator and configuration.
 */
export * from './core/index.js'
export { createSigner, verifySignature, signedPath, loadPrivateKey, type AuthHeaders, type Signer } from './auth/signer.js'
export { NeuralError, EXIT_CODES, exitCodeFor, type ErrorKind } from './errors.js'
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
export { NflMarkets } from './nfl/game-summary.js'
export { parseGameId, parseNflTicker } from './nfl/tickers.js'
export { findTeam, TEAMS } from './nfl/teams.js'
export { winProbability } from './nfl/win-probability.js'
export { startSimulator, type SimOptions, type Simulator } from './sim/index.js'
export { BusPublisher, BusSource, subjectFor, type BusPublisherOptions, type BusSubscribeOptions, type BusGap } from './bus/index.js'
