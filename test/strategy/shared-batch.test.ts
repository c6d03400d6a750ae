import { expect } from 'chai'
import { packBatch, TickerTable, unpackBatch } from '../../src/strategy/isolation/shared-batch.js'
import type { SharedItem } from '../../src/strategy/isolation/protocol.js'
import type { Book, Lifecycle, Tick, Trade } from '../../src/core/types.js'

/** What a worker rebuilds from a batch, in order: ticks and trades as events with their ticker id, the rest as sent. */
function roundTrip(items: SharedItem[], table = new TickerTable(), known: string[] = []): { out: unknown[]; tickers: string[] } {
  const batch = packBatch(items, table)
  // A worker holds what it was sent before, plus what this batch's post adds.
  const tickers = [...known, ...table.list.slice(known.length)]
  const out: unknown[] = []
  unpackBatch(batch, tickers, (event, id, ts) => out.push({ event, id, ts }), (item) => out.push(item))
  return { out, tickers }
}

describe('shared batches for strategy workers', () => {
  const tick: Tick = { type: 'ticker', ticker: 'A-B-1', yesBid: 0.55, yesAsk: 0.57, yesPrice: 0.56, noPrice: 0.44, volume: 1250.5, openInterest: 300, lastUpdate: 1_700_000_000_123, receivedAt: 1_700_000_000_125 }
  const sparse: Tick = { type: 'ticker', ticker: 'A-B-2', yesBid: undefined, yesAsk: 0.6, yesPrice: undefined, noPrice: undefined, volume: undefined, openInterest: undefined, lastUpdate: 5, receivedAt: 6, yesAskSize: 12 }
  const trade: Trade = { type: 'trade', ticker: 'A-B-1', tradeId: 't-1', side: 'no', quantity: 3, price: 0.56, noPrice: 0.44, ts: 1_700_000_000_200, receivedAt: 1_700_000_000_201 }
  const block: Trade = { type: 'trade', ticker: 'A-B-2', tradeId: undefined, side: 'yes', quantity: 0.5, price: 0.1, noPrice: 0.9, ts: 7, receivedAt: 8, isBlockTrade: true }
  const book: Book = { type: 'book', ticker: 'A-B-1', yes: [[0.55, 10]], no: [[0.43, 4]], yesBid: 0.55, yesAsk: 0.57, noBid: 0.43, noAsk: 0.45, seq: 3, ts: 9 }
  const lifecycle: Lifecycle = { type: 'lifecycle', ticker: 'A-B-2', event: 'settled', result: 'yes', receivedAt: 10 }

  it('gives back every tick and trade field for field, absent fields as the feed leaves them, with its time', () => {
    const { out } = roundTrip([{ event: tick, ts: 1 }, { event: sparse, ts: 2 }, { event: trade, ts: 3 }, { event: block, ts: 4 }])
    expect(out).to.deep.equal([
      { event: tick, id: 0, ts: 1 },
      { event: sparse, id: 1, ts: 2 },
      { event: trade, id: 0, ts: 3 },
      { event: block, id: 1, ts: 4 },
    ])
  })

  it('keeps books, lifecycle events and game states as they are, in their place between the others', () => {
    const game = { state: { game: '25SEP04DALPHI', status: 'in_progress', updatedAt: 11 } as never, ts: 11 }
    const { out } = roundTrip([{ event: tick, ts: 1 }, { event: book, ts: 9 }, game, { event: lifecycle, ts: 10 }, { event: trade, ts: 3 }])
    expect(out).to.deep.equal([{ event: tick, id: 0, ts: 1 }, { event: book, ts: 9 }, game, { event: lifecycle, ts: 10 }, { event: trade, id: 0, ts: 3 }])
  })

  it('numbers tickers once across batches, so a later batch names a known market by its id alone', () => {
    const table = new TickerTable()
    const first = roundTrip([{ event: tick, ts: 1 }], table)
    const second = roundTrip([{ event: sparse, ts: 2 }, { event: trade, ts: 3 }], table, first.tickers)
    expect(second.tickers).to.deep.equal(['A-B-1', 'A-B-2'])
    expect(second.out).to.deep.equal([{ event: sparse, id: 1, ts: 2 }, { event: trade, id: 0, ts: 3 }])
  })
})
