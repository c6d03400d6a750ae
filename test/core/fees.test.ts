import { expect } from 'chai'
import { FeeSchedules, OrderFees, feeDollars, feeRate, takerFeeDollars, tradeFeeMicros } from '../../src/core/fees.js'

describe('fees (Kalshi fee schedule and fee rounding)', () => {
  it('charges the published examples: 1 @ $0.50 taker $0.02, 100 @ $0.50 taker $1.75, maker 100 @ $0.50 $0.44', () => {
    expect(takerFeeDollars(1, 0.5)).to.equal(0.02)
    expect(takerFeeDollars(100, 0.5)).to.equal(1.75)
    expect(feeDollars(100, 0.5, 'maker', { feeType: 'quadratic_with_maker_fees', multiplier: 1 })).to.equal(0.44)
  })

  it('rounds the fee up to the cent for whole contracts at cent prices, and is lowest at the extremes', () => {
    // 0.07 × 10 × 0.37 × 0.63 = 0.16317 → $0.17
    expect(takerFeeDollars(10, 0.37)).to.equal(0.17)
    // 0.07 × 1 × 0.01 × 0.99 = 0.000693 → $0.01 (never free when something is owed)
    expect(takerFeeDollars(1, 0.01)).to.equal(0.01)
    expect(takerFeeDollars(1, 0.99)).to.equal(0.01)
    // 0.07 × 100 × 0.25 × 0.75 = 1.3125 → $1.32
    expect(takerFeeDollars(100, 0.25)).to.equal(1.32)
    expect(takerFeeDollars(100, 0.75)).to.equal(1.32)
  })

  it('rounds the trade fee itself up to the centicent', () => {
    // 0.07 × 0.055 × 0.945 = 0.00363825 → 0.0037 = 3700 micro-dollars
    expect(tradeFeeMicros(0.07, 100, 550)).to.equal(3700)
    // exactly representable: 0.0175 → 1750 micros, no rounding up
    expect(tradeFeeMicros(0.07, 100, 5000)).to.equal(17_500)
    expect(tradeFeeMicros(0, 100, 5000)).to.equal(0)
  })

  it('follows the fee-rounding page: rounding fee, accumulator and a whole-cent rebate (buy 3 @ $0.055 as three 1-lots)', () => {
    const order = new OrderFees()
    // The page's worked example gives the trade fee as $0.0085 per fill; the rounding is what is pinned here.
    const fills = [1, 2, 3].map(() => order.apply(-55_000, 8_500))
    expect(fills.map(f => f.roundingFeeMicros)).to.deep.equal([6_500, 6_500, 6_500])
    expect(fills.map(f => f.rebateMicros)).to.deep.equal([0, 10_000, 0])
    expect(fills.map(f => f.netFeeMicros)).to.deep.equal([15_000, 5_000, 15_000])
    expect(fills[0]!.balanceChangeMicros).to.equal(-70_000)
    expect(order.totalMicros).to.equal(35_000)
  })

  it('follows the fee-rounding page for fractional contracts (0.90 @ $0.50 as three 0.30-lots)', () => {
    const order = new OrderFees()
    const fills = [1, 2, 3].map(() => order.apply(-150_000, 4_100))
    expect(fills.map(f => f.netFeeMicros)).to.deep.equal([10_000, 0, 10_000])
  })

  it('keeps centicent balances for direct members', () => {
    const order = new OrderFees(100)
    const f = order.fill('buy', 100, 5000, 0.07)
    expect(f.netFeeMicros).to.equal(17_500)
    expect(f.roundingFeeMicros).to.equal(0)
  })

  it('charges a sale the same fee as a buy at the same price', () => {
    const order = new OrderFees()
    expect(order.fill('sell', 100, 5000, 0.07).netFeeMicros).to.equal(20_000)
  })

  it('charges makers only on series with maker fees, and scales by the multiplier', () => {
    expect(feeRate({ feeType: 'quadratic', multiplier: 1 }, 'maker')).to.equal(0)
    expect(feeRate({ feeType: 'quadratic_with_maker_fees', multiplier: 1 }, 'maker')).to.equal(0.0175)
    expect(feeRate({ feeType: 'quadratic', multiplier: 0.5 }, 'taker')).to.equal(0.035)
    // 0.035 × 100 × 0.25 = 0.875 → $0.88
    expect(takerFeeDollars(100, 0.5, { feeType: 'quadratic', multiplier: 0.5 })).to.equal(0.88)
  })

  it('applies series settings and event overrides from event_fee_update, and clears them', () => {
    const s = new FeeSchedules()
    const t = 'KXNFLGAME-25SEP04DALPHI-PHI'
    expect(s.forMarket(t)).to.deep.equal({ feeType: 'quadratic', multiplier: 1 })
    s.setSeries('KXNFLGAME', { feeType: 'quadratic_with_maker_fees', multiplier: 1 })
    expect(s.forMarket(t).feeType).to.equal('quadratic_with_maker_fees')
    s.applyUpdate({ eventTicker: 'KXNFLGAME-25SEP04DALPHI', feeType: null, feeMultiplier: 0.5 })
    expect(s.forMarket(t)).to.deep.equal({ feeType: 'quadratic_with_maker_fees', multiplier: 0.5 })
    expect(s.forMarket('KXNFLGAME-25SEP07KCLAC-KC').multiplier).to.equal(1)
    s.applyUpdate({ eventTicker: 'KXNFLGAME-25SEP04DALPHI', feeType: null, feeMultiplier: null })
    expect(s.forMarket(t).multiplier).to.equal(1)
  })
})
