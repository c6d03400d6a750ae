/**
 * A market pattern: how a user names markets everywhere in neural — `neural stream` targets, a
 * strategy's `markets`, bus filters. One parser and one matcher, so what is subscribed is exactly
 * what a strategy or a bus consumer is given.
 *
 *   KXNFLGAME-25SEP04DALPHI-PHI   one market (exact ticker)
 *   KXNFLGAME*                    a series: every market whose ticker starts with "KXNFLGAME-"
 *   KXNFLGAME-25SEP04DALPHI*      an event: every market whose ticker starts with "KXNFLGAME-25SEP04DALPHI-"
 *   *                             every market
 *
 * Case rule: Kalshi tickers are upper case, so a pattern is read case-insensitively and upper-cased
 * when parsed (`kxnflgame*` is `KXNFLGAME*`); tickers are matched as the exchange sends them. A
 * series or event pattern ends at a whole ticker part: `KXNFLGAME*` does not match `KXNFLGAMEX-…`.
 */
import { inputError } from '../errors.js'

export type MarketPatternKind = 'market' | 'series' | 'event' | 'all'

export interface MarketPattern {
  kind: MarketPatternKind
  /** The ticker (market), the series/event ticker without the `*`, or '' for `*`. */
  value: string
  /** As the user wrote it, upper-cased and trimmed. */
  text: string
}

const EXAMPLES = 'a market ticker (KXNFLGAME-25SEP04DALPHI-PHI), a series (KXNFLGAME*), an event (KXNFLGAME-25SEP04DALPHI*) or * for every market'
const PART = /^[A-Z0-9][A-Z0-9._]*$/

/**
 * A target as an error message shows it: quoted (a newline in it cannot break the one-line error)
 * and cut short (found from outside: a 5,000-character target came back whole).
 */
function shown(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 48)}… (${text.length} characters)` : text)
}

/** Parse one pattern; throws input error BAD_TARGET with a one-line message and examples. */
export function parseMarketPattern(input: string): MarketPattern {
  const raw = String(input).trim()
  const quoted = shown(raw)
  if (raw === '') throw inputError('BAD_TARGET', `empty target: expected ${EXAMPLES}`)
  if (raw === '*') return { kind: 'all', value: '', text: '*' }
  const text = raw.toUpperCase()
  const star = text.indexOf('*')
  if (star !== -1 && star !== text.length - 1) throw inputError('BAD_TARGET', `bad target ${quoted}: "*" may only end a series or event, e.g. KXNFLGAME* or KXNFLGAME-25SEP04DALPHI*`)
  const body = star === -1 ? text : text.slice(0, -1).replace(/-$/, '')
  const parts = body.split('-')
  if (body === '' || !parts.every((p) => PART.test(p))) throw inputError('BAD_TARGET', `bad target ${quoted}: expected ${EXAMPLES}`)
  if (star !== -1) {
    if (parts.length === 1) return { kind: 'series', value: body, text }
    if (parts.length === 2) return { kind: 'event', value: body, text }
    throw inputError('BAD_TARGET', `bad target ${quoted}: a wildcard names a series (KXNFLGAME*) or an event (KXNFLGAME-25SEP04DALPHI*), not a market`)
  }
  if (parts.length === 1) throw inputError('BAD_TARGET', `bad target ${quoted}: a series needs a "*" (${body.length > 64 ? "SERIES" : body}*), or give a market ticker such as KXNFLGAME-25SEP04DALPHI-PHI`)
  if (parts.length === 2) throw inputError('BAD_TARGET', `bad target ${quoted}: this looks like an event; add "*" for all its markets (${body.length > 64 ? "EVENT" : body}*), or give a market ticker such as ${body.length > 64 ? "EVENT" : body}-PHI`)
  return { kind: 'market', value: body, text }
}

/** Parse every pattern, failing on the first bad one. Duplicates are dropped. */
export function parseMarketPatterns(inputs: readonly string[]): MarketPattern[] {
  const out: MarketPattern[] = []
  const seen = new Set<string>()
  for (const input of inputs) {
    const p = parseMarketPattern(input)
    if (!seen.has(p.text)) {
      seen.add(p.text)
      out.push(p)
    }
  }
  return out
}

/** Whether a market ticker is one of the pattern's markets. */
export function matchesMarket(pattern: MarketPattern, ticker: string): boolean {
  switch (pattern.kind) {
    case 'all': return true
    case 'market': return pattern.value === ticker
    default: return ticker.startsWith(pattern.value + '-')
  }
}

/** One predicate for a list of patterns (exact tickers by set lookup). */
export function marketMatcher(patterns: readonly MarketPattern[]): (ticker: string) => boolean {
  if (patterns.some((p) => p.kind === 'all')) return () => true
  const exact = new Set(patterns.filter((p) => p.kind === 'market').map((p) => p.value))
  const prefixes = patterns.filter((p) => p.kind !== 'market').map((p) => p.value + '-')
  return (ticker) => exact.has(ticker) || prefixes.some((p) => ticker.startsWith(p))
}
