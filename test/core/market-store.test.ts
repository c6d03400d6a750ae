import { expect } from 'chai'
import { MarketStore } from '../../src/core/market-store.js'
import type { Tick, Trade } from '../../src/core/types.js'

describe('market store', () => {
  it('gives back the latest tick and trade with every field as it arrived', () => {
    const store = new MarketStore()
    const tick: Tick = { type: 'ticker', ticker: 'A-B-C', yesBid: 0.55, yesAsk: 0.57, yesPrice: 0.56, noPrice: 0.44, volume: 12.5, openInterest: 3, lastUpdate: 1_000, receivedAt: 1_005 }
    const trade: Trade = { type: 'trade', ticker: 'A-B-C', tradeId: 't1', side: 'no', quantity: 2, price: 0.56, noPrice: 0.44, ts: 1_010, receivedAt: 1_012 }
    store.applyTick({ ...tick, yesBid: 0.1 })
    store.applyTick(tick)
    store.applyTrade(trade)
    const s = store.get('A-B-C')!
    expect(s.tick).to.deep.equal(tick)
    expect(s.lastTrade).to.deep.equal(trade)
    expect([s.yesBid, s.yesAsk, s.yesPrice, s.volume, s.lastUpdate]).to.deep.equal([0.55, 0.57, 0.56, 12.5, 1_010])
  })

  it('gives back the latest trade id whatever its form, and none when the trade had none', () => {
    const store = new MarketStore()
    const trade: Trade = { type: 'trade', ticker: 'A-B-C', tradeId: '3683cb3e-5e1a-4000-8000-000000000001', side: 'yes', quantity: 1, price: 0.5, noPrice: 0.5, ts: 1, receivedAt: 2 }
    const ids: (string | undefined)[] = []
    for (const tradeId of ['3683cb3e-5e1a-4000-8000-000000000001', 'T-42', undefined, 'ABCDEF01-5E1A-4000-8000-000000000001', 'ffffffff-0000-4000-8000-00000000000a']) {
      store.applyTrade({ ...trade, tradeId })
      ids.push(store.get('A-B-C')!.lastTrade!.tradeId)
    }
    expect(ids).to.deep.equal(['3683cb3e-5e1a-4000-8000-000000000001', 'T-42', undefined, 'ABCDEF01-5E1A-4000-8000-000000000001', 'ffffffff-0000-4000-8000-00000000000a'])
  })

  it('serialises to its fields as plain data, absent prices left out', () => {
    const store = new MarketStore()
    store.applyTrade({ type: 'trade', ticker: 'A-B-C', tradeId: 't1', side: 'yes', quantity: 2, price: 0.56, noPrice: 0.44, ts: 1_010, receivedAt: 1_012 })
    expect(JSON.parse(JSON.stringify(store.get('A-B-C')))).to.deep.equal({
      ticker: 'A-B-C', lastTrade: { type: 'trade', ticker: 'A-B-C', tradeId: 't1', side: 'yes', quantity: 2, price: 0.56, noPrice: 0.44, ts: 1_010, receivedAt: 1_012 }, yesPrice: 0.56, lastUpdate: 1_010,
    })
  })

  it('has no tick or trade for a market that only had a lifecycle event', () => {
    const store = new MarketStore()
    store.applyLifecycle({ type: 'lifecycle', ticker: 'A-B-C', event: 'activated', receivedAt: 5 })
    expect([store.get('A-B-C')!.tick, store.get('A-B-C')!.lastTrade]).to.deep.equal([undefined, undefined])
  })
})
