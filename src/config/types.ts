import type { Environment } from './endpoints.js'

/** Where a config value came from, for `neural status` and error messages. */
export type ConfigSource = 'flag' | 'env' | 'rc' | 'default'

/** The resolved, validated, frozen configuration passed down to the core. */
export interface NeuralConfig {
  environment: Environment
  /** Kalshi API key id; undefined means unsigned (public channels only). */
  apiKeyId?: string
  /** Private key PEM text (never printed). */
  privateKeyPem?: string
  /** Path the private key was read from, if any. */
  privateKeyPath?: string
  /** REST base URL including /trade-api/v2; undefined for `sim` until the simulator starts. */
  apiUrl?: string
  /** WebSocket URL including /trade-api/ws/v2. */
  wsUrl?: string
  /** Connect timeout and liveness timeout (silence longer than this = dead). */
  websocketTimeoutMs: number
  /** Reconnect attempts after a drop; 0 = forever. */
  retryAttempts: number
  /** Base delay of the exponential backoff. */
  retryDelayMs: number
  /** Backoff cap. */
  retryMaxDelayMs: number
  /** Market tickers per subscribe command. */
  subscriptionBatchSize: number
  /** Risk limits for live orders (`--hook kalshi --live`): no defaults, so live orders are refused until all are set. */
  risk?: Partial<RiskLimits>
  /** Strategy params from the rc file: { strategyName: { key: value } }. */
  strategyParams?: Record<string, Record<string, unknown>>
  /** Where each key came from. */
  sources: Partial<Record<string, ConfigSource>>
}

export interface RiskLimits {
  maxContractsPerOrder: number
  maxPositionPerMarket: number
  maxOrdersPerMinute: number
  maxTotalCostDollars: number
}
