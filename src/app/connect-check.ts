/**
 * `neural connect`: one connection attempt end to end — handshake (signed), exchange status over
 * REST, and the exchange's answer to a test subscription — reported as one result.
 */
import { RestClient } from '../core/rest-client.js'
import type { SubscriptionInfo } from '../core/stream.js'
import type { ConnectionEvent } from '../core/types.js'
import type { NeuralConfig } from '../config/types.js'
import { NeuralError } from '../errors.js'
import type { Exchange } from '../runtime/open-exchange.js'
import { createMarketStream } from './stream-session.js'

export interface ConnectResult {
  type: 'connect'
  ok: true
  environment: string
  simulated: boolean
  wsUrl: string
  apiUrl: string
  signed: boolean
  handshakeMs: number
  exchangeActive: boolean
  tradingActive: boolean
  /** The market used for the test subscription. */
  testTicker?: string
  /** The exchange's answer to it: the subscriptions it confirmed (channel and sid). */
  subscriptions: { channel: string; sid: number }[]
  totalMs: number
}

export async function checkConnection(exchange: Exchange, config: NeuralConfig, options: { ticker?: string } = {}): Promise<ConnectResult> {
  const startedAt = performance.now()
  // One attempt and no retries: connect answers "does it work now", it does not wait for it to.
  const stream = createMarketStream(exchange, { ...config, retryAttempts: 1, retryDelayMs: 100 }, ['ticker'])
  let handshakeMs = 0
  stream.on('connection', (e: ConnectionEvent) => {
    if (e.state === 'connected' && e.handshakeMs !== undefined) handshakeMs = e.handshakeMs
  })
  const errors: NeuralError[] = []
  stream.on('error', (e: NeuralError) => errors.push(e))
  try {
    await stream.start()
    const rest = new RestClient({ apiUrl: exchange.apiUrl, signer: exchange.signer, timeoutMs: config.websocketTimeoutMs })
    const status = await rest.exchangeStatus()
    const testTicker = options.ticker ?? (await rest.getMarkets({ status: 'open', limit: 1 })).markets[0]?.ticker
    let subscriptions: SubscriptionInfo[] = []
    if (testTicker) {
      const result = await stream.subscribe([testTicker])
      if (result.unknown.length > 0) throw new NeuralError('input', 'UNKNOWN_MARKET', `test subscription refused: ${result.unknown[0].ticker}: ${result.unknown[0].message}`)
      subscriptions = stream.subscriptions()
    }
    const auth = errors.find((e) => e.kind === 'auth')
    if (auth) throw auth
    return {
      type: 'connect',
      ok: true,
      environment: config.environment,
      simulated: exchange.simulated,
      wsUrl: exchange.wsUrl,
      apiUrl: exchange.apiUrl,
      signed: exchange.signer !== undefined,
      handshakeMs,
      exchangeActive: status.exchangeActive,
      tradingActive: status.tradingActive,
      testTicker,
      subscriptions: subscriptions.map((s) => ({ channel: s.channel, sid: s.sid })),
      totalMs: Math.round(performance.now() - startedAt),
    }
  } finally {
    await stream.close()
  }
}
