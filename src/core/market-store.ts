import type { Book, Lifecycle, Tick, Trade } from './types.js'
import { MarketHistory, type HistoryPoint } from './market-history.js'
import { PackedUuid } from './packed-uuid.js'

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

/** NaN marks an absent number in StoredMarket's fields. */
const some = (x: number): number | undefined => (x === x ? x : undefined)

/**
 * How a store keeps per-market history: for every market, or only for markets whose history has
 * been read (from that first read on; a market read before its first update counts as read).
 */
export type HistoryKeeping = 'all' | 'on-read'

/**
 * One market's state, long-lived. `book` is built from the live order book only when read: most
 * consumers never look at it, and building one per delta was the stream's largest allocation
 * (profiled). The latest tick and trade are copied into fields rather than kept as the event objects:
 * with 5,000 markets each event lived just long enough to be promoted to V8's old generation and
 * die there, which made up ~70 MB of the benchmark's peak RSS (230 → 161 MB without them).
 *
 * Every number is held in a field that only ever holds numbers (NaN when absent, read back as
 * undefined): V8 updates such a field in place, whereas a field that has also held undefined boxes
 * each new value in a fresh heap number. With 5,000 markets those boxes lived just as long as the
 * events did, ten per tick.
 */
class StoredMarket implements MarketState {
  lifecycle?: Lifecycle
  lastUpdate = 0
  /** Recent history, when kept for this market. */
  history?: MarketHistory
  private bid = NaN
  private ask = NaN
  private price = NaN
  private vol = NaN
  private oi = NaN
  private bookValue?: Book
  private bookSource?: BookSource
  private hasTick = false
  private tBid = NaN
  private tAsk = NaN
  private tPrice = NaN
  private tNoPrice = NaN
  private tVolume = NaN
  private tOpenInterest = NaN
  private tLastUpdate = 0
  private tReceivedAt = 0
  private hasTrade = false
  /** The last trade's id: a UUID packed into numbers (see packed-uuid.ts), any other id as is. */
  private readonly rUuid = new PackedUuid()
  private rIdText?: string
  private rSide: Trade['side'] = 'yes'
  private rQuantity = 0
  private rPrice = 0
  private rNoPrice = 0
  private rTs = 0
  private rReceivedAt = 0

  constructor(readonly ticker: string) {}

  get yesBid(): number | undefined { return some(this.bid) }
  set yesBid(v: number | undefined) { this.bid = v ?? NaN }
  get yesAsk(): number | undefined { return some(this.ask) }
  set yesAsk(v: number | undefined) { this.ask = v ?? NaN }
  get yesPrice(): number | undefined { return some(this.price) }
  set yesPrice(v: number | undefined) { this.price = v ?? NaN }
  get volume(): number | undefined { return some(this.vol) }
  set volume(v: number | undefined) { this.vol = v ?? NaN }
  get openInterest(): number | undefined { return some(this.oi) }
  set openInterest(v: number | undefined) { this.oi = v ?? NaN }

  /** The latest tick, as it arrived. */
  get tick(): Tick | undefined {
    if (!this.hasTick) return undefined
    return {
      type: 'ticker', ticker: this.ticker, yesBid: some(this.tBid), yesAsk: some(this.tAsk), yesPrice: some(this.tPrice), noPrice: some(this.tNoPrice),
      volume: some(this.tVolume), openInterest: some(this.tOpenInterest), lastUpdate: this.tLastUpdate, receivedAt: this.tReceivedAt,
    }
  }

  setTick(t: Tick): void {
    this.hasTick = true
    this.tBid = t.yesBid ?? NaN
    this.tAsk = t.yesAsk ?? NaN
    this.tPrice = t.yesPrice ?? NaN
    this.tNoPrice = t.noPrice ?? NaN
    this.tVolume = t.volume ?? NaN
    this.tOpenInterest = t.openInterest ?? NaN
    this.tLastUpdate = t.lastUpdate
    this.tReceivedAt = t.receivedAt
  }

  /** The latest trade, as it arrived. */
  get lastTrade(): Trade | undefined {
    if (!this.hasTrade) return undefined
    return { type: 'trade', ticker: this.ticker, tradeId: this.rIdText ?? this.rUuid.text(), side: this.rSide, quantity: this.rQuantity, price: this.rPrice, noPrice: this.rNoPrice, ts: this.rTs, receivedAt: this.rReceivedAt }
  }

  setTrade(t: Trade): void {
    this.hasTrade = true
    // set() holds a UUID, or clears what it held and says no.
    const packed = this.rUuid.set(t.tradeId ?? '')
    this.rIdText = packed ? undefined : t.tradeId
    // Our own constant, not the string of the frame (which would live on in this old object).
    this.rSide = t.side === 'yes' ? 'yes' : 'no'
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

  /** The public fields as plain data: the numbers live behind getters, which JSON.stringify would skip. */
  toJSON(): Omit<MarketState, 'book'> {
    return { ticker: this.ticker, tick: this.tick, lastTrade: this.lastTrade, lifecycle: this.lifecycle, yesBid: this.yesBid, yesAsk: this.yesAsk, yesPrice: this.yesPrice, volume: this.volume, openInterest: this.openInterest, lastUpdate: this.lastUpdate }
  }

  /** Start keeping history here, from the present state. */
  keepHistory(length: number): MarketHistory {
    this.history ??= new MarketHistory(length)
    if (this.history.length === 0 && this.lastUpdate !== 0) this.history.push(this.lastUpdate, this.yesBid, this.yesAsk, this.yesPrice, this.volume)
    return this.history
  }
}

export interface MarketStoreView {
  get(ticker: string): Readonly<MarketState> | undefined
  tickers(): string[]
  /**
   * Recent history, oldest first (bounded ring per market). A store that keeps history 'on-read'
   * starts keeping a market's with this call, from its present state.
   */
  history(ticker: string): readonly HistoryPoint[]
  size(): number
}

/**
 * Latest state and best bid/ask per market. Updated by the stream for every event; bounded
 * history per market so a long run does not grow without limit.
 *
 * History costs 28 bytes a point, 256 points a market: ~36 MB at 5,000 markets, about half the
 * benchmark's live heap, for a store nobody may ever ask for it. `keeping: 'on-read'` keeps it only
 * for the markets someone has asked about.
 */
export class MarketStore implements MarketStoreView {
  private readonly markets = new Map<string, StoredMarket>()
  /** 'on-read': markets whose history was asked for before their first update. */
  private readonly historyWanted = new Set<string>()

  constructor(private readonly historyLength = 256, private readonly keeping: HistoryKeeping = 'all') {}

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
    const s = this.markets.get(ticker)
    if (this.keeping === 'all') return s?.history?.points() ?? []
    if (!s) {
      this.historyWanted.add(ticker)
      return []
    }
    return s.keepHistory(this.historyLength).points()
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
    this.historyWanted.delete(ticker)
  }

  private state(ticker: string): StoredMarket {
    let s = this.markets.get(ticker)
    if (!s) {
      s = new StoredMarket(ticker)
      this.markets.set(ticker, s)
      if (this.historyWanted.delete(ticker)) s.history = new MarketHistory(this.historyLength)
    }
    return s
  }

  private record(s: StoredMarket, ts: number): void {
    const h = s.history ?? (this.keeping === 'all' ? (s.history = new MarketHistory(this.historyLength)) : undefined)
    h?.push(ts, s.yesBid, s.yesAsk, s.yesPrice, s.volume)
  }
}
