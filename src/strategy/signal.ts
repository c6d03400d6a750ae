import { z } from 'zod'
import type { Signal } from './api.js'

/** True when `x` has at most four decimals: Kalshi prices are ten-thousandths of a dollar. */
function hasAtMostFourDecimals(x: number): boolean {
  return Math.abs(x * 10_000 - Math.round(x * 10_000)) < 1e-6
}

/**
 * Strict: an unknown key is refused rather than dropped, because a misspelt `limitprice` silently
 * ignored would turn a limit order into one at the current ask.
 */
export const signalSchema = z.object({
  action: z.enum(['BUY', 'SELL'], { message: "must be 'BUY' or 'SELL'" }),
  // The case rule of market patterns (core/market-pattern.ts): Kalshi tickers are upper case, and a
  // lower-case one from a strategy means that market (found from outside: it was taken as written,
  // then every hook said there was no market data for it).
  ticker: z.string({ message: 'must be a market ticker string' }).trim().min(1, 'must not be empty').toUpperCase(),
  side: z.enum(['yes', 'no'], { message: "must be 'yes' or 'no'" }),
  quantity: z.number({ message: 'must be a number' }).int('must be a positive integer').positive('must be a positive integer'),
  limitPrice: z.number({ message: 'must be a number of dollars' })
    .min(0.01, 'must be between 0.01 and 0.99 dollars')
    .max(0.99, 'must be between 0.01 and 0.99 dollars')
    .refine(hasAtMostFourDecimals, 'must have at most four decimals')
    .optional(),
  confidence: z.number({ message: 'must be a number' }).min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1'),
  reason: z.string({ message: 'must be a string' }),
}).strict()

export type SignalCheck = { ok: true; signal: Signal } | { ok: false; message: string }

/** Describe a value briefly for an error message ("got 1.5", "got an object"). */
export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return 'an object'
  if (typeof value === 'function') return 'a function'
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)
  return String(value)
}

/** Validate one signal; the message names the first bad field and what it got. */
export function checkSignal(value: unknown): SignalCheck {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, message: `expected a signal object, got ${describeValue(value)}` }
  }
  const parsed = signalSchema.safeParse(value)
  if (parsed.success) return { ok: true, signal: parsed.data }
  const issue = parsed.error.issues[0]!
  if (issue.code === 'unrecognized_keys') return { ok: false, message: `unknown field ${issue.keys.map(k => `'${k}'`).join(', ')}` }
  const field = issue.path.join('.')
  const got = (value as Record<string, unknown>)[String(issue.path[0])]
  const gotText = got === undefined ? 'missing' : `got ${describeValue(got)}`
  return { ok: false, message: `${field}: ${issue.message} (${gotText})` }
}

/**
 * Split a handler's return value into valid signals and one message per problem.
 * Nothing (undefined/null) is fine; anything that is neither a signal nor an array of them is a problem.
 */
/** Most handler calls return nothing: one shared answer instead of three allocations per call (profiled). */
const NOTHING: { signals: Signal[]; problems: string[] } = Object.freeze({ signals: Object.freeze([]) as unknown as Signal[], problems: Object.freeze([]) as unknown as string[] })

export function collectSignals(result: unknown): { signals: Signal[]; problems: string[] } {
  if (result === undefined || result === null) return NOTHING
  const items = Array.isArray(result) ? result : [result]
  const signals: Signal[] = []
  const problems: string[] = []
  items.forEach((item, i) => {
    const check = checkSignal(item)
    if (check.ok) signals.push(check.signal)
    else problems.push(Array.isArray(result) ? `signal [${i}]: ${check.message}` : check.message)
  })
  return { signals, problems }
}
