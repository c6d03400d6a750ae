import type { Book, Lifecycle, Tick, Trade } from './types.js'
import { MarketHistory, type HistoryPoint } from './market-history.js'
import { packUuid, unpackUuid, UUID_SLOTS } from './packed-uuid.js'

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

// A market's numbers: their slots in MarketNumbers, from the market's first.
const BID = 0
const ASK = 1
const PRICE = 2
const VOL = 3
const OI = 4
const LAST_UPDATE = 5
const T_BID = 6
const T_ASK = 7
const T_PRICE = 8
const T_NO_PRICE = 9
const T_VOLUME = 10
const T_OI = 11
const T_LAST_UPDATE = 12
const T_RECEIVED_AT = 13
const R_QUANTITY = 14
const R_PRICE = 15
const R_NO_PRICE = 16
const R_TS = 17
const R_RECEIVED_AT = 18
/** The last trade's id, when a UUID: UUID_SLOTS slots (packed-uuid.ts). */
const R_UUID = 19
/** Sizes at the tick's best bid and ask (`yes_bid_size_fp` / `yes_ask_size_fp`): paper fills are limited by them. */
const T_BID_SIZE = R_UUID + UUID_SLOTS
const T_ASK_SIZE = T_BID_SIZE + 1
const STRIDE = T_ASK_SIZE + 1
/** The slots that start at 0 rather than absent (NaN): times and the last trade's numbers. */
const ZERO_SLOTS = [LAST_UPDATE, T_LAST_UPDATE, T_RECEIVED_AT, R_QUANTITY, R_PRICE, R_NO_PRICE, R_TS, R_RECEIVED_AT]

/**
 * Markets' numbers in Float64Arrays, STRIDE slots per market (NaN when absent, read back as
 * undefined). In fields of each market's object, each number was a heap number of its own (16
 * bytes, beside the field's 8): ~2 MB at 5,000 markets, all of it built through V8's young
 * generation at subscription and kept; here they are 200 bytes a market (the last trade id and the quoted sizes included), outside the JS heap, in
 * chunks of CHUNK_MARKETS that are never copied (a grown-and-copied array left its old copies to
 * the next full GC: +2 MB of RSS measured). A market's slots are never reused.
 */
const CHUNK_MARKETS = 256

class MarketNumbers {
  private chunk = new Float64Array(0)
  private used = 0

  take(): { f: Float64Array; at: number } {
    if (this.used === this.chunk.length) {
      this.chunk = new Float64Array(STRIDE * CHUNK_MARKETS)
      this.used = 0
    }
    const f = this.chunk
    const at = this.used
    this.used += STRIDE
    f.fill(NaN, at, at + STRIDE)
    for (const slot of ZERO_SLOTS) f[at + slot] = 0
    return { f, at }
  }
}

/**
 * One market's state, long-lived. `book` is built from the live order book only when read: most
 * consumers never look at it, and building one per delta was the stream's largest allocation
 * (profiled). The latest tick and trade are copied into numbers (MarketNumbers) rather than kept as
 * the event objects: with 5,000 markets each event lived just long enough to be promoted to V8's old
 * generation and die there, which made up ~70 MB of the benchmark's peak RSS (230 → 161 MB without them).
 */
class StoredMarket implements MarketState {
  lifecycle?: Lifecycle
  /** Recent history, when kept for this market. */
  history?: MarketHistory
  private bookValue?: Book
  private bookSource?: BookSource
  private hasTick = false
  private hasTrade = false
  /** The last trade's id when it is not a UUID (a UUID is packed into this market's numbers). */
  private rIdText?: string
  private rSide: Trade['side'] = 'yes'
  /** This market's numbers: STRIDE slots of `f` from `at`. */
  private readonly f: Float64Array
  private readonly at: number

  constructor(readonly ticker: string, numbers: MarketNumbers) {
    const { f, at } = numbers.take()
    this.f = f
    this.at = at
  }

  private num(slot: number): number | undefined {
    return some(this.f[this.at + slot]!)
  }

  private setNum(slot: number, v: number | undefined): void {
    this.f[this.at + slot] = v ?? NaN
  }

  get yesBid(): number | undefined { return this.num(BID) }
  set yesBid(v: number | undefined) { this.setNum(BID, v) }
  get yesAsk(): number | undefined { return this.num(ASK) }
  set yesAsk(v: number | undefined) { this.setNum(ASK, v) }
  get yesPrice(): number | undefined { return this.num(PRICE) }
  set yesPrice(v: number | undefined) { this.setNum(PRICE, v) }
  get volume(): number | undefined { return this.num(VOL) }
  set volume(v: number | undefined) { this.setNum(VOL, v) }
  get openInterest(): number | undefined { return this.num(OI) }
  set openInterest(v: number | undefined) { this.setNum(OI, v) }
  /** Epoch ms of the last update of any kind. */
  get lastUpdate(): number { return this.f[this.at + LAST_UPDATE]! }
  set lastUpdate(v: number) { this.f[this.at + LAST_UPDATE] = v }

  /** The latest tick, as it arrived. */
  get tick(): Tick | undefined {
    if (!this.hasTick) return undefined
    const f = this.f
    const at = this.at
    const tick: Tick = {
      type: 'ticker', ticker: this.ticker, yesBid: some(f[at + T_BID]!), yesAsk: some(f[at + T_ASK]!), yesPrice: some(f[at + T_PRICE]!), noPrice: some(f[at + T_NO_PRICE]!),
      volume: some(f[at + T_VOLUME]!), openInterest: some(f[at + T_OI]!), lastUpdate: f[at + T_LAST_UPDATE]!, receivedAt: f[at + T_RECEIVED_AT]!,
    }
    // As parseTick gives them: present only when the frame had them.
    const bidSize = some(f[at + T_BID_SIZE]!)
    const askSize = some(f[at + T_ASK_SIZE]!)
    if (bidSize !== undefined) tick.yesBidSize = bidSize
    if (askSize !== undefined) tick.yesAskSize = askSize
    return tick
  }

  setTick(t: Tick): void {
    this.hasTick = true
    const f = this.f
    const at = this.at
    f[at + T_BID] = t.yesBid ?? NaN
    f[at + T_ASK] = t.yesAsk ?? NaN
    f[at + T_PRICE] = t.yesPrice ?? NaN
    f[at + T_NO_PRICE] = t.noPrice ?? NaN
    f[at + T_VOLUME] = t.volume ?? NaN
    f[at + T_OI] = t.openInterest ?? NaN
    f[at + T_LAST_UPDATE] = t.lastUpdate
    f[at + T_RECEIVED_AT] = t.receivedAt
    f[at + T_BID_SIZE] = t.yesBidSize ?? NaN
    f[at + T_ASK_SIZE] = t.yesAskSize ?? NaN
  }

  /** The latest trade, as it arrived. */
  get lastTrade(): Trade | undefined {
    if (!this.hasTrade) return undefined
    const f = this.f
    const at = this.at
    return { type: 'trade', ticker: this.ticker, tradeId: this.rIdText ?? unpackUuid(f, at + R_UUID), side: this.rSide, quantity: f[at + R_QUANTITY]!, price: f[at + R_PRICE]!, noPrice: f[at + R_NO_PRICE]!, ts: f[at + R_TS]!, receivedAt: f[at + R_RECEIVED_AT]! }
  }

  setTrade(t: Trade): void {
    this.hasTrade = true
    const f = this.f
    const at = this.at
    // packUuid holds a UUID, or clears what was held and says no.
    this.rIdText = packUuid(t.tradeId ?? '', f, at + R_UUID) ? undefined : t.tradeId
    // Our own constant, not the string of the frame (which would live on in this old object).
    this.rSide = t.side === 'yes' ? 'yes' : 'no'
    f[at + R_QUANTITY] = t.quantity
    f[at + R_PRICE] = t.price
    f[at + R_NO_PRICE] = t.noPrice
    f[at + R_TS] = t.ts
    f[at + R_RECEIVED_AT] = t.receivedAt
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
  private readonly numbers = new MarketNumbers()
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
      s = new StoredMarket(ticker, this.numbers)
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
