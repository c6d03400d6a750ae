import { inputError, type NeuralError } from '../errors.js'

/**
 * The 32 NFL teams under the codes Kalshi uses in its tickers.
 *
 * Spellings checked against real Kalshi tickers quoted in public repositories (search, 2025–2026 seasons):
 * - Jacksonville is JAC, not JAX: `KXNFLGAME-25OCT06KCJAC-KC`, `KXNFLGAME-26OCT11PHIJAC`.
 * - Washington is WAS, not WSH: `KXNFLGAME-25DEC20PHIWAS`, `KXNFLGAME-26SEP10WASLAR-WAS`
 *   (WSH is Kalshi's code for Washington's MLB/NHL teams, e.g. `KXMLBGAME-...MIAWSH-WSH`).
 * - The Rams changed spelling between seasons: 2025 tickers use LA (`KXNFLGAME-25DEC07LAARI`,
 *   `KXNFLGAME-25DEC18LASEA`) while 2026 tickers use LAR (`KXNFLGAME-26SEP21NYGLAR-LAR`,
 *   `KXNFLGAME-26OCT12BUFLAR-LAR`), and the futures series uses LAR (`KXSB-26-LAR`).
 *   LA stays the canonical code (the protocol reference's list); LAR is accepted everywhere and
 *   listed in KALSHI_SPELLINGS so callers can look up both event tickers.
 * Kalshi's `yes_sub_title` names shared-city teams "Los Angeles R", "New York G", etc.; those are aliases too.
 */

export const TEAM_CODES = [
  'ARI', 'ATL', 'BAL', 'BUF', 'CAR', 'CHI', 'CIN', 'CLE', 'DAL', 'DEN', 'DET', 'GB', 'HOU', 'IND', 'JAC', 'KC',
  'LV', 'LAC', 'LA', 'MIA', 'MIN', 'NE', 'NO', 'NYG', 'NYJ', 'PHI', 'PIT', 'SEA', 'SF', 'TB', 'TEN', 'WAS',
] as const

export type TeamCode = (typeof TEAM_CODES)[number]

export interface Team {
  /** Kalshi's canonical code, e.g. "DAL". */
  code: TeamCode
  /** e.g. "Dallas". */
  city: string
  /** e.g. "Cowboys". */
  nickname: string
  /** City and nickname, e.g. "Dallas Cowboys". */
  name: string
  /** Other codes for this team, accepted in tickers and game ids (JAX, LAR, WSH). */
  altCodes: readonly string[]
  /** Other names for this team (Kalshi's sub-titles such as "Los Angeles R"). */
  aliases: readonly string[]
}

function team(code: TeamCode, city: string, nickname: string, altCodes: string[] = [], aliases: string[] = []): Team {
  return Object.freeze({
    code, city, nickname, name: `${city} ${nickname}`, altCodes: Object.freeze(altCodes), aliases: Object.freeze(aliases),
  })
}

export const TEAMS: readonly Team[] = Object.freeze([
  team('ARI', 'Arizona', 'Cardinals'),
  team('ATL', 'Atlanta', 'Falcons'),
  team('BAL', 'Baltimore', 'Ravens'),
  team('BUF', 'Buffalo', 'Bills'),
  team('CAR', 'Carolina', 'Panthers'),
  team('CHI', 'Chicago', 'Bears'),
  team('CIN', 'Cincinnati', 'Bengals'),
  team('CLE', 'Cleveland', 'Browns'),
  team('DAL', 'Dallas', 'Cowboys'),
  team('DEN', 'Denver', 'Broncos'),
  team('DET', 'Detroit', 'Lions'),
  team('GB', 'Green Bay', 'Packers'),
  team('HOU', 'Houston', 'Texans'),
  team('IND', 'Indianapolis', 'Colts'),
  team('JAC', 'Jacksonville', 'Jaguars', ['JAX']),
  team('KC', 'Kansas City', 'Chiefs'),
  team('LV', 'Las Vegas', 'Raiders'),
  team('LAC', 'Los Angeles', 'Chargers', [], ['Los Angeles C']),
  team('LA', 'Los Angeles', 'Rams', ['LAR'], ['Los Angeles R']),
  team('MIA', 'Miami', 'Dolphins'),
  team('MIN', 'Minnesota', 'Vikings'),
  team('NE', 'New England', 'Patriots'),
  team('NO', 'New Orleans', 'Saints'),
  team('NYG', 'New York', 'Giants', [], ['New York G']),
  team('NYJ', 'New York', 'Jets', [], ['New York J']),
  team('PHI', 'Philadelphia', 'Eagles'),
  team('PIT', 'Pittsburgh', 'Steelers'),
  team('SEA', 'Seattle', 'Seahawks'),
  team('SF', 'San Francisco', '49ers'),
  team('TB', 'Tampa Bay', 'Buccaneers'),
  team('TEN', 'Tennessee', 'Titans'),
  team('WAS', 'Washington', 'Commanders', ['WSH']),
])

/** Codes other than the canonical one that Kalshi itself has used in NFL tickers. */
export const KALSHI_SPELLINGS: Readonly<Partial<Record<TeamCode, readonly string[]>>> = Object.freeze({ LA: ['LAR'] })

const normalise = (s: string): string => s.trim().replace(/\s+/g, ' ').toLowerCase()

const BY_CODE = new Map<string, Team>(TEAMS.map((t) => [t.code, t]))

/** Every accepted spelling → the teams it can mean (a shared city such as "New York" means two). */
const BY_SPELLING = new Map<string, Team[]>()
for (const t of TEAMS) {
  for (const s of new Set([t.code, t.city, t.nickname, t.name, ...t.altCodes, ...t.aliases].map(normalise))) {
    const list = BY_SPELLING.get(s) ?? []
    list.push(t)
    BY_SPELLING.set(s, list)
  }
}

/** Codes (canonical and alternative) accepted in tickers and game ids, upper case → team. */
export const TICKER_CODES: ReadonlyMap<string, { team: Team; canonical: boolean }> = (() => {
  const m = new Map<string, { team: Team; canonical: boolean }>()
  for (const t of TEAMS) {
    m.set(t.code, { team: t, canonical: true })
    for (const a of t.altCodes) m.set(a, { team: t, canonical: false })
  }
  return m
})()

/** The team with this canonical code. */
export function teamByCode(code: TeamCode): Team {
  return BY_CODE.get(code)!
}

/** A code as it appears in a ticker (canonical or an alternative such as JAX, LAR, WSH), case-insensitive. */
export function teamFromTickerCode(code: string): Team | undefined {
  return TICKER_CODES.get(code.toUpperCase())?.team
}

/** Every team an input can mean: one for a code or full name, two for "New York" or "Los Angeles", none on a miss. */
export function findTeams(input: string): Team[] {
  return [...(BY_SPELLING.get(normalise(input)) ?? [])]
}

/**
 * The team named by a code, alias, city, nickname or "city nickname", case-insensitively;
 * undefined on a miss and for a city shared by two teams.
 */
export function findTeam(input: string): Team | undefined {
  const found = findTeams(input)
  return found.length === 1 ? found[0] : undefined
}

/** Levenshtein distance; inputs here are a few letters, so the quadratic table is fine. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    prev = cur
  }
  return prev[b.length]!
}

/**
 * The team whose code, alias or name is nearest to the input by edit distance, or undefined when
 * nothing is close (more than half the input's length away, and more than 2 edits).
 * Ties go to the earlier team in the table.
 */
export function suggestTeam(input: string): Team | undefined {
  const q = normalise(input)
  if (!q) return undefined
  let best: { team: Team; distance: number } | undefined
  for (const t of TEAMS) {
    for (const s of [t.code, t.city, t.nickname, t.name, ...t.altCodes, ...t.aliases]) {
      const d = editDistance(q, normalise(s))
      if (!best || d < best.distance) best = { team: t, distance: d }
    }
  }
  if (!best || best.distance > Math.max(2, Math.floor(q.length / 2))) return undefined
  return best.team
}

/** User input as shown inside a one-line message: control characters escaped so the message stays one line. */
export function printable(input: string): string {
  return input.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
}

/** "DAL (Dallas Cowboys)". */
export const describeTeam = (t: Team): string => `${t.code} (${t.name})`

/**
 * Teams an abbreviation may be meant for: codes it begins (NY → NYG, NYJ) or a city's initials
 * (LA → LA, LAC; KC). Empty when it is neither; then the nearest spelling is the better guess.
 */
export function teamsAbbreviated(input: string): Team[] {
  const q = input.trim().toUpperCase()
  if (q.length < 2 || !/^[A-Z]+$/.test(q)) return []
  const initials = (city: string) => city.split(/\s+/).map((w) => w[0]).join('').toUpperCase()
  return TEAMS.filter((t) => t.code.startsWith(q) || t.altCodes.some((c) => c.startsWith(q)) || (q.length >= 2 && initials(t.city) === q))
}

/** The one-line message for an input that names no team. */
export function unknownTeamMessage(input: string): string {
  const abbreviated = teamsAbbreviated(input)
  if (abbreviated.length > 0) return `unknown team '${printable(input)}'; did you mean ${abbreviated.map(describeTeam).join(' or ')}?`
  const s = suggestTeam(input)
  return s
    ? `unknown team '${printable(input)}'; did you mean ${describeTeam(s)}?`
    : `unknown team '${printable(input)}'; expected a code such as DAL or a name such as Dallas Cowboys`
}

/** Like findTeam, but throws NeuralError('input') with a one-line message on a miss or an ambiguous city. */
export function resolveTeam(input: string): Team {
  const found = findTeams(input)
  if (found.length === 1) return found[0]!
  if (found.length > 1) throw ambiguousTeam(input, found)
  throw inputError('unknown_team', unknownTeamMessage(input))
}

function ambiguousTeam(input: string, teams: Team[]): NeuralError {
  return inputError('ambiguous_team', `team '${printable(input)}' is ambiguous: ${teams.map(describeTeam).join(' or ')}`)
}
