/**
 * neural as a library: `import { MarketStream, defineStrategy, startSimulator } from 'neural'`.
 * The streaming core, the strategy contract, the NFL layer, the simulator and configuration.
 */
import type { SimOptions, Simulator } from './sim/index.js'

export * from './core/index.js'
// What a strategy file may import (its quick type check sees only these: strategy-types.ts).
export * from './strategy/strategy-types.js'
export { createSigner, verifySignature, signedPath, loadPrivateKey, type AuthHeaders, type Signer } from './auth/signer.js'
export { loadConfig, type LoadConfigOptions, type LoadedConfig } from './config/load.js'
export { GameFeed, findGameMilestone, type GameFeedOptions } from './nfl/game-feed.js'
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
