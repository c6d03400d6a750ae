/**
 * `neural backtest`: a strategy over stored history, through the same engine and hook interface as
 * `run-strategy`, in time order, on the replay clock (so two runs on one store agree byte for byte).
 *
 * What the strategy sees (quotes are reconstructed; the store has no order books):
 * - every stored trade as a Trade, followed by a Tick whose last price is that trade's;
 * - the yes bid and yes ask of a Tick are the closes of the market's last candlestick that ENDED at
 *   or before that moment (never one still forming: no look-ahead), and a Tick at each candle end
 *   where they changed. Before a market's first candle there is no quote, so nothing can fill.
 * What this cannot show: depth (a fill takes any quantity at the quote), queue position (a resting
 * order is never simulated: every fill is a taker fill at the ask or bid), and quotes inside a candle
 * period (the bid/ask path between two candle closes is unknown).
 * Fills pay Kalshi's taker fee; a market's positions are paid out at its result after its close.
 */
import { existsSync } from 'node:fs'
import { MarketStore } from '../core/market-store.js'
import { PRICE_SCALE, dollarsNumberToUnits } from '../core/fixed-point.js'
import type { MarketEvent, Tick, Trade } from '../core/types.js'
import { NeuralError, HISTORY_ERROR_CODES as E } from '../errors.js'
import { StrategyEngine } from '../strategy/engine.js'
import type { EngineEvent, SignalEvent } from '../strategy/events.js'
import type { HookContext, HookResult, OrderHook } from '../strategy/hooks/hook.js'
import { liquidityFor } from '../strategy/hooks/paper.js'
import type { LoadedStrategy } from '../strategy/loader.js'
import { applyToStore } from '../strategy/replay.js'
import type { Candle, PeriodMinutes } from './api.js'
import { takerFeeDollars, type FeeSchedules } from '../core/fees.js'
import { Ledger, type EquityPoint, type LedgerFill, type LedgerSettlement } from './ledger.js'
import { HistoryStore, type StoredMarket } from './store.js'

export interface BacktestSelection {
  /** Game ids (25SEP04DALPHI, 25SEP04-DALPHI) or event tickers. */
  games?: string[]
  series?: string
  fromMs?: number
  toMs?: number
}

export interface BacktestGame { game: string; fills: number; feesDollars: number; pnlDollars: number }

export interface BacktestTotal {
  fills: number
  feesDollars: number
  pnlDollars: number
  /** Share of the markets traded and closed (settled or sold flat) that made money. */
  hitRate: number
  /** Largest fall of the equity curve from a previous peak. */
  maxDrawdownDollars: number
  /** Largest cost of the positions open at one time. */
  exposureDollars: number
}

export interface BacktestReport {
  type: 'backtest'
  strategy: string
  games: BacktestGame[]
  total: BacktestTotal
  /**
   * Only when Ctrl-C / SIGTERM stopped the run: the time in the history (Unix ms) of the first event it
   * did not play. The report covers the events before it; positions still open then are not settled.
   */
  interruptedAtMs?: number
}

export interface BacktestDetail {
  report: BacktestReport
  fills: LedgerFill[]
  settlements: LedgerSettlement[]
  curve: EquityPoint[]
  events: number
  /** Markets whose positions could not settle (no result yet). */
  unsettled: string[]
}

export interface BacktestOptions {
  store: HistoryStore
  strategies: LoadedStrategy[]
  selection: BacktestSelection
  /** Fee settings per market (src/core/fees.ts); every backtest fill pays its taker fee. */
  fees: FeeSchedules
  params?: readonly string[]
  rcParams?: Record<string, Record<string, unknown>>
  onEngineEvent?: (e: EngineEvent) => void
  signal?: AbortSignal
  /** A handler's promise pending this long is reported hung (StrategyEngine). @default 5000 */
  hangAfterMs?: number
}

const dollars = (units: number) => units / PRICE_SCALE

/** The longest the replay runs without letting the event loop turn (signals, timers). */
const YIELD_EVERY_MS = 20

/** The game a market belongs to: its event ticker without the series (KXNFLSPREAD-25SEP04DALPHI → 25SEP04DALPHI). */
export function gameOf(eventTicker: string): string {
  const i = eventTicker.indexOf('-')
  return i === -1 ? eventTicker : eventTicker.slice(i + 1)
}

const normalizeGame = (id: string) => {
  const t = id.trim().toUpperCase()
  // An event ticker names its game after the series; a game id may be written 25SEP04-DALPHI.
  return /^\d{2}[A-Z]{3}\d{2}-[A-Z]+$/.test(t) ? t.replace('-', '') : t.includes('-') ? gameOf(t) : t
}

export async function selectMarkets(store: HistoryStore, sel: BacktestSelection): Promise<StoredMarket[]> {
  if (!sel.games?.length && !sel.series) throw new NeuralError('input', E.BAD_SELECTION, 'give --game ID (repeatable) or --series SERIES (with --from/--to to narrow it)')
  let markets = await store.markets(sel.series ? { series: sel.series.toUpperCase().replace(/\*$/, '') } : {})
  if (sel.games?.length) {
    const wanted = new Set(sel.games.map(normalizeGame))
    markets = markets.filter((m) => wanted.has(gameOf(m.eventTicker)))
    const found = new Set(markets.map((m) => gameOf(m.eventTicker)))
    const missingGames = [...wanted].filter((g) => !found.has(g))
    if (missingGames.length) throw new NeuralError('input', E.NO_HISTORY, `no stored history for ${missingGames.join(', ')} (download it first: neural history nfl ${missingGames[0]})`)
  }
  if (markets.length === 0) throw new NeuralError('input', E.NO_HISTORY, `no stored history for series ${sel.series} (download it first: neural history '${sel.series}*')`)
  return markets
}

type Step =
  | { at: number; order: 0; kind: 'quote'; candle: Candle }
  | { at: number; order: 1; kind: 'trade'; trade: Trade }
  | { at: number; order: 2; kind: 'settle'; market: StoredMarket }

/** Events in time order; ties: quotes, then trades, then settlements; then by ticker and id. */
function timeline(markets: StoredMarket[], trades: Trade[], candles: Candle[], lastTsByTicker: Map<string, number>): Step[] {
  const steps: Step[] = []
  for (const c of candles) steps.push({ at: c.endPeriodTs * 1000, order: 0, kind: 'quote', candle: c })
  for (const t of trades) steps.push({ at: t.ts, order: 1, kind: 'trade', trade: t })
  for (const m of markets) {
    if (m.result !== 'yes' && m.result !== 'no') continue
    const at = Math.max(m.closeMs ?? 0, lastTsByTicker.get(m.ticker) ?? 0) + 1
    steps.push({ at, order: 2, kind: 'settle', market: m })
  }
  const key = (s: Step) => (s.kind === 'quote' ? s.candle.ticker : s.kind === 'trade' ? `${s.trade.ticker} ${s.trade.tradeId}` : s.market.ticker)
  return steps.sort((a, b) => a.at - b.at || a.order - b.order || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
}

/** Fills at the reconstructed quote (any quantity: no depth), within the limit, taker fee charged. */
class BacktestHook implements OrderHook {
  readonly name = 'backtest'
  constructor(private readonly ledger: Ledger, private readonly fees: FeeSchedules) {}

  async handle(signal: SignalEvent, ctx: HookContext): Promise<HookResult> {
    const state = ctx.store.get(signal.ticker)
    const level = state ? liquidityFor(state, signal.action, signal.side)[0] : undefined
    if (!level) return { status: 'unfilled', message: `no ${signal.side} ${signal.action === 'BUY' ? 'ask' : 'bid'} reconstructed yet` }
    const buy = signal.action === 'BUY'
    if (signal.limitPrice !== undefined) {
      const limit = dollarsNumberToUnits(signal.limitPrice)
      if (buy ? level.priceUnits > limit : level.priceUnits < limit) return { status: 'unfilled', message: 'the quote is outside the limit' }
    }
    const contracts = buy ? signal.quantity : Math.min(signal.quantity, this.ledger.held(signal.ticker, signal.side))
    if (contracts <= 0) return { status: 'unfilled', message: `no ${signal.side} position in ${signal.ticker} to sell` }
    const priceDollars = level.priceUnits / PRICE_SCALE
    const feeUnits = dollarsNumberToUnits(takerFeeDollars(contracts, priceDollars, this.fees.forMarket(signal.ticker)))
    this.ledger.fill({ ts: ctx.now(), ticker: signal.ticker, action: buy ? 'buy' : 'sell', side: signal.side, contracts, priceUnits: level.priceUnits, feeUnits })
    return { status: contracts === signal.quantity ? 'filled' : 'partial', filledQuantity: contracts, priceDollars }
  }

  positions() {
    return this.ledger.positions()
  }
}

function maxDrawdown(curve: EquityPoint[]): number {
  let peak = 0
  let worst = 0
  for (const p of curve) {
    peak = Math.max(peak, p.equityUnits)
    worst = Math.max(worst, peak - p.equityUnits)
  }
  return worst
}

/** What a backtest plays: the selected markets and their stored trades and candles, in memory. */
export interface BacktestHistory {
  markets: StoredMarket[]
  trades: Trade[]
  candles: Candle[]
}

export async function runBacktest(o: BacktestOptions): Promise<BacktestDetail> {
  return playBacktest(await readBacktestHistory(o.store, o.selection), o)
}

/** readBacktestHistory from the database file `dbFile`, opened and closed here. */
export async function readStoredHistory(dbFile: string, selection: BacktestSelection): Promise<BacktestHistory> {
  // Opening would create an empty database: say what to run instead.
  if (!existsSync(dbFile)) throw new NeuralError('input', E.NO_HISTORY, `no history database at ${dbFile} (download first: neural history 'KXNFLGAME*')`)
  const store = await HistoryStore.open(dbFile)
  try {
    return await readBacktestHistory(store, selection)
  } finally {
    store.close()
  }
}

const windowText = (fromMs?: number, toMs?: number) => {
  const iso = (ms: number) => new Date(ms).toISOString()
  if (fromMs !== undefined && toMs !== undefined) return `between ${iso(fromMs)} and ${iso(toMs)}`
  return fromMs !== undefined ? `from ${iso(fromMs)} on` : `up to ${iso(toMs!)}`
}

/**
 * The selection's markets, narrowed by its window to the games that have a stored trade or
 * candlestick in it; each such game is then played whole, from its first event to its settlement.
 * Found from outside: the window cut events instead, so every game of the series was listed (with 0
 * fills) and a game crossing midnight UTC was played in part.
 */
async function marketsInWindow(store: HistoryStore, selection: BacktestSelection): Promise<StoredMarket[]> {
  const markets = await selectMarkets(store, selection)
  const { fromMs, toMs } = selection
  if (fromMs === undefined && toMs === undefined) return markets
  const events = new Set(await store.eventsWithHistoryBetween(markets.map((m) => m.ticker), fromMs, toMs))
  const kept = markets.filter((m) => events.has(m.eventTicker))
  if (kept.length === 0) {
    const what = selection.games?.length ? selection.games.join(', ') : `series ${selection.series}`
    throw new NeuralError('input', E.NO_HISTORY, `no stored game of ${what} has a trade or candlestick ${windowText(fromMs, toMs)} (--from/--to pick the games to play)`)
  }
  return kept
}

/** Everything the selection needs from the store, read at once: the store can be closed before the play. */
export async function readBacktestHistory(store: HistoryStore, selection: BacktestSelection): Promise<BacktestHistory> {
  const markets = await marketsInWindow(store, selection)
  const tickers = markets.map((m) => m.ticker)
  const stored = await store.trades(tickers)
  const trades: Trade[] = stored.map((t) => ({
    type: 'trade', ticker: t.ticker, tradeId: t.tradeId, side: t.takerSide, quantity: t.countUnits / 100,
    price: t.yesPriceUnits / PRICE_SCALE, noPrice: (PRICE_SCALE - t.yesPriceUnits) / PRICE_SCALE, ts: t.createdMs, receivedAt: t.createdMs,
  }))
  let candles: Candle[] = []
  for (const period of [1, 60, 1440] as PeriodMinutes[]) {
    candles = await store.candles(tickers, period)
    if (candles.length) break
  }
  if (trades.length === 0 && candles.length === 0) throw new NeuralError('input', E.NO_HISTORY, 'the store has markets but no trades or candlesticks for this selection (run neural history for it)')
  return { markets, trades, candles }
}

/** Play `history` through the strategies (runBacktest without the store). */
export async function playBacktest({ markets, trades, candles }: BacktestHistory, o: Omit<BacktestOptions, 'store' | 'selection'>): Promise<BacktestDetail> {
  const lastTs = new Map<string, number>()
  for (const t of trades) lastTs.set(t.ticker, Math.max(lastTs.get(t.ticker) ?? 0, t.ts))
  for (const c of candles) lastTs.set(c.ticker, Math.max(lastTs.get(c.ticker) ?? 0, c.endPeriodTs * 1000))

  const ledger = new Ledger()
  const marketStore = new MarketStore()
  const engine = new StrategyEngine({
    strategies: o.strategies, store: marketStore, clock: 'replay', params: o.params, rcParams: o.rcParams, hangAfterMs: o.hangAfterMs,
    hooks: [new BacktestHook(ledger, o.fees)],
  })
  if (o.onEngineEvent) engine.onEvent(o.onEngineEvent)

  // The quote each market shows now: closes of its last finished candle; the last trade price.
  const quote = new Map<string, { yesBid?: number; yesAsk?: number; yesPrice?: number; volume: number }>()
  const q = (ticker: string) => {
    let v = quote.get(ticker)
    if (!v) quote.set(ticker, (v = { volume: 0 }))
    return v
  }
  const feed = async (event: MarketEvent) => {
    applyToStore(marketStore, event)
    engine.dispatch(event)
    await engine.settle()
  }
  const tick = (ticker: string, at: number): Tick => {
    const v = q(ticker)
    return { type: 'ticker', ticker, yesBid: v.yesBid, yesAsk: v.yesAsk, yesPrice: v.yesPrice, noPrice: v.yesPrice === undefined ? undefined : Math.round((1 - v.yesPrice) * PRICE_SCALE) / PRICE_SCALE, volume: v.volume, lastUpdate: at, receivedAt: at }
  }

  let events = 0
  let interruptedAtMs: number | undefined
  let yieldedAt = performance.now()
  await engine.start()
  try {
    for (const step of timeline(markets, trades, candles, lastTs)) {
      // Each event settles in microtasks alone: without a turn of the event loop now and then, Ctrl-C
      // (a signal handler) and the shutdown deadline could not run until the whole history was played.
      if (performance.now() - yieldedAt > YIELD_EVERY_MS) {
        await new Promise((resolve) => setImmediate(resolve))
        yieldedAt = performance.now()
      }
      if (o.signal?.aborted) {
        interruptedAtMs = step.at
        break
      }
      if (step.kind === 'quote') {
        const v = q(step.candle.ticker)
        // Kalshi's placeholders for an empty side (bid 0, ask 1) mean no quote.
        const bid = step.candle.yesBid && step.candle.yesBid.close > 0 ? step.candle.yesBid.close / PRICE_SCALE : undefined
        const ask = step.candle.yesAsk && step.candle.yesAsk.close < PRICE_SCALE ? step.candle.yesAsk.close / PRICE_SCALE : undefined
        if (bid === v.yesBid && ask === v.yesAsk) continue
        v.yesBid = bid
        v.yesAsk = ask
        await feed(tick(step.candle.ticker, step.at))
      } else if (step.kind === 'trade') {
        const v = q(step.trade.ticker)
        v.yesPrice = step.trade.price
        v.volume += step.trade.quantity
        await feed(step.trade)
        await feed(tick(step.trade.ticker, step.at))
      } else {
        ledger.settle(step.market.ticker, step.market.result, step.at)
        continue
      }
      events++
    }
  } finally {
    await engine.stop()
  }

  const unsettled = [...new Set(ledger.positions().map((p) => p.ticker))].sort()
  const strategyName = o.strategies.map((s) => s.strategy.name).join(',')
  const report = summarize(strategyName, markets, ledger)
  if (interruptedAtMs !== undefined) report.interruptedAtMs = interruptedAtMs
  return { report, fills: ledger.fills, settlements: ledger.settlements, curve: ledger.curve, events, unsettled }
}

function summarize(strategy: string, markets: StoredMarket[], ledger: Ledger): BacktestReport {
  const gameOfTicker = new Map(markets.map((m) => [m.ticker, gameOf(m.eventTicker)]))
  const games = new Map<string, { fills: number; feeUnits: number; pnlUnits: number }>()
  for (const m of markets) if (!games.has(gameOf(m.eventTicker))) games.set(gameOf(m.eventTicker), { fills: 0, feeUnits: 0, pnlUnits: 0 })
  for (const f of ledger.fills) {
    const g = games.get(gameOfTicker.get(f.ticker)!)!
    g.fills++
    g.feeUnits += f.feeUnits
  }
  for (const [ticker, pnl] of ledger.pnlByTicker) games.get(gameOfTicker.get(ticker)!)!.pnlUnits += pnl
  const open = new Set(ledger.positions().map((p) => p.ticker))
  const closed = [...ledger.pnlByTicker.keys()].filter((t) => !open.has(t))
  const wins = closed.filter((t) => ledger.pnlByTicker.get(t)! > 0).length
  const list = [...games.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return {
    type: 'backtest',
    strategy,
    games: list.map(([game, g]) => ({ game, fills: g.fills, feesDollars: dollars(g.feeUnits), pnlDollars: dollars(g.pnlUnits) })),
    total: {
      fills: ledger.fills.length,
      feesDollars: dollars(ledger.fills.reduce((s, f) => s + f.feeUnits, 0)),
      pnlDollars: dollars(ledger.realized),
      hitRate: closed.length ? Math.round((wins / closed.length) * 10_000) / 10_000 : 0,
      maxDrawdownDollars: dollars(maxDrawdown(ledger.curve)),
      exposureDollars: dollars(ledger.maxExposureUnits),
    },
  }
}
