import { expect } from 'chai'
import fc from 'fast-check'
import { parseFrame, wsErrorName, type WireMessage } from '../../src/core/wire.js'

const AT = 1_757_000_123_456

function parse(o: unknown): WireMessage {
  return parseFrame(typeof o === 'string' ? o : JSON.stringify(o), AT)
}

describe('wire: parseFrame', () => {
  describe('ticker', () => {
    it('reads the current dollar and fp fields, with no price = 1 − yes price exactly', () => {
      const m = parse({
        type: 'ticker',
        sid: 3,
        msg: { market_ticker: 'KXNFLGAME-25SEP04DALPHI-PHI', market_id: 'x', price_dollars: '0.5600', yes_bid_dollars: '0.5500', yes_ask_dollars: '0.5700', volume_fp: '1250.50', open_interest_fp: '300.00', dollar_volume: 700, ts: 1757000000 },
      })
      expect(m).to.deep.equal({
        kind: 'tick',
        sid: 3,
        tick: { type: 'ticker', ticker: 'KXNFLGAME-25SEP04DALPHI-PHI', yesBid: 0.55, yesAsk: 0.57, yesPrice: 0.56, noPrice: 0.44, volume: 1250.5, openInterest: 300, lastUpdate: 1757000000000, receivedAt: AT },
      })
      if (m.kind !== 'tick') throw new Error('not a tick')
      expect(m.tick.yesPrice).to.equal(0.56)
      expect(m.tick.noPrice).to.equal(0.44)
    })

    it('reads a last price of 0 (a market that has not traded) as no last price', () => {
      const m = parse({ type: 'ticker', sid: 1, msg: { market_ticker: 'A-B-C', price_dollars: '0.0000', yes_bid_dollars: '0.4000', yes_ask_dollars: '0.4200', ts: 1757000000 } })
      if (m.kind !== 'tick') throw new Error('not a tick')
      expect([m.tick.yesPrice, m.tick.noPrice, m.tick.yesBid]).to.deep.equal([undefined, undefined, 0.4])
    })

    it('falls back to the legacy cents and integer fields when only they are present', () => {
      const m = parse({ type: 'ticker', sid: 1, msg: { market_ticker: 'A-B-C', price: 56, yes_bid: 55, yes_ask: 57, volume: 1250, open_interest: 300, ts: 1757000000 } })
      if (m.kind !== 'tick') throw new Error(m.kind)
      expect(m.tick).to.include({ yesPrice: 0.56, noPrice: 0.44, yesBid: 0.55, yesAsk: 0.57, volume: 1250, openInterest: 300 })
    })

    it('prefers the dollar fields over legacy fields sent beside them', () => {
      const m = parse({ type: 'ticker', msg: { market_ticker: 'A-B-C', price_dollars: '0.0125', price: 1, yes_bid_dollars: '0.0100', yes_bid: 99, volume_fp: '10.00', volume: 99, ts: 1 } })
      if (m.kind !== 'tick') throw new Error(m.kind)
      expect(m.tick.yesPrice).to.equal(0.0125)
      expect(m.tick.noPrice).to.equal(0.9875)
      expect(m.tick.yesBid).to.equal(0.01)
      expect(m.tick.volume).to.equal(10)
    })

    it('leaves absent prices undefined and uses the receive time when ts is missing', () => {
      const m = parse({ type: 'ticker', msg: { market_ticker: 'A-B-C' } })
      if (m.kind !== 'tick') throw new Error(m.kind)
      expect(m.tick.yesPrice).to.equal(undefined)
      expect(m.tick.noPrice).to.equal(undefined)
      expect(m.tick.lastUpdate).to.equal(AT)
    })
  })

  describe('trade', () => {
    it('reads a current trade', () => {
      const m = parse({ type: 'trade', sid: 2, msg: { trade_id: 't1', market_ticker: 'A-B-C', yes_price_dollars: '0.3600', no_price_dollars: '0.6400', count_fp: '250.00', taker_side: 'no', ts: 1757000001 } })
      expect(m).to.deep.equal({ kind: 'trade', sid: 2, trade: { type: 'trade', ticker: 'A-B-C', tradeId: 't1', side: 'no', quantity: 250, price: 0.36, noPrice: 0.64, ts: 1757000001000, receivedAt: AT } })
    })

    it('reads a legacy-only trade and derives the no price', () => {
      const m = parse({ type: 'trade', msg: { market_ticker: 'A-B-C', yes_price: 36, count: 3, taker_side: 'yes', ts: 5 } })
      if (m.kind !== 'trade') throw new Error(m.kind)
      expect(m.trade).to.include({ price: 0.36, noPrice: 0.64, quantity: 3, side: 'yes', ts: 5000 })
    })

    it('rejects a trade with an unknown taker side as malformed', () => {
      expect(parse({ type: 'trade', msg: { market_ticker: 'A-B-C', yes_price_dollars: '0.5', count_fp: '1.00', taker_side: 'up' } }).kind).to.equal('malformed')
    })
  })

  describe('order book', () => {
    it('reads a snapshot from yes_dollars_fp / no_dollars_fp into integer units', () => {
      const m = parse({ type: 'orderbook_snapshot', sid: 4, seq: 1, msg: { market_ticker: 'A-B-C', market_id: 'x', yes_dollars_fp: [['0.0800', '300.00'], ['0.0125', '1.50']], no_dollars_fp: [['0.9000', '20.00']] } })
      expect(m).to.deep.equal({ kind: 'book_snapshot', sid: 4, seq: 1, ticker: 'A-B-C', yes: [800, 30000, 125, 150], no: [9000, 2000], receivedAt: AT })
    })

    it('reads a legacy cents snapshot (yes: [[8, 300]])', () => {
      const m = parse({ type: 'orderbook_snapshot', sid: 4, seq: 1, msg: { market_ticker: 'A-B-C', yes: [[8, 300]], no: [[90, 20]] } })
      if (m.kind !== 'book_snapshot') throw new Error(m.kind)
      expect(m.yes).to.deep.equal([800, 30000])
      expect(m.no).to.deep.equal([9000, 2000])
    })

    it('reads a legacy yes_dollars snapshot with integer counts', () => {
      const m = parse({ type: 'orderbook_snapshot', sid: 4, seq: 1, msg: { market_ticker: 'A-B-C', yes_dollars: [['0.0800', 300]] } })
      if (m.kind !== 'book_snapshot') throw new Error(m.kind)
      expect(m.yes).to.deep.equal([800, 30000])
      expect(m.no).to.deep.equal([])
    })

    it('reads a delta with a negative fixed-point change', () => {
      const m = parse({ type: 'orderbook_delta', sid: 4, seq: 2, msg: { market_ticker: 'A-B-C', market_id: 'x', side: 'yes', price_dollars: '0.0800', delta_fp: '-12.50', ts: 1 } })
      // A numeric ts is read as seconds (the exchange time of the change).
      expect(m).to.deep.equal({ kind: 'book_delta', sid: 4, seq: 2, ticker: 'A-B-C', side: 'yes', priceUnits: 800, deltaUnits: -1250, receivedAt: AT, exchangeTs: 1000 })
    })

    it('reads a legacy-only delta (price in cents, integer delta)', () => {
      const m = parse({ type: 'orderbook_delta', sid: 4, seq: 2, msg: { market_ticker: 'A-B-C', side: 'no', price: 44, delta: -5 } })
      if (m.kind !== 'book_delta') throw new Error(m.kind)
      expect([m.side, m.priceUnits, m.deltaUnits]).to.deep.equal(['no', 4400, -500])
    })

    it('rejects a snapshot level that is not [price, quantity]', () => {
      const m = parse({ type: 'orderbook_snapshot', sid: 4, seq: 1, msg: { market_ticker: 'A-B-C', yes_dollars_fp: [['0.08']] } })
      expect(m.kind).to.equal('malformed')
    })

    it('rejects a price above one dollar', () => {
      expect(parse({ type: 'orderbook_delta', sid: 1, seq: 1, msg: { market_ticker: 'A-B-C', side: 'yes', price_dollars: '1.5000', delta_fp: '1.00' } }).kind).to.equal('malformed')
    })
  })

  it('reads a lifecycle event with its times in milliseconds', () => {
    const m = parse({ type: 'market_lifecycle_v2', sid: 9, msg: { market_ticker: 'A-B-C', event_type: 'determined', determination_ts: 1757000100, result: 'yes' } })
    expect(m).to.deep.equal({
      kind: 'lifecycle',
      sid: 9,
      lifecycle: { type: 'lifecycle', ticker: 'A-B-C', event: 'determined', openTs: undefined, closeTs: undefined, determinationTs: 1757000100000, settledTs: undefined, result: 'yes', receivedAt: AT },
    })
  })

  it('reads a fill', () => {
    const m = parse({ type: 'fill', sid: 11, msg: { trade_id: 't', order_id: 'o', market_ticker: 'A-B-C', is_taker: true, side: 'yes', action: 'buy', yes_price_dollars: '0.4200', count_fp: '3.00', ts: 10 } })
    expect(m).to.deep.equal({ kind: 'fill', sid: 11, fill: { type: 'fill', ticker: 'A-B-C', tradeId: 't', orderId: 'o', side: 'yes', action: 'buy', isTaker: true, price: 0.42, quantity: 3, ts: 10000, receivedAt: AT } })
  })

  it('reads a fill\'s fee_cost (a dollar string, six decimals when contracts are fractional)', () => {
    const m = parse({ type: 'fill', sid: 11, msg: { trade_id: 't', order_id: 'o', market_ticker: 'A-B-C', is_taker: true, side: 'yes', action: 'buy', yes_price_dollars: '0.5000', count_fp: '100.00', fee_cost: '1.750000', ts: 10 } })
    expect(m.kind === 'fill' && m.fill.feeDollars).to.equal(1.75)
  })

  it('reads a determined lifecycle\'s settlement value (an NFL tie pays 0.50 a contract)', () => {
    const m = parse({ type: 'market_lifecycle_v2', sid: 3, msg: { market_ticker: 'A-B-C', event_type: 'determined', result: 'scalar', settlement_value: '0.5000', determination_ts: 5 } })
    expect(m.kind === 'lifecycle' && m.lifecycle.settlementValue).to.equal(0.5)
    const legacy = parse({ type: 'market_lifecycle_v2', sid: 3, msg: { market_ticker: 'A-B-C', event_type: 'determined', result: 'yes', settlement_value: 100 } })
    expect(legacy.kind === 'lifecycle' && legacy.lifecycle.settlementValue).to.equal(1)
  })

  it('reads event_fee_update (an event\'s fee override; null clears it; a string multiplier too) and refuses a bad one', () => {
    expect(parse({ type: 'event_fee_update', sid: 3, msg: { event_ticker: 'KXNFLGAME-25SEP04DALPHI', fee_type_override: 'quadratic', fee_multiplier_override: 0.5 } })).to.deep.equal({
      kind: 'event_fee_update', sid: 3, fee: { type: 'event_fee_update', eventTicker: 'KXNFLGAME-25SEP04DALPHI', feeType: 'quadratic', feeMultiplier: 0.5, receivedAt: AT },
    })
    const cleared = parse({ type: 'event_fee_update', sid: 3, msg: { event_ticker: 'E-1', fee_type_override: null, fee_multiplier_override: null } })
    expect(cleared.kind === 'event_fee_update' && cleared.fee).to.include({ feeType: null, feeMultiplier: null })
    const text = parse({ type: 'event_fee_update', sid: 3, msg: { event_ticker: 'E-1', fee_type_override: null, fee_multiplier_override: '0.25' } })
    expect(text.kind === 'event_fee_update' && text.fee.feeMultiplier).to.equal(0.25)
    expect(parse({ type: 'event_fee_update', sid: 3, msg: { fee_multiplier_override: 1 } }).kind).to.equal('malformed')
    expect(parse({ type: 'event_fee_update', sid: 3, msg: { event_ticker: 'E-1', fee_multiplier_override: -1 } }).kind).to.equal('malformed')
    expect(parse({ type: 'event_fee_update', sid: 3, msg: { event_ticker: 'E-1', fee_multiplier_override: 'x' } }).kind).to.equal('malformed')
  })

  describe('control replies', () => {
    it('reads subscribed', () => {
      expect(parse({ id: 1, type: 'subscribed', msg: { channel: 'ticker', sid: 7 } })).to.deep.equal({ kind: 'subscribed', id: 1, channel: 'ticker', sid: 7 })
    })

    it('reads unsubscribed', () => {
      expect(parse({ id: 2, sid: 7, seq: 5, type: 'unsubscribed' })).to.deep.equal({ kind: 'unsubscribed', id: 2, sid: 7, seq: 5 })
    })

    it('reads an update_subscription ok with its seq and market list', () => {
      expect(parse({ id: 3, sid: 7, seq: 4, type: 'ok', msg: { market_tickers: ['A-B-C'] } })).to.deep.equal({ kind: 'ok', id: 3, sid: 7, seq: 4, marketTickers: ['A-B-C'] })
    })

    it('reads a list_subscriptions ok', () => {
      expect(parse({ id: 4, type: 'ok', msg: [{ channel: 'ticker', sid: 7 }, { channel: 'trade', sid: 8 }] })).to.deep.equal({
        kind: 'ok',
        id: 4,
        sid: undefined,
        seq: undefined,
        subscriptions: [
          { channel: 'ticker', sid: 7 },
          { channel: 'trade', sid: 8 },
        ],
      })
    })

    it('reads an error with its code name and market', () => {
      expect(parse({ id: 5, type: 'error', msg: { code: 16, msg: 'Market not found', market_ticker: 'X-Y-Z' } })).to.deep.equal({
        kind: 'error',
        id: 5,
        sid: undefined,
        seq: undefined,
        code: 16,
        codeName: 'market_not_found',
        message: 'Market not found',
        marketTicker: 'X-Y-Z',
      })
    })

    it('names the documented error codes from one table', () => {
      expect([1, 9, 12, 13, 14, 25, 27, 99].map(wsErrorName)).to.deep.equal([
        'unable_to_process',
        'authentication_required',
        'exactly_one_subscription_id_required',
        'unsupported_action',
        'market_ticker_required',
        'subscription_buffer_overflow',
        'too_many_requests',
        'code_99',
      ])
    })
  })

  describe('garbage', () => {
    it('reports an unknown message type by name', () => {
      expect(parse({ type: 'ticker_v3', sid: 1, msg: {} })).to.deep.equal({ kind: 'unknown', msgType: 'ticker_v3' })
    })

    it('reports text that is not JSON as malformed', () => {
      expect(parseFrame('{"type":"ticker",', AT)).to.deep.equal({ kind: 'malformed', reason: 'not JSON' })
    })

    it('reports JSON that is not an object, or has no type, as malformed', () => {
      expect(parse('[1,2]').kind).to.equal('malformed')
      expect(parse('null').kind).to.equal('malformed')
      expect(parse({ sid: 1 })).to.deep.equal({ kind: 'malformed', reason: 'missing type' })
    })

    it('reports a data message without market_ticker as malformed', () => {
      expect(parse({ type: 'ticker', sid: 1, msg: { price_dollars: '0.5' } })).to.deep.equal({ kind: 'malformed', reason: 'ticker: missing market_ticker' })
    })

    it('accepts a Buffer', () => {
      expect(parseFrame(Buffer.from(JSON.stringify({ id: 1, type: 'subscribed', msg: { channel: 'trade', sid: 2 } })), AT)).to.deep.equal({ kind: 'subscribed', id: 1, channel: 'trade', sid: 2 })
    })

    it('never throws on arbitrary text', () => {
      fc.assert(fc.property(fc.string(), (s) => typeof parseFrame(s, AT).kind === 'string'), { numRuns: 500 })
    })

    it('never throws on arbitrary JSON under any known message type', () => {
      const types = ['ticker', 'trade', 'orderbook_snapshot', 'orderbook_delta', 'market_lifecycle_v2', 'fill', 'subscribed', 'unsubscribed', 'ok', 'error']
      fc.assert(
        fc.property(fc.constantFrom(...types), fc.anything(), fc.anything(), fc.anything(), (type, msg, sid, seq) => {
          const text = JSON.stringify({ type, msg, sid, seq })
          return typeof parseFrame(text ?? '', AT).kind === 'string'
        }),
        { numRuns: 1000 },
      )
    })
  })
})

describe('wire: decimalToUnits', () => {
  it('agrees with fixed-point parseScaled on canonical and arbitrary strings', async () => {
    const { parseScaled } = await import('../../src/core/fixed-point.js')
    const { decimalToUnits } = await import('../../src/core/wire.js')
    const canonical = fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 99_999_999_999 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 999_999 })).map(([minus, w, d, f]) => (minus ? '-' : '') + (d === 0 ? String(w) : `${w}.${String(f).padStart(6, '0').slice(0, d)}`))
    const odd = fc.constantFrom('', '.', '-', '-.5', '--1', '-0.00', '-67.00', '5.', '.5', '-0.5600', ' 0.56', '0.56 ', ' -1.00', '1e3', '0x10', '00.5600', '0.56000', '0.56001', '999999999999999999.00')
    fc.assert(
      fc.property(fc.oneof(canonical, odd, fc.string()), fc.constantFrom(2, 4), (text, decimals) => decimalToUnits(text, decimals) === parseScaled(text, decimals)),
      { numRuns: 3000 },
    )
  })
})
