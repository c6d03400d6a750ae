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

export class NeuralError extends Error {
  readonly kind: ErrorKind
  readonly code: string
  constructor(kind: ErrorKind, code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'NeuralError'
    this.kind = kind
    this.code = code
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

export const inputError = (code: string, message: string, cause?: unknown) => new NeuralError('input', code, message, { cause })
export const configError = (code: string, message: string, cause?: unknown) => new NeuralError('config', code, message, { cause })

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
