import chalk, { Chalk, type ChalkInstance } from 'chalk'
import type { MarketState } from '../core/market-store.js'
import type { GameSummary } from '../nfl/game-summary.js'
import { matchup, parseNflTicker } from '../nfl/tickers.js'
import { formatScoreLine } from '../nfl/game-state.js'
import { simulatedPrefix } from './human.js'

/** Human rendering of NFL games: the `nfl game` panel and the `nfl team` / `nfl games` table rows. Pure: strings in, strings out. */

export interface PanelOptions {
  /** Win probability over time, oldest first; `home` is drawn. */
  history?: readonly { ts: number; home: number }[]
  /** Colour on or off; default: off when NO_COLOR is set (non-empty), else chalk's terminal detection. */
  color?: boolean
  /** Characters in the win-probability bar. @default 20 */
  barWidth?: number
  /** Most recent points drawn in the sparkline. @default 40 */
  sparklineWidth?: number
  /** A scoring change to mark beside the score line (the latest one, while it is recent). */
  scoreMark?: ScoreMark
  /** The data is the simulator's: the header line starts with `[sim]`. @default false */
  simulated?: boolean
}

/** What scored: "PHI +7", or a status change ("final"). */
export interface ScoreMark {
  text: string
}

const BLOCKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const
// The same mark as the stream's lines ("last      —"): one spelling of "not known" across the CLI.
const MISSING = '—'

/**
 * chalk 5 decides on colour from the terminal and FORCE_COLOR but does not read NO_COLOR
 * (no-color.org: set and non-empty means no colour), so that check is made here.
 */
export function colorEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR) return false
  return chalk.level > 0
}

function painter(color: boolean | undefined): ChalkInstance {
  const on = color ?? colorEnabled()
  return new Chalk({ level: on ? (chalk.level || 1) : 0 })
}

/** Dollars as "0.56", or "0.5625" for a sub-cent price; "-" when absent. */
export function formatPrice(dollars: number | undefined): string {
  if (dollars === undefined) return MISSING
  const units = Math.round(dollars * 10_000)
  return units % 100 === 0 ? (units / 10_000).toFixed(2) : (units / 10_000).toFixed(4)
}

/** 0.3921 → "39.2%"; "-" when absent. */
export function formatPercent(p: number | undefined): string {
  return p === undefined ? MISSING : `${(p * 100).toFixed(1)}%`
}

/** Contracts with thousands separators: 12345 → "12,345", 250.5 → "250.5". */
export function formatVolume(contracts: number | undefined): string {
  if (contracts === undefined) return MISSING
  const hundredths = Math.round(Math.abs(contracts) * 100)
  const whole = String(Math.floor(hundredths / 100)).replace(/\B(?=(\d{3})+$)/g, ',')
  const frac = String(hundredths % 100).padStart(2, '0').replace(/0+$/, '')
  return `${contracts < 0 ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`
}

/** Epoch ms as UTC "2025-09-04T20:15:03Z"; "-" for 0 (never updated). */
export function formatTime(epochMs: number): string {
  return epochMs > 0 ? `${new Date(epochMs).toISOString().slice(0, 19)}Z` : MISSING
}

/** A horizontal bar of `width` cells, p of them filled. */
export function bar(p: number | undefined, width = 20): string {
  const filled = p === undefined ? 0 : Math.max(0, Math.min(width, Math.round(p * width)))
  return '█'.repeat(filled) + '░'.repeat(width - filled)
}

/**
 * A sparkline of the last `width` values, scaled from their lowest (▁) to their highest (█) so small
 * moves show; a flat series draws as a middle line (▄).
 */
export function sparkline(values: readonly number[], width = 40): string {
  const v = values.slice(-width)
  if (v.length === 0) return ''
  const lo = Math.min(...v)
  const hi = Math.max(...v)
  if (hi - lo < 1e-9) return BLOCKS[3].repeat(v.length)
  return v.map((x) => BLOCKS[Math.round(((x - lo) / (hi - lo)) * (BLOCKS.length - 1))]).join('')
}

/** The `nfl game` panel. */
export function renderGamePanel(summary: GameSummary, options: PanelOptions = {}): string {
  const c = painter(options.color)
  const barWidth = options.barWidth ?? 20
  const lines: string[] = []
  const marker = options.simulated ? simulatedPrefix(c) : ''
  lines.push(`${marker}${c.bold(matchup({ away: summary.away.team, home: summary.home.team }))}  ${c.dim('kickoff')} ${summary.kickoff}`)
  if (summary.state) {
    const paint = summary.state.status === 'live' ? c.bold : c.dim
    const mark = options.scoreMark ? `  ${c.yellow.bold(`▲ ${options.scoreMark.text}`)}` : ''
    lines.push(`  ${paint(formatScoreLine(summary.state))}${mark}`)
  }
  const a = summary.away.winProbability ?? 0
  const h = summary.home.winProbability ?? 0
  const favourite = a > h ? 'away' : h > a ? 'home' : undefined
  const nameWidth = Math.max(summary.away.name.length, summary.home.name.length)
  for (const side of ['away', 'home'] as const) {
    const t = summary[side]
    const pct = formatPercent(t.winProbability).padStart(6)
    const paint = side === favourite ? c.green : (s: string) => s
    lines.push(`  ${c.dim(side)}  ${c.bold(t.team.padEnd(3))}  ${t.name.padEnd(nameWidth)}  ${paint(pct)}  ${c.cyan(bar(t.winProbability, barWidth))}`)
  }
  const quote = (q: { yesBid?: number; yesAsk?: number; yesPrice?: number }) =>
    `${c.dim('bid')} ${formatPrice(q.yesBid).padStart(4)}  ${c.dim('ask')} ${formatPrice(q.yesAsk).padStart(4)}  ${c.dim('last')} ${formatPrice(q.yesPrice).padStart(4)}`
  if (summary.spread.length) {
    lines.push(`  ${c.dim('spread')}`)
    for (const s of summary.spread) lines.push(`    ${spreadLabel(s.team, s.line).padEnd(9)}  ${quote(s)}  ${c.dim(s.ticker)}`)
  }
  if (summary.total.length) {
    lines.push(`  ${c.dim('total')}`)
    for (const s of summary.total) lines.push(`    ${totalLabel(s.line).padEnd(9)}  ${quote(s)}  ${c.dim(s.ticker)}`)
  }
  lines.push(`  ${c.dim('markets')} ${summary.markets}  ${c.dim('volume')} ${formatVolume(summary.volume)}  ${c.dim('last update')} ${formatTime(summary.lastUpdate)}`)
  const history = options.history ?? []
  const label = `${summary.home.team} win probability`
  if (history.length === 0) {
    lines.push(`  ${c.dim(label)}  ${c.dim('no history yet')}`)
  } else {
    const values = history.slice(-(options.sparklineWidth ?? 40)).map((h) => h.home)
    const lo = Math.min(...values)
    const hi = Math.max(...values)
    lines.push(`  ${c.dim(label)}  ${c.cyan(sparkline(values, values.length))}  ${c.dim('low')} ${formatPercent(lo)}  ${c.dim('high')} ${formatPercent(hi)}  ${c.dim('now')} ${formatPercent(values[values.length - 1])}`)
  }
  return lines.join('\n')
}

const TEAM_COLUMNS = { ticker: 32, game: 13, market: 14, yesBid: 7, yesAsk: 7, last: 7, volume: 12 } as const

/** A spread as bettors write it: the team giving the points, "KC −6.5" (YES: KC wins by more than 6.5). */
export function spreadLabel(team: string, line: number): string {
  return line < 0 ? `${team} +${-line}` : `${team} \u2212${line}`
}

/** A total as bettors write it: "o47.5" (YES: more than 47.5 points). */
export function totalLabel(line: number): string {
  return `o${line}`
}

/** "winner DAL", "spread PHI 7", "total 47". */
export function marketLabel(ticker: string): string {
  const p = parseNflTicker(ticker)
  if (!p || p.level !== 'market') return MISSING
  if (p.kind === 'winner') return `winner ${p.team}`
  if (p.kind === 'spread') return `spread ${p.team} ${p.line}`
  return `total ${p.line}`
}

/** The header of the `nfl team` table. */
export function formatTeamMarketHeader(): string {
  const w = TEAM_COLUMNS
  return [
    'TICKER'.padEnd(w.ticker), 'GAME'.padEnd(w.game), 'MARKET'.padEnd(w.market),
    'YES BID'.padStart(w.yesBid), 'YES ASK'.padStart(w.yesAsk), 'LAST'.padStart(w.last), 'VOLUME'.padStart(w.volume),
  ].join(' ')
}

/** One row of the `nfl team` table: ticker, game, market, yes bid/ask, last, volume. */
export function formatTeamMarketRow(state: Readonly<MarketState>): string {
  const w = TEAM_COLUMNS
  const p = parseNflTicker(state.ticker)
  return [
    state.ticker.padEnd(w.ticker), (p?.gameId ?? MISSING).padEnd(w.game), marketLabel(state.ticker).padEnd(w.market),
    formatPrice(state.yesBid).padStart(w.yesBid), formatPrice(state.yesAsk).padStart(w.yesAsk),
    formatPrice(state.yesPrice).padStart(w.last), formatVolume(state.volume).padStart(w.volume),
  ].join(' ')
}

const GAME_COLUMNS = { game: 13, matchup: 9, kickoff: 10, score: 40, away: 10, home: 10, markets: 7, volume: 12 } as const

/** The header of the `nfl games` table. */
export function formatGamesHeader(): string {
  const w = GAME_COLUMNS
  return [
    'GAME'.padEnd(w.game), 'MATCHUP'.padEnd(w.matchup), 'KICKOFF'.padEnd(w.kickoff), 'SCORE'.padEnd(w.score), 'AWAY'.padEnd(w.away), 'HOME'.padEnd(w.home),
    'MARKETS'.padStart(w.markets), 'VOLUME'.padStart(w.volume), 'LAST UPDATE',
  ].join(' ')
}

/** One row of the `nfl games` table from a game summary. */
export function formatGameRow(summary: GameSummary & { settlement?: { winner: string } }): string {
  const w = GAME_COLUMNS
  const side = (t: GameSummary['away']) => `${t.team} ${formatPercent(t.winProbability)}`
  // "DAL 10 – 14 PHI · Q3 08:42"; a finished game adds how its winner market settled.
  const score = [summary.state ? formatScoreLine(summary.state) : MISSING, summary.settlement ? `${summary.settlement.winner} won` : ''].filter(Boolean).join(' · ')
  return [
    summary.game.padEnd(w.game), matchup({ away: summary.away.team, home: summary.home.team }).padEnd(w.matchup), summary.kickoff.padEnd(w.kickoff), score.padEnd(w.score),
    side(summary.away).padEnd(w.away), side(summary.home).padEnd(w.home), String(summary.markets).padStart(w.markets),
    formatVolume(summary.volume).padStart(w.volume), formatTime(summary.lastUpdate),
  ].join(' ')
}
