/**
 * Keeps one GameState per game current from Kalshi's live data: the games' milestones are found once
 * (GET /milestones?related_event_ticker=<winner event>), then one GET /live_data/batch per interval
 * reads every game at once (up to 100 per request). At the default of one request a second this is
 * a twentieth of Kalshi's basic-tier read limit (20 reads/s), and the REST client paces below it anyway.
 */
import type { LiveData, Milestone } from '../core/live-data.js'
import type { RestClient } from '../core/rest-client.js'
import { NeuralError } from '../errors.js'
import { gameStateFromLiveData, type GameState } from './game-state.js'
import { gameIdSpellings, NFL_SERIES, type NflGame } from './tickers.js'

export type LiveDataRest = Pick<RestClient, 'getMilestones' | 'getLiveDatas'>

/** One batch read per second by default. */
export const DEFAULT_LIVE_DATA_INTERVAL_MS = 1000
/** Never faster than 4 reads a second: a fifth of the basic tier, leaving the rest for markets. */
export const MIN_LIVE_DATA_INTERVAL_MS = 250

export interface GameFeedOptions {
  rest: LiveDataRest
  games: readonly NflGame[]
  /** @default DEFAULT_LIVE_DATA_INTERVAL_MS */
  intervalMs?: number
  /** A game's state changed (score, status, period or clock); `previous` is undefined the first time; `live` is what it was read from. */
  onState(state: GameState, previous: GameState | undefined, live: LiveData): void
  /** A read failed or a game has no milestone; the feed goes on. */
  onProblem?(error: NeuralError): void
  now?: () => number
}

/** The milestone of a game: a football_game milestone related to one of its winner event spellings. */
export async function findGameMilestone(rest: LiveDataRest, game: NflGame): Promise<Milestone | undefined> {
  for (const id of gameIdSpellings(game)) {
    const { milestones } = await rest.getMilestones({ relatedEventTicker: `${NFL_SERIES.winner}-${id}`, limit: 10 })
    const found = milestones.find((m) => m.type === 'football_game') ?? milestones[0]
    if (found) return found
  }
  return undefined
}

/** Same game moment: everything but the read time. */
function sameMoment(a: GameState, b: GameState): boolean {
  return a.status === b.status && a.period === b.period && a.clock === b.clock && a.away.points === b.away.points && a.home.points === b.home.points
}

export class GameFeed {
  private readonly byMilestone = new Map<string, NflGame>()
  private readonly states = new Map<string, GameState>()
  private timer: NodeJS.Timeout | undefined
  private stopped = false
  private readonly intervalMs: number
  /** Batch reads made. */
  polls = 0
  /** The last problem reported: the same one again is not repeated every second until a read succeeds. */
  private lastProblem: string | undefined

  constructor(private readonly options: GameFeedOptions) {
    this.intervalMs = Math.max(MIN_LIVE_DATA_INTERVAL_MS, options.intervalMs ?? DEFAULT_LIVE_DATA_INTERVAL_MS)
  }

  /** The latest state of a game, or undefined before its first read. */
  get(gameId: string): GameState | undefined {
    return this.states.get(gameId)
  }

  /** Games with a milestone, by milestone id. */
  get milestoneIds(): string[] {
    return [...this.byMilestone.keys()]
  }

  /** Find each game's milestone (a game without one is reported, not fatal). */
  async findMilestones(): Promise<void> {
    const found = await Promise.all(this.options.games.map(async (game) => {
      try {
        return { game, milestone: await findGameMilestone(this.options.rest, game) }
      } catch (error) {
        this.problem(error)
        return { game, milestone: undefined }
      }
    }))
    for (const { game, milestone } of found) {
      if (milestone) this.byMilestone.set(milestone.id, game)
      else this.problem(new NeuralError('protocol', 'NO_LIVE_DATA', `no live game data for ${game.gameId}: Kalshi lists no milestone for ${NFL_SERIES.winner}-${game.gameId}`))
    }
  }

  /** One batch read; each changed game goes to onState. */
  async poll(): Promise<void> {
    const ids = this.milestoneIds
    if (ids.length === 0) return
    let list: LiveData[]
    try {
      list = await this.options.rest.getLiveDatas(ids)
    } catch (error) {
      this.problem(error)
      return
    }
    this.polls++
    this.lastProblem = undefined
    const at = (this.options.now ?? Date.now)()
    for (const live of list) {
      const game = this.byMilestone.get(live.milestoneId)
      if (!game) continue
      this.apply(live, game, at)
    }
  }

  /** Apply one live-data entry read at `at` (also used by replay). */
  apply(live: LiveData, game: NflGame, at: number): void {
    // A read still in flight when the feed stopped is dropped: nothing arrives after the end.
    if (this.stopped) return
    let state: GameState
    try {
      state = gameStateFromLiveData(live, game, at)
    } catch (error) {
      this.problem(error)
      return
    }
    const previous = this.states.get(game.gameId)
    this.states.set(game.gameId, state)
    if (!previous || !sameMoment(previous, state)) this.options.onState(state, previous, live)
  }

  /** Find milestones, read once, then keep reading every interval until stop(). Resolves after the first read. */
  async start(): Promise<void> {
    await this.findMilestones()
    if (this.stopped) return
    await this.poll()
    this.schedule()
  }

  stop(): void {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
  }

  private schedule(): void {
    if (this.stopped || this.byMilestone.size === 0) return
    // A chain of timeouts, not an interval: a slow read never overlaps the next.
    this.timer = setTimeout(() => {
      void this.poll().finally(() => this.schedule())
    }, this.intervalMs)
    this.timer.unref()
  }

  private problem(error: unknown): void {
    // After stop, a read cut short (ABORTED) or failing is no news.
    if (this.stopped) return
    const e = error instanceof NeuralError ? error : new NeuralError('network', 'NETWORK', (error as Error)?.message ?? String(error), { cause: error })
    const key = `${e.code} ${e.message}`
    if (key === this.lastProblem) return
    this.lastProblem = key
    this.options.onProblem?.(e)
  }
}
