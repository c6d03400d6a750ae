import { expect } from 'chai'
import { MarketStream } from '../../src/core/stream.js'
import type { Book } from '../../src/core/types.js'

const T = 'KXNFLGAME-25SEP04DALPHI-PHI'
const snapshot = { type: 'orderbook_snapshot', sid: 3, seq: 1, msg: { market_ticker: T, yes_dollars_fp: [['0.5500', '10.00'], ['0.5400', '5.00']], no_dollars_fp: [['0.4300', '12.00']] } }
const delta = (seq: number, price: string, change: string) => ({ type: 'orderbook_delta', sid: 3, seq, msg: { market_ticker: T, side: 'yes', price_dollars: price, delta_fp: change } })

function feed(stream: MarketStream, ...frames: unknown[]): void {
  for (const f of frames) stream.ingest(JSON.stringify(f), 1_000)
}

describe('order books in the store when nobody listens for books', () => {
  it('keeps best prices current and builds the same book on read as a listener would get', () => {
    const lazy = new MarketStream({ wsUrl: 'ws://test.invalid' })
    const eager = new MarketStream({ wsUrl: 'ws://test.invalid' })
    const seen: Book[] = []
    eager.on('book', (b: Book) => seen.push(b))
    for (const s of [lazy, eager]) feed(s, snapshot, delta(2, '0.5600', '3.00'))
    const state = lazy.store.get(T)!
    expect([state.yesBid, state.yesAsk]).to.deep.equal([0.56, 0.57])
    expect(state.book).to.deep.equal(seen.at(-1))
    expect(state.book!.yes).to.deep.equal([[0.56, 3], [0.55, 10], [0.54, 5]])
  })

  it('shows no book after a gap until the next snapshot', () => {
    for (const listening of [false, true]) {
      const stream = new MarketStream({ wsUrl: 'ws://test.invalid' })
      if (listening) stream.on('book', () => undefined)
      stream.on('error', () => undefined)
      feed(stream, snapshot, delta(3, '0.5600', '3.00'))
      expect(stream.store.get(T)!.book, listening ? 'with a listener' : 'without').to.equal(undefined)
      // The re-subscription the gap triggers comes back under a new sid, starting with a snapshot.
      feed(stream, { ...snapshot, sid: 4, seq: 1 })
      expect(stream.store.get(T)!.book?.yes[0]).to.deep.equal([0.55, 10])
    }
  })
})
