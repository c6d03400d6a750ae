import { gameIdSpellings, NFL_SERIES, parseNflTicker } from '../nfl/tickers.js'

/**
 * Whether a strategy's `markets` cover an NFL game, so it gets that game's `onGame`: a pattern that
 * covers any of the game's events (`KXNFLGAME*`, `KXNFLSPREAD-25SEP04DALPHI*`, `*`), or an exact
 * ticker of one of its markets or events.
 */
export function watchesGame(patterns: readonly string[], gameId: string): boolean {
  const events = Object.values(NFL_SERIES).flatMap((series) => gameIdSpellings(gameId).map((id) => `${series}-${id}`))
  return patterns.some((p) => {
    if (p.endsWith('*')) {
      const prefix = p.slice(0, -1).toUpperCase()
      return events.some((e) => e.startsWith(prefix) || prefix.startsWith(e))
    }
    return parseNflTicker(p)?.gameId === gameId
  })
}
