/** The real 2025 NFL week 1, which the simulator replays on a compressed clock. */

/** Kalshi's team codes (JAC not JAX, LA for the Rams, WAS) and the names Kalshi shows in yes_sub_title. */
export const TEAM_NAMES: Readonly<Record<string, string>> = {
  ARI: 'Arizona', ATL: 'Atlanta', BAL: 'Baltimore', BUF: 'Buffalo', CAR: 'Carolina', CHI: 'Chicago',
  CIN: 'Cincinnati', CLE: 'Cleveland', DAL: 'Dallas', DEN: 'Denver', DET: 'Detroit', GB: 'Green Bay',
  HOU: 'Houston', IND: 'Indianapolis', JAC: 'Jacksonville', KC: 'Kansas City', LV: 'Las Vegas',
  LAC: 'Los Angeles C', LA: 'Los Angeles R', MIA: 'Miami', MIN: 'Minnesota', NE: 'New England',
  NO: 'New Orleans', NYG: 'New York G', NYJ: 'New York J', PHI: 'Philadelphia', PIT: 'Pittsburgh',
  SEA: 'Seattle', SF: 'San Francisco', TB: 'Tampa Bay', TEN: 'Tennessee', WAS: 'Washington',
}

export interface ScheduledGame {
  /** Kalshi date code, e.g. "25SEP04". */
  date: string
  away: string
  home: string
  /** Kickoff in simulator seconds after start at speed 1; staggered like the real slate (TNF, Fri, early, late, SNF, MNF). */
  kickoffSec: number
}

const early: Array<[string, string]> = [['TB', 'ATL'], ['CIN', 'CLE'], ['MIA', 'IND'], ['CAR', 'JAC'], ['LV', 'NE'], ['ARI', 'NO'], ['PIT', 'NYJ'], ['NYG', 'WAS']]
const late: Array<[string, string]> = [['TEN', 'DEN'], ['SF', 'SEA'], ['DET', 'GB'], ['HOU', 'LA']]

export const WEEK_ONE: readonly ScheduledGame[] = [
  { date: '25SEP04', away: 'DAL', home: 'PHI', kickoffSec: 1 },
  { date: '25SEP05', away: 'KC', home: 'LAC', kickoffSec: 6 },
  ...early.map(([away, home], i) => ({ date: '25SEP07', away, home, kickoffSec: 12 + i * 1.5 })),
  ...late.map(([away, home], i) => ({ date: '25SEP07', away, home, kickoffSec: 40 + i * 2 })),
  { date: '25SEP07', away: 'BAL', home: 'BUF', kickoffSec: 60 },
  { date: '25SEP08', away: 'MIN', home: 'CHI', kickoffSec: 75 },
]

/** A game lasts this long at speed 1, so a demo of a few seconds already shows live games. */
export const GAME_DURATION_SEC = 180
