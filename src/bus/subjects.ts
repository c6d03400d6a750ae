/**
 * NATS subject names for the bus: `neural.<type>.<ticker>`, e.g. `neural.ticker.KXNFLGAME-25SEP04DALPHI-PHI`,
 * `neural.book.KXNFLGAME-25SEP04DALPHI-PHI`. One subject per market and event type, so NATS keeps
 * per-market order on each subject and a consumer can pick types and markets by subject alone.
 *
 * Tickers are escaped into one subject token. NATS tokens must not contain '.', '*', '>' or whitespace,
 * and Kalshi tickers can contain '.' (weather strikes such as `KXHIGHNY-25SEP04-B82.5`), so every
 * character outside [A-Za-z0-9_-] becomes `~` and two hex digits per UTF-8 byte. The escape is
 * per character and of fixed width, so it is reversible and keeps prefixes: a ticker starts with
 * `KXNFLGAME-` exactly when its token starts with the escaped `KXNFLGAME-`.
 *
 * Filters: an exact market ticker subscribes `neural.<type>.<ticker>` (or `neural.*.<ticker>` for all
 * types). A series or event pattern (`KXNFLGAME*`, `KXNFLGAME-25SEP04DALPHI*`) cannot be a NATS
 * subject: NATS wildcards match whole tokens only, and a ticker is one token, so `neural.*.KXNFLGAME*`
 * is not a valid subject. Patterns therefore subscribe the whole type (`neural.<type>.*`) and the
 * consumer keeps only tokens with the pattern's prefix, before parsing any JSON.
 */
import { inputError } from '../errors.js'
import { parseMarketPattern } from '../core/market-pattern.js'
import type { MarketEvent } from '../core/types.js'

export const SUBJECT_ROOT = 'neural'

/** The event types carried on the bus; also the second token of every subject. */
export type BusEventType = MarketEvent['type']
export const BUS_EVENT_TYPES: readonly BusEventType[] = ['ticker', 'trade', 'book', 'lifecycle', 'fill']

/** The subjects a JetStream stream captures. */
export const STREAM_SUBJECTS = [`${SUBJECT_ROOT}.>`]

const PLAIN = /^[A-Za-z0-9_-]$/
const encoder = new TextEncoder()

/** Escape a ticker into one NATS subject token (see the file comment). Throws input error on an empty ticker. */
export function escapeTicker(ticker: string): string {
  if (typeof ticker !== 'string' || ticker === '') throw inputError('BAD_TICKER', 'empty ticker: a bus subject needs a market ticker')
  // Fast path: ordinary Kalshi tickers need no escaping.
  if (/^[A-Za-z0-9_-]+$/.test(ticker)) return ticker
  let out = ''
  for (const ch of ticker) {
    if (PLAIN.test(ch)) {
      out += ch
      continue
    }
    for (const byte of encoder.encode(ch)) out += '~' + byte.toString(16).toUpperCase().padStart(2, '0')
  }
  return out
}

/** Reverse of escapeTicker. Throws input error on a token that escapeTicker cannot have produced. */
export function unescapeTicker(token: string): string {
  if (!token.includes('~')) return token
  const bytes: number[] = []
  for (let i = 0; i < token.length; ) {
    if (token[i] === '~') {
      const hex = token.slice(i + 1, i + 3)
      if (!/^[0-9A-F]{2}$/.test(hex)) throw inputError('BAD_SUBJECT', `bad escaped ticker "${token}"`)
      bytes.push(parseInt(hex, 16))
      i += 3
    } else {
      bytes.push(token.charCodeAt(i))
      i++
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes))
}

/** `neural.<type>.<escaped ticker>` */
export function subjectFor(type: BusEventType, ticker: string): string {
  return `${SUBJECT_ROOT}.${type}.${escapeTicker(ticker)}`
}

/** Split a bus subject into type and escaped ticker token; undefined for anything else. */
export function parseSubject(subject: string): { type: BusEventType; token: string } | undefined {
  const first = subject.indexOf('.')
  const second = subject.indexOf('.', first + 1)
  if (first === -1 || second === -1 || subject.slice(0, first) !== SUBJECT_ROOT) return undefined
  const type = subject.slice(first + 1, second) as BusEventType
  const token = subject.slice(second + 1)
  if (!BUS_EVENT_TYPES.includes(type) || token === '' || token.includes('.')) return undefined
  return { type, token }
}

/** What a consumer subscribes to, and how it filters what arrives. */
export interface SubjectFilter {
  /** NATS subjects to subscribe; never overlapping, so no message arrives twice. */
  subjects: string[]
  /** Whether a message on this subject is wanted (type and ticker); cheap, runs before JSON parsing. */
  matches(subject: string): boolean
  /** True when a pattern made the subscriptions wider than the filter, so `matches` must run. */
  clientSide: boolean
}

/**
 * Subjects for a consumer's markets and types. `filters` are market tickers (`KXNFLGAME-25SEP04DALPHI-PHI`),
 * series or event patterns (`KXNFLGAME*`, `KXNFLGAME-25SEP04DALPHI*`, as in `neural stream`), or `*`
 * for every market. Throws input error on a bad filter or an empty list.
 */
export function subjectFilter(filters: readonly string[], types: readonly BusEventType[] = BUS_EVENT_TYPES): SubjectFilter {
  if (filters.length === 0) throw inputError('BAD_TARGET', 'no markets to consume: give market tickers, patterns such as KXNFLGAME*, or * for every market')
  if (types.length === 0) throw inputError('BAD_TYPE', `no event types to consume: choose from ${BUS_EVENT_TYPES.join(', ')}`)
  for (const t of types) if (!BUS_EVENT_TYPES.includes(t)) throw inputError('BAD_TYPE', `unknown event type "${t}": choose from ${BUS_EVENT_TYPES.join(', ')}`)
  const typeSet = new Set(types)
  const allTypes = typeSet.size === BUS_EVENT_TYPES.length
  const typeTokens = allTypes ? ['*'] : [...typeSet]

  const patterns = filters.map((f) => parseMarketPattern(f))
  const all = patterns.some((p) => p.kind === 'all')
  const exact = new Set<string>()
  const prefixes: string[] = []
  // Escaping keeps prefixes (see above), so matching escaped tokens is matchesMarket on the tickers.
  for (const p of all ? [] : patterns) {
    if (p.kind === 'market') exact.add(escapeTicker(p.value))
    else prefixes.push(escapeTicker(p.value + '-'))
  }

  const wide = all || prefixes.length > 0
  const subjects = wide
    ? typeTokens.map((type) => `${SUBJECT_ROOT}.${type}.*`)
    : typeTokens.flatMap((type) => [...exact].map((token) => `${SUBJECT_ROOT}.${type}.${token}`))

  const matches = (subject: string): boolean => {
    const parsed = parseSubject(subject)
    if (!parsed || !typeSet.has(parsed.type)) return false
    if (all || exact.has(parsed.token)) return true
    for (const p of prefixes) if (parsed.token.startsWith(p)) return true
    return false
  }
  // Subscriptions are exact when no pattern widened them; types are always exact unless '*' covers all.
  return { subjects, matches, clientSide: wide && !all }
}
