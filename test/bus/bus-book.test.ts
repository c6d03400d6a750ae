import { expect } from 'chai'
import fc from 'fast-check'
import { bookFromLevels } from '../../src/core/order-book.js'
import { BusBook } from '../../src/bus/bus-book.js'

/** Flat [priceUnits, countUnits, ...] with distinct prices, as the core's order book loads them. */
const side = fc.uniqueArray(fc.record({ price: fc.integer({ min: 1, max: 9999 }), qty: fc.integer({ min: 1, max: 10_000_00 }) }), { selector: (l) => l.price, maxLength: 30 }).map((ls) => ls.flatMap((l) => [l.price, l.qty]))

describe('bus book', () => {
  it('diffs two books into absolute-quantity changes, 0 removing a level', () => {
    const a = BusBook.fromLevels([[0.56, 100], [0.55, 20]], [[0.43, 5]])
    const b = BusBook.fromLevels([[0.56, 80], [0.54, 1.5]], [[0.43, 5]])
    expect(a.diff(b)).to.deep.equal([
      { side: 'yes', price: 0.56, quantity: 80 },
      { side: 'yes', price: 0.54, quantity: 1.5 },
      { side: 'yes', price: 0.55, quantity: 0 },
    ])
  })

  it('rebuilds exactly the core book view from any snapshot and the diffs to any later book', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(side, side), { minLength: 1, maxLength: 6 }), (books) => {
        const views = books.map(([yes, no], i) => bookFromLevels('A-B-C', yes, no, 1000 + i))
        const published = views.map((v) => BusBook.fromLevels(v.yes, v.no))
        const rebuilt = BusBook.fromLevels(views[0].yes, views[0].no)
        for (let i = 1; i < views.length; i++) {
          rebuilt.apply(published[i - 1].diff(published[i]))
          expect(rebuilt.toBook('A-B-C', 7, views[i].ts)).to.deep.equal({ ...views[i], seq: 7 })
        }
        expect(BusBook.fromLevels(views[0].yes, views[0].no).toBook('A-B-C', 7, views[0].ts)).to.deep.equal({ ...views[0], seq: 7 })
      }),
    )
  })
})
