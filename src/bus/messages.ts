/**
 * What travels on the bus. Ticks, trades, lifecycle events and fills are the same JSON objects that
 * `--json` prints (src/core/types.ts). Books are not sent whole on every change: a market's book
 * travels as a full snapshot now and then and as deltas between them, each numbered per market, so
 * a consumer can tell when it missed one and must wait for the next snapshot.
 */
import type { Fill, Level, Lifecycle, Side, Tick, Trade } from '../core/types.js'
import type { BusEventType } from './subjects.js'

/** A whole book: the Book JSON plus `kind` and the bus sequence number. */
export interface BookSnapshotMessage {
  type: 'book'
  kind: 'snapshot'
  ticker: string
  /** Per-market bus sequence: +1 for every book message (snapshot or delta) of this market. */
  seq: number
  /** Yes bids [priceDollars, quantity], best first. */
  yes: Level[]
  /** No bids [priceDollars, quantity], best first. */
  no: Level[]
  yesBid?: number
  yesAsk?: number
  noBid?: number
  noAsk?: number
  /** Time of the last change of the book, epoch ms (Book.ts). */
  ts: number
}

/** One price level's new state: the absolute quantity now resting there; 0 removes the level. */
export interface BookChange {
  side: Side
  /** Price in dollars. */
  price: number
  /** New absolute quantity in contracts, not a difference. */
  quantity: number
}

/** The changes since the previous book message of this market (seq - 1). */
export interface BookDeltaMessage {
  type: 'book'
  kind: 'delta'
  ticker: string
  seq: number
  changes: BookChange[]
  ts: number
}

export type BookMessage = BookSnapshotMessage | BookDeltaMessage

/**
 * Every message on the bus also carries `pub` (the publisher's id) and `pubSeq` (+1 per message of
 * that publisher on that subject), which consumers read to notice loss and strip from the events.
 */
export interface PublisherStamp {
  pub: string
  pubSeq: number
}

/** Anything a consumer can receive. */
export type BusMessage = Tick | Trade | Lifecycle | Fill | BookMessage

/** A book a consumer can no longer trust: no book of this market is emitted until the next snapshot. */
export interface BusGap {
  type: 'gap'
  ticker: string
  /**
   * 'seq': a book message was skipped; 'no_snapshot': a delta arrived before any snapshot (a late join);
   * 'publisher_seq': the publisher's sequence of a subject jumped (messages lost without JetStream):
   * every book waits for its next snapshot.
   */
  reason: 'seq' | 'no_snapshot' | 'publisher_seq'
  expectedSeq?: number
  receivedSeq?: number
  /** Messages lost (reason 'publisher_seq'). */
  missed?: number
  /** The type of the messages lost (reason 'publisher_seq'): each subject is numbered on its own. */
  eventType?: BusEventType
  /** Local time, epoch ms. */
  ts: number
}
