import { parseMarketPattern } from '../core/market-pattern.js'
import type { Strategy } from './api.js'

export interface StrategyMarkets {
  /** Every market pattern the strategies name, parsed and de-duplicated (`kxnflgame*` → `KXNFLGAME*`). */
  markets: string[]
  /** The patterns of strategies that take order books (`books: true` and an onBook handler). */
  books: string[]
}

/**
 * What a feed must subscribe for these strategies: a pure function of the loaded strategies, so a
 * session learns it before any engine or stream exists. Patterns were validated by the loader.
 */
export function strategyMarkets(strategies: readonly Strategy[]): StrategyMarkets {
  const markets = new Set<string>()
  const books = new Set<string>()
  for (const s of strategies) {
    const wantsBooks = s.books === true && typeof s.onBook === 'function'
    for (const m of s.markets) {
      const text = parseMarketPattern(m).text
      markets.add(text)
      if (wantsBooks) books.add(text)
    }
  }
  return { markets: [...markets], books: [...books] }
}
