/**
 * One error family, grouped by what the caller should do. Each error has a stable code
 * (listed in the README's table), a one-line message for the user, and the original in `cause`.
 */

export type ErrorKind =
  | 'config' // bad configuration: fix it, exit 2
  | 'input' // bad argument or flag: fix it, exit 2
  | 'auth' // the exchange refused our key: needs a human, exit 3
  | 'network' // retry with backoff
  | 'rate_limit' // back off, then retry
  | 'protocol' // the exchange answered with an error code
  | 'strategy' // fault in user code
  | 'io' // a local file or output could not be written (a full disk): exit 1
  | 'internal'

export const EXIT_CODES = { ok: 0, runtime: 1, input: 2, auth: 3 } as const

/**
 * Every error code, by the kind it is reported with (UPPER_SNAKE, stable). The README's error table
 * lists exactly these (test/errors-table.test.ts compares them). A new code goes here and there.
 */
export const ERROR_CODES = {
  input: [
    'USAGE', 'BAD_TARGET', 'NO_MARKETS', 'UNKNOWN_MARKET', 'UNKNOWN_SERIES', 'UNKNOWN_EVENT', 'BAD_CHANNELS', 'BAD_DURATION', 'BAD_COUNT',
    'NO_STRATEGY', 'STRATEGY_LOAD', 'STRATEGY_TYPECHECK', 'BAD_SPEED', 'BAD_STARTING_CASH', 'HOOK', 'HOOK_LOAD', 'LIVE_REQUIRED', 'PARAM', 'RECORD_NOT_FOUND', 'BAD_RECORD', 'EMPTY_RECORD', 'RECORD_NEEDS_EXCHANGE',
    'BAD_BUS_URL', 'BAD_BUS_FLAGS', 'PUBLIC_KEY_FILE', 'BAD_SUBJECT', 'BAD_TICKER', 'BAD_TYPE', 'BAD_ORDER', 'BAD_REQUEST',
    'INVALID_GAME', 'UNKNOWN_TEAM', 'AMBIGUOUS_TEAM',
    'RECORD_UNWRITABLE', 'BAD_PORT', 'PORT_IN_USE', 'BAD_HOST', 'DASHBOARD_LISTEN',
    'BAD_DATE', 'BAD_SELECTION', 'NO_HISTORY', 'NO_CUTOFF', 'REPORT_FILE', 'BAD_INTERVAL', 'UNKNOWN_MILESTONE',
  ],
  config: [
    'CONFIG', 'CONFIG_VALUE', 'CONFIG_UNKNOWN_KEY', 'CONFIG_PARSE', 'CONFIG_FILE_MISSING', 'KEY_FILE_MISSING', 'KEY_FILE_UNREADABLE', 'KEY_FORMAT',
    'KEY_PAIR_INCOMPLETE', 'API_KEY', 'API_URL', 'NO_API_URL', 'BAD_WS_URL', 'BAD_BATCH_SIZE', 'BAD_CHANNEL', 'PARAM', 'RISK_LIMITS', 'RUNTIME_DIR',
    'BAD_BUS_OPTION', 'BUS_STREAM_MISSING', 'BUS_NO_JETSTREAM', 'BUS_STREAM_SUBJECTS', 'BUS_STREAM_CREATE',
    'KEY_NOT_PATH', 'HISTORY_DB', 'HISTORY_DB_LOCKED',
  ],
  auth: ['AUTH_REJECTED', 'AUTH_REQUIRED', 'NO_KEY'],
  network: [
    'CONNECT_FAILED', 'CONNECT_TIMEOUT', 'LIVENESS_TIMEOUT', 'CONNECTION_FAILED', 'HANDSHAKE_REJECTED', 'SOCKET_ERROR', 'DISCONNECTED', 'CLOSED',
    'NO_REPLY', 'NETWORK', 'EXCHANGE_UNAVAILABLE', 'REFRESH_FAILED', 'FEED', 'STREAM',
    'BUS_CONNECT_FAILED', 'BUS_ACK_FAILED', 'BUS_STREAM_INFO', 'BUS_SUBSCRIPTION', 'BUS_GAP', 'BUS_QUIET',
    'ABORTED', 'ACCOUNT_STATE', 'FEE_SCHEDULE',
  ],
  rate_limit: ['RATE_LIMITED'],
  // Plus WS_<NAME>: an error reply from the exchange, by Kalshi's name for its code (see WsErrorCode).
  protocol: ['MALFORMED_FRAME', 'UNKNOWN_MESSAGE', 'BAD_RESPONSE', 'BAD_CURSOR', 'BUS_MALFORMED', 'REJECTED_FRAME', 'BOOK_KEEPS_GAPPING', 'ORDER_EXISTS', 'BAD_LIVE_DATA', 'NO_LIVE_DATA'],
  strategy: ['HANDLER_ERROR', 'INVALID_SIGNAL', 'STOP_TIMEOUT', 'HOOK_ERROR', 'STRATEGY_WARNING', 'LISTENER_FAILED', 'TOO_MANY_SIGNALS', 'STRATEGY_TERMINATED'],
  io: ['RECORD_WRITE'],
  internal: ['INTERNAL', 'ERROR', 'RECONCILE_FAILED', 'NO_FEED', 'BUS_ALREADY_CONNECTED', 'BUS_NOT_CONNECTED', 'BUS_SUBSCRIBED'],
} as const satisfies Record<ErrorKind, readonly string[]>

/** An exchange error reply, by Kalshi's name for the code upper-cased: WS_UNKNOWN_SUBSCRIPTION_ID. */
export type WsErrorCode = `WS_${string}`
export type ErrorCode = (typeof ERROR_CODES)[ErrorKind][number] | WsErrorCode

export class NeuralError extends Error {
  readonly kind: ErrorKind
  readonly code: ErrorCode
  /**
   * Lines that belong under the one-line message, each complete in itself: the type errors of a
   * strategy, one per line. Printed indented below the error line, and as `details` under --json.
   */
  readonly details?: readonly string[]
  constructor(kind: ErrorKind, code: ErrorCode, message: string, options?: { cause?: unknown; details?: readonly string[] }) {
    super(message, options)
    this.name = 'NeuralError'
    this.kind = kind
    this.code = code
    if (options?.details?.length) this.details = options.details
  }

  get exitCode(): number {
    return exitCodeFor(this.kind)
  }
}

export function exitCodeFor(kind: ErrorKind): number {
  if (kind === 'config' || kind === 'input') return EXIT_CODES.input
  if (kind === 'auth') return EXIT_CODES.auth
  return EXIT_CODES.runtime
}

export const inputError = (code: ErrorCode, message: string, cause?: unknown) => new NeuralError('input', code, message, { cause })
export const configError = (code: ErrorCode, message: string, cause?: unknown) => new NeuralError('config', code, message, { cause })

/** Codes of `neural history` and `neural backtest` (README error table). */
export const HISTORY_ERROR_CODES = {
  /** --from/--to is not a date, or --from is after --to. */
  BAD_DATE: 'BAD_DATE',
  /** The history database cannot be opened or written (path, permissions, not a DuckDB file). */
  HISTORY_DB: 'HISTORY_DB',
  /** Another process has the history database open for writing. */
  HISTORY_DB_LOCKED: 'HISTORY_DB_LOCKED',
  /** The store holds nothing for what backtest was asked (run `neural history` first). */
  NO_HISTORY: 'NO_HISTORY',
  /** A backtest selection is missing or malformed (--game or --series with --from/--to). */
  BAD_SELECTION: 'BAD_SELECTION',
} as const
