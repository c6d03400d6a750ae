/**
 * What the stream and strategy sessions read from: a MarketStream (Kalshi, or a simulator) or a
 * BusFeed (the NATS bus). Both emit the same typed events and keep a MarketStore, so a session runs
 * the same loop, prints the same lines and feeds strategies the same way whichever it is given.
 */
import type { MarketStore } from './market-store.js'
import type { StreamStats, SubscribeResult } from './stream.js'
import type { MarketEventListeners } from './types.js'
import type { BusStatus } from '../runtime/status-registry.js'

export type MarketFeedEvents = MarketEventListeners

export interface MarketFeed {
  /** Latest state per market, kept up to date before each event is emitted. */
  readonly store: MarketStore
  on<K extends keyof MarketFeedEvents>(event: K, listener: MarketFeedEvents[K]): unknown
  /** Connect. Throws NeuralError (network when the far end is not there). */
  start(): Promise<void>
  /** Start receiving these tickers or patterns. */
  subscribe(targets: readonly string[]): Promise<SubscribeResult>
  /** Markets watched (a bus feed: the markets seen so far). */
  watched(): string[]
  stats(): StreamStats
  close(): Promise<void>
  /** Present on a feed read from the NATS bus. */
  readonly bus?: BusFeedInfo
}

/** How a bus feed differs from the exchange for the session: where it reads, and what it subscribed. */
export interface BusFeedInfo {
  readonly url: string
  /**
   * Markets on the bus are not resolved up front (a pattern matches whatever the publisher sends),
   * so the session says what it listens to instead of counting markets.
   */
  describe(): string
  status(): BusStatus
}
