import { expect } from 'chai'
import { decodeBusEvent } from '../../src/bus/decode.js'
import type { Fill, Lifecycle, Tick, Trade } from '../../src/core/types.js'
import { parseFrame } from '../../src/core/wire.js'

/** Events as the core makes them from Kalshi frames, every optional field present. */
function wireEvents(): (Tick | Trade | Lifecycle | Fill)[] {
  const frames = [
    { type: 'ticker', sid: 1, msg: { market_ticker: 'A-B-C', price_dollars: '0.4800', yes_bid_dollars: '0.4500', yes_ask_dollars: '0.5300', volume_fp: '33896.00', open_interest_fp: '20422.00', yes_bid_size_fp: '300.00', yes_ask_size_fp: '150.00', ts_ms: 1669149841000 } },
    { type: 'trade', sid: 2, msg: { trade_id: 't', market_ticker: 'A-B-C', yes_price_dollars: '0.3600', count_fp: '136.00', taker_outcome_side: 'no', is_block_trade: true, ts_ms: 1669149841000 } },
    { type: 'market_lifecycle_v2', sid: 3, msg: { market_ticker: 'A-B-C', event_type: 'determined', result: 'yes', determination_ts: 1669149841, settlement_value: '0.5000' } },
    { type: 'fill', sid: 4, msg: { trade_id: 't', order_id: 'o', market_ticker: 'A-B-C', is_taker: true, side: 'yes', action: 'buy', yes_price_dollars: '0.4200', count_fp: '3.00', fee_cost: '0.0700', ts_ms: 1790363780921 } },
  ]
  return frames.map((f) => {
    const m = parseFrame(JSON.stringify(f), 1_800_000_000_000) as { tick?: Tick; trade?: Trade; lifecycle?: Lifecycle; fill?: Fill }
    return (m.tick ?? m.trade ?? m.lifecycle ?? m.fill)!
  })
}

describe('bus decoding', () => {
  it('gives back the published event with its fields in the same order, so `stream --source --json` prints the lines `stream --json` printed', () => {
    for (const e of wireEvents()) {
      const decoded = decodeBusEvent(JSON.parse(JSON.stringify(e)))
      expect(decoded?.ok, e.type).to.equal(true)
      expect(JSON.stringify(decoded?.ok && decoded.value)).to.equal(JSON.stringify(e))
    }
  })
})
