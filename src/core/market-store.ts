import type { Book, Lifecycle, Tick, Trade } from './types.js'
import { MarketHistory, type HistoryPoint } from './market-history.js'

export type { HistoryPoint }

/** What the store knows about one market. Read-only views are handed to commands and strategies. */
export interface MarketState {
  ticker: string
  /** Latest ticker update, if any. */
  tick?: Tick
  /** Latest trade, if any. */
  lastTrade?: Trade
  /** Latest book, if the market's order book is kept. */
  book?: Book
  /** Latest lifecycle event. */
  lifecycle?: Lifecycle
  /** Best yes bid/ask in dollars, from the book when kept, else from the latest tick. */
  yesBid?: number
  yesAsk?: number
  /** Last traded yes price. */
  yesPrice?: number
  volume?: number
  openInterest?: number
  /** Epoch ms of the last update of any kind. */
  lastUpdate: number
}

export interface MarketStoreView {
  get(ticker: string): Readonly<MarketState> | undefined
  tickers(): string[]
  /** Recent history, oldest first (bounded ring per market). */
  history(ticker: string): readonly HistoryPoint[]
  size(): number
}

/**
 * Latest state and best bid/ask per market. Updated by the stream for every event; bounded
 * history per market so a long run does not grow without limit.
 */
export class MarketStore implements MarketStoreView {
  private readonly markets = new Map<string, MarketState>()
  private readonly histories = new Map<string, MarketHistory>()

  constructor(private readonly historyLength = 256) {}

  get(ticker: string): Readonly<MarketState> | undefined {
    return this.markets.get(ticker)
  }

  tickers(): string[] {
    return [...this.markets.keys()]
  }

  size(): number {
    return this.markets.size
  }

  history(ticker: string): readonly HistoryPoint[] {
    return this.histories.get(ticker)?.points() ?? []
  }

  applyTick(tick: Tick): MarketState {
    const s = this.state(tick.ticker)
    s.tick = tick
    if (!s.book) {
      s.yesBid = tick.yesBid
      s.yesAsk = tick.yesAsk
    }
    if (tick.yesPrice !== undefined) s.yesPrice = tick.yesPrice
    if (tick.volume !== undefined) s.volume = tick.volume
    if (tick.openInterest !== undefined) s.openInterest = tick.openInterest
    s.lastUpdate = tick.lastUpdate
    this.record(s, tick.lastUpdate)
    return s
  }

  applyTrade(trade: Trade): MarketState {
    const s = this.state(trade.ticker)
    s.lastTrade = trade
    s.yesPrice = trade.price
    s.lastUpdate = trade.ts
    this.record(s, trade.ts)
    return s
  }

  applyBook(book: Book): MarketState {
    const s = this.state(book.ticker)
    s.book = book
    s.yesBid = book.yesBid
    s.yesAsk = book.yesAsk
    s.lastUpdate = book.ts
    return s
  }

  applyLifecycle(event: Lifecycle): MarketState {
    const s = this.state(event.ticker)
    s.lifecycle = event
    s.lastUpdate = event.receivedAt
    return s
  }

  delete(ticker: string): void {
    this.markets.delete(ticker)
    this.histories.delete(ticker)
  }

  private state(ticker: string): MarketState {
    let s = this.markets.get(ticker)
    if (!s) {
      s = { ticker, lastUpdate: 0 }
      this.markets.set(ticker, s)
    }
    return s
  }

  private record(s: MarketState, ts: number): void {
    let h = this.histories.get(s.ticker)
    if (!h) {
      h = new MarketHistory(this.historyLength)
      this.histories.set(s.ticker, h)
    }
    h.push(ts, s.yesBid, s.yesAsk, s.yesPrice, s.volume)
  }
}
