import { expect } from 'chai'
import fc from 'fast-check'
import { OrderBook, OrderBooks, type Gap } from '../../src/core/order-book.js'
import type { BookDeltaMessage, BookSnapshotMessage } from '../../src/core/wire.js'

const snap = (sid: number, seq: number, ticker = 'A-B-C', yes = [5500, 10000, 5400, 5000], no = [4400, 8000, 4000, 1000]): BookSnapshotMessage => ({ kind: 'book_snapshot', sid, seq, ticker, yes, no, receivedAt: 1000 + seq })
const delta = (sid: number, seq: number, side: 'yes' | 'no', priceUnits: number, deltaUnits: number, ticker = 'A-B-C'): BookDeltaMessage => ({ kind: 'book_delta', sid, seq, ticker, side, priceUnits, deltaUnits, receivedAt: 1000 + seq })

function isGap(x: unknown): x is Gap {
  return typeof x === 'object' && x !== null && (x as Gap).type === 'gap'
}

describe('order book', () => {
  it('builds a book from a snapshot, best first, with asks from the other side', () => {
    const books = new OrderBooks()
    const r = books.applySnapshot(snap(1, 1))
    if (!(r instanceof OrderBook)) throw new Error('no book')
    expect(r.toBook()).to.deep.equal({
      type: 'book',
      ticker: 'A-B-C',
      yes: [[0.55, 100], [0.54, 50]],
      no: [[0.44, 80], [0.4, 10]],
      yesBid: 0.55,
      yesAsk: 0.56,
      noBid: 0.44,
      noAsk: 0.45,
      seq: 1,
      ts: 1001,
    })
  })

  it('applies deltas: adds a level in order, changes one, removes one that reaches zero', () => {
    const books = new OrderBooks()
    books.applySnapshot(snap(1, 1))
    books.applyDelta(delta(1, 2, 'yes', 5600, 2550))
    books.applyDelta(delta(1, 3, 'yes', 5400, -1250))
    const r = books.applyDelta(delta(1, 4, 'no', 4400, -8000))
    if (!(r instanceof OrderBook)) throw new Error('no book')
    const b = r.toBook()
    expect(b.yes).to.deep.equal([[0.56, 25.5], [0.55, 100], [0.54, 37.5]])
    expect(b.no).to.deep.equal([[0.4, 10]])
    expect(b.yesAsk).to.equal(0.6)
    expect(b.seq).to.equal(4)
  })

  it('keeps sub-cent prices exact', () => {
    const books = new OrderBooks()
    books.applySnapshot(snap(1, 1, 'A-B-C', [125, 100], [9874, 100]))
    const b = (books.get('A-B-C') as OrderBook).toBook()
    expect([b.yesBid, b.yesAsk, b.noBid, b.noAsk]).to.deep.equal([0.0125, 0.0126, 0.9874, 0.9875])
  })

  it('reports a skipped sequence number as a gap naming every book on that sid', () => {
    const books = new OrderBooks()
    books.applySnapshot(snap(1, 1, 'A-B-C'))
    books.applySnapshot(snap(1, 2, 'A-B-D'))
    books.applyDelta(delta(1, 3, 'yes', 5500, 100))
    const r = books.applyDelta(delta(1, 5, 'yes', 5500, 100))
    expect(r).to.deep.equal({ type: 'gap', sid: 1, reason: 'seq', expectedSeq: 4, receivedSeq: 5, tickers: ['A-B-C', 'A-B-D'], ts: 1005 })
    expect(books.get('A-B-C')?.valid).to.equal(false)
    expect(books.get('A-B-D')?.valid).to.equal(false)
  })

  it('never hands out a book after a gap until a snapshot on a new sid arrives', () => {
    const books = new OrderBooks()
    books.applySnapshot(snap(1, 1))
    expect(isGap(books.applyDelta(delta(1, 3, 'yes', 5500, 100)))).to.equal(true)
    expect(books.applyDelta(delta(1, 4, 'yes', 5500, 100))).to.equal(undefined)
    expect(books.applySnapshot(snap(1, 5))).to.equal(undefined)
    books.dropSid(1)
    const r = books.applySnapshot(snap(2, 1))
    if (!(r instanceof OrderBook)) throw new Error('no book')
    expect(r.valid).to.equal(true)
    expect(r.toBook().yes).to.deep.equal([[0.55, 100], [0.54, 50]])
  })

  it('counts an update_subscription ack in the sid sequence', () => {
    const books = new OrderBooks()
    books.applySnapshot(snap(1, 1))
    expect(books.noteSeq(1, 2, 0)).to.equal(undefined)
    expect(books.applyDelta(delta(1, 3, 'yes', 5500, 100))).to.be.instanceOf(OrderBook)
  })

  it('treats a delta that takes a level below zero as a gap', () => {
    const books = new OrderBooks()
    books.applySnapshot(snap(1, 1))
    const r = books.applyDelta(delta(1, 2, 'yes', 5300, -100))
    expect(r).to.deep.include({ type: 'gap', sid: 1, reason: 'negative_quantity', tickers: ['A-B-C'] })
    expect(books.get('A-B-C')?.valid).to.equal(false)
  })

  it('ignores deltas for a market that has no snapshot yet', () => {
    const books = new OrderBooks()
    expect(books.applyDelta(delta(1, 1, 'yes', 5300, 100))).to.equal(undefined)
  })

  it('invalidates every book on reset (a new connection)', () => {
    const books = new OrderBooks()
    books.applySnapshot(snap(1, 1))
    books.reset()
    expect(books.get('A-B-C')?.valid).to.equal(false)
    expect(books.applyDelta(delta(1, 2, 'yes', 5500, 1))).to.equal(undefined)
  })

  it('matches a map model for any sequence of deltas', () => {
    const op = fc.record({ side: fc.constantFrom<'yes' | 'no'>('yes', 'no'), price: fc.integer({ min: 1, max: 30 }), delta: fc.integer({ min: -500, max: 500 }) })
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const book = new OrderBook('A-B-C')
        book.load([], [], 0)
        const model = { yes: new Map<number, number>(), no: new Map<number, number>() }
        for (const o of ops) {
          const price = o.price * 100
          const cur = model[o.side].get(price) ?? 0
          // Only valid deltas: the exchange never takes a level below zero.
          const d = Math.max(o.delta, -cur)
          if (cur + d === 0) model[o.side].delete(price)
          else model[o.side].set(price, cur + d)
          expect(book.apply(o.side, price, d, 0)).to.equal(true)
        }
        const b = book.toBook()
        const expected = (m: Map<number, number>) => [...m].sort((x, y) => y[0] - x[0]).map(([p, q]) => [p / 10000, q / 100])
        expect(b.yes).to.deep.equal(expected(model.yes))
        expect(b.no).to.deep.equal(expected(model.no))
      }),
      { numRuns: 200 },
    )
  })
})
