import { generateKeyPair, randomUUID } from 'node:crypto'
import { promisify } from 'node:util'
import { createSigner, type Signer } from '../auth/signer.js'
import type { NeuralConfig } from '../config/types.js'
import { configError } from '../errors.js'
import type { SimOptions } from '../sim/index.js'

/** Where to talk to, and how to sign: the real exchange, or a simulator. */
export interface Exchange {
  /** REST base URL including /trade-api/v2. */
  apiUrl: string
  /** WebSocket URL including /trade-api/ws/v2. */
  wsUrl: string
  /** Undefined when no key is configured (public channels only). */
  signer?: Signer
  /** True when the data comes from a simulator (environment sim). */
  simulated: boolean
  /** Stops the in-process simulator, if one was started. Safe to call twice. */
  close(): Promise<void>
}

/** The part of src/sim/index.ts that is used here. */
export interface SimulatorHandle {
  apiUrl: string
  wsUrl: string
  registerPublicKey(pem: string): void
  close(): Promise<void> | void
}
export type StartSimulator = (options: SimOptions) => Promise<SimulatorHandle> | SimulatorHandle

export interface OpenExchangeOptions {
  /** Options of the in-process simulator (seed, speed, rate...); its public keys are set here. */
  sim?: Omit<SimOptions, 'publicKeys'>
  /** @default startSimulator from src/sim/index.ts, loaded only when needed */
  startSimulator?: StartSimulator
}

/**
 * Resolve the exchange for a config. For `sim` with no URL given, an in-process simulator is
 * started, with a throwaway RSA key pair whose public half it trusts, so every sim run signs and
 * exercises the same auth path as production.
 */
export async function openExchange(config: NeuralConfig, options: OpenExchangeOptions = {}): Promise<Exchange> {
  if (config.environment === 'sim') {
    if (config.apiUrl === undefined || config.wsUrl === undefined) {
      // The key pair is made on the thread pool while the simulator's modules load: both take tens
      // of milliseconds before the first tick, and neither needs the other.
      const [key, start] = await Promise.all([throwawayKey(), options.startSimulator ?? import('../sim/index.js').then((sim) => sim.startSimulator)])
      const sim = await start({ ...options.sim, publicKeys: [key.publicPem] })
      let closed = false
      return {
        apiUrl: sim.apiUrl,
        wsUrl: sim.wsUrl,
        signer: key.signer,
        simulated: true,
        async close() {
          if (closed) return
          closed = true
          await sim.close()
        },
      }
    }
    // An external simulator: sign with the configured key if there is one, else a throwaway one
    // (a simulator that does not know it answers private channels with error 9, like Kalshi would).
    const signer = configuredSigner(config) ?? (await throwawayKey()).signer
    return { apiUrl: config.apiUrl, wsUrl: config.wsUrl, signer, simulated: true, close: async () => undefined }
  }
  if (config.apiUrl === undefined || config.wsUrl === undefined) {
    throw configError('CONFIG_VALUE', `no apiUrl/wsUrl for environment ${config.environment}`)
  }
  return { apiUrl: config.apiUrl, wsUrl: config.wsUrl, signer: configuredSigner(config), simulated: false, close: async () => undefined }
}

function configuredSigner(config: NeuralConfig): Signer | undefined {
  if (config.apiKeyId === undefined || config.privateKeyPem === undefined) return undefined
  return createSigner(config.apiKeyId, config.privateKeyPem)
}

const generateRsaKeyPair = promisify(generateKeyPair)

/**
 * 1024 bits, not Kalshi's 2048: only a simulator trusts this key, for one run. A 2048-bit pair was
 * the largest part of `stream --env sim`'s time to its first tick (15 made by hand on the 2-core
 * benchmark machine: 49–308 ms, median 164); 1024 bits took 5–19 ms, and sign through the same
 * RSA-PSS path.
 */
async function throwawayKey(): Promise<{ publicPem: string; signer: Signer }> {
  const { publicKey, privateKey } = await generateRsaKeyPair('rsa', { modulusLength: 1024 })
  return {
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    signer: createSigner(`sim-${randomUUID()}`, privateKey),
  }
}
