import { expect } from 'chai'
import { MarketStore } from '../../../src/core/market-store.js'
import type { SignalEvent } from '../../../src/strategy/events.js'
import type { HookContext } from '../../../src/strategy/hooks/hook.js'
import { createPaperHook } from '../../../src/strategy/hooks/paper.js'
import { formatPortfolio } from '../../../src/strategy/hooks/portfolio.js'
import { book, harness, tick } from '../helpers.js'

function signal(action: 'BUY' | 'SELL', side: 'yes' | 'no', quantity: number, limitPrice?: number, ticker = 'X'): SignalEvent {
  return { type: 'signal', strategy: 's', action, ticker, side, quantity, ...(limitPrice !== undefined ? { limitPrice } : {}), confidence: 1, reason: 'test', ts: 0 }
}

function setup() {
  const store = new MarketStore()
  const ctx: HookContext = { store, now: () => 42, report: () => {} }
  return { store, ctx, paper: createPaperHook() }
}

describe('paper hook', () => {
  it('buys yes at the yes ask from the tick when no book is kept', async () => {
    const { store, ctx, paper } = setup()
    store.applyTick(tick('X', { yesBid: 0.4, yesAsk: 0.45 }))
    expect(await paper.handle(signal('BUY', 'yes', 3), ctx)).to.deep.equal({ status: 'filled', filledQuantity: 3, priceDollars: 0.45 })
    expect(paper.summary(ctx).cashDollars).to.equal(-1.35)
  })

  it('buys no at the no ask, which is 1 − yes bid', async () => {
    const { store, ctx, paper } = setup()
    store.applyTick(tick('X', { yesBid: 0.4, yesAsk: 0.45 }))
    expect(await paper.handle(signal('BUY', 'no', 2), ctx)).to.deep.equal({ status: 'filled', filledQuantity: 2, priceDollars: 0.6 })
  })

  it('does not fill a buy whose limit is below the ask', async () => {
    const { store, ctx, paper } = setup()
    store.applyTick(tick('X', { yesBid: 0.4, yesAsk: 0.45 }))
    expect(await paper.handle(signal('BUY', 'yes', 1, 0.44), ctx)).to.deep.equal({ status: 'unfilled', message: 'yes ask 0.4500 is above the limit 0.4400' })
    expect(paper.summary(ctx).fills).to.equal(0)
  })

  it('walks the book up to the limit and no further, limited by depth', async () => {
    const { store, ctx, paper } = setup()
    // yes asks come from no bids: 0.45 × 2, 0.46 × 3, 0.50 × 100
    store.applyBook(book('X', [[0.4, 5], [0.39, 10]], [[0.55, 2], [0.54, 3], [0.5, 100]]))
    expect(await paper.handle(signal('BUY', 'yes', 4, 0.46), ctx)).to.deep.equal({ status: 'filled', filledQuantity: 4, priceDollars: 0.455 })
    expect(await paper.handle(signal('BUY', 'yes', 10, 0.46), ctx)).to.deep.equal({ status: 'partial', filledQuantity: 5, priceDollars: 0.456, message: '5 of 10 filled' })
  })

  it('sells at the bid against the average cost, marks the rest at the bid, and keeps every figure exact', async () => {
    const { store, ctx, paper } = setup()
    store.applyBook(book('X', [[0.4, 5], [0.39, 10]], [[0.55, 2], [0.54, 3]]))
    await paper.handle(signal('BUY', 'yes', 4), ctx) // 2 @ 0.45 + 2 @ 0.46 = 1.82
    expect(await paper.handle(signal('SELL', 'yes', 3), ctx)).to.deep.equal({ status: 'filled', filledQuantity: 3, priceDollars: 0.4 })
    expect(paper.summary(ctx)).to.deep.equal({
      ts: 42,
      cashDollars: -0.62,
      realizedPnlDollars: -0.165, // 1.20 − 3/4 × 1.82
      unrealizedPnlDollars: -0.055, // 1 × 0.40 − 0.455
      totalPnlDollars: -0.22,
      fills: 2,
      positions: [{ ticker: 'X', side: 'yes', quantity: 1, avgPriceDollars: 0.455, costDollars: 0.455, markPriceDollars: 0.4, valueDollars: 0.4, unrealizedPnlDollars: -0.055, realizedPnlDollars: -0.165 }],
    })
  })

  it('adds up many small fills exactly, where floating point would not', async () => {
    const { store, ctx, paper } = setup()
    store.applyTick(tick('X', { yesBid: 0.05, yesAsk: 0.1 }))
    for (let i = 0; i < 10; i++) await paper.handle(signal('BUY', 'yes', 1), ctx)
    store.applyTick(tick('X', { yesBid: 0.3, yesAsk: 0.31 }))
    await paper.handle(signal('SELL', 'yes', 10), ctx)
    const r = paper.summary(ctx)
    expect([r.cashDollars, r.realizedPnlDollars, r.unrealizedPnlDollars, r.totalPnlDollars]).to.deep.equal([2, 2, 0, 2])
  })

  it('sells only what it holds', async () => {
    const { store, ctx, paper } = setup()
    store.applyTick(tick('X', { yesBid: 0.4, yesAsk: 0.45 }))
    expect(await paper.handle(signal('SELL', 'no', 1), ctx)).to.deep.equal({ status: 'unfilled', message: 'no no position in X to sell' })
    await paper.handle(signal('BUY', 'no', 2), ctx)
    expect(await paper.handle(signal('SELL', 'no', 5), ctx)).to.deep.equal({ status: 'partial', filledQuantity: 2, priceDollars: 0.55, message: '2 of 5 filled' })
  })

  it('does not fill a sell whose limit is above the bid', async () => {
    const { store, ctx, paper } = setup()
    store.applyTick(tick('X', { yesBid: 0.4, yesAsk: 0.45 }))
    await paper.handle(signal('BUY', 'yes', 1), ctx)
    expect(await paper.handle(signal('SELL', 'yes', 1, 0.41), ctx)).to.deep.equal({ status: 'unfilled', message: 'yes bid 0.4000 is below the limit 0.4100' })
  })

  it('does not fill without market data or without a quote', async () => {
    const { store, ctx, paper } = setup()
    expect(await paper.handle(signal('BUY', 'yes', 1), ctx)).to.deep.equal({ status: 'unfilled', message: 'no market data for X' })
    store.applyTick(tick('X', { yesBid: 0.4 }))
    expect(await paper.handle(signal('BUY', 'yes', 1), ctx)).to.deep.equal({ status: 'unfilled', message: 'no yes ask' })
  })

  it('values a position with no bid at zero and says so', async () => {
    const { store, ctx, paper } = setup()
    store.applyTick(tick('X', { yesBid: 0.4, yesAsk: 0.45 }))
    await paper.handle(signal('BUY', 'yes', 2), ctx)
    store.applyTick(tick('X', { yesAsk: 0.45 }))
    const r = paper.summary(ctx)
    expect(r.positions[0]).to.not.have.property('markPriceDollars')
    expect(r.unrealizedPnlDollars).to.equal(-0.9)
    expect(formatPortfolio(r)).to.equal([
      'Portfolio (paper): cash -$0.90, realised $0.00, unrealised -$0.90, total -$0.90, 1 fill',
      '  X YES 2 @ 0.4500, no bid, unrealised -$0.90, realised $0.00',
    ].join('\n'))
  })

  it('formats a portfolio for people', async () => {
    const { store, ctx, paper } = setup()
    store.applyTick(tick('X', { yesBid: 0.4, yesAsk: 0.45 }))
    store.applyTick(tick('Y', { yesBid: 0.7, yesAsk: 0.72 }))
    await paper.handle(signal('BUY', 'yes', 2), ctx)
    await paper.handle(signal('BUY', 'no', 1, undefined, 'Y'), ctx)
    expect(formatPortfolio(paper.summary(ctx))).to.equal([
      'Portfolio (paper): cash -$1.20, realised $0.00, unrealised -$0.12, total -$0.12, 2 fills',
      '  X YES 2 @ 0.4500, bid 0.4000, unrealised -$0.10, realised $0.00',
      '  Y NO 1 @ 0.3000, bid 0.2800, unrealised -$0.02, realised $0.00',
    ].join('\n'))
  })

  it('reports each fill as an order event and the portfolio in the summary when run by the engine', async () => {
    const h = harness([{ name: 's', markets: ['*'], onTick: t => ({ action: 'BUY', ticker: t.ticker, side: 'yes', quantity: 2, confidence: 1, reason: 'r' }) }], { hooks: [createPaperHook()], clock: 'replay' })
    h.feed(tick('X', { yesBid: 0.4, yesAsk: 0.45 }, 7_000))
    await h.engine.settle()
    expect(h.of('order')).to.deep.equal([{ type: 'order', hook: 'paper', strategy: 's', action: 'BUY', ticker: 'X', side: 'yes', quantity: 2, status: 'filled', filledQuantity: 2, priceDollars: 0.45, ts: 7_000 }])
    const summary = await h.engine.stop()
    expect(summary.pnl).to.include({ cashDollars: -0.9, totalPnlDollars: -0.1, fills: 1, ts: 7_000 })
  })
})
