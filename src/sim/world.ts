import type { Side } from '../core/types.js'
import { type Catalog, type MarketStatus, type SimEvent, type SimMarket, type SimSeries, buildCatalog } from './catalog.js'
import type { LevelUnits } from './order-book.js'
import { seedBook } from './market-maker.js'
import { createRandom, type Random } from './random.js'
import { buildPastWeek, type PastTrade, type PastWeek } from './past-week.js'

export type { SimMarket, SimEvent, SimSeries, MarketStatus } from './catalog.js'

/** A trade of the running world: a past one's fields and its place in the trade channel's sequence. */
export interface TradeRecord extends PastTrade {
  seq: number
}

export type LifecycleType = 'created' | 'activated' | 'deactivated' | 'close_date_updated' | 'determined' | 'settled'

/** What changed in the world; the server turns these into WebSocket messages for whoever subscribed. */
export type WorldEvent =
  | { kind: 'delta'; market: SimMarket; side: Side; price: number; delta: number; clientOrderId?: string }
  | { kind: 'ticker'; market: SimMarket }
  | { kind: 'trade'; market: SimMarket; trade: TradeRecord }
  | { kind: 'event_created'; event: SimEvent; market?: undefined }
  | { kind: 'lifecycle'; market: SimMarket; eventType: LifecycleType }
  | FillEvent

/** One of a key's own fills; `feeMicros` is its fee (micro-dollars), sent as `fee_cost`. */
export interface FillEvent { kind: 'fill'; keyId?: string; market: SimMarket; trade: TradeRecord; orderId: string; side: Side; action: 'buy' | 'sell'; isTaker: boolean; clientOrderId?: string; feeMicros: number }

export interface BookUnits { yes: LevelUnits[]; no: LevelUnits[] }

/** REST pages and trade lookups keep this many recent trades. */
const TRADE_HISTORY = 10_000

/** The authoritative state of the simulated exchange: catalog, books, trades, statuses. */
export class SimWorld {
  readonly catalog: Catalog
  readonly startMs: number
  /** The settled week before the live one, served by the history endpoints (src/sim/history-rest.ts). */
  readonly past: PastWeek
  /** Simulated milliseconds elapsed; advances only while the generator runs (pause() freezes games too). */
  simMs = 0
  /** Real milliseconds the generator has run (price-move lags and settlement delays use it, so they ignore `speed`). */
  runMs = 0
  private readonly byTicker = new Map<string, SimMarket>()
  private readonly eventsByTicker = new Map<string, SimEvent>()
  private readonly listeners: Array<(e: WorldEvent) => void> = []
  private readonly tradeLog: TradeRecord[] = []
  /** Each key's recent fills, for GET /portfolio/fills. */
  private readonly fillLog = new Map<string, FillEvent[]>()
  private tradeSeq = 0

  constructor(seed: number, opts: { startMs?: number; speed?: number; extraMarkets?: number } = {}) {
    this.startMs = opts.startMs ?? Date.now()
    this.catalog = buildCatalog(createRandom(seed), this.startMs, opts.speed ?? 1, opts.extraMarkets ?? 0)
    for (const m of this.catalog.markets) this.byTicker.set(m.ticker, m)
    for (const e of this.catalog.events) this.eventsByTicker.set(e.ticker, e)
    const bookRandom = createRandom(seed ^ 0x5eed)
    for (const m of this.catalog.markets) seedBook(m, bookRandom)
    // After the books are seeded: settled markets have none, and the live world's draws stay as they were.
    this.past = buildPastWeek(this.catalog, seed)
    for (const e of this.catalog.events) this.eventsByTicker.set(e.ticker, e)
    for (const m of this.catalog.markets) this.byTicker.set(m.ticker, m)
  }

  series(): SimSeries[] { return this.catalog.series }
  seriesByTicker(ticker: string): SimSeries | undefined { return this.catalog.series.find((s) => s.ticker === ticker) }
  events(): SimEvent[] { return this.catalog.events }
  event(ticker: string): SimEvent | undefined { return this.eventsByTicker.get(ticker) }
  markets(): SimMarket[] { return this.catalog.markets }
  market(ticker: string): SimMarket | undefined { return this.byTicker.get(ticker) }

  /** The book in integer units, bids best-first on both sides. */
  book(ticker: string): BookUnits | undefined {
    const m = this.byTicker.get(ticker)
    return m && { yes: m.book.levels('yes'), no: m.book.levels('no') }
  }

  /** Recent trades, oldest first. */
  trades(): readonly TradeRecord[] { return this.tradeLog }

  onEvent(listener: (e: WorldEvent) => void): void { this.listeners.push(listener) }

  emit(e: WorldEvent): void {
    if (e.kind === 'fill' && e.keyId !== undefined) {
      let log = this.fillLog.get(e.keyId)
      if (!log) this.fillLog.set(e.keyId, (log = []))
      log.push(e)
      if (log.length > TRADE_HISTORY * 1.2) log.splice(0, log.length - TRADE_HISTORY)
    }
    for (const l of this.listeners) l(e)
  }

  /** A key's recent fills, oldest first. */
  fills(keyId: string): readonly FillEvent[] { return this.fillLog.get(keyId) ?? [] }

  /**
   * List a new event while running: Kalshi then sends `event_lifecycle` on the lifecycle channel,
   * followed by `created` and `activated` market lifecycle messages for its markets.
   */
  listEvent(e: SimEvent, bookRandom: Random): void {
    this.catalog.events.push(e)
    this.eventsByTicker.set(e.ticker, e)
    for (const m of e.markets) {
      this.catalog.markets.push(m)
      this.byTicker.set(m.ticker, m)
      seedBook(m, bookRandom)
    }
    this.emit({ kind: 'event_created', event: e })
    for (const m of e.markets) {
      this.emit({ kind: 'lifecycle', market: m, eventType: 'created' })
      this.emit({ kind: 'lifecycle', market: m, eventType: 'activated' })
    }
  }

  /** Change resting quantity and tell orderbook subscribers. */
  applyDelta(market: SimMarket, side: Side, price: number, delta: number, clientOrderId?: string): void {
    if (delta === 0) return
    market.book.apply(side, price, delta)
    this.emit({ kind: 'delta', market, side, price, delta, clientOrderId })
  }

  emitTicker(market: SimMarket): void { this.emit({ kind: 'ticker', market }) }

  /** Record an execution (the caller has already taken the quantity off the book). */
  recordTrade(market: SimMarket, yesPrice: number, count: number, takerSide: Side): TradeRecord {
    const seq = ++this.tradeSeq
    const trade: TradeRecord = { seq, tradeId: tradeIdOf(this.startMs, seq), ticker: market.ticker, yesPrice, count, takerSide, tsMs: Date.now() }
    market.previousPrice = market.lastPrice || yesPrice
    market.lastPrice = yesPrice
    market.lastTradeCount = count
    market.volume += count
    market.openInterest += count
    this.tradeLog.push(trade)
    if (this.tradeLog.length > TRADE_HISTORY * 1.2) this.tradeLog.splice(0, this.tradeLog.length - TRADE_HISTORY)
    this.emit({ kind: 'trade', market, trade })
    return trade
  }

  setStatus(market: SimMarket, status: MarketStatus, eventType: LifecycleType): void {
    market.status = status
    this.emit({ kind: 'lifecycle', market, eventType })
  }
}

/** Unique across simulator runs too (the start time leads), so history downloaded from two runs never confuses their trades. */
function tradeIdOf(startMs: number, seq: number): string {
  const hex = seq.toString(16).padStart(12, '0')
  return `${(startMs >>> 0).toString(16).padStart(8, '0')}-5e1a-4000-8000-${hex}`
}
