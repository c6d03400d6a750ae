/**
 * The typed events of the streaming core. Wire messages are parsed once, at the edge
 * (src/core/wire.ts), into these; nothing past the edge reads raw Kalshi fields.
 * Prices are dollars as numbers (0.56); quantities are contracts; times are Unix epoch milliseconds.
 * These names are also the JSON field names printed by `--json`.
 */
import type { NeuralError } from '../errors.js'

export type Side = 'yes' | 'no'

/** Latest market data for one market (Kalshi's `ticker` channel). */
export interface Tick {
  type: 'ticker'
  ticker: string
  /** Best yes bid in dollars, undefined when the book has no yes bids. */
  yesBid?: number
  /** Best yes ask in dollars (= 1 - best no bid), undefined when the book has no no bids. */
  yesAsk?: number
  /** Contracts at the best yes bid (Kalshi's `yes_bid_size_fp`), when sent. */
  yesBidSize?: number
  /** Contracts at the best yes ask (`yes_ask_size_fp`), when sent. */
  yesAskSize?: number
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
  /** The taker's side: `taker_outcome_side` (or `taker_book_side`: bid = yes, ask = no), else the deprecated `taker_side`. */
  side: Side
  quantity: number
  /** Yes price in dollars. */
  price: number
  /** No price in dollars (= 1 - price). */
  noPrice: number
  /** Matched off book as a block trade (`is_block_trade`), when sent. */
  isBlockTrade?: boolean
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
  /** Exchange time of the last delta (`ts_ms`, else `ts`), epoch ms; absent when Kalshi sent none. */
  exchangeTs?: number
}

export type LifecycleEvent = 'created' | 'activated' | 'deactivated' | 'close_date_updated' | 'determined' | 'settled' | 'price_level_structure_updated' | 'metadata_updated'

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

/**
 * An event was created (Kalshi's `event_lifecycle`, sent on the market_lifecycle_v2 channel). Its
 * markets follow as market lifecycle `created` messages.
 */
export interface EventLifecycle {
  type: 'event_lifecycle'
  eventTicker: string
  seriesTicker?: string
  title?: string
  subtitle?: string
  /** Epoch ms, when the event has a strike date. */
  strikeDate?: number
  receivedAt: number
}

/** An event's fee override was set or cleared (Kalshi's `event_fee_update`; null = cleared). */
export interface EventFeeUpdate {
  type: 'event_fee_update'
  eventTicker: string
  feeType: string | null
  feeMultiplier: number | null
  receivedAt: number
}

/** Kalshi's fill actions; '' when Kalshi sends none. */
export type FillAction = 'buy' | 'sell' | 'sell_partial' | 'sell_to_close' | ''

export interface Fill {
  type: 'fill'
  ticker: string
  tradeId?: string
  orderId?: string
  /** The side bought or sold (`side`, else `outcome_side`/`purchased_side`); Kalshi deprecates `side`, so it may be missing. */
  side?: Side
  action: FillAction
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
  /**
   * The try since the last open connection (1 = the first): on 'connecting', on the 'reconnecting'
   * that announces it, and on the 'connected' it ends in.
   */
  attempt?: number
  /** On 'connected': how many connections this feed has opened, this one included (2 = the first reconnect). */
  connection?: number
  delayMs?: number
  reason?: string
  /** On 'disconnected': true when this side closed on purpose (close(), a duration ended), so it is no news. */
  byClient?: boolean
  handshakeMs?: number
  ts: number
}

export type MarketEvent = Tick | Trade | Book | Lifecycle | Fill

/** A market's frames arrive much later than their exchange timestamps (a throttled or congested link). */
export interface LagEvent {
  type: 'lag'
  ticker: string
  /** Receive time minus exchange time of the latest frame, ms. */
  lagMs: number
  /** Local time, epoch ms. */
  ts: number
}

/** A watched market has had no data for longer than expected (its usual gaps, and at least the stale threshold). */
export interface StaleEvent {
  type: 'stale'
  ticker: string
  /** Time since the market's last frame, ms. */
  silentMs: number
  ts: number
}

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
  /** An event's fee override changed (`event_fee_update`, market_lifecycle_v2 channel; see src/core/fees.ts). */
  event_fee_update: (update: EventFeeUpdate) => void
  connection: (event: ConnectionEvent) => void
  error: (error: NeuralError) => void
}
