import { RestClient } from '../core/rest-client.js'
import { GameFeed, type GameFeedOptions } from '../nfl/game-feed.js'
import { gamesOfTickers } from '../nfl/tickers.js'
import type { Exchange } from '../runtime/open-exchange.js'

/**
 * Start reading Kalshi's live game data (score, clock, status) for the NFL games among `tickers`;
 * undefined when there are none. Stream (recording), run-strategy (onGame) and the dashboard use it.
 */
export function startGameFeed(exchange: Exchange, tickers: readonly string[], handlers: Pick<GameFeedOptions, 'onState' | 'onProblem'>): GameFeed | undefined {
  const games = gamesOfTickers(tickers)
  if (games.length === 0) return undefined
  const feed = new GameFeed({
    // No client-wide signal: AbortSignal.any in each request would pile listeners on it (a read a second).
    rest: new RestClient({ apiUrl: exchange.apiUrl, signer: exchange.signer }),
    games,
    ...handlers,
  })
  void feed.start()
  return feed
}
