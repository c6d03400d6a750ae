/** Events for the bus tests, built with the core's own book code, and a recorder for what a source emits. */
import { bookFromLevels } from '../../src/core/order-book.js'
import type { Book, ConnectionEvent, MarketEvent, Tick, Trade } from '../../src/core/types.js'
import type { BusGap } from '../../src/bus/messages.js'
import type { BusSource } from '../../src/bus/source.js'

export function tick(ticker: string, n: number): Tick {
  return { type: 'ticker', ticker, yesBid: 0.4 + n / 10_000, yesAsk: 0.45, yesPrice: 0.42, volume: 100 + n, lastUpdate: 1_757_000_000_000 + n, receivedAt: 1_757_000_000_005 + n }
}

export function trade(ticker: string, n: number): Trade {
  return { type: 'trade', ticker, tradeId: `t${n}`, side: n % 2 === 0 ? 'yes' : 'no', quantity: 3 + n, price: 0.56, noPrice: 0.44, ts: 1_757_000_000_000 + n, receivedAt: 1_757_000_000_001 + n }
}

/**
 * The n-th book of a market, a core Book view: yes and no bids whose prices and sizes move with n,
 * so that successive books differ by added, changed and removed levels.
 */
export function book(ticker: string, n: number): Book {
  const yes: number[] = []
  const no: number[] = []
  for (let i = 0; i < 4; i++) {
    if ((n + i) % 5 !== 0) yes.push(5000 - i * 100 - (n % 3) * 100, 1000 + n * 37 + i * 250)
    no.push(4500 - i * 100 + (n % 2) * 100, 2000 + n * 13 + i)
  }
  return bookFromLevels(ticker, yes, no, 1_757_000_000_000 + n)
}

/** JSON round trip: what a consumer can receive at best (undefined fields dropped). */
export function asJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value))
}

/** A book as the source emits it: the publisher's view with the bus seq. */
export function withSeq(b: Book, seq: number): Book {
  return asJson({ ...b, seq })
}

export interface Recorded {
  /** Every market event, in arrival order. */
  events: MarketEvent[]
  books: Book[]
  gaps: BusGap[]
  connections: ConnectionEvent[]
  errors: Error[]
}

export function record(source: BusSource): Recorded {
  const r: Recorded = { events: [], books: [], gaps: [], connections: [], errors: [] }
  source.on('tick', (e: Tick) => r.events.push(e))
  source.on('trade', (e: Trade) => r.events.push(e))
  source.on('lifecycle', (e) => r.events.push(e))
  source.on('fill', (e) => r.events.push(e))
  source.on('book', (b: Book) => {
    r.events.push(b)
    r.books.push(b)
  })
  source.on('gap', (g: BusGap) => r.gaps.push(g))
  source.on('connection', (c: ConnectionEvent) => r.connections.push(c))
  source.on('error', (e: Error) => r.errors.push(e))
  return r
}

/** Events grouped by market, in order. */
export function byMarket(events: readonly MarketEvent[]): Map<string, MarketEvent[]> {
  const m = new Map<string, MarketEvent[]>()
  for (const e of events) {
    const list = m.get(e.ticker) ?? []
    list.push(e)
    m.set(e.ticker, list)
  }
  return m
}
