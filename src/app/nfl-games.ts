/**
 * `neural nfl games`: the games with open winner markets, each with its win probabilities from the
 * REST quotes, as one table row or one game summary each. REST only: one listing per series.
 */
import { MarketStore } from '../core/market-store.js'
import { RestClient } from '../core/rest-client.js'
import { NflMarkets, type GameSummary } from '../nfl/game-summary.js'
import { NFL_SERIES, parseGameId, parseNflTicker } from '../nfl/tickers.js'
import type { MarketInfo } from '../core/rest-client.js'
import { GameFeed, type LiveDataRest } from '../nfl/game-feed.js'
import type { TeamCode } from '../nfl/teams.js'
import type { NeuralError } from '../errors.js'
import { formatGameRow, formatGamesHeader } from '../render/game-panel.js'
import { simulatedPrefix } from '../render/human.js'
import type { Exchange } from '../runtime/open-exchange.js'
import type { EventSink } from '../render/event-sink.js'
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
export async function listNflGames(rest: NflRest, liveData?: GameStateReading): Promise<NflGameRecord[]> {
  const { markets: open, readAt } = await listNflMarkets(rest)
  // Games that ended lately: their winner markets are closed or settled, no longer open.
  const ended = liveData ? await recentlyEndedWinnerMarkets(rest, readAt) : []
  const markets = [...open, ...ended]
  const store = new MarketStore()
  seedStore(store, markets, readAt)
  const nfl = new NflMarkets(store, markets)
  const games = new Map<string, string>()
  const settlement = new Map<string, Settlement>()
  for (const m of markets) {
    const p = parseNflTicker(m.ticker)
    if (p?.kind !== 'winner' || p.level !== 'market') continue
    games.set(p.gameId, p.date)
    if (m.result === 'yes') settlement.set(p.gameId, { winner: p.team!, ticker: m.ticker, status: m.status })
  }
  if (liveData) {
    const feed = new GameFeed({ rest: liveData.rest, games: [...games.keys()].map((g) => parseGameId(g)), onState: (state) => nfl.setGameState(state), onProblem: liveData.onProblem })
    await feed.findMilestones()
    await feed.poll()
  }
  return [...games]
    .sort(([ga, da], [gb, db]) => (da === db ? ga.localeCompare(gb) : da.localeCompare(db)))
    .map(([game]) => {
      const summary = nfl.getGameSummary(game)!
      const s = settlement.get(game)
      return s ? { ...summary, settlement: s } : summary
    })
}

/** How a finished game's winner market settled. */
export interface Settlement {
  /** The team whose winner market resolved yes. */
  winner: TeamCode
  ticker: string
  /** The market's status: closed or determined (result known), settled/finalized (paid out). */
  status: string
}

/** A game row of `nfl games`: the summary, and for a finished game its winner market's settlement. */
export type NflGameRecord = GameSummary & { settlement?: Settlement }

export interface GameStateReading {
  rest: LiveDataRest
  onProblem?: (error: NeuralError) => void
}

/** Games stay listed this long after their winner markets close. */
const ENDED_WINDOW_MS = 24 * 3_600_000

async function recentlyEndedWinnerMarkets(rest: NflRest, now: number): Promise<MarketInfo[]> {
  const lists = await Promise.all((['closed', 'settled'] as const).map((status) => rest.listAllMarkets({ series_ticker: NFL_SERIES.winner, status })))
  return lists.flat().filter((m) => {
    const closedAt = m.closeTime ? Date.parse(m.closeTime) : NaN
    return Number.isFinite(closedAt) && closedAt <= now && now - closedAt <= ENDED_WINDOW_MS
  })
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
  /** Where live game data is read. @default the same RestClient */
  liveDataRest?: LiveDataRest
}

/** List the games, write one record per game and a summary record, and return the summary. */
export async function runNflGames(options: NflGamesOptions): Promise<NflGamesSummary> {
  const startedAt = Date.now()
  const client = new RestClient({ apiUrl: options.exchange.apiUrl, signer: options.exchange.signer })
  const rest = options.rest ?? client
  const games = await listNflGames(rest, { rest: options.liveDataRest ?? client, onProblem: (e) => options.sink.problem(e) })
  // Every human line of a simulator's list is marked, the header too, so the columns stay aligned.
  const marker = options.exchange.simulated ? simulatedPrefix() : ''
  if (options.header) (options.out ?? process.stdout).write(`${marker}${formatGamesHeader()}\n`)
  for (const game of games) options.sink.record(game, `${marker}${formatGameRow(game)}`)
  const summary: NflGamesSummary = {
    type: 'summary',
    games: games.length,
    markets: games.reduce((n, g) => n + g.markets, 0),
    durationMs: Date.now() - startedAt,
  }
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`
  options.sink.record(summary, `${marker}${plural(summary.games, 'game')}, ${plural(summary.markets, 'market')} in ${(summary.durationMs / 1000).toFixed(1)} s`)
  return summary
}
