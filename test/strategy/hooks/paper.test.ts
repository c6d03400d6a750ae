import { expect } from 'chai'
import { FeeSchedules } from '../../../src/core/fees.js'
import { MarketStore } from '../../../src/core/market-store.js'
import type { Lifecycle } from '../../../src/core/types.js'
import type { SignalEvent } from '../../../src/strategy/events.js'
import type { HookContext } from '../../../src/strategy/hooks/hook.js'
import { createPaperHook } from '../../../src/strategy/hooks/paper.js'
import { formatPortfolio } from '../../../src/strategy/hooks/portfolio.js'
import { book, harness, tick } from '../helpers.js'

function signal(action: 'BUY' | 'SELL', side: 'yes' | 'no', quantity: number, limitPrice?: number, ticker = 'X'): SignalEvent {
  return { type: 'signal', strategy: 's', action, ticker, side, quantity, ...(limitPrice !== undefined ? { limitPrice } : {}), confidence: 1, reason: 'test', ts: 0 }
}

/** Price logic is checked without fees (multiplier 0); the fee tests below use Kalshi's. */
function noFees(): FeeSchedules {
  const fees = new FeeSchedules()
  for (const series of ['X', 'Y']) fees.setSeries(series, { feeType: 'quadratic', multiplier: 0 })
  return fees
}

function setup(fees = noFees()) {
  const store = new MarketStore()
  const reported: unknown[] = []
  const ctx: HookContext = { store, now: () => 42, report: (e) => reported.push(e) }
  return { store, ctx, reported, paper: createPaperHook({ fees }) }
}

const lifecycle = (ticker: string, event: string, fields: Partial<Lifecycle> = {}): Lifecycle => ({ type: 'lifecycle', ticker, event, receivedAt: 0, ...fields })

describe('paper hook', () => {
  it('buys yes at the yes ask from the tick when no book is kept', async () => {
    const { store, ctx, paper } = setup()
    store.applyTick(tick('X', { yesBid: 0.4, yesAsk: 0.45 }))
    expect(await paper.handle(signal('BUY', 'yes', 3), ctx)).to.deep.equal({ status: 'filled', filledQuantity: 3, priceDollars: 0.45, feeDollars: 0 })
    expect(paper.summary(ctx).cashDollars).to.equal(-1.35)
  })

  it('buys no at the no ask, which is 1 − yes bid', async () => {
    const { store, ctx, paper } = setup()
    store.applyTick(tick('X', { yesBid: 0.4, yesAsk: 0.45 }))
    expect(await paper.handle(signal('BUY', 'no', 2), ctx)).to.deep.equal({ status: 'filled', filledQuantity: 2, priceDollars: 0.6, feeDollars: 0 })
  })

  it("without a book, fills no more than the size the tick quotes at its top of book, on each side", async () => {
    const { store, ctx, paper } = setup()
    store.applyTick(tick('X', { yesBid: 0.4, yesAsk: 0.45, yesBidSize: 7, yesAskSize: 5 }))
    // Found from outside: a buy of 1,000,000 filled at the ask of a book the tick said held a few contracts.
    expect(await paper.handle(signal('BUY', 'yes', 1_000_000), ctx)).to.deep.equal({ status: 'partial', filledQuantity: 5, priceDollars: 0.45, feeDollars: 0, message: '5 of 1000000 filled' })
    // A no buy lifts the yes bids; a yes sale hits them; a no sale hits the no bids at 1 − yes ask.
    expect(await paper.handle(signal('BUY', 'no', 9), ctx)).to.include({ status: 'partial', filledQuantity: 7, priceDollars: 0.6 })
    expect(await paper.handle(signal('SELL', 'yes', 9), ctx)).to.include({ status: 'partial', filledQuantity: 5, priceDollars: 0.4 })
    expect(await paper.handle(signal('SELL', 'no', 9), ctx)).to.include({ status: 'partial', filledQuantity: 5, priceDollars: 0.55 })
  })

  it('refuses a buy the cash cannot pay for, fees included, and leaves the cash as it was', async () => {
    const store = new MarketStore()
    const ctx: HookContext = { store, now: () => 42, report: () => {} }
    const paper = createPaperHook({ startingCashDollars: 10 })
    store.applyTick(tick('X', { yesBid: 0.4, yesAsk: 0.5 }))
    // 20 @ 0.50 = $10.00, plus Kalshi's taker fee (0.07 × 20 × 0.25 = $0.35): over the $10.
    expect(await paper.handle(signal('BUY', 'yes', 20), ctx)).to.deep.equal({ status: 'unfilled', message: 'not enough cash: 20 contracts cost $10.35 with fees, and cash is $10.00' })
    expect(paper.summary(ctx).cashDollars).to.equal(10)
    expect(await paper.handle(signal('BUY', 'yes', 19), ctx)).to.include({ status: 'filled', filledQuantity: 19 })
    expect(paper.summary(ctx).cashDollars).to.be.within(0, 1)
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
    expect(await paper.handle(signal('BUY', 'yes', 4, 0.46), ctx)).to.deep.equal({ status: 'filled', filledQuantity: 4, priceDollars: 0.455, feeDollars: 0 })
    expect(await paper.handle(signal('BUY', 'yes', 10, 0.46), ctx)).to.deep.equal({ status: 'partial', filledQuantity: 5, priceDollars: 0.456, feeDollars: 0, message: '5 of 10 filled' })
  })

  it('sells at the bid against the average cost, marks the rest at the bid, and keeps every figure exact', async () => {
    const { store, ctx, paper } = setup()
    store.applyBook(book('X', [[0.4, 5], [0.39, 10]], [[0.55, 2], [0.54, 3]]))
    await paper.handle(signal('BUY', 'yes', 4), ctx) // 2 @ 0.45 + 2 @ 0.46 = 1.82
    expect(await paper.handle(signal('SELL', 'yes', 3), ctx)).to.deep.equal({ status: 'filled', filledQuantity: 3, priceDollars: 0.4, feeDollars: 0 })
    expect(paper.summary(ctx)).to.deep.equal({
      ts: 42,
      cashDollars: -0.62,
      realizedPnlDollars: -0.165, // 1.20 − 3/4 × 1.82
      unrealizedPnlDollars: -0.055, // 1 × 0.40 − 0.455
      totalPnlDollars: -0.22,
      feesDollars: 0,
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
    expect(await paper.handle(signal('SELL', 'no', 5), ctx)).to.deep.equal({ status: 'partial', filledQuantity: 2, priceDollars: 0.55, feeDollars: 0, message: '2 of 5 filled' })
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
      'Portfolio (paper): cash -$0.90, realised $0.00, unrealised -$0.90, total -$0.90 after $0.00 fees, 1 fill',
      '  X YES 2 @ 0.4500, no bid, unrealised -$0.90, realised $0.00',
    ].join('\n'))
  })

  it('formats a portfolio for people, fees beside the P&L they are already in', async () => {
    const { store, ctx, paper } = setup(new FeeSchedules())
    store.applyTick(tick('X', { yesBid: 0.4, yesAsk: 0.45 }))
    store.applyTick(tick('Y', { yesBid: 0.7, yesAsk: 0.72 }))
    await paper.handle(signal('BUY', 'yes', 2), ctx)
    await paper.handle(signal('BUY', 'no', 1, undefined, 'Y'), ctx)
    expect(formatPortfolio(paper.summary(ctx))).to.equal([
      // Fees: 2 @ 0.45 → ceil(0.03465) = $0.04 (in X's cost); 1 @ 0.30 → ceil(0.0147) = $0.02.
      'Portfolio (paper): cash -$1.26, realised $0.00, unrealised -$0.18, total -$0.18 after $0.06 fees, 2 fills',
      '  X YES 2 @ 0.4700, bid 0.4000, unrealised -$0.14, realised $0.00',
      '  Y NO 1 @ 0.3200, bid 0.2800, unrealised -$0.04, realised $0.00',
    ].join('\n'))
  })

  it('reports each fill as an order event and the portfolio in the summary when run by the engine', async () => {
    const h = harness([{ name: 's', markets: ['*'], onTick: t => ({ action: 'BUY', ticker: t.ticker, side: 'yes', quantity: 2, confidence: 1, reason: 'r' }) }], { hooks: [createPaperHook()], clock: 'replay' })
    h.feed(tick('X', { yesBid: 0.4, yesAsk: 0.45 }, 7_000))
    await h.engine.settle()
    expect(h.of('order')).to.deep.equal([{ type: 'order', hook: 'paper', strategy: 's', action: 'BUY', ticker: 'X', side: 'yes', quantity: 2, status: 'filled', filledQuantity: 2, priceDollars: 0.45, feeDollars: 0.04, ts: 7_000 }])
    const summary = await h.engine.stop()
    expect(summary.pnl).to.include({ cashDollars: -0.94, totalPnlDollars: -0.14, feesDollars: 0.04, fills: 1, ts: 7_000 })
  })

  describe('fees (Kalshi taker fee per fill, src/core/fees.ts)', () => {
    it('pays $0.02 on 1 @ $0.50 and $1.75 on 100 @ $0.50, and P&L is net of every fee', async () => {
      const { store, ctx, paper } = setup(new FeeSchedules())
      store.applyTick(tick('X', { yesBid: 0.49, yesAsk: 0.5 }))
      expect(await paper.handle(signal('BUY', 'yes', 1), ctx)).to.include({ feeDollars: 0.02 })
      expect(await paper.handle(signal('BUY', 'yes', 100), ctx)).to.include({ feeDollars: 1.75 })
      store.applyTick(tick('X', { yesBid: 0.6, yesAsk: 0.61 }))
      // 101 @ 0.60: ceil(0.07 × 101 × 0.6 × 0.4 = 1.6968) = $1.70
      expect(await paper.handle(signal('SELL', 'yes', 101), ctx)).to.include({ feeDollars: 1.7 })
      // 60.60 − 50.50 − 0.02 − 1.75 − 1.70
      expect(paper.summary(ctx)).to.include({ realizedPnlDollars: 6.63, totalPnlDollars: 6.63, feesDollars: 3.47, cashDollars: 6.63 })
    })

    it('charges one order walking two levels with the per-order rounding rebate', async () => {
      const { store, ctx, paper } = setup(new FeeSchedules())
      store.applyBook(book('X', [[0.4, 5]], [[0.55, 2], [0.54, 2]]))
      // 2 @ 0.45: trade fee 0.0347, rounded to $0.04 (rounding 0.0053); 2 @ 0.46: 0.0348 + 0.0052 rounding,
      // the accumulated 0.0105 passes a cent: $0.01 back, so $0.03. Two separate orders would pay $0.08.
      expect(await paper.handle(signal('BUY', 'yes', 4), ctx)).to.include({ filledQuantity: 4, feeDollars: 0.07 })
    })

    it('charges the series multiplier the session loaded', async () => {
      const fees = new FeeSchedules()
      fees.setSeries('X', { feeType: 'quadratic', multiplier: 0.5 })
      const { store, ctx, paper } = setup(fees)
      store.applyTick(tick('X', { yesBid: 0.49, yesAsk: 0.5 }))
      expect(await paper.handle(signal('BUY', 'yes', 100), ctx)).to.include({ feeDollars: 0.88 })
    })
  })

  describe('settlement', () => {
    async function holding() {
      const s = setup(new FeeSchedules())
      s.store.applyTick(tick('X', { yesBid: 0.4, yesAsk: 0.45 }))
      await s.paper.handle(signal('BUY', 'yes', 2), s.ctx) // 0.90 + $0.04 fee
      await s.paper.handle(signal('BUY', 'no', 1), s.ctx) // 0.60 + $0.02 fee
      return s
    }

    it('pays $1 a winning contract and $0 a losing one when the market is determined, once, and prints a settlement each', async () => {
      const { ctx, paper, reported } = await holding()
      paper.onEvent(lifecycle('X', 'determined', { result: 'yes' }), ctx)
      paper.onEvent(lifecycle('X', 'settled', { result: 'yes' }), ctx)
      expect(reported).to.deep.equal([
        { type: 'settlement', hook: 'paper', ticker: 'X', result: 'yes', side: 'yes', quantity: 2, settlementValueDollars: 1, payoutDollars: 2, pnlDollars: 1.06, ts: 42 },
        { type: 'settlement', hook: 'paper', ticker: 'X', result: 'yes', side: 'no', quantity: 1, settlementValueDollars: 1, payoutDollars: 0, pnlDollars: -0.62, ts: 42 },
      ])
      const r = paper.summary(ctx)
      expect(r).to.include({ realizedPnlDollars: 0.44, unrealizedPnlDollars: 0, totalPnlDollars: 0.44, feesDollars: 0.06, cashDollars: 0.44 })
      expect(r.positions.every(p => p.quantity === 0)).to.equal(true)
      expect(paper.positions()).to.deep.equal([])
    })

    it('settles a tied NFL game at its settlement value: $0.50 for YES and for NO', async () => {
      const { ctx, paper, reported } = await holding()
      paper.onEvent(lifecycle('X', 'determined', { result: 'scalar', settlementValue: 0.5 }), ctx)
      expect(reported.map((e: any) => [e.side, e.payoutDollars])).to.deep.equal([['yes', 1], ['no', 0.5]])
      expect(paper.summary(ctx).totalPnlDollars).to.equal(-0.06)
    })

    it('takes no more fills in a market that closed, and keeps a position whose result says nothing it can pay', async () => {
      const { store, ctx, paper, reported } = await holding()
      paper.onEvent(lifecycle('X', 'deactivated'), ctx)
      expect(await paper.handle(signal('BUY', 'yes', 1), ctx)).to.deep.equal({ status: 'unfilled', message: 'X is no longer trading' })
      paper.onEvent(lifecycle('X', 'activated'), ctx)
      expect((await paper.handle(signal('BUY', 'yes', 1), ctx)).status).to.equal('filled')
      paper.onEvent(lifecycle('X', 'closed'), ctx)
      expect(await paper.handle(signal('BUY', 'yes', 1), ctx)).to.deep.equal({ status: 'unfilled', message: 'X is no longer trading' })
      paper.onEvent(lifecycle('X', 'determined', { result: 'void' }), ctx)
      expect(reported).to.have.length(1)
      expect(reported[0]).to.include({ type: 'log', level: 'warn' })
      expect(paper.positions().map(p => p.quantity)).to.deep.equal([3, 1])
      store.applyTick(tick('Y', { yesBid: 0.4, yesAsk: 0.45 }))
      expect((await paper.handle(signal('BUY', 'yes', 1, undefined, 'Y'), ctx)).status).to.equal('filled')
    })

    it('asks REST at close for the result of a market it still holds', async () => {
      const asked: string[] = []
      const store = new MarketStore()
      const reported: any[] = []
      const ctx: HookContext = { store, now: () => 42, report: (e) => reported.push(e) }
      const paper = createPaperHook({ outcomeOf: async (t) => { asked.push(t); return { result: 'no' } } })
      store.applyTick(tick('X', { yesBid: 0.4, yesAsk: 0.45 }))
      await paper.handle(signal('BUY', 'no', 1), ctx)
      await paper.close(ctx)
      expect(asked).to.deep.equal(['X'])
      expect(reported[0]).to.include({ type: 'settlement', side: 'no', payoutDollars: 1, pnlDollars: 0.38 })
    })
  })
})
