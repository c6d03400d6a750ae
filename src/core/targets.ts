/**
 * What the user asks to watch: a market ticker, a whole series (`KXNFLGAME*`), a whole event
 * (`KXNFLGAME-25SEP04DALPHI*`) or every market (`*`). Kalshi has no wildcards on the wire, so
 * wildcards are resolved here through REST. Every target is checked before anything is sent.
 */
import { inputError } from '../errors.js'
import { matchesMarket, parseMarketPattern, parseMarketPatterns, type MarketPattern, type MarketPatternKind } from './market-pattern.js'
import type { MarketInfo, MarketStatusFilter, RestClient } from './rest-client.js'

/** A target is a market pattern (see market-pattern.ts); the names stay for the stream's API. */
export type TargetKind = MarketPatternKind
export type Target = MarketPattern
export const parseTarget = parseMarketPattern
export const parseTargets = parseMarketPatterns
export const targetMatches = matchesMarket

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
      const found = await rest.listAllMarkets(marketQuery(t, status))
      for (const m of found) markets.set(m.ticker, m)
      list = found.map((m) => m.ticker)
      if (list.length === 0) {
        if (t.kind === 'all') throw inputError('NO_MARKETS', `no ${status} markets on the exchange`)
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

/** The REST market query that lists a wildcard's markets. */
export function marketQuery(t: Target, status: MarketStatusFilter): { series_ticker?: string; event_ticker?: string; status: MarketStatusFilter } {
  switch (t.kind) {
    case 'series': return { series_ticker: t.value, status }
    case 'event': return { event_ticker: t.value, status }
    default: return { status }
  }
}
