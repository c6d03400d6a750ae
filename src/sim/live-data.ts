/**
 * The simulator's milestones and live data, in Kalshi's shapes (see src/core/live-data.ts for the
 * OpenAPI operations they follow): one `football_game` milestone per simulated game, whose live data
 * reads the game's scripted state at the moment of the request.
 */
import type { SimGame } from './catalog.js'
import { quarterClock } from './game-clock.js'
import { TEAM_NAMES } from './schedule.js'

export const MILESTONE_TYPE = 'football_game'

export function milestoneJson(game: SimGame): Record<string, unknown> {
  const away = TEAM_NAMES[game.away]!
  const home = TEAM_NAMES[game.home]!
  return {
    id: game.milestoneId,
    category: 'Sports',
    type: MILESTONE_TYPE,
    start_date: new Date(game.startMs).toISOString(),
    end_date: new Date(game.endMs).toISOString(),
    related_event_tickers: [...game.eventTickers],
    primary_event_tickers: game.eventTickers.slice(0, 1),
    title: `${away} at ${home}`,
    notification_message: '',
    source_id: null,
    details: {},
    last_updated_ts: new Date(game.startMs).toISOString(),
  }
}

/** Kalshi's live-data status: none before kickoff, live, finished. */
function statusOf(game: SimGame): 'none' | 'live' | 'finished' {
  return game.state.phase === 'pre' ? 'none' : game.state.phase === 'live' ? 'live' : 'finished'
}

export function liveDataJson(game: SimGame): Record<string, unknown> {
  const s = game.state
  const details: Record<string, unknown> = {
    status: statusOf(game),
    home_abbreviation: game.home,
    away_abbreviation: game.away,
    home_points: s.homeScore,
    away_points: s.awayScore,
  }
  if (s.phase !== 'pre') {
    const { quarter, clock } = quarterClock(s)
    details.round = quarter
    details.final_round_time_left = clock
  }
  return { type: MILESTONE_TYPE, details, milestone_id: game.milestoneId }
}
