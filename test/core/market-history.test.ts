import { expect } from 'chai'
import { MarketHistory } from '../../src/core/market-history.js'
import { MarketStore } from '../../src/core/market-store.js'

describe('market history', () => {
  it('returns points oldest first with exact prices and absent values kept absent', () => {
    const h = new MarketHistory(8)
    h.push(1, 0.55, 0.57, undefined, 12.5)
    h.push(2, undefined, 0.6, 0.58, undefined)
    expect(h.points()).to.deep.equal([
      { ts: 1, yesBid: 0.55, yesAsk: 0.57, yesPrice: undefined, volume: 12.5 },
      { ts: 2, yesBid: undefined, yesAsk: 0.6, yesPrice: 0.58, volume: undefined },
    ])
  })

  it('grows past its first allocation and keeps only the newest points once full', () => {
    const h = new MarketHistory(40)
    for (let t = 0; t < 100; t++) h.push(t, (t % 100) / 100, undefined, undefined, t)
    const points = h.points()
    expect(points).to.have.length(40)
    expect(points.map((p) => p.ts)).to.deep.equal(Array.from({ length: 40 }, (_, i) => 60 + i))
    expect(points[0]).to.deep.include({ yesBid: 0.6, volume: 60 })
  })

  it('is what the store hands out, bounded by the store history length', () => {
    const store = new MarketStore(3)
    for (let i = 1; i <= 5; i++) store.applyTick({ type: 'ticker', ticker: 'A-B-C', yesBid: i / 100, yesAsk: (i + 2) / 100, lastUpdate: i, receivedAt: i })
    expect(store.history('A-B-C').map((p) => [p.ts, p.yesBid, p.yesAsk])).to.deep.equal([[3, 0.03, 0.05], [4, 0.04, 0.06], [5, 0.05, 0.07]])
    expect(store.history('X-Y-Z')).to.deep.equal([])
  })
})
