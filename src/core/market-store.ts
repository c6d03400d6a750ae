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

/** A live order book the store can turn into a Book when someone reads it (the stream's OrderBook). */
export interface BookSource {
  /** False after a gap, until the next snapshot: then there is no book to show. */
  readonly valid: boolean
  toBook(): Book
}

/**
 * One market's state, long-lived. `book` is built from the live order book only when read: most
 * consumers never look at it, and building one per delta was the stream's largest allocation
 * (profiled). The latest tick and trade are copied into fields rather than kept as the event objects:
 * with 5,000 markets each event lived just long enough to be promoted to V8's old generation and
 * die there, which made up ~70 MB of the benchmark's peak RSS (230 → 161 MB without them).
 */
class StoredMarket implements MarketState {
  lifecycle?: Lifecycle
  yesBid?: number
  yesAsk?: number
  yesPrice?: number
  volume?: number
  openInterest?: number
  lastUpdate = 0
  private bookValue?: Book
  private bookSource?: BookSource
  private hasTick = false
  private tBid?: number
  private tAsk?: number
  private tPrice?: number
  private tNoPrice?: number
  private tVolume?: number
  private tOpenInterest?: number
  private tLastUpdate = 0
  private tReceivedAt = 0
  private hasTrade = false
  private rId?: string
  private rSide: Trade['side'] = 'yes'
  private rQuantity = 0
  private rPrice = 0
  private rNoPrice = 0
  private rTs = 0
  private rReceivedAt = 0

  constructor(readonly ticker: string) {}

  /** The latest tick, as it arrived. */
  get tick(): Tick | undefined {
    if (!this.hasTick) return undefined
    return {
      type: 'ticker', ticker: this.ticker, yesBid: this.tBid, yesAsk: this.tAsk, yesPrice: this.tPrice, noPrice: this.tNoPrice,
      volume: this.tVolume, openInterest: this.tOpenInterest, lastUpdate: this.tLastUpdate, receivedAt: this.tReceivedAt,
    }
  }

  setTick(t: Tick): void {
    this.hasTick = true
    this.tBid = t.yesBid
    this.tAsk = t.yesAsk
    this.tPrice = t.yesPrice
    this.tNoPrice = t.noPrice
    this.tVolume = t.volume
    this.tOpenInterest = t.openInterest
    this.tLastUpdate = t.lastUpdate
    this.tReceivedAt = t.receivedAt
  }

  /** The latest trade, as it arrived. */
  get lastTrade(): Trade | undefined {
    if (!this.hasTrade) return undefined
    return { type: 'trade', ticker: this.ticker, tradeId: this.rId, side: this.rSide, quantity: this.rQuantity, price: this.rPrice, noPrice: this.rNoPrice, ts: this.rTs, receivedAt: this.rReceivedAt }
  }

  setTrade(t: Trade): void {
    this.hasTrade = true
    this.rId = t.tradeId
    this.rSide = t.side
    this.rQuantity = t.quantity
    this.rPrice = t.price
    this.rNoPrice = t.noPrice
    this.rTs = t.ts
    this.rReceivedAt = t.receivedAt
  }

  /** Whether a book is kept, without building it. */
  get hasBook(): boolean {
    return this.bookSource ? this.bookSource.valid : this.bookValue !== undefined
  }

  get book(): Book | undefined {
    if (this.bookSource) return this.bookSource.valid ? this.bookSource.toBook() : undefined
    return this.bookValue
  }

  setBook(book: Book | undefined, source?: BookSource): void {
    this.bookValue = book
    this.bookSource = source
  }
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
  private readonly markets = new Map<string, StoredMarket>()
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
    s.setTick(tick)
    if (!s.hasBook) {
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
    s.setTrade(trade)
    s.yesPrice = trade.price
    s.lastUpdate = trade.ts
    this.record(s, trade.ts)
    return s
  }

  applyBook(book: Book): MarketState {
    const s = this.state(book.ticker)
    s.setBook(book)
    s.yesBid = book.yesBid
    s.yesAsk = book.yesAsk
    s.lastUpdate = book.ts
    return s
  }

  /** The book changed, but nobody listens for books: keep its best prices now and build it only if read. */
  applyBookSource(ticker: string, source: BookSource, yesBid: number | undefined, yesAsk: number | undefined, ts: number): MarketState {
    const s = this.state(ticker)
    s.setBook(undefined, source)
    s.yesBid = yesBid
    s.yesAsk = yesAsk
    s.lastUpdate = ts
    return s
  }

  /** A gap made the market's book unknown until its next snapshot: show none rather than a stale one. */
  dropBook(ticker: string): void {
    this.markets.get(ticker)?.setBook(undefined)
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

  private state(ticker: string): StoredMarket {
    let s = this.markets.get(ticker)
    if (!s) {
      s = new StoredMarket(ticker)
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
