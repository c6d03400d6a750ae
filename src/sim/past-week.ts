/**
 * The simulator's past: the week before WEEK_ONE, played out in full when the world is built, so
 * `neural history` and `neural backtest` have settled games with trades and candlesticks offline.
 * The matchups are WEEK_ONE's with home and away swapped, seven days earlier (simulated games, not
 * the real 2025 schedule). Times are fixed dates, not "now", so every simulator with the same seed
 * serves byte-identical history, and a download can be resumed against a restarted simulator.
 */
import type { Side } from '../core/types.js'
import type { Catalog, SimEvent, SimMarket } from './catalog.js'
import { type GameQuestion, type GameScript, fairProbability, gameStateAt, resolvesYes, scriptGame, GAME_SECONDS } from './game-clock.js'
import { OrderBook } from './order-book.js'
import { type Random, createRandom, randomInt, randomUuid } from './random.js'
import { TEAM_NAMES, WEEK_ONE } from './schedule.js'

export interface PastTrade {
  tradeId: string
  ticker: string
  /** Price units. */
  yesPrice: number
  /** Count units. */
  count: number
  takerSide: Side
  tsMs: number
}

/** One minute of a market's quotes (price units). */
export interface PastMinute { startMs: number; yesBid: number; yesAsk: number }

export interface PastMarket {
  market: SimMarket
  /** Oldest first. */
  trades: PastTrade[]
  minutes: PastMinute[]
  settledMs: number
}

/**
 * The past week's markets are listed from the start; their trades and quotes are played out on
 * first use (a simulator that never serves history never pays for them), each market from its own
 * seed so the order of use changes nothing.
 */
export class PastWeek {
  private readonly played = new Map<string, PastMarket>()
  private all?: PastTrade[]

  constructor(
    private readonly plays: ReadonlyMap<string, () => PastMarket>,
    /** What GET /historical/cutoff reports: games settled before it are only on the /historical endpoints. */
    readonly cutoffMs: number,
  ) {}

  has(ticker: string): boolean { return this.plays.has(ticker) }
  tickers(): string[] { return [...this.plays.keys()] }

  /** One past market with its trades (oldest first) and minute quotes. */
  market(ticker: string): PastMarket | undefined {
    let p = this.played.get(ticker)
    if (!p) {
      const play = this.plays.get(ticker)
      if (!play) return undefined
      p = play()
      this.played.set(ticker, p)
    }
    return p
  }

  /** Every past trade, oldest first (ties by id). */
  trades(): readonly PastTrade[] {
    this.all ??= this.tickers().flatMap((t) => this.market(t)!.trades)
      .sort((a, b) => a.tsMs - b.tsMs || (a.tradeId < b.tradeId ? -1 : a.tradeId > b.tradeId ? 1 : 0))
    return this.all
  }
}

const MINUTE_MS = 60_000
const DAY_MS = 86_400_000
/** A real game lasts about 3 h 10 min; trading in the simulated past starts an hour before kickoff. */
const GAME_MINUTES = 190
const PRE_GAME_MINUTES = 60
const SETTLE_AFTER_MS = 15 * MINUTE_MS
const CENT = 100
const CONTRACT = 100

/** Kickoff (UTC) of each WEEK_ONE slot, moved seven days earlier: TNF, Friday, Sunday early/late, SNF, MNF. */
function pastKickoffMs(date: string, kickoffSec: number): number {
  const slot = date === '25SEP04' ? '2025-08-29T00:20:00Z'
    : date === '25SEP05' ? '2025-08-30T00:00:00Z'
    : date === '25SEP08' ? '2025-09-02T00:15:00Z'
    : kickoffSec >= 60 ? '2025-09-01T00:20:00Z'
    : kickoffSec >= 40 ? '2025-08-31T20:25:00Z'
    : '2025-08-31T17:00:00Z'
  return Date.parse(slot)
}

const PAST_DATE: Record<string, string> = { '25SEP04': '25AUG28', '25SEP05': '25AUG29', '25SEP07': '25AUG31', '25SEP08': '25SEP01' }

/** Markets of the Thursday and Friday games settled before this: the /historical endpoints serve them. */
export const PAST_CUTOFF_MS = Date.parse('2025-08-31T00:00:00Z')

function pastMarket(event: SimEvent, suffix: string, title: string, yes: string, rules: string, kickoffMs: number, endMs: number, result: 'yes' | 'no'): SimMarket {
  const m: SimMarket = {
    ticker: `${event.ticker}-${suffix}`, eventTicker: event.ticker, seriesTicker: event.seriesTicker,
    marketId: '', title, subtitle: '', yesSubTitle: yes, noSubTitle: yes, rulesPrimary: rules,
    openTimeMs: kickoffMs - 3 * DAY_MS, closeTimeMs: endMs, expirationTimeMs: endMs + 7 * DAY_MS, canCloseEarly: true,
    status: 'finalized', result, lastPrice: 0, previousPrice: 0, volume: 0, openInterest: 0,
    book: new OrderBook(), fairLogOdds: 0, lagUntilRunMs: 0,
    closeTs: Math.floor(endMs / 1000), determinationTs: Math.floor((endMs + 5 * MINUTE_MS) / 1000), settledTs: Math.floor((endMs + SETTLE_AFTER_MS) / 1000),
  }
  event.markets.push(m)
  return m
}

/** UUID-shaped, distinct from the live trade log's ids (world.ts): the market's number, then the trade's. */
function pastTradeId(marketNo: number, n: number): string {
  return `5e1a9a57-${marketNo.toString(16).padStart(4, '0')}-4000-8000-${n.toString(16).padStart(12, '0')}`
}

/** Quotes a minute and trades at them, from the game's fair probability as the script reveals it. */
function playMarket(rand: Random, marketNo: number, m: SimMarket, script: GameScript, q: GameQuestion, kickoffMs: number): PastMarket {
  const trades: PastTrade[] = []
  const minutes: PastMinute[] = []
  const firstMs = kickoffMs - PRE_GAME_MINUTES * MINUTE_MS
  for (let i = 0; i < PRE_GAME_MINUTES + GAME_MINUTES; i++) {
    const startMs = firstMs + i * MINUTE_MS
    const gameSec = ((startMs - kickoffMs) / (GAME_MINUTES * MINUTE_MS)) * GAME_SECONDS
    const fair = fairProbability(script, gameStateAt(script, gameSec < 0 ? -1 : gameSec), q)
    const c = Math.round(fair * 100)
    const yesBid = Math.min(97, Math.max(1, c - 1)) * CENT
    const yesAsk = yesBid + (rand() < 0.7 ? 2 : 3) * CENT
    minutes.push({ startMs, yesBid, yesAsk: Math.min(99 * CENT, yesAsk) })
    // 0–3 trades a minute, busier in the game than before it.
    const n = Math.floor(rand() * rand() * (gameSec < 0 ? 3 : 5))
    const offsets = Array.from({ length: n }, () => Math.floor(rand() * MINUTE_MS)).sort((a, b) => a - b)
    for (const offset of offsets) {
      const takerSide: Side = rand() < 0.5 ? 'yes' : 'no'
      trades.push({
        tradeId: pastTradeId(marketNo, trades.length + 1), ticker: m.ticker, takerSide, tsMs: startMs + offset,
        yesPrice: takerSide === 'yes' ? minutes[i]!.yesAsk : yesBid, count: randomInt(rand, 1, 60) * CONTRACT,
      })
    }
  }
  return { market: m, trades, minutes, settledMs: m.settledTs! * 1000 }
}

/** Listing fields that follow from the trades: computed when first read. */
function lazyTotals(m: SimMarket, played: () => PastMarket): void {
  let totals: { lastPrice: number; previousPrice: number; volume: number; openInterest: number } | undefined
  const get = () => {
    if (!totals) {
      const trades = played().trades
      const volume = trades.reduce((s, t) => s + t.count, 0)
      totals = {
        lastPrice: trades.at(-1)?.yesPrice ?? 0,
        previousPrice: trades.at(-2)?.yesPrice ?? trades.at(-1)?.yesPrice ?? 0,
        volume,
        openInterest: Math.round(volume / 3 / CONTRACT) * CONTRACT,
      }
    }
    return totals
  }
  for (const key of ['lastPrice', 'previousPrice', 'volume', 'openInterest'] as const) {
    Object.defineProperty(m, key, { get: () => get()[key], set: (v: number) => { get()[key] = v }, enumerable: true })
  }
}

/** Add the past week's events and settled markets to the catalog (after everything else, so current listings keep their order) and play them out. */
export function buildPastWeek(catalog: Catalog, seed: number): PastWeek {
  const rand = createRandom((seed ^ 0x9a57_2025) >>> 0)
  const plays = new Map<string, () => PastMarket>()
  for (const g of WEEK_ONE) {
    const away = g.home
    const home = g.away
    const kickoffMs = pastKickoffMs(g.date, g.kickoffSec)
    const endMs = kickoffMs + GAME_MINUTES * MINUTE_MS
    const script = scriptGame(rand)
    const final = gameStateAt(script, GAME_SECONDS)
    const suffix = `${PAST_DATE[g.date]}${away}${home}`
    const matchup = `${TEAM_NAMES[away]} at ${TEAM_NAMES[home]}`
    const event = (series: string, title: string, exclusive: boolean): SimEvent => {
      const e: SimEvent = { ticker: `${series}-${suffix}`, seriesTicker: series, title, subTitle: `${away} @ ${home} (${PAST_DATE[g.date]!.slice(2, 5)} ${PAST_DATE[g.date]!.slice(5)})`, category: 'Sports', mutuallyExclusive: exclusive, strikeTimeMs: endMs, markets: [] }
      catalog.events.push(e)
      return e
    }
    const add = (m: SimMarket, q: GameQuestion) => {
      m.marketId = randomUuid(rand)
      const marketNo = plays.size + 1
      const marketSeed = (Math.imul(seed, 0x9e3779b1) ^ Math.imul(marketNo, 0x85ebca6b)) >>> 0
      let cached: PastMarket | undefined
      const play = () => (cached ??= playMarket(createRandom(marketSeed), marketNo, m, script, q, kickoffMs))
      plays.set(m.ticker, play)
      lazyTotals(m, play)
      catalog.markets.push(m)
    }
    const outcome = (q: GameQuestion): 'yes' | 'no' => (resolvesYes(final, q) ? 'yes' : 'no')
    const winner = event('KXNFLGAME', `${matchup} Winner?`, true)
    for (const team of [away, home]) {
      const q: GameQuestion = { kind: 'margin', home: team === home, line: 0 }
      add(pastMarket(winner, team, `${matchup} Winner?`, TEAM_NAMES[team]!, `If ${TEAM_NAMES[team]} wins the ${matchup} professional football game originally scheduled for ${PAST_DATE[g.date]}, then the market resolves to Yes.`, kickoffMs, endMs, outcome(q)), q)
    }
    const spread = event('KXNFLSPREAD', `${matchup}: Spread`, false)
    for (const line of [3, 7]) {
      const q: GameQuestion = { kind: 'margin', home: true, line: line + 0.5 }
      const text = `${TEAM_NAMES[home]} wins by over ${line}.5 points`
      add(pastMarket(spread, `${home}${line}`, `${matchup}: Spread`, text, `If ${TEAM_NAMES[home]} wins the ${matchup} game by over ${line}.5 points, then the market resolves to Yes.`, kickoffMs, endMs, outcome(q)), q)
    }
    const total = event('KXNFLTOTAL', `${matchup}: Total Points`, false)
    for (const line of [41, 47]) {
      const q: GameQuestion = { kind: 'total', line: line + 0.5 }
      const text = `Over ${line}.5 points scored`
      add(pastMarket(total, String(line), `${matchup}: Total Points`, text, `If over ${line}.5 points are scored in the ${matchup} game, then the market resolves to Yes.`, kickoffMs, endMs, outcome(q)), q)
    }
  }
  return new PastWeek(plays, PAST_CUTOFF_MS)
}
