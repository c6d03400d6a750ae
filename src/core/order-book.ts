/**
 * Order books rebuilt from `orderbook_snapshot` + `orderbook_delta`, in integer units so that sums
 * are exact. Kalshi sequences these messages per subscription (sid): one skipped number means a lost
 * message, after which every book on that sid is unknowable until a fresh snapshot arrives. A book
 * built on a gap is never handed out.
 */
import { COUNT_SCALE as COUNT_SCALE_IMPORT, PRICE_SCALE as PRICE_SCALE_IMPORT } from './fixed-point.js'
import type { Book, Level, Side } from './types.js'
import type { BookDeltaMessage, BookSnapshotMessage } from './wire.js'

// Local copies: imported bindings can be getter calls under a CommonJS transform (tsx).
const PRICE_SCALE = PRICE_SCALE_IMPORT
const COUNT_SCALE = COUNT_SCALE_IMPORT

/**
 * Bids of one side: prices in price units, highest first, each with its quantity in count units.
 *
 * One flat array per side, [price, quantity, price, quantity, ...], changed in place: a level is
 * inserted or removed by shifting, never by `splice` (which allocated the array of what it removed),
 * and the backing store only grows. With 5,000 books the four arrays per book this replaces, each
 * with its own growth slack, held ~6 MB of the benchmark's live heap; and every array regrown by a
 * delta lived as long as its book, so it survived young-generation GCs: what makes V8 grow its
 * young generation, measured as RSS.
 */
export class BookSide {
  private readonly flat: number[] = []

  clear(): void {
    this.flat.length = 0
  }

  /** Levels on this side. */
  get size(): number {
    return this.flat.length >> 1
  }

  /** Index of `price`'s level, or -(insertion point) - 1. Binary search over the descending prices. */
  private find(price: number): number {
    const f = this.flat
    let lo = 0
    let hi = (f.length >> 1) - 1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      const v = f[mid << 1]
      if (v === price) return mid
      if (v > price) lo = mid + 1
      else hi = mid - 1
    }
    return -lo - 1
  }

  /**
   * Add `delta` count units at `price`; a level reaching 0 is removed. Returns false when the
   * result would be negative: the book no longer matches the exchange's.
   */
  apply(price: number, delta: number): boolean {
    const f = this.flat
    const i = this.find(price)
    if (i >= 0) {
      const at = (i << 1) + 1
      const q = f[at] + delta
      if (q > 0) {
        f[at] = q
        return true
      }
      const n = f.length - 2
      for (let j = i << 1; j < n; j++) f[j] = f[j + 2]
      f.length = n
      return q === 0
    }
    if (delta < 0) return false
    if (delta === 0) return true
    const at = (-i - 1) << 1
    let j = f.length
    f.push(price, delta)
    for (; j > at; j--) f[j + 1] = f[j - 1]
    f[at] = price
    f[at + 1] = delta
    return true
  }

  best(): number | undefined {
    return this.flat.length > 0 ? this.flat[0] : undefined
  }

  levels(): Level[] {
    const f = this.flat
    const out: Level[] = new Array(f.length >> 1)
    for (let i = 0; i < out.length; i++) out[i] = [f[i << 1] / PRICE_SCALE, f[(i << 1) + 1] / COUNT_SCALE]
    return out
  }
}

export class OrderBook {
  readonly yes = new BookSide()
  readonly no = new BookSide()
  /** False until a snapshot arrives, and again after a gap. */
  valid = false
  sid?: number
  seq?: number
  ts = 0
  /**
   * Exchange time of the last delta; NaN when Kalshi sent none. A field that only ever holds numbers
   * is updated in place; one that has held undefined boxed every new time in a heap number that
   * lived as long as the book (see market-store.ts).
   */
  private exchangeMs = NaN
  private cached?: Book

  constructor(readonly ticker: string) {}

  /** Exchange time of the last delta, when Kalshi sent one. */
  get exchangeTs(): number | undefined {
    return this.exchangeMs === this.exchangeMs ? this.exchangeMs : undefined
  }

  /** Replace the book with a snapshot's flat [price, qty, ...] pairs. */
  load(yes: readonly number[], no: readonly number[], ts: number, seq?: number): void {
    this.yes.clear()
    this.no.clear()
    for (let i = 0; i + 1 < yes.length; i += 2) this.yes.apply(yes[i], yes[i + 1])
    for (let i = 0; i + 1 < no.length; i += 2) this.no.apply(no[i], no[i + 1])
    this.valid = true
    this.seq = seq
    this.ts = ts
    this.exchangeMs = NaN
    this.cached = undefined
  }

  /** Apply one delta; false means the book went negative and is now invalid. */
  apply(side: Side, priceUnits: number, deltaUnits: number, ts: number, seq?: number, exchangeTs?: number): boolean {
    const ok = (side === 'yes' ? this.yes : this.no).apply(priceUnits, deltaUnits)
    this.cached = undefined
    this.ts = ts
    if (exchangeTs !== undefined) this.exchangeMs = exchangeTs
    if (seq !== undefined) this.seq = seq
    if (!ok) this.valid = false
    return ok
  }

  invalidate(): void {
    this.valid = false
    this.cached = undefined
  }

  /** The book in dollars, best first. Cached until the next change. */
  toBook(): Book {
    if (this.cached) return this.cached
    const yesBest = this.yes.best()
    const noBest = this.no.best()
    const book: Book = {
      type: 'book',
      ticker: this.ticker,
      yes: this.yes.levels(),
      no: this.no.levels(),
      yesBid: yesBest === undefined ? undefined : yesBest / PRICE_SCALE,
      yesAsk: noBest === undefined ? undefined : (PRICE_SCALE - noBest) / PRICE_SCALE,
      noBid: noBest === undefined ? undefined : noBest / PRICE_SCALE,
      noAsk: yesBest === undefined ? undefined : (PRICE_SCALE - yesBest) / PRICE_SCALE,
      seq: this.seq,
      ts: this.ts,
    }
    if (this.exchangeMs === this.exchangeMs) book.exchangeTs = this.exchangeMs
    this.cached = book
    return book
  }
}

/** A lost message on an orderbook subscription: every book listed must be re-snapshotted. */
export interface Gap {
  type: 'gap'
  sid: number
  /** 'seq': a sequence number was skipped; 'negative_quantity': a delta took a level below zero. */
  reason: 'seq' | 'negative_quantity'
  expectedSeq?: number
  receivedSeq?: number
  tickers: string[]
  ts: number
}

/** Every book of a connection, and the sequence bookkeeping of their subscriptions. */
export class OrderBooks {
  private readonly books = new Map<string, OrderBook>()
  private readonly lastSeq = new Map<number, number>()
  private readonly sidTickers = new Map<number, Set<string>>()
  /** Sids that had a gap: their messages are ignored until the sid is dropped. */
  private readonly broken = new Set<number>()

  get(ticker: string): OrderBook | undefined {
    return this.books.get(ticker)
  }

  tickers(): string[] {
    return [...this.books.keys()]
  }

  isBroken(sid: number): boolean {
    return this.broken.has(sid)
  }

  /**
   * Account for a sequenced message on `sid` (data, or an update_subscription ack, which shares the
   * sequence). Returns a Gap when a number was skipped, undefined when in order or already broken.
   */
  noteSeq(sid: number, seq: number, ts: number): Gap | undefined {
    if (this.broken.has(sid)) return undefined
    const prev = this.lastSeq.get(sid)
    this.lastSeq.set(sid, seq)
    if (prev !== undefined && seq !== prev + 1) return this.breakSid(sid, 'seq', ts, prev + 1, seq)
    return undefined
  }

  applySnapshot(m: BookSnapshotMessage): OrderBook | Gap | undefined {
    if (m.sid !== undefined) {
      if (this.broken.has(m.sid)) return undefined
      if (m.seq !== undefined) {
        const gap = this.noteSeq(m.sid, m.seq, m.receivedAt)
        if (gap) return gap
      }
    }
    let book = this.books.get(m.ticker)
    if (!book) {
      book = new OrderBook(m.ticker)
      this.books.set(m.ticker, book)
    }
    if (m.sid !== undefined && book.sid !== m.sid) {
      if (book.sid !== undefined) this.sidTickers.get(book.sid)?.delete(m.ticker)
      book.sid = m.sid
      let set = this.sidTickers.get(m.sid)
      if (!set) {
        set = new Set()
        this.sidTickers.set(m.sid, set)
      }
      set.add(m.ticker)
    }
    book.load(m.yes, m.no, m.receivedAt, m.seq)
    return book
  }

  /** Apply a delta. undefined: ignored (no snapshot yet, or the sid is broken). */
  applyDelta(m: BookDeltaMessage): OrderBook | Gap | undefined {
    if (m.sid !== undefined) {
      if (this.broken.has(m.sid)) return undefined
      if (m.seq !== undefined) {
        const gap = this.noteSeq(m.sid, m.seq, m.receivedAt)
        if (gap) return gap
      }
    }
    const book = this.books.get(m.ticker)
    if (!book || !book.valid) return undefined
    if (!book.apply(m.side, m.priceUnits, m.deltaUnits, m.receivedAt, m.seq, m.exchangeTs)) {
      if (book.sid !== undefined) return this.breakSid(book.sid, 'negative_quantity', m.receivedAt)
      return { type: 'gap', sid: -1, reason: 'negative_quantity', tickers: [book.ticker], ts: m.receivedAt }
    }
    return book
  }

  /** Forget a subscription (after unsubscribe or a reconnect): its seq and broken state go. */
  dropSid(sid: number): void {
    this.lastSeq.delete(sid)
    this.broken.delete(sid)
    this.sidTickers.delete(sid)
  }

  /** A new connection: sids restart, every book waits for a fresh snapshot. */
  reset(): void {
    this.lastSeq.clear()
    this.broken.clear()
    this.sidTickers.clear()
    for (const book of this.books.values()) {
      book.invalidate()
      book.sid = undefined
    }
  }

  delete(ticker: string): void {
    const book = this.books.get(ticker)
    if (book?.sid !== undefined) this.sidTickers.get(book.sid)?.delete(ticker)
    this.books.delete(ticker)
  }

  private breakSid(sid: number, reason: Gap['reason'], ts: number, expectedSeq?: number, receivedSeq?: number): Gap {
    this.broken.add(sid)
    const tickers = [...(this.sidTickers.get(sid) ?? [])]
    for (const t of tickers) this.books.get(t)?.invalidate()
    return { type: 'gap', sid, reason, expectedSeq, receivedSeq, tickers, ts }
  }
}

/** A book from REST levels (the orderbook endpoint), with the same conversions. */
export function bookFromLevels(ticker: string, yes: readonly number[], no: readonly number[], ts: number): Book {
  const b = new OrderBook(ticker)
  b.load(yes, no, ts)
  return b.toBook()
}
