import { inputError } from '../errors.js'
import { KALSHI_SPELLINGS, TICKER_CODES, describeTeam, printable, suggestTeam, type Team, type TeamCode } from './teams.js'

/**
 * The one parser for Kalshi's NFL tickers.
 *
 *   series  KXNFLGAME | KXNFLSPREAD | KXNFLTOTAL
 *   event   KXNFLGAME-25SEP04DALPHI          yy MON dd, then the AWAY code, then the HOME code
 *   market  KXNFLGAME-25SEP04DALPHI-DAL      winner: the team
 *           KXNFLSPREAD-25SEP04DALPHI-PHI7   spread: team + line
 *           KXNFLTOTAL-25SEP04DALPHI-47      total: line
 *
 * The spread/total series names and market suffixes match tickers quoted in public code
 * (e.g. `KXNFLSPREAD-26SEP09NESEA-SEA7`, `KXNFLTOTAL-26OCT08TBDAL-47`). `line` is the number
 * as written in the ticker. The market's strike is its REST `floor_strike`, N − 0.5 on real markets
 * (`…-KC7`: "Kansas City wins by over 6.5 points?"; `…-48`: "over 47.5 points scored?"); NflMarkets.lineOf
 * reads the strike and falls back to N − 0.5 only when REST gave none.
 */

export const NFL_SERIES = { winner: 'KXNFLGAME', spread: 'KXNFLSPREAD', total: 'KXNFLTOTAL' } as const
export type NflMarketKind = keyof typeof NFL_SERIES
export type NflSeries = (typeof NFL_SERIES)[NflMarketKind]

const KIND_BY_SERIES = new Map<string, NflMarketKind>(
  (Object.entries(NFL_SERIES) as [NflMarketKind, NflSeries][]).map(([k, s]) => [s, k]),
)

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] as const

/** One game, as the event-ticker suffix names it. */
export interface NflGame {
  /** Canonical id: upper case, no dash, canonical team codes, e.g. "25SEP04DALPHI". */
  gameId: string
  /** Game date, ISO yyyy-mm-dd. */
  date: string
  away: TeamCode
  home: TeamCode
}

export interface NflTicker extends NflGame {
  kind: NflMarketKind
  series: NflSeries
  /** The input, upper-cased. */
  ticker: string
  /** The event ticker as Kalshi spells it (the input's team codes kept), e.g. "KXNFLGAME-25SEP04DALPHI". */
  eventTicker: string
  /** 'event' for an event ticker, 'market' for a market ticker. */
  level: 'event' | 'market'
  /** Winner and spread markets: the team the market is about. */
  team?: TeamCode
  /** Spread and total markets: the number in the ticker. */
  line?: number
}

export const GAME_FORMAT_HINT = 'expected a game like 25SEP04DALPHI (yy MON dd AWAY HOME)'

type GameParse = { ok: true; game: NflGame } | { ok: false; message: string }

/** A split of an away+home run into two team codes. */
export interface TeamSplit {
  away: Team
  home: Team
  /** Both codes are canonical (not JAX/LAR/WSH). */
  canonical: boolean
}

/**
 * Every way to cut `run` (e.g. "DALPHI", "LAARI", "NYGLAR") into two known codes.
 * Codes are 2–3 letters, so a run of 4–6 letters has at most three cuts; fixed widths would misread "LAARI".
 */
export function teamSplits(run: string, codes: ReadonlyMap<string, { team: Team; canonical: boolean }> = TICKER_CODES): TeamSplit[] {
  const out: TeamSplit[] = []
  for (let cut = 2; cut <= 3 && cut <= run.length - 2; cut++) {
    const a = codes.get(run.slice(0, cut))
    const h = codes.get(run.slice(cut))
    if (a && h) out.push({ away: a.team, home: h.team, canonical: a.canonical && h.canonical })
  }
  return out
}

/**
 * The one split of `run` that names two teams. When several cuts do (none do with today's table, but
 * codes change), canonical codes win over alternatives; if that still leaves more than one, undefined.
 */
export function splitTeams(run: string, codes: ReadonlyMap<string, { team: Team; canonical: boolean }> = TICKER_CODES): { away: Team; home: Team } | undefined {
  const all = teamSplits(run, codes)
  if (all.length === 1) return all[0]
  const canonical = all.filter((s) => s.canonical)
  return canonical.length === 1 ? canonical[0] : undefined
}

function daysInMonth(year: number, monthIndex: number): number {
  return new Date(Date.UTC(year, monthIndex + 1, 0)).getUTCDate()
}

/** Parse "25SEP04DALPHI" (already upper case, no dash). Failure messages are one line and say what was wrong. */
function parseGameText(text: string, shown: string): GameParse {
  const fail = (what: string): GameParse => ({ ok: false, message: `${what}: ${GAME_FORMAT_HINT}` })
  const m = /^(\d{2})([A-Z]{3})(\d{2})([A-Z]*)$/.exec(text)
  if (!m) return fail(`bad game '${shown}'`)
  const [, yy, mon, dd, run] = m as unknown as [string, string, string, string, string]
  const monthIndex = (MONTHS as readonly string[]).indexOf(mon)
  if (monthIndex < 0) return fail(`bad month '${mon}' in game '${shown}'`)
  const year = 2000 + Number(yy)
  const day = Number(dd)
  if (day < 1 || day > daysInMonth(year, monthIndex)) return fail(`bad day '${dd}' in game '${shown}' (${mon} ${year} has ${daysInMonth(year, monthIndex)} days)`)
  if (run.length === 0) return fail(`no teams in game '${shown}'`)
  const split = splitTeams(run)
  if (!split) {
    if (teamSplits(run).length > 1) return fail(`teams '${run}' in game '${shown}' can be read more than one way`)
    return fail(`${unknownRunMessage(run)} in game '${shown}'`)
  }
  if (split.away.code === split.home.code) return fail(`the same team twice in game '${shown}'`)
  const date = `${year}-${String(monthIndex + 1).padStart(2, '0')}-${dd}`
  return { ok: true, game: { gameId: `${yy}${mon}${dd}${split.away.code}${split.home.code}`, date, away: split.away.code, home: split.home.code } }
}

/**
 * Why an away+home run does not split: a lone known code ("DAL") is a missing team; a known code
 * followed by an unknown one gets a suggestion for the unknown one.
 */
function unknownRunMessage(run: string): string {
  if (TICKER_CODES.has(run)) return `only one team '${run}'`
  for (let cut = 3; cut >= 2; cut--) {
    const head = run.slice(0, cut)
    const tail = run.slice(cut)
    for (const [known, unknown] of [[head, tail], [tail, head]] as const) {
      if (TICKER_CODES.has(known) && unknown.length > 0) {
        const s = suggestTeam(unknown)
        return s ? `unknown team '${unknown}' (did you mean ${describeTeam(s)}?)` : `unknown team '${unknown}'`
      }
    }
  }
  return `unknown teams '${run}'`
}

/**
 * Parse a game id as users write it: `25SEP04DALPHI` or `25SEP04-DALPHI`, any case.
 * Alternative codes (JAX, LAR, WSH) are accepted and mapped to the canonical ones in `gameId`.
 * @throws NeuralError('input', 'INVALID_GAME') with a one-line message showing the right format.
 */
export function parseGameId(input: string): NflGame {
  const text = input.trim()
  const shown = printable(text)
  const m = /^(\d{2}[A-Za-z]{3}\d{2})-?([A-Za-z]*)$/.exec(text)
  const r = m ? parseGameText(`${m[1]}${m[2]}`.toUpperCase(), shown) : parseGameText(text.toUpperCase(), shown)
  if (!r.ok) throw inputError('INVALID_GAME', r.message)
  return r.game
}

/** The series of an NFL series ticker ("KXNFLGAME" → 'winner'), any case; undefined otherwise. */
export function parseNflSeries(series: string): NflMarketKind | undefined {
  return KIND_BY_SERIES.get(series.trim().toUpperCase())
}

/**
 * Parse an NFL event or market ticker of the winner, spread or total series (any case).
 * Undefined for anything else: other sports, other NFL series (KXNFL1HSPREAD, props), malformed tickers,
 * a winner/spread team that is not playing in the game.
 */
export function parseNflTicker(input: string): NflTicker | undefined {
  const ticker = input.trim().toUpperCase()
  const parts = ticker.split('-')
  if (parts.length < 2 || parts.length > 3) return undefined
  const [series, gameText, suffix] = parts as [string, string, string | undefined]
  const kind = KIND_BY_SERIES.get(series)
  if (!kind) return undefined
  const parsed = parseGameText(gameText, gameText)
  if (!parsed.ok) return undefined
  const base: NflTicker = {
    kind, series: series as NflSeries, ticker, eventTicker: `${series}-${gameText}`, level: suffix === undefined ? 'event' : 'market', ...parsed.game,
  }
  if (suffix === undefined) return base
  const playing = (code: string): TeamCode | undefined => {
    const t = TICKER_CODES.get(code)?.team
    return t && (t.code === base.away || t.code === base.home) ? t.code : undefined
  }
  if (kind === 'winner') {
    const team = playing(suffix)
    return team ? { ...base, team } : undefined
  }
  if (kind === 'spread') {
    const m = /^([A-Z]{2,3})(\d+(?:\.\d+)?)$/.exec(suffix)
    const team = m ? playing(m[1]!) : undefined
    return team ? { ...base, team, line: Number(m![2]) } : undefined
  }
  const m = /^(\d+(?:\.\d+)?)$/.exec(suffix)
  return m ? { ...base, line: Number(m[1]) } : undefined
}

/** True for NFL series, event and market tickers that parseNflTicker or parseNflSeries understands. */
export function isNflTicker(ticker: string): boolean {
  return parseNflSeries(ticker) !== undefined || parseNflTicker(ticker) !== undefined
}

const asGame = (game: string | NflGame): NflGame => (typeof game === 'string' ? parseGameId(game) : game)

/** The game's three event tickers, winner, spread, total, in the canonical spelling. */
export function gameEventTickers(game: string | NflGame): [winner: string, spread: string, total: string] {
  const { gameId } = asGame(game)
  return [`${NFL_SERIES.winner}-${gameId}`, `${NFL_SERIES.spread}-${gameId}`, `${NFL_SERIES.total}-${gameId}`]
}

/**
 * Every spelling of the game id Kalshi may have used, canonical first: the Rams are LA in 2025
 * tickers and LAR in 2026 ones, so "25SEP04LAPHI" also yields "25SEP04LARPHI". For REST look-ups.
 */
export function gameIdSpellings(game: string | NflGame): string[] {
  const g = asGame(game)
  const date = g.gameId.slice(0, 7)
  const spell = (c: TeamCode): string[] => [c, ...(KALSHI_SPELLINGS[c] ?? [])]
  const out: string[] = []
  for (const a of spell(g.away)) for (const h of spell(g.home)) out.push(`${date}${a}${h}`)
  return out
}

/** A game as "DAL @ PHI". */
export const matchup = (game: Pick<NflGame, 'away' | 'home'>): string => `${game.away} @ ${game.home}`

/** The NFL games among these tickers, each once, in first-seen order (tickers of other series are skipped). */
export function gamesOfTickers(tickers: Iterable<string>): NflGame[] {
  const ids = new Set<string>()
  for (const t of tickers) {
    const id = parseNflTicker(t)?.gameId
    if (id !== undefined) ids.add(id)
  }
  return [...ids].map((id) => parseGameId(id))
}
