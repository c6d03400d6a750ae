/**
 * The batch of market events (and game states) the engine sends every strategy worker once per
 * event-loop turn, packed once for all of them. Ticks and trades, nearly all of a feed, travel as
 * numbers in a Float64Array (postMessage copies its bytes to each worker: a memcpy); their tickers
 * as small ids into a table each worker keeps; trade ids in a list beside it; the rare rest (books,
 * lifecycle events, game states) as objects. Not a SharedArrayBuffer: a strategy that found the
 * message could then change what the other workers read.
 *
 * It replaced one JSON text per batch: JSON.stringify on the main thread, a copy of the text per
 * worker in postMessage, and a JSON.parse of every event in every worker (profiled: ~17% of the
 * main thread's busy time in stringify and postMessage with three workers, most of each worker's).
 */
import type { Tick, Trade } from '../../core/types.js'
import type { SharedItem } from './protocol.js'

const TICK = 0
const TRADE = 1
const OTHER = 2
const TICK_SLOTS = 13
const TRADE_SLOTS = 11
const OTHER_SLOTS = 2

/** Ticker ids: the engine's table grows as markets appear; a worker is sent the part it lacks with each batch. */
export class TickerTable {
  readonly list: string[] = []
  private readonly ids = new Map<string, number>()

  id(ticker: string): number {
    let id = this.ids.get(ticker)
    if (id === undefined) {
      id = this.list.length
      this.ids.set(ticker, id)
      this.list.push(ticker)
    }
    return id
  }
}

/** One packed batch: what every worker gets, whatever it has already seen of the ticker table. */
export interface PackedBatch {
  data: Float64Array
  /** Trade ids, referred to by index from `data`. */
  strings: string[]
  /** Books, lifecycle events and game states, referred to by index from `data`. */
  others: SharedItem[]
}

const num = (x: number | undefined) => (x === undefined ? NaN : x)
const opt = (x: number) => (x === x ? x : undefined)

export function packBatch(items: readonly SharedItem[], tickers: TickerTable): PackedBatch {
  let slots = 0
  for (const item of items) slots += 'event' in item ? (item.event.type === 'ticker' ? TICK_SLOTS : item.event.type === 'trade' ? TRADE_SLOTS : OTHER_SLOTS) : OTHER_SLOTS
  const data = new Float64Array(slots)
  const strings: string[] = []
  const others: SharedItem[] = []
  let i = 0
  for (const item of items) {
    const e = 'event' in item ? item.event : undefined
    if (e?.type === 'ticker') {
      data[i] = TICK
      data[i + 1] = tickers.id(e.ticker)
      data[i + 2] = item.ts
      data[i + 3] = num(e.yesBid)
      data[i + 4] = num(e.yesAsk)
      data[i + 5] = num(e.yesPrice)
      data[i + 6] = num(e.noPrice)
      data[i + 7] = num(e.volume)
      data[i + 8] = num(e.openInterest)
      data[i + 9] = e.lastUpdate
      data[i + 10] = e.receivedAt
      data[i + 11] = num(e.yesBidSize)
      data[i + 12] = num(e.yesAskSize)
      i += TICK_SLOTS
    } else if (e?.type === 'trade') {
      data[i] = TRADE
      data[i + 1] = tickers.id(e.ticker)
      data[i + 2] = item.ts
      data[i + 3] = e.tradeId === undefined ? -1 : strings.push(e.tradeId) - 1
      data[i + 4] = e.side === 'yes' ? 0 : 1
      data[i + 5] = e.quantity
      data[i + 6] = e.price
      data[i + 7] = e.noPrice
      data[i + 8] = e.ts
      data[i + 9] = e.receivedAt
      data[i + 10] = e.isBlockTrade === undefined ? -1 : e.isBlockTrade ? 1 : 0
      i += TRADE_SLOTS
    } else {
      data[i] = OTHER
      data[i + 1] = others.push(item) - 1
      i += OTHER_SLOTS
    }
  }
  return { data, strings, others }
}

/**
 * Call `onEvent` for each tick and trade of a batch (with its ticker id, so the caller can cache
 * per market), and `onOther` for the rest, in order. Events are built as the feed builds them.
 */
export function unpackBatch(batch: PackedBatch, tickers: readonly string[], onEvent: (event: Tick | Trade, tickerId: number, ts: number) => void, onOther: (item: SharedItem) => void): void {
  const { data, strings, others } = batch
  let i = 0
  while (i < data.length) {
    const kind = data[i]
    if (kind === TICK) {
      const id = data[i + 1]!
      const tick: Tick = {
        type: 'ticker',
        ticker: tickers[id]!,
        yesBid: opt(data[i + 3]!),
        yesAsk: opt(data[i + 4]!),
        yesPrice: opt(data[i + 5]!),
        noPrice: opt(data[i + 6]!),
        volume: opt(data[i + 7]!),
        openInterest: opt(data[i + 8]!),
        lastUpdate: data[i + 9]!,
        receivedAt: data[i + 10]!,
      }
      if (data[i + 11] === data[i + 11]) tick.yesBidSize = data[i + 11]
      if (data[i + 12] === data[i + 12]) tick.yesAskSize = data[i + 12]
      onEvent(tick, id, data[i + 2]!)
      i += TICK_SLOTS
    } else if (kind === TRADE) {
      const id = data[i + 1]!
      const tradeId = data[i + 3]!
      const block = data[i + 10]!
      const trade: Trade = {
        type: 'trade',
        ticker: tickers[id]!,
        tradeId: tradeId < 0 ? undefined : strings[tradeId],
        side: data[i + 4] === 0 ? 'yes' : 'no',
        quantity: data[i + 5]!,
        price: data[i + 6]!,
        noPrice: data[i + 7]!,
        ts: data[i + 8]!,
        receivedAt: data[i + 9]!,
      }
      if (block >= 0) trade.isBlockTrade = block === 1
      onEvent(trade, id, data[i + 2]!)
      i += TRADE_SLOTS
    } else {
      onOther(others[data[i + 1]!]!)
      i += OTHER_SLOTS
    }
  }
}
