/**
 * `neural nfl games`: the games with open winner markets, each with its win probabilities from the
 * REST quotes, as one table row or one game summary each. REST only: one listing per series.
 */
import { MarketStore } from '../core/market-store.js'
import { RestClient } from '../core/rest-client.js'
import { NflMarkets, type GameSummary } from '../nfl/game-summary.js'
import { parseNflTicker } from '../nfl/tickers.js'
import { formatGameRow, formatGamesHeader } from '../render/game-panel.js'
import type { Exchange } from '../runtime/open-exchange.js'
import type { EventSink } from './event-sink.js'
import { listNflMarkets, seedStore, type NflRest } from './nfl-lookup.js'

/** The last record of `nfl games`. */
export interface NflGamesSummary {
  type: 'summary'
  games: number
  /** Open markets of those games in the three series. */
  markets: number
  durationMs: number
}

/**
 * A summary of every game with open winner markets, by date then game id. Prices are REST quotes,
 * so each summary's `lastUpdate` is the time they were read.
 */
export async function listNflGames(rest: NflRest): Promise<GameSummary[]> {
  const { markets, readAt } = await listNflMarkets(rest)
  const store = new MarketStore()
  seedStore(store, markets, readAt)
  const nfl = new NflMarkets(store, markets)
  const games = new Map<string, string>()
  for (const m of markets) {
    const p = parseNflTicker(m.ticker)
    if (p?.kind === 'winner' && p.level === 'market') games.set(p.gameId, p.date)
  }
  return [...games]
    .sort(([ga, da], [gb, db]) => (da === db ? ga.localeCompare(gb) : da.localeCompare(db)))
    .map(([game]) => nfl.getGameSummary(game)!)
}

export interface NflGamesOptions {
  exchange: Exchange
  /** Records and the summary. */
  sink: EventSink
  /** Print the table header first (human output). */
  header: boolean
  /** Where the header goes. @default process.stdout */
  out?: { write(text: string): unknown }
  /** @default a RestClient on the exchange's REST URL */
  rest?: NflRest
}

/** List the games, write one record per game and a summary record, and return the summary. */
export async function runNflGames(options: NflGamesOptions): Promise<NflGamesSummary> {
  const startedAt = Date.now()
  const rest = options.rest ?? new RestClient({ apiUrl: options.exchange.apiUrl, signer: options.exchange.signer })
  const games = await listNflGames(rest)
  if (options.header) (options.out ?? process.stdout).write(`${formatGamesHeader()}\n`)
  for (const game of games) options.sink.record(game, formatGameRow(game))
  const summary: NflGamesSummary = {
    type: 'summary',
    games: games.length,
    markets: games.reduce((n, g) => n + g.markets, 0),
    durationMs: Date.now() - startedAt,
  }
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`
  options.sink.record(summary, `${plural(summary.games, 'game')}, ${plural(summary.markets, 'market')} in ${(summary.durationMs / 1000).toFixed(1)} s`)
  return summary
}
