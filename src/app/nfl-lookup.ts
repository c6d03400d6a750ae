/**
 * Finding NFL markets over REST for the `nfl` commands: a game's markets in the three series, a
 * team's games, every open game. The WebSocket cannot list markets, so the commands find them here;
 * the quotes that come back on the way seed the market store, so the first view already has prices.
 */
import type { MarketStore } from '../core/market-store.js'
import type { MarketInfo, RestClient } from '../core/rest-client.js'
import { inputError } from '../errors.js'
import { describeTeam, type Team } from '../nfl/teams.js'
import { gameIdSpellings, matchup, NFL_SERIES, parseNflTicker, type NflGame, type NflMarketKind } from '../nfl/tickers.js'

export type NflRest = Pick<RestClient, 'listAllMarkets'>

const KINDS = Object.keys(NFL_SERIES) as NflMarketKind[]
const SERIES_LIST = `${NFL_SERIES.winner}, ${NFL_SERIES.spread} or ${NFL_SERIES.total}`

export interface NflMarketsFound {
  /** Open markets, winner, spread, total. */
  markets: MarketInfo[]
  /** One event wildcard per event with open markets ("KXNFLGAME-25SEP04DALPHI*"), as Kalshi spells the event. */
  targets: string[]
  /** Epoch ms when the quotes in `markets` were read. */
  readAt: number
}

/**
 * The open markets of one game in the winner, spread and total series (every spelling Kalshi may
 * have used for its teams). A series without the game is fine; without open winner markets there is
 * no win probability to show, so that is an input error, as is a game with no market at all.
 */
export async function findGameMarkets(rest: NflRest, game: NflGame): Promise<NflMarketsFound> {
  const events = KINDS.flatMap((kind) => gameIdSpellings(game).map((id) => ({ kind, event: `${NFL_SERIES[kind]}-${id}` })))
  const lists = await Promise.all(events.map(({ event }) => rest.listAllMarkets({ event_ticker: event, status: 'open' })))
  const readAt = Date.now()
  const markets = lists.flat()
  const targets = events.filter((_, i) => lists[i]!.length > 0).map(({ event }) => `${event}*`)
  const what = `game ${game.gameId} (${matchup(game)})`
  if (markets.length === 0) {
    // Kalshi writes AWAY then HOME: a swapped id is the usual slip, so check it before suggesting it.
    const swapped = { ...game, gameId: `${game.gameId.slice(0, 7)}${game.home}${game.away}`, away: game.home, home: game.away }
    const found = await rest.listAllMarkets({ event_ticker: `${NFL_SERIES.winner}-${swapped.gameId}`, status: 'open' }).catch(() => [])
    const hint = found.length > 0 ? `; did you mean ${swapped.gameId} (${matchup(swapped)})? The away team comes first` : ''
    throw inputError('NO_MARKETS', `no open markets for ${what} in ${SERIES_LIST}${hint}`)
  }
  if (!events.some(({ kind }, i) => kind === 'winner' && lists[i]!.length > 0)) {
    throw inputError('NO_MARKETS', `no open winner markets for ${what} in ${NFL_SERIES.winner}, so no win probability to show`)
  }
  return { markets, targets, readAt }
}

/** Every open market of the three series, winner first, each series read once. */
export async function listNflMarkets(rest: NflRest): Promise<{ markets: MarketInfo[]; readAt: number }> {
  const lists = await Promise.all(KINDS.map((kind) => rest.listAllMarkets({ series_ticker: NFL_SERIES[kind], status: 'open' })))
  return { markets: lists.flat(), readAt: Date.now() }
}

/** The open markets of every game the team plays in (all three series), found by reading each series' tickers. */
export async function findTeamMarkets(rest: NflRest, team: Team): Promise<NflMarketsFound & { games: string[] }> {
  const { markets: all, readAt } = await listNflMarkets(rest)
  const markets: MarketInfo[] = []
  const events = new Set<string>()
  const games = new Set<string>()
  for (const m of all) {
    const p = parseNflTicker(m.ticker)
    if (!p || p.level !== 'market' || (p.away !== team.code && p.home !== team.code)) continue
    markets.push(m)
    events.add(p.eventTicker)
    games.add(p.gameId)
  }
  if (markets.length === 0) throw inputError('NO_MARKETS', `no open markets for ${describeTeam(team)}: none of its games is listed in ${SERIES_LIST}`)
  return { markets, targets: [...events].map((e) => `${e}*`), readAt, games: [...games].sort() }
}

/**
 * Put REST quotes into the store as ticks stamped with the time they were read: REST gives no update
 * time, and the WebSocket's ticker channel sends nothing until a market next changes. A last price of
 * exactly 0 is REST's "never traded" (trades are at 0.01 to 0.99), so it is left out.
 */
export function seedStore(store: Pick<MarketStore, 'applyTick'>, markets: readonly MarketInfo[], readAt: number): void {
  for (const m of markets) {
    store.applyTick({
      type: 'ticker', ticker: m.ticker, yesBid: m.yesBid, yesAsk: m.yesAsk, yesPrice: m.lastPrice === 0 ? undefined : m.lastPrice,
      volume: m.volume, openInterest: m.openInterest, lastUpdate: readAt, receivedAt: readAt,
    })
  }
}
