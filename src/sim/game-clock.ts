import { type Random, gaussian } from './random.js'

/**
 * A game is scripted in full from the seed when the world is built (every score and its game
 * second), so outcomes are reproducible no matter how timers jitter; the clock only reveals it.
 */

/** Scores per 60-minute game, and their point values: ~43 points a game, like the NFL. */
const SCORES_PER_GAME = 8
const TOUCHDOWN_SHARE = 0.6
const MEAN_POINTS_PER_SCORE = TOUCHDOWN_SHARE * 7 + (1 - TOUCHDOWN_SHARE) * 3
/** Variance of a compound-Poisson final margin (or total) over a full game: λT·E[X²]. */
const FULL_GAME_VARIANCE = SCORES_PER_GAME * (TOUCHDOWN_SHARE * 49 + (1 - TOUCHDOWN_SHARE) * 9)
export const GAME_SECONDS = 3600

export interface ScoringPlay { gameSec: number; home: boolean; points: number }

export interface GameScript {
  /** Probability that any one score is the home team's. */
  homeShare: number
  plays: ScoringPlay[]
}

export interface GameState {
  phase: 'pre' | 'live' | 'final'
  homeScore: number
  awayScore: number
  /** Share of the game still to play, 1 before kickoff, 0 at the end. */
  remaining: number
  /** Game seconds played, 0 to GAME_SECONDS (live data's quarter and clock come from it). */
  gameSec: number
}

export function scriptGame(rand: Random): GameScript {
  const homeShare = Math.min(0.8, Math.max(0.2, 0.53 + gaussian(rand) * 0.1))
  const plays: ScoringPlay[] = []
  // Poisson arrivals: exponential gaps with mean GAME_SECONDS / SCORES_PER_GAME.
  let t = 0
  for (;;) {
    t += -Math.log(Math.max(rand(), 1e-12)) * GAME_SECONDS / SCORES_PER_GAME
    if (t >= GAME_SECONDS - 1) break
    plays.push({ gameSec: t, home: rand() < homeShare, points: rand() < TOUCHDOWN_SHARE ? 7 : 3 })
  }
  const margin = plays.reduce((m, p) => m + (p.home ? p.points : -p.points), 0)
  // No ties: an overtime field goal decides a level game in its last second.
  if (margin === 0) plays.push({ gameSec: GAME_SECONDS - 0.5, home: rand() < homeShare, points: 3 })
  return { homeShare, plays }
}

export function gameStateAt(script: GameScript, gameSec: number): GameState {
  if (gameSec < 0) return { phase: 'pre', homeScore: 0, awayScore: 0, remaining: 1, gameSec: 0 }
  let homeScore = 0
  let awayScore = 0
  for (const p of script.plays) {
    if (p.gameSec > gameSec) break
    if (p.home) homeScore += p.points
    else awayScore += p.points
  }
  const remaining = Math.max(0, 1 - gameSec / GAME_SECONDS)
  return { phase: gameSec >= GAME_SECONDS ? 'final' : 'live', homeScore, awayScore, remaining, gameSec: Math.min(gameSec, GAME_SECONDS) }
}

/** What a market on the game asks: the home team's margin above a line, or the total above a line. */
export type GameQuestion =
  | { kind: 'margin'; home: boolean; line: number }
  | { kind: 'total'; line: number }

/** Fair yes probability given the state: final outcome ~ Normal(now + expected rest, variance of the rest). */
export function fairProbability(script: GameScript, state: GameState, q: GameQuestion): number {
  const expectedPoints = SCORES_PER_GAME * MEAN_POINTS_PER_SCORE * state.remaining
  let now: number
  let drift: number
  if (q.kind === 'total') {
    now = state.homeScore + state.awayScore
    drift = expectedPoints
  } else {
    const sign = q.home ? 1 : -1
    now = sign * (state.homeScore - state.awayScore)
    drift = sign * expectedPoints * (2 * script.homeShare - 1)
  }
  const sd = Math.sqrt(FULL_GAME_VARIANCE * state.remaining)
  if (sd < 1e-9) return now + drift > q.line ? 1 : 0
  return normalCdf((now + drift - q.line) / sd)
}

/** Whether the question resolved yes on a final state. */
export function resolvesYes(state: GameState, q: GameQuestion): boolean {
  if (q.kind === 'total') return state.homeScore + state.awayScore > q.line
  const margin = state.homeScore - state.awayScore
  return (q.home ? margin : -margin) > q.line
}

export function expectedTotal(): number {
  return SCORES_PER_GAME * MEAN_POINTS_PER_SCORE
}

export function expectedHomeMargin(script: GameScript): number {
  return expectedTotal() * (2 * script.homeShare - 1)
}

/** Abramowitz–Stegun 7.1.26 erf; plenty for quoting in whole cents. */
function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2
  const t = 1 / (1 + 0.3275911 * x)
  const y = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x)
  return z >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y)
}

/** Share of a game's running time spent at half-time, when the clock stands at the end of Q2. */
export const HALFTIME_SHARE = 0.08

/**
 * Game seconds played after `share` (0–1, or outside before kickoff / after the end) of a game's
 * running time: the clock runs through the first half, stands still at half-time, then runs the second.
 */
export function gameSecondsAt(share: number): number {
  const half = (1 - HALFTIME_SHARE) / 2
  if (share < half) return (share / half) * (GAME_SECONDS / 2)
  if (share < half + HALFTIME_SHARE) return GAME_SECONDS / 2
  return GAME_SECONDS / 2 + ((share - half - HALFTIME_SHARE) / half) * (GAME_SECONDS / 2)
}

/** Four 15-minute quarters of game time. */
export const QUARTER_SECONDS = GAME_SECONDS / 4

/** Quarter (1–4) and time left in it ("MM:SS", counting down as a game clock does). */
export function quarterClock(state: GameState): { quarter: number; clock: string } {
  if (state.phase === 'pre') return { quarter: 1, clock: '15:00' }
  if (state.phase === 'final') return { quarter: 4, clock: '00:00' }
  // A quarter's last second reads 00:00 in that quarter (half-time stands at Q2 00:00).
  const quarter = Math.min(4, Math.max(1, Math.ceil(state.gameSec / QUARTER_SECONDS)))
  const left = Math.max(0, Math.ceil(quarter * QUARTER_SECONDS - state.gameSec))
  return { quarter, clock: `${String(Math.floor(left / 60)).padStart(2, '0')}:${String(left % 60).padStart(2, '0')}` }
}
