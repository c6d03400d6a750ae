import { z } from 'zod'

/**
 * What each configuration value may be, in one place: the zod check and the sentence shown to the
 * user when a value fails it. The environment variables and flags that take seconds are converted to
 * milliseconds by the loader; the rc file speaks milliseconds directly (its keys end in `Ms`).
 */

export interface ValueSpec<T> {
  schema: z.ZodType<T>
  /** What is allowed, written for the user: ends an error line after "expected ". */
  allowed: string
  /** An upper bound checked after the schema, with its own sentence (same form as `allowed`). */
  max?: { value: number; allowed: string }
}

const spec = <T>(schema: z.ZodType<T>, allowed: string, max?: ValueSpec<T>['max']): ValueSpec<T> => ({ schema, allowed, ...(max ? { max } : {}) })

/**
 * The longest delay setTimeout/setInterval take (2^31-1 ms, about 24.8 days): Node fires a longer
 * one after 1 ms with a TimeoutOverflowWarning. Every user-given number that becomes a timer's delay
 * is checked against it.
 */
export const MAX_TIMER_DELAY_MS = 2_147_483_647
const TIMER_LIMIT = 'about 24.8 days, the longest wait Node.js timers take'

const positiveInt = z.number().int().positive()
const httpUrl = z.string().url().refine((u) => /^https?:\/\//i.test(u))
const wsUrl = z.string().url().refine((u) => /^wss?:\/\//i.test(u))

export const ENVIRONMENTS = ['production', 'demo', 'sim'] as const

export const VALUE_SPECS = {
  environment: spec(z.enum(ENVIRONMENTS), 'one of production, demo, sim'),
  apiKeyId: spec(z.string().regex(/^\S+$/), 'a non-empty key id without spaces'),
  apiUrl: spec(httpUrl, 'an http:// or https:// URL ending in /trade-api/v2'),
  wsUrl: spec(wsUrl, 'a ws:// or wss:// URL ending in /trade-api/ws/v2'),
  /** Seconds, from a flag or the environment; waited for by a timer (the WebSocket timeout and retry delays). */
  seconds: spec(z.number().positive().finite(), 'a number of seconds > 0', { value: MAX_TIMER_DELAY_MS / 1000, allowed: `at most ${MAX_TIMER_DELAY_MS / 1000} seconds (${TIMER_LIMIT})` }),
  /** Milliseconds, from the rc file; waited for by a timer, as `seconds`. */
  milliseconds: spec(positiveInt, 'an integer number of milliseconds > 0', { value: MAX_TIMER_DELAY_MS, allowed: `at most ${MAX_TIMER_DELAY_MS} milliseconds (${TIMER_LIMIT})` }),
  retryAttempts: spec(z.number().int().nonnegative(), 'an integer >= 0 (0 = retry forever)'),
  subscriptionBatchSize: spec(z.number().int().min(1).max(1000), 'an integer from 1 to 1000'),
  positiveInt: spec(positiveInt, 'an integer > 0'),
  positiveDollars: spec(z.number().positive().finite(), 'a number of dollars > 0'),
  path: spec(z.string().min(1), 'a file path'),
  pemOrPath: spec(z.string().min(1), 'PEM text starting with "-----BEGIN" or a path to a PEM file'),
} satisfies Record<string, ValueSpec<unknown>>

/** The keys an rc file may hold. Anything else is reported by name: typos matter. */
export const RC_KEYS = [
  'environment',
  'apiKeyId',
  'privateKey',
  'privateKeyPath',
  'apiUrl',
  'wsUrl',
  'websocketTimeoutMs',
  'retryAttempts',
  'retryDelayMs',
  'retryMaxDelayMs',
  'subscriptionBatchSize',
  'risk',
  'strategies',
] as const

export const RISK_KEYS = ['maxContractsPerOrder', 'maxPositionPerMarket', 'maxOrdersPerMinute', 'maxTotalCostDollars'] as const

/** Spec of each rc key (risk and strategies are checked member by member by the loader). */
export const RC_VALUE_SPECS: Record<Exclude<(typeof RC_KEYS)[number], 'risk' | 'strategies'>, ValueSpec<unknown>> = {
  environment: VALUE_SPECS.environment,
  apiKeyId: VALUE_SPECS.apiKeyId,
  privateKey: VALUE_SPECS.pemOrPath,
  privateKeyPath: VALUE_SPECS.path,
  apiUrl: VALUE_SPECS.apiUrl,
  wsUrl: VALUE_SPECS.wsUrl,
  websocketTimeoutMs: VALUE_SPECS.milliseconds,
  retryAttempts: VALUE_SPECS.retryAttempts,
  retryDelayMs: VALUE_SPECS.milliseconds,
  retryMaxDelayMs: VALUE_SPECS.milliseconds,
  subscriptionBatchSize: VALUE_SPECS.subscriptionBatchSize,
}

export const RISK_SPECS: Record<(typeof RISK_KEYS)[number], ValueSpec<number>> = {
  maxContractsPerOrder: VALUE_SPECS.positiveInt,
  maxPositionPerMarket: VALUE_SPECS.positiveInt,
  maxOrdersPerMinute: VALUE_SPECS.positiveInt,
  maxTotalCostDollars: VALUE_SPECS.positiveDollars,
}

/** Strategy params: { strategyName: { key: value } } with JSON-like values. */
export const STRATEGIES_SPEC = spec(
  z.record(z.string(), z.record(z.string(), z.unknown())),
  'a mapping of strategy name to a mapping of parameter name to value',
)

/** Environment variables read by the loader, by config key. */
export const ENV_VARS = {
  environment: 'KALSHI_ENVIRONMENT',
  apiKeyId: 'KALSHI_API_KEY_ID',
  /** PEM text, or a path to a PEM file (told apart by a leading "-----BEGIN"). */
  apiSecret: 'KALSHI_API_SECRET',
  privateKeyPath: 'KALSHI_PRIVATE_KEY_PATH',
  apiUrl: 'KALSHI_API_URL',
  wsUrl: 'KALSHI_WS_URL',
  /** Seconds. */
  websocketTimeout: 'KALSHI_WEBSOCKET_TIMEOUT',
  retryAttempts: 'KALSHI_WEBSOCKET_RETRY_ATTEMPTS',
  /** Seconds. */
  retryDelay: 'KALSHI_WEBSOCKET_RETRY_DELAY',
} as const

export const DEFAULTS = {
  environment: 'production',
  websocketTimeoutMs: 30_000,
  // A market-data stream never gives up unless the user sets a limit (0 = forever); each retry waits
  // 1 s doubling to at most 30 s. `connect` makes one attempt whatever this says.
  retryAttempts: 0,
  retryDelayMs: 1_000,
  retryMaxDelayMs: 30_000,
  subscriptionBatchSize: 100,
} as const
