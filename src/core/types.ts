/**
 * The typed events of the streaming core. Wire messages are parsed once, at the edge
 * (src/core/wire.ts), into these; nothing past the edge reads raw Kalshi fields.
 * Prices are dollars as numbers (0.56); quantities are contracts; times are Unix epoch milliseconds.
 * These names are also the JSON field names printed by `--json`.
 */
import type { NeuralError } from '../errors.js'
import type { FeeUpdate } from './fees.js'

export type Side = 'yes' | 'no'

/** Latest market data for one market (Kalshi's `ticker` channel). */
export interface Tick {
  type: 'ticker'
  ticker: string
  /** Best yes bid in dollars, undefined when the book has no yes bids. */
  yesBid?: number
  /** Best yes ask in dollars (= 1 - best no bid), undefined when the book has no no bids. */
  yesAsk?: number
  /** Last traded yes price in dollars. */
  yesPrice?: number
  /** Last traded no price in dollars (= 1 - yesPrice). */
  noPrice?: number
  /** Contracts traded. */
  volume?: number
  /** Contracts open. */
  openInterest?: number
  /** Exchange time of this update, epoch ms. */
  lastUpdate: number
  /** Local receive time, epoch ms. */
  receivedAt: number
}

/** One executed trade (Kalshi's `trade` channel). */
export interface Trade {
  type: 'trade'
  ticker: string
  tradeId?: string
  /** The taker's side. */
  side: Side
  quantity: number
  /** Yes price in dollars. */
  price: number
  /** No price in dollars (= 1 - price). */
  noPrice: number
  /** Exchange time, epoch ms. */
  ts: number
  receivedAt: number
}

/** A price level: [priceDollars, quantity]. */
export type Level = [price: number, quantity: number]

/** An order book view. Kalshi books hold bids only, on both sides. */
export interface Book {
  type: 'book'
  ticker: string
  /** Yes bids, best (highest) first. */
  yes: Level[]
  /** No bids, best (highest) first. */
  no: Level[]
  yesBid?: number
  /** 1 - best no bid. */
  yesAsk?: number
  noBid?: number
  /** 1 - best yes bid. */
  noAsk?: number
  /** Last sequence number applied for the subscription. */
  seq?: number
  /** Local time of the last change, epoch ms. */
  ts: number
}

export type LifecycleEvent = 'created' | 'activated' | 'deactivated' | 'close_date_updated' | 'determined' | 'settled'

export interface Lifecycle {
  type: 'lifecycle'
  ticker: string
  event: LifecycleEvent | string
  openTs?: number
  closeTs?: number
  determinationTs?: number
  settledTs?: number
  result?: string
  /**
   * What one YES contract pays, dollars, when the exchange says (`settlement_value` on determined,
   * e.g. 0.5 for an NFL game that ends tied); a NO contract pays 1 − this.
   */
  settlementValue?: number
  receivedAt: number
}

export interface Fill {
  type: 'fill'
  ticker: string
  tradeId?: string
  orderId?: string
  side: Side
  action: 'buy' | 'sell'
  isTaker?: boolean
  /** Yes price in dollars. */
  price: number
  quantity: number
  /** The fill's fee, dollars (`fee_cost`), when the exchange sent it. */
  feeDollars?: number
  ts: number
  receivedAt: number
}

export type ConnectionState = 'connecting' | 'connected' | 'disconnected' | 'reconnecting' | 'failed'

export interface ConnectionEvent {
  type: 'connection'
  state: ConnectionState
  url?: string
  attempt?: number
  delayMs?: number
  reason?: string
  handshakeMs?: number
  ts: number
}

export type MarketEvent = Tick | Trade | Book | Lifecycle | Fill

/**
 * The listeners every source of market events offers (the Kalshi stream, the NATS bus feed): one
 * map, so sessions can take either. Sources add their own events beside these.
 */
export interface MarketEventListeners {
  [k: string]: (...args: any[]) => void // eslint-disable-line @typescript-eslint/no-explicit-any
  tick: (tick: Tick) => void
  trade: (trade: Trade) => void
  book: (book: Book) => void
  lifecycle: (event: Lifecycle) => void
  fill: (fill: Fill) => void
  /** An `event_fee_update` on the lifecycle channel (see src/core/fees.ts). */
  fee_update: (update: FeeUpdate) => void
  connection: (event: ConnectionEvent) => void
  error: (error: NeuralError) => void
}
