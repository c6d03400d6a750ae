/**
 * Kalshi's WebSocket error codes, one table for the client and the simulator.
 *
 * Source: the "WebSocket Error Codes" table of docs.kalshi.com/getting_started/quick_start_websockets
 * (codes 1–25 with a "User error?" column: N for 10, 17, 18) and the AsyncAPI error list copied by
 * public clients for 26 (subscription market limit exceeded) and 27 (too many requests: the
 * subscription's command rate limit); 28–29 appear only in newer client code. 6 is retired.
 * 16 is "Market not found", 17 "Internal error" (an earlier reading here had them unassigned).
 *
 * - `retryable`: the same command may succeed if sent again later (after a pause).
 * - `terminal`: arriving for a live subscription (not as a command reply), it means the exchange
 *   dropped that subscription, so it must be subscribed again.
 * - `kind`: `user` (the command was wrong: resending it unchanged fails again), `server` (trouble on
 *   Kalshi's side), `limit` (a limit was hit: send less, or slower).
 */

export type WsErrorKind = 'user' | 'server' | 'limit'

export interface WsErrorInfo {
  code: number
  name: string
  /** Kalshi's text, as the simulator sends it. */
  text: string
  retryable: boolean
  terminal: boolean
  kind: WsErrorKind
}

const row = (code: number, name: string, text: string, kind: WsErrorKind, retryable = false, terminal = false) => ({ code, name, text, kind, retryable, terminal }) as const

/** Keyed by name, so code reads `WS_ERROR.market_not_found.code`, never a bare number. */
export const WS_ERROR = {
  // A well-formed command of ours answered with 1 means the frame was damaged on the way: worth one more try.
  unable_to_process: row(1, 'unable_to_process', 'Unable to process message', 'user', true),
  params_required: row(2, 'params_required', 'Params required', 'user'),
  channels_required: row(3, 'channels_required', 'Channels required', 'user'),
  subscription_ids_required: row(4, 'subscription_ids_required', 'Subscription IDs required', 'user'),
  unknown_command: row(5, 'unknown_command', 'Unknown command', 'user'),
  already_subscribed: row(6, 'already_subscribed', 'Already subscribed', 'user'),
  unknown_subscription_id: row(7, 'unknown_subscription_id', 'Unknown subscription ID', 'user'),
  unknown_channel_name: row(8, 'unknown_channel_name', 'Unknown channel name', 'user'),
  authentication_required: row(9, 'authentication_required', 'Authentication required', 'user'),
  channel_error: row(10, 'channel_error', 'Channel error', 'server', true, true),
  invalid_parameter: row(11, 'invalid_parameter', 'Invalid parameter', 'user'),
  exactly_one_subscription_id_required: row(12, 'exactly_one_subscription_id_required', 'Exactly one subscription ID is required', 'user'),
  unsupported_action: row(13, 'unsupported_action', 'Unsupported action', 'user'),
  market_ticker_required: row(14, 'market_ticker_required', 'Market Ticker required', 'user'),
  action_required: row(15, 'action_required', 'Action required', 'user'),
  market_not_found: row(16, 'market_not_found', 'Market not found', 'user'),
  internal_error: row(17, 'internal_error', 'Internal error', 'server', true, true),
  command_timeout: row(18, 'command_timeout', 'Command timeout', 'server', true),
  invalid_shard_factor: row(19, 'invalid_shard_factor', 'shard_factor must be > 0', 'user'),
  shard_factor_required: row(20, 'shard_factor_required', 'shard_factor is required when shard_key is set', 'user'),
  invalid_shard_key: row(21, 'invalid_shard_key', 'shard_key must be >= 0 and < shard_factor', 'user'),
  shard_factor_too_large: row(22, 'shard_factor_too_large', 'shard_factor must be <= 100', 'user'),
  match_ids_required: row(23, 'match_ids_required', 'Match IDs required', 'user'),
  index_ids_required: row(24, 'index_ids_required', 'Index IDs required', 'user'),
  subscription_buffer_overflow: row(25, 'subscription_buffer_overflow', 'Subscription buffer overflow', 'user', false, true),
  // Not retried as is: the batch is split in halves (subscriptions.ts).
  subscription_market_limit_exceeded: row(26, 'subscription_market_limit_exceeded', 'Subscription market limit exceeded', 'limit'),
  too_many_requests: row(27, 'too_many_requests', 'Too many requests', 'limit', true),
  underlying_tickers_required: row(28, 'underlying_tickers_required', 'Underlying tickers required', 'user'),
  invalid_update_interval: row(29, 'invalid_update_interval', 'Invalid update interval', 'user'),
} as const satisfies Record<string, WsErrorInfo>

export type WsErrorName = keyof typeof WS_ERROR

const BY_CODE: ReadonlyMap<number, WsErrorInfo> = new Map(Object.values(WS_ERROR).map((e) => [e.code, e]))

/** The table's row for a code; a code Kalshi adds later is a non-retryable server error named `code_N`. */
export function wsError(code: number): WsErrorInfo {
  return BY_CODE.get(code) ?? { code, name: `code_${code}`, text: `Error ${code}`, retryable: false, terminal: false, kind: 'server' }
}

/** Every row, by code. */
export const WS_ERROR_TABLE: readonly WsErrorInfo[] = [...BY_CODE.values()].sort((a, b) => a.code - b.code)
