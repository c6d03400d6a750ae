/**
 * The state of one NFL game (score, clock, status), kept beside the game's markets. It comes from
 * Kalshi's live data (see live-data.ts); the JSON field names here are the `state` object of
 * `neural nfl game --json`, of `neural nfl games --json`, and what strategies get in `onGame`.
 */
import { NeuralError } from '../errors.js'
import type { LiveData } from '../core/live-data.js'
import type { NflGame } from './tickers.js'
import type { TeamCode } from './teams.js'

/** scheduled: not started (Kalshi `none`); live: in play (`live`); final: over (`finished`). */
export type GameStatus = 'scheduled' | 'live' | 'final'

export interface GameSide {
  team: TeamCode
  points: number
}

export interface GameState {
  /** Canonical game id, "25SEP04DALPHI". */
  game: string
  status: GameStatus
  /** Quarter: 1–4, 5 and up for overtime; absent before kickoff or when Kalshi gives none. */
  period?: number
  /** Time left in the period, "MM:SS", as Kalshi sends it; absent when Kalshi gives none. */
  clock?: string
  away: GameSide
  home: GameSide
  /** Epoch ms when this state was read (live) or recorded (replay). */
  updatedAt: number
  /** Where it came from: Kalshi's live data for this milestone. */
  source: { kind: 'kalshi-live-data'; milestoneId: string }
}

const STATUS: Record<string, GameStatus> = { none: 'scheduled', live: 'live', finished: 'final' }

function bad(game: string, message: string): NeuralError {
  return new NeuralError('protocol', 'BAD_LIVE_DATA', `live data for ${game}: ${message}`)
}

/** A non-negative whole number from a number or a numeric string; undefined when absent. */
function wholeNumber(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : undefined
  return n !== undefined && Number.isInteger(n) && n >= 0 ? n : undefined
}

/** "8:42" or "08:42" → "08:42"; anything else undefined. */
function clockOf(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined
  const m = /^(\d{1,2}):(\d{2})$/.exec(v.trim())
  return m && Number(m[2]) < 60 ? `${m[1]!.padStart(2, '0')}:${m[2]}` : undefined
}

/**
 * The game's state from one live-data entry. Before kickoff Kalshi may send no score at all
 * (the documented example's `details` is `{}`): that is 0–0, scheduled. A game that is live or
 * finished without both teams' points, or a status we do not know, is BAD_LIVE_DATA.
 */
export function gameStateFromLiveData(live: LiveData, game: NflGame, receivedAt: number): GameState {
  const d = live.details
  const rawStatus = d.status
  const status = rawStatus === undefined || rawStatus === null || rawStatus === '' ? 'scheduled' : STATUS[String(rawStatus)]
  if (!status) throw bad(game.gameId, `unknown status ${JSON.stringify(rawStatus)} (expected none, live or finished)`)
  let awayPoints = wholeNumber(d.away_points)
  let homePoints = wholeNumber(d.home_points)
  if (awayPoints === undefined || homePoints === undefined) {
    if (status !== 'scheduled') throw bad(game.gameId, `status ${String(rawStatus)} without both teams' points`)
    awayPoints = awayPoints ?? 0
    homePoints = homePoints ?? 0
  }
  const period = wholeNumber(d.round)
  const clock = clockOf(d.final_round_time_left)
  return {
    game: game.gameId,
    status,
    ...(period !== undefined && period > 0 ? { period } : {}),
    ...(clock !== undefined ? { clock } : {}),
    away: { team: game.away, points: awayPoints },
    home: { team: game.home, points: homePoints },
    updatedAt: receivedAt,
    source: { kind: 'kalshi-live-data', milestoneId: live.milestoneId },
  }
}

/** "Q3", "OT", "OT2"; undefined without a period. */
export function periodLabel(period: number | undefined): string | undefined {
  if (period === undefined) return undefined
  if (period <= 4) return `Q${period}`
  return period === 5 ? 'OT' : `OT${period - 4}`
}

/** The score line: "DAL 10 – 14 PHI · Q3 08:42", "… · final", "DAL 0 – 0 PHI · scheduled". */
export function formatScoreLine(state: GameState): string {
  const score = `${state.away.team} ${state.away.points} – ${state.home.points} ${state.home.team}`
  if (state.status !== 'live') return `${score} · ${state.status}`
  const when = [periodLabel(state.period), state.clock].filter(Boolean).join(' ')
  return `${score} · ${when || 'live'}`
}

/** The side that scored between two states of the same game, 'both' for a correction on both, undefined for none. */
export function scorer(previous: GameState | undefined, next: GameState): 'away' | 'home' | 'both' | undefined {
  const away = next.away.points - (previous?.away.points ?? 0)
  const home = next.home.points - (previous?.home.points ?? 0)
  if (away !== 0 && home !== 0) return 'both'
  if (away !== 0) return 'away'
  if (home !== 0) return 'home'
  return undefined
}

/** Whether the score or the status changed (what `{"type":"score"}` reports). */
export function scoreOrStatusChanged(previous: GameState | undefined, next: GameState): boolean {
  if (!previous) return false
  return previous.status !== next.status || previous.away.points !== next.away.points || previous.home.points !== next.home.points
}

/** The winner of a final game; undefined before the end or on a tie. */
export function winnerOf(state: GameState): 'away' | 'home' | undefined {
  if (state.status !== 'final' || state.away.points === state.home.points) return undefined
  return state.away.points > state.home.points ? 'away' : 'home'
}

/**
 * `{"type":"score"}`: a game's score or status changed. `winProbability` holds each team's win
 * probability from the winner markets when the previous state was read (`before`) and now (`after`),
 * so the market's reaction to the score can be read off one line.
 */
export interface ScoreEvent {
  type: 'score'
  game: string
  /** Who scored; absent when only the status changed. */
  scorer?: 'away' | 'home' | 'both'
  previous: { status: GameStatus; away: { points: number }; home: { points: number } }
  state: GameState
  winProbability: { before?: { away: number; home: number }; after?: { away: number; home: number } }
  /** Epoch ms: when the new state was read. */
  ts: number
}

export function scoreEvent(previous: GameState, state: GameState, before?: { away: number; home: number }, after?: { away: number; home: number }): ScoreEvent {
  const who = scorer(previous, state)
  return {
    type: 'score',
    game: state.game,
    ...(who ? { scorer: who } : {}),
    previous: { status: previous.status, away: { points: previous.away.points }, home: { points: previous.home.points } },
    state,
    winProbability: { ...(before ? { before } : {}), ...(after ? { after } : {}) },
    ts: state.updatedAt,
  }
}

/** "PHI +7", "DAL +3 PHI +7" (a correction on both), or the status change ("kickoff", "final"). */
export function scoreMarkText(event: ScoreEvent): string {
  const s = event.state
  const parts: string[] = []
  for (const side of ['away', 'home'] as const) {
    const delta = s[side].points - event.previous[side].points
    if (delta !== 0) parts.push(`${s[side].team} ${delta > 0 ? '+' : ''}${delta}`)
  }
  if (parts.length) return parts.join(' ')
  return s.status === 'live' ? 'kickoff' : s.status
}
