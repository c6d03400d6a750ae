/**
 * What the user asks to watch: a market ticker, a whole series (`KXNFLGAME*`) or a whole event
 * (`KXNFLGAME-25SEP04DALPHI*`). Kalshi has no wildcards on the wire, so wildcards are resolved here
 * through REST. Every target is checked before anything is sent.
 */
import { inputError } from '../errors.js'
import type { MarketInfo, MarketStatusFilter, RestClient } from './rest-client.js'

export type TargetKind = 'market' | 'series' | 'event'

export interface Target {
  kind: TargetKind
  /** The ticker (market), or the series/event ticker without the `*`. */
  value: string
  /** As the user wrote it (upper-cased). */
  text: string
}

const EXAMPLES = 'a market ticker (KXNFLGAME-25SEP04DALPHI-PHI), a series (KXNFLGAME*) or an event (KXNFLGAME-25SEP04DALPHI*)'
const PART = /^[A-Z0-9][A-Z0-9._]*$/

/** Parse one target; throws NeuralError input with a one-line message and an example. */
export function parseTarget(input: string): Target {
  const raw = String(input).trim()
  if (raw === '') throw inputError('BAD_TARGET', `empty target: expected ${EXAMPLES}`)
  const text = raw.toUpperCase()
  const star = text.indexOf('*')
  if (star !== -1 && star !== text.length - 1) throw inputError('BAD_TARGET', `bad target "${raw}": "*" may only end a series or event, e.g. KXNFLGAME* or KXNFLGAME-25SEP04DALPHI*`)
  const body = star === -1 ? text : text.slice(0, -1).replace(/-$/, '')
  const parts = body.split('-')
  if (body === '' || !parts.every((p) => PART.test(p))) throw inputError('BAD_TARGET', `bad target "${raw}": expected ${EXAMPLES}`)
  if (star !== -1) {
    if (parts.length === 1) return { kind: 'series', value: body, text }
    if (parts.length === 2) return { kind: 'event', value: body, text }
    throw inputError('BAD_TARGET', `bad target "${raw}": a wildcard names a series (KXNFLGAME*) or an event (KXNFLGAME-25SEP04DALPHI*), not a market`)
  }
  if (parts.length === 1) throw inputError('BAD_TARGET', `bad target "${raw}": a series needs a "*" (${body}*), or give a market ticker such as KXNFLGAME-25SEP04DALPHI-PHI`)
  if (parts.length === 2) throw inputError('BAD_TARGET', `bad target "${raw}": this looks like an event; add "*" for all its markets (${body}*), or give a market ticker such as ${body}-PHI`)
  return { kind: 'market', value: body, text }
}

/** Parse every target, failing on the first bad one. Duplicates are dropped. */
export function parseTargets(inputs: readonly string[]): Target[] {
  const out: Target[] = []
  const seen = new Set<string>()
  for (const input of inputs) {
    const t = parseTarget(input)
    if (!seen.has(t.text)) {
      seen.add(t.text)
      out.push(t)
    }
  }
  return out
}

/** Whether a market ticker belongs to a wildcard target. */
export function targetMatches(target: Target, ticker: string): boolean {
  if (target.kind === 'market') return target.value === ticker
  return ticker.startsWith(target.value + '-')
}

export interface ResolvedTargets {
  /** Every market ticker, in order, without duplicates. */
  tickers: string[]
  /** The markets each wildcard resolved to (key: Target.text). */
  byTarget: Map<string, string[]>
  /** Market details where REST was asked. */
  markets: Map<string, MarketInfo>
}

export interface ResolveOptions {
  /** Status filter for wildcards. @default 'open' */
  status?: MarketStatusFilter
}

/**
 * Resolve wildcards through REST (full pagination); market tickers pass through as they are (the
 * exchange reports an unknown one per ticker). A wildcard that matches nothing is an input error.
 */
export async function resolveTargets(targets: readonly Target[], rest: Pick<RestClient, 'listAllMarkets'>, options: ResolveOptions = {}): Promise<ResolvedTargets> {
  const status = options.status ?? 'open'
  const tickers: string[] = []
  const seen = new Set<string>()
  const byTarget = new Map<string, string[]>()
  const markets = new Map<string, MarketInfo>()
  for (const t of targets) {
    let list: string[]
    if (t.kind === 'market') {
      list = [t.value]
    } else {
      const found = await rest.listAllMarkets(t.kind === 'series' ? { series_ticker: t.value, status } : { event_ticker: t.value, status })
      for (const m of found) markets.set(m.ticker, m)
      list = found.map((m) => m.ticker)
      if (list.length === 0) {
        const example = t.kind === 'series' ? 'KXNFLGAME*' : 'KXNFLGAME-25SEP04DALPHI*'
        throw inputError(t.kind === 'series' ? 'UNKNOWN_SERIES' : 'UNKNOWN_EVENT', `no ${status} markets match ${t.text} (check the ${t.kind} ticker, e.g. ${example})`)
      }
      byTarget.set(t.text, list)
    }
    for (const ticker of list) {
      if (!seen.has(ticker)) {
        seen.add(ticker)
        tickers.push(ticker)
      }
    }
  }
  return { tickers, byTarget, markets }
}
