import { COUNT_SCALE } from '../core/fixed-point.js'
import type { MarketState, MarketStoreView } from '../core/market-store.js'
import { resolveTeam, teamByCode, type TeamCode } from './teams.js'
import { parseGameId, parseNflTicker, type NflGame, type NflMarketKind, type NflTicker } from './tickers.js'
import { winProbability, type WinProbability } from './win-probability.js'
import type { GameState } from './game-state.js'

/** One team in a game summary. */
export interface GameTeam {
  team: TeamCode
  /** "Dallas Cowboys". */
  name: string
  /** Normalised win probability (0–1); absent while neither winner market has prices. */
  winProbability?: number
  /** The team's winner market, once it has data; the prices below are its own (absent: no bid, no ask, never traded). */
  ticker?: string
  yesBid?: number
  yesAsk?: number
  yesPrice?: number
}

export interface SpreadLine {
  ticker: string
  team: TeamCode
  /** YES pays if `team` wins by more than this: the market's floor_strike (KC7 → 6.5); without one, the ticker's number − 0.5. */
  line: number
  yesBid?: number
  yesAsk?: number
  yesPrice?: number
}

export interface TotalLine {
  ticker: string
  /** YES pays if more points than this are scored: floor_strike (48 → 47.5); without one, the ticker's number − 0.5. */
  line: number
  yesBid?: number
  yesAsk?: number
  yesPrice?: number
}

/** What `neural nfl game --json` prints; these field names are the JSON contract. */
export interface GameSummary {
  type: 'game'
  /** Canonical game id, "25SEP04DALPHI". */
  game: string
  /** Game date from the ticker, ISO yyyy-mm-dd (Kalshi tickers carry the date, not the time). */
  kickoff: string
  away: GameTeam
  home: GameTeam
  /** Spread markets, by team then line. */
  spread: SpreadLine[]
  /** Total markets, by line. */
  total: TotalLine[]
  /** Markets of this game the summary knows of (known tickers and markets with data). */
  markets: number
  /** Contracts traded, summed over the game's markets. */
  volume: number
  /** Epoch ms of the latest update to any of the game's markets. */
  lastUpdate: number
  /** Score, clock and status from Kalshi's live data, once read (see game-state.ts). */
  state?: GameState
}

export interface WinProbabilityPoint {
  ts: number
  away: number
  home: number
}

const KIND_ORDER: Record<NflMarketKind, number> = { winner: 0, spread: 1, total: 2 }

/**
 * NFL views over a market store: the same questions as the Neural SDK's NFLMarketStream (game summary,
 * win probability, active games, a team's markets, a game's markets), answered from the store that the
 * stream keeps up to date plus the tickers discovered over REST. Games with no data yet give undefined,
 * never an error; a malformed game id or an unknown team throws NeuralError('input').
 */
/** A market as REST describes it: enough to know its strike. */
export interface KnownMarket {
  ticker: string
  floorStrike?: number
}

export class NflMarkets {
  private readonly known = new Set<string>()
  /** floor_strike by ticker, from REST: the line a spread or total market is about. */
  private readonly strikes = new Map<string, number>()
  /** Parse cache: the same few hundred tickers are looked at on every call. */
  private readonly parsed = new Map<string, NflTicker | null>()

  constructor(private readonly store: MarketStoreView, knownTickers: Iterable<string | KnownMarket> = []) {
    this.addKnownTickers(knownTickers)
  }

  /** The latest live game state of each game, by game id (kept by a GameFeed). */
  private readonly gameStates = new Map<string, GameState>()

  /** Keep a game's latest state: its summary carries it from now on. */
  setGameState(state: GameState): void {
    this.gameStates.set(state.game, state)
  }

  /** A game's latest state, or undefined before its live data was read. */
  getGameState(game: string | NflGame): GameState | undefined {
    return this.gameStates.get(asGame(game).gameId)
  }

  /** Markets discovered over REST that may not have data yet (they count in `markets` and list as lines); with their strikes. */
  addKnownTickers(tickers: Iterable<string | KnownMarket>): void {
    for (const t of tickers) {
      if (typeof t === 'string') {
        this.known.add(t)
        continue
      }
      this.known.add(t.ticker)
      if (t.floorStrike !== undefined) this.strikes.set(t.ticker, t.floorStrike)
    }
  }

  /**
   * The line of a spread or total market: its floor_strike when REST gave one, else the ticker's number
   * − 0.5 (Kalshi's numbering: KXNFLSPREAD-…-KC7 is "wins by over 6.5", KXNFLTOTAL-…-48 is "over 47.5").
   */
  lineOf(p: NflTicker): number | undefined {
    return this.strikes.get(p.ticker) ?? (p.line === undefined ? undefined : p.line - 0.5)
  }

  /** Game ids with at least one market with data, by date then id. */
  getActiveGames(): string[] {
    const games = new Map<string, string>()
    for (const t of this.store.tickers()) {
      const p = this.parse(t)
      if (p && p.level === 'market') games.set(p.gameId, p.date)
    }
    return [...games].sort(([ga, da], [gb, db]) => (da === db ? ga.localeCompare(gb) : da.localeCompare(db))).map(([g]) => g)
  }

  /** One market's state, or undefined before its first update. */
  getMarketData(ticker: string): Readonly<MarketState> | undefined {
    return this.store.get(ticker)
  }

  /** The states of a game's markets with data (winner, spread, total; then by ticker), or undefined if none. */
  getGameData(game: string | NflGame): Readonly<MarketState>[] | undefined {
    const states = this.gameMarkets(asGame(game)).flatMap(({ ticker }) => {
      const s = this.store.get(ticker)
      return s ? [s] : []
    })
    return states.length ? states : undefined
  }

  /**
   * The states of the markets with data in every game the team plays in (as NFLMarketStream's
   * get_team_markets: the game's markets, not only those naming the team), by game then ticker.
   * Accepts a code, alias, city or name. Empty when the team has no data yet.
   */
  getTeamMarkets(team: string): Readonly<MarketState>[] {
    const code = resolveTeam(team).code
    const out: { p: NflTicker; s: Readonly<MarketState> }[] = []
    for (const t of this.store.tickers()) {
      const p = this.parse(t)
      const s = this.store.get(t)
      if (p && s && p.level === 'market' && (p.away === code || p.home === code)) out.push({ p, s })
    }
    return out.sort((x, y) => compareMarkets(x.p, y.p)).map(({ s }) => s)
  }

  /** Each team's normalised win probability from the two winner markets, or undefined without prices. */
  getGameWinProbability(game: string | NflGame): WinProbability | undefined {
    const g = asGame(game)
    const markets = this.gameMarkets(g)
    return winProbability(this.winnerState(markets, g.away), this.winnerState(markets, g.home))
  }

  /**
   * Win probability over time, oldest first, from the stored histories of the two winner markets:
   * each point holds each side's latest prices as of that moment.
   */
  getWinProbabilityHistory(game: string | NflGame): WinProbabilityPoint[] {
    const g = asGame(game)
    const markets = this.gameMarkets(g)
    const awayTicker = this.winnerState(markets, g.away)?.ticker
    const homeTicker = this.winnerState(markets, g.home)?.ticker
    const events = [
      ...(awayTicker ? this.store.history(awayTicker).map((h) => ({ side: 'away' as const, h })) : []),
      ...(homeTicker ? this.store.history(homeTicker).map((h) => ({ side: 'home' as const, h })) : []),
    ].sort((x, y) => x.h.ts - y.h.ts)
    const latest: { away?: (typeof events)[number]['h']; home?: (typeof events)[number]['h'] } = {}
    const out: WinProbabilityPoint[] = []
    for (const e of events) {
      latest[e.side] = e.h
      const p = winProbability(latest.away, latest.home)
      if (!p) continue
      const last = out[out.length - 1]
      // Updates with the same timestamp collapse into one point: the state after all of them.
      if (last && last.ts === e.h.ts) out.pop()
      out.push({ ts: e.h.ts, away: p.away, home: p.home })
    }
    return out
  }

  /** The game's summary, or undefined while none of its markets has data. */
  getGameSummary(game: string | NflGame): GameSummary | undefined {
    const g = asGame(game)
    const markets = this.gameMarkets(g)
    const states = markets.map((p) => ({ p, s: this.store.get(p.ticker) }))
    if (!states.some(({ s }) => s)) return undefined
    const p = this.getGameWinProbability(g)
    const prices = (s: Readonly<MarketState> | undefined) => ({ yesBid: s?.yesBid, yesAsk: s?.yesAsk, yesPrice: s?.yesPrice })
    // Each team's winner prices beside its win probability: what it was read from, so a reader can check it.
    const winner = (team: TeamCode) => {
      const s = this.winnerState(markets, team)
      return s ? { ticker: s.ticker, ...prices(s) } : {}
    }
    let volumeUnits = 0
    let lastUpdate = 0
    for (const { s } of states) {
      if (!s) continue
      if (s.volume !== undefined) volumeUnits += Math.round(s.volume * COUNT_SCALE)
      lastUpdate = Math.max(lastUpdate, s.lastUpdate)
    }
    return {
      type: 'game',
      game: g.gameId,
      kickoff: g.date,
      away: { team: g.away, name: teamByCode(g.away).name, winProbability: p?.away, ...winner(g.away) },
      home: { team: g.home, name: teamByCode(g.home).name, winProbability: p?.home, ...winner(g.home) },
      spread: states
        .filter(({ p }) => p.kind === 'spread')
        .map(({ p, s }) => ({ ticker: p.ticker, team: p.team!, line: this.lineOf(p)!, ...prices(s) }))
        .sort((a, b) => (a.team === b.team ? a.line - b.line : a.team.localeCompare(b.team))),
      total: states
        .filter(({ p }) => p.kind === 'total')
        .map(({ p, s }) => ({ ticker: p.ticker, line: this.lineOf(p)!, ...prices(s) }))
        .sort((a, b) => a.line - b.line),
      markets: markets.length,
      volume: volumeUnits / COUNT_SCALE,
      lastUpdate,
      ...(this.gameStates.has(g.gameId) ? { state: this.gameStates.get(g.gameId)! } : {}),
    }
  }

  private parse(ticker: string): NflTicker | undefined {
    let p = this.parsed.get(ticker)
    if (p === undefined) {
      p = parseNflTicker(ticker) ?? null
      this.parsed.set(ticker, p)
    }
    return p ?? undefined
  }

  /** The game's market tickers, known or with data, sorted winner, spread, total, then by ticker. */
  private gameMarkets(game: NflGame): NflTicker[] {
    const out: NflTicker[] = []
    for (const t of new Set([...this.known, ...this.store.tickers()])) {
      const p = this.parse(t)
      // Keep the store's own spelling of the ticker for look-ups (parse upper-cases it).
      if (p && p.level === 'market' && p.gameId === game.gameId) out.push(p.ticker === t ? p : { ...p, ticker: t })
    }
    return out.sort(compareMarkets)
  }

  /** The team's winner market with data; if Kalshi listed it under two spellings, the latest updated. */
  private winnerState(markets: NflTicker[], team: TeamCode): Readonly<MarketState> | undefined {
    let best: Readonly<MarketState> | undefined
    for (const p of markets) {
      if (p.kind !== 'winner' || p.team !== team) continue
      const s = this.store.get(p.ticker)
      if (s && (!best || s.lastUpdate > best.lastUpdate)) best = s
    }
    return best
  }
}

function compareMarkets(a: NflTicker, b: NflTicker): number {
  if (a.date !== b.date) return a.date.localeCompare(b.date)
  if (a.gameId !== b.gameId) return a.gameId.localeCompare(b.gameId)
  if (a.kind !== b.kind) return KIND_ORDER[a.kind] - KIND_ORDER[b.kind]
  return a.ticker.localeCompare(b.ticker)
}

const asGame = (game: string | NflGame): NflGame => (typeof game === 'string' ? parseGameId(game) : game)
