/**
 * Issue 14: trade times at exchange-second resolution printed out of order with ticks (Kalshi sends
 * `ts_ms` beside the deprecated `ts`), and a stream still delivered events after close().
 */
import { expect } from 'chai'
import { MarketStream } from '../../src/core/stream.js'
import { parseFrame } from '../../src/core/wire.js'

const AT = 1_757_000_123_456

describe('millisecond times and close()', () => {
  it('takes ts_ms over ts for trades and ticks, and still reads ts alone', () => {
    const trade = parseFrame(JSON.stringify({ type: 'trade', sid: 1, msg: { market_ticker: 'A-B-C', trade_id: 't', yes_price_dollars: '0.4000', no_price_dollars: '0.6000', count_fp: '3.00', taker_side: 'yes', ts: 1757000000, ts_ms: 1757000000789 } }), AT)
    expect(trade).to.deep.include({ kind: 'trade' })
    expect((trade as { trade: { ts: number } }).trade.ts).to.equal(1757000000789)
    const tick = parseFrame(JSON.stringify({ type: 'ticker', sid: 1, msg: { market_ticker: 'A-B-C', price_dollars: '0.4000', yes_bid_dollars: '0.3900', yes_ask_dollars: '0.4100', ts: 1757000000, ts_ms: 1757000000123 } }), AT)
    expect((tick as { tick: { lastUpdate: number } }).tick.lastUpdate).to.equal(1757000000123)
    const old = parseFrame(JSON.stringify({ type: 'trade', sid: 1, msg: { market_ticker: 'A-B-C', trade_id: 't', yes_price_dollars: '0.4000', no_price_dollars: '0.6000', count_fp: '3.00', taker_side: 'no', ts: 1757000001 } }), AT)
    expect((old as { trade: { ts: number } }).trade.ts).to.equal(1757000001000)
  })

  it('delivers no event once close() has been called', async () => {
    const stream = new MarketStream({ wsUrl: 'ws://127.0.0.1:9/unused' })
    const seen: string[] = []
    stream.on('trade', (t) => seen.push(t.ticker))
    stream.on('frame', () => seen.push('frame'))
    const frame = JSON.stringify({ type: 'trade', sid: 1, msg: { market_ticker: 'A-B-C', trade_id: 't', yes_price_dollars: '0.4000', no_price_dollars: '0.6000', count_fp: '3.00', taker_side: 'yes', ts: 1757000000 } })
    stream.ingest(frame, AT)
    expect(seen).to.deep.equal(['frame', 'A-B-C'])
    const closing = stream.close()
    stream.ingest(frame, AT + 1)
    await closing
    stream.ingest(frame, AT + 2)
    expect(seen).to.deep.equal(['frame', 'A-B-C'])
  })
})
