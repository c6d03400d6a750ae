import { teamFromTickerCode } from '../nfl/teams.js'
import { OrderBook } from './order-book.js'
import { type Random, randomUuid } from './random.js'
import { WEEK_ONE, TEAM_NAMES, GAME_DURATION_SEC } from './schedule.js'
import { type GameQuestion, type GameScript, type GameState, scriptGame, gameStateAt, expectedHomeMargin, expectedTotal } from './game-clock.js'

/** Kalshi's market statuses as REST reports them (OpenAPI 3.30: "finalized", not "settled", once paid out). */
export type MarketStatus = 'initialized' | 'active' | 'inactive' | 'closed' | 'determined' | 'finalized'

export interface SimSeries {
  ticker: string; title: string; category: string; frequency: string; tags: string[]
  /** Kalshi's fee settings (GET /series): sports games charge makers too. */
  feeType: 'quadratic' | 'quadratic_with_maker_fees'
  feeMultiplier: number
}

export interface SimEvent {
  ticker: string
  seriesTicker: string
  title: string
  subTitle: string
  category: string
  mutuallyExclusive: boolean
  strikeTimeMs: number
  markets: SimMarket[]
}

export interface SimGame {
  away: string
  home: string
  kickoffSimMs: number
  durationSimMs: number
  script: GameScript
  state: GameState
  /** Where the game is in the close → determine → settle sequence. */
  stage: 'open' | 'closed' | 'determined' | 'settled'
  finalAtRunMs?: number
  markets: SimMarket[]
  /** Kalshi milestone id (a UUID) served by GET /milestones and the live-data endpoints. */
  milestoneId: string
  /** Wall-clock kickoff and expected end as the milestone shows them (start_date, end_date). */
  startMs: number
  endMs: number
  /** Event tickers of the game: winner first (the milestone's primary event), spread, total. */
  eventTickers: string[]
}

export interface SimMarket {
  ticker: string
  eventTicker: string
  seriesTicker: string
  marketId: string
  title: string
  subtitle: string
  yesSubTitle: string
  noSubTitle: string
  rulesPrimary: string
  openTimeMs: number
  closeTimeMs: number
  expirationTimeMs: number
  canCloseEarly: boolean
  status: MarketStatus
  result: '' | 'yes' | 'no'
  /** Last trade, price units; 0 before the first trade. */
  lastPrice: number
  /** Count units of the last trade. */
  lastTradeCount?: number
  previousPrice: number
  /** Count units. */
  volume: number
  openInterest: number
  book: OrderBook
  game?: SimGame
  question?: GameQuestion
  /** Markets without a game drift as a random walk in log-odds. */
  fairLogOdds: number
  /**
   * While world.runMs is below this, the market's quotes lag a price move (the generator leaves it
   * alone, then requotes it): the stale leg that cross-market arbitrage lives on.
   */
  lagUntilRunMs: number
  closeTs?: number
  determinationTs?: number
  settledTs?: number
  /** Kalshi's strike fields: winners `structured` with a team id, spreads and totals `greater` than floorStrike. */
  strikeType?: 'greater' | 'structured'
  floorStrike?: number
  customStrike?: Record<string, string>
  /** When the game is expected to end (Kalshi's occurrence_datetime). */
  occurrenceMs?: number
}

export interface Catalog {
  series: SimSeries[]
  events: SimEvent[]
  markets: SimMarket[]
  games: SimGame[]
}

interface BuildContext { rand: Random; startMs: number; speed: number }

const DAY_MS = 86_400_000

function newMarket(ctx: BuildContext, event: SimEvent, suffix: string, text: { title: string; yes: string; no: string; rules: string }, closeTimeMs: number): SimMarket {
  const m: SimMarket = {
    ticker: `${event.ticker}-${suffix}`,
    eventTicker: event.ticker,
    seriesTicker: event.seriesTicker,
    marketId: randomUuid(ctx.rand),
    title: text.title,
    subtitle: '',
    yesSubTitle: text.yes,
    noSubTitle: text.no,
    rulesPrimary: text.rules,
    openTimeMs: ctx.startMs - DAY_MS,
    closeTimeMs,
    expirationTimeMs: closeTimeMs + DAY_MS,
    canCloseEarly: true,
    status: 'active',
    result: '',
    lastPrice: 0,
    previousPrice: 0,
    volume: 0,
    openInterest: 0,
    book: new OrderBook(),
    fairLogOdds: 0,
    lagUntilRunMs: 0,
  }
  event.markets.push(m)
  return m
}

function buildNfl(ctx: BuildContext, out: Catalog): void {
  out.series.push(
    { ticker: 'KXNFLGAME', title: 'Professional Football Game', category: 'Sports', frequency: 'custom', tags: ['Football'], feeType: 'quadratic_with_maker_fees', feeMultiplier: 1 },
    { ticker: 'KXNFLSPREAD', title: 'Pro Football Spread', category: 'Sports', frequency: 'custom', tags: ['Football'], feeType: 'quadratic_with_maker_fees', feeMultiplier: 1 },
    { ticker: 'KXNFLTOTAL', title: 'Pro Football Total Points', category: 'Sports', frequency: 'custom', tags: ['Football'], feeType: 'quadratic_with_maker_fees', feeMultiplier: 1 },
  )
  for (const [index, g] of WEEK_ONE.entries()) {
    const script = scriptGame(ctx.rand)
    const kickoffSimMs = g.kickoffSec * 1000
    const durationSimMs = GAME_DURATION_SEC * 1000
    const game: SimGame = {
      away: g.away, home: g.home, kickoffSimMs, durationSimMs, script, state: gameStateAt(script, -1), stage: 'open', markets: [],
      // Not drawn from the seed's stream, so adding milestones left every other seeded value as it was.
      milestoneId: `5e1a0000-0000-4000-9000-${(index + 1).toString(16).padStart(12, '0')}`,
      startMs: ctx.startMs + kickoffSimMs / ctx.speed,
      endMs: ctx.startMs + (kickoffSimMs + durationSimMs) / ctx.speed,
      eventTickers: [],
    }
    out.games.push(game)
    const awayName = TEAM_NAMES[g.away]!
    const homeName = TEAM_NAMES[g.home]!
    const suffix = `${g.date}${g.away}${g.home}`
    const matchup = `${awayName} at ${homeName}`
    // Wall-clock times REST shows: the compressed game's expected end, with Kalshi's early-close allowance.
    const endMs = ctx.startMs + (kickoffSimMs + durationSimMs) / ctx.speed
    const closeMs = endMs + 14 * DAY_MS
    const event = (series: string, title: string, exclusive: boolean): SimEvent => {
      const e: SimEvent = { ticker: `${series}-${suffix}`, seriesTicker: series, title, subTitle: `${g.away} @ ${g.home} (${g.date.slice(2, 5)} ${g.date.slice(5)})`, category: 'Sports', mutuallyExclusive: exclusive, strikeTimeMs: endMs, markets: [] }
      out.events.push(e)
      game.eventTickers.push(e.ticker)
      return e
    }
    const add = (m: SimMarket, q: GameQuestion) => {
      m.game = game
      m.question = q
      game.markets.push(m)
    }

    // Kalshi titles a game event by code and nickname, away first: "IND Colts vs KC Chiefs".
    const nick = (code: string) => teamFromTickerCode(code)?.nickname ?? code
    const eventTitle = `${g.away} ${nick(g.away)} vs ${g.home} ${nick(g.home)}`
    const winner = event('KXNFLGAME', eventTitle, true)
    for (const team of [g.away, g.home]) {
      const name = TEAM_NAMES[team]!
      const m = newMarket(ctx, winner, team, { title: `${matchup} Winner?`, yes: name, no: name, rules: `If ${name} wins the ${matchup} professional football game originally scheduled for ${g.date}, then the market resolves to Yes.` }, closeMs)
      m.strikeType = 'structured'
      m.customStrike = { football_team: randomUuid(ctx.rand) }
      m.occurrenceMs = endMs
      add(m, { kind: 'margin', home: team === g.home, line: 0 })
    }

    const spread = event('KXNFLSPREAD', `${eventTitle}: Spread`, false)
    const margin = expectedHomeMargin(script)
    const favorite = margin >= 0 ? g.home : g.away
    const underdog = favorite === g.home ? g.away : g.home
    const base = Math.max(1, Math.round(Math.abs(margin)))
    const favLines = [...new Set([Math.max(1, base - 3), base + 1, base + 4])]
    // Kalshi's numbering: a market ending in N pays if the team wins by more than N − 0.5 (KC7: "wins by over 6.5 points").
    for (const [team, line] of [...favLines.map((l) => [favorite, l] as const), [underdog, 3] as const]) {
      const name = TEAM_NAMES[team]!
      const strike = line + 0.5
      const text = `${name} wins by over ${strike} points`
      const m = newMarket(ctx, spread, `${team}${line + 1}`, { title: `${text}?`, yes: text, no: text, rules: `If ${name} wins by more than ${strike} points in the ${matchup} professional football game originally scheduled for ${g.date}, then the market resolves to Yes.` }, closeMs)
      m.strikeType = 'greater'
      m.floorStrike = strike
      m.occurrenceMs = endMs
      add(m, { kind: 'margin', home: team === g.home, line: strike })
    }

    const total = event('KXNFLTOTAL', `${eventTitle}: Total Points`, false)
    const center = Math.round(expectedTotal())
    // KXNFLTOTAL-…-48 pays if more than 47.5 points are scored.
    for (const line of [center - 6, center - 3, center, center + 3]) {
      const strike = line + 0.5
      const text = `Over ${strike} points scored`
      const m = newMarket(ctx, total, String(line + 1), { title: `${matchup}: ${text}?`, yes: text, no: text, rules: `If more than ${strike} points are scored in the ${matchup} professional football game originally scheduled for ${g.date}, then the market resolves to Yes.` }, closeMs)
      m.strikeType = 'greater'
      m.floorStrike = strike
      m.occurrenceMs = endMs
      add(m, { kind: 'total', line: strike })
    }
  }
}

function randomWalkEvent(ctx: BuildContext, out: Catalog, seriesTicker: string, eventTicker: string, title: string, category: string, markets: Array<[suffix: string, yes: string, probability: number]>): void {
  const e: SimEvent = { ticker: eventTicker, seriesTicker, title, subTitle: '', category, mutuallyExclusive: false, strikeTimeMs: ctx.startMs + 30 * DAY_MS, markets: [] }
  out.events.push(e)
  for (const [suffix, yes, p] of markets) {
    const m = newMarket(ctx, e, suffix, { title, yes, no: yes, rules: `If ${yes}, then the market resolves to Yes.` }, ctx.startMs + 30 * DAY_MS)
    m.canCloseEarly = false
    m.fairLogOdds = Math.log(p / (1 - p))
  }
}

function buildOthers(ctx: BuildContext, out: Catalog, extraMarkets: number): void {
  out.series.push(
    { ticker: 'KXFEDDECISION', title: 'Fed decision', category: 'Economics', frequency: 'custom', tags: ['Fed'], feeType: 'quadratic_with_maker_fees', feeMultiplier: 1 },
    { ticker: 'KXHIGHNY', title: 'Highest temperature in NYC', category: 'Climate and Weather', frequency: 'daily', tags: ['Weather'], feeType: 'quadratic', feeMultiplier: 1 },
    { ticker: 'KXBTCD', title: 'Bitcoin price above/below', category: 'Crypto', frequency: 'hourly', tags: ['BTC'], feeType: 'quadratic', feeMultiplier: 1 },
  )
  randomWalkEvent(ctx, out, 'KXFEDDECISION', 'KXFEDDECISION-25SEP', 'Fed decision in Sep 2025?', 'Economics', [
    ['H0', 'Fed maintains rate', 0.08], ['C25', 'Cut 25bps', 0.85], ['C26', 'Cut >25bps', 0.06], ['H25', 'Hike 25bps', 0.02],
  ])
  randomWalkEvent(ctx, out, 'KXHIGHNY', 'KXHIGHNY-25SEP07', 'Highest temperature in NYC on Sep 7, 2025?', 'Climate and Weather', [
    ['T75', '76° or above', 0.8], ['T80', '81° or above', 0.45], ['T85', '86° or above', 0.12],
  ])
  randomWalkEvent(ctx, out, 'KXBTCD', 'KXBTCD-25SEP0717', 'Bitcoin price on Sep 7, 2025 at 5pm EDT?', 'Crypto', [
    ['T108000', '$108,000 or above', 0.9], ['T110000', '$110,000 or above', 0.62], ['T112000', '$112,000 or above', 0.3], ['T114000', '$114,000 or above', 0.08],
  ])
  if (extraMarkets > 0) {
    out.series.push({ ticker: 'KXSIMBENCH', title: 'Simulator benchmark markets', category: 'Simulator', frequency: 'custom', tags: ['Benchmark'], feeType: 'quadratic', feeMultiplier: 1 })
    // 100 markets per event keeps nested-market responses a sensible size.
    for (let first = 0; first < extraMarkets; first += 100) {
      const eventNo = String(first / 100 + 1).padStart(3, '0')
      const count = Math.min(100, extraMarkets - first)
      randomWalkEvent(ctx, out, 'KXSIMBENCH', `KXSIMBENCH-25SEP07-E${eventNo}`, `Simulator benchmark group ${eventNo}`, 'Simulator',
        Array.from({ length: count }, (_, i) => [`M${String(first + i + 1).padStart(5, '0')}`, `Benchmark outcome ${first + i + 1}`, 0.1 + 0.8 * ctx.rand()] as [string, string, number]))
    }
  }
}

/**
 * A Bitcoin event listed while the simulator runs (Kalshi lists new hourly events all day): number
 * `n` closes `n` hours after `startMs`. Its markets are active at once.
 */
export function listedBtcEvent(rand: Random, startMs: number, n: number): SimEvent {
  const ctx: BuildContext = { rand, startMs, speed: 1 }
  const out: Catalog = { series: [], events: [], markets: [], games: [] }
  const closeMs = startMs + n * 3_600_000
  const hour = new Date(closeMs)
  const tag = `${String(hour.getUTCFullYear()).slice(2)}${['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'][hour.getUTCMonth()]}${String(hour.getUTCDate()).padStart(2, '0')}${String(hour.getUTCHours()).padStart(2, '0')}`
  randomWalkEvent(ctx, out, 'KXBTCD', `KXBTCD-${tag}`, `Bitcoin price at ${hour.toISOString().slice(11, 16)} UTC?`, 'Crypto', [
    ['T110000', '$110,000 or above', 0.6], ['T112000', '$112,000 or above', 0.35],
  ])
  const e = out.events[0]!
  e.strikeTimeMs = closeMs
  for (const m of e.markets) {
    m.closeTimeMs = closeMs
    m.expirationTimeMs = closeMs + DAY_MS
  }
  return e
}

/** Everything listed by REST, built deterministically from the seed. */
export function buildCatalog(rand: Random, startMs: number, speed: number, extraMarkets: number): Catalog {
  const ctx: BuildContext = { rand, startMs, speed }
  const out: Catalog = { series: [], events: [], markets: [], games: [] }
  buildNfl(ctx, out)
  buildOthers(ctx, out, extraMarkets)
  for (const e of out.events) out.markets.push(...e.markets)
  return out
}
