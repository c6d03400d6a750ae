/**
 * The NATS bus as a MarketFeed: `neural stream --source` and `neural run-strategy --source` read it
 * exactly as they read Kalshi. Events keep the MarketStore up to date before they are emitted, as the
 * MarketStream does; books arrive only when exact (BusSource rebuilds them from a snapshot and
 * contiguous deltas, and drops a market's book after a gap until the next snapshot).
 */
import { BusSource } from './source.js'
import { checkBusUrl, type BusConnectionOptions } from './nats-connection.js'
import type { BusEventType } from './subjects.js'
import { Emitter } from '../core/emitter.js'
import { MarketStore } from '../core/market-store.js'
import type { ChannelName, StreamStats, SubscribeResult } from '../core/stream.js'
import type { ConnectionEvent } from '../core/types.js'
import { NeuralError } from '../errors.js'
import type { BusStatus } from '../runtime/status-registry.js'
import type { BusFeedInfo, MarketFeed, MarketFeedEvents } from '../core/market-feed.js'

export interface BusFeedOptions {
  /** nats://host:port */
  url: string
  /** Event types to receive. @default every type */
  types?: readonly BusEventType[]
  /**
   * Read a JetStream stream instead of live core NATS. 'all' replays what the stream holds, then
   * follows; 'new' follows only (and, unlike core NATS, loses nothing across a reconnect).
   */
  jetstream?: { stream: string; deliver: 'all' | 'new' }
  connection?: BusConnectionOptions
}

/** The bus event type of each stream channel (the bus calls the orderbook channel's events "book"). */
const TYPE_OF_CHANNEL: Readonly<Record<ChannelName, BusEventType>> = { ticker: 'ticker', trade: 'trade', orderbook: 'book', lifecycle: 'lifecycle', fill: 'fill' }

export function busTypesFor(channels: readonly ChannelName[]): BusEventType[] {
  return [...new Set(channels.map((c) => TYPE_OF_CHANNEL[c]))]
}

export class BusFeed extends Emitter<MarketFeedEvents> implements MarketFeed {
  readonly store = new MarketStore()
  readonly bus: BusFeedInfo
  private readonly source: BusSource
  private filters: string[] = []
  private subscribed = false
  private readonly opens = new OpenCounter()
  private readonly rate = new RateMeter()

  /** Throws input error on a bad url, before anything connects. */
  constructor(private readonly options: BusFeedOptions) {
    super()
    checkBusUrl(options.url)
    this.source = new BusSource({ name: 'neural-consumer', ...options.connection })
    this.source.on('tick', (e) => {
      this.store.applyTick(e)
      this.received('tick', e)
    })
    this.source.on('trade', (e) => {
      this.store.applyTrade(e)
      this.received('trade', e)
    })
    this.source.on('book', (e) => {
      this.store.applyBook(e)
      this.received('book', e)
    })
    this.source.on('lifecycle', (e) => {
      this.store.applyLifecycle(e)
      this.received('lifecycle', e)
    })
    this.source.on('fill', (e) => this.received('fill', e))
    this.source.on('connection', (e) => this.emit('connection', this.opens.number(e)))
    this.source.on('error', (e) => this.emit('error', e))
    this.source.on('gap', (gap) => {
      if (gap.reason === 'publisher_seq') this.lost(gap.missed ?? 0, gap.eventType)
    })
    const feed = this
    this.bus = {
      url: options.url,
      describe: () => `listening to ${feed.filters.join(' ')} on ${options.url}${options.jetstream ? ` (JetStream stream ${options.jetstream.stream})` : ''}`,
      status: (): BusStatus => {
        const s = feed.source.stats()
        return { url: options.url, connected: s.connected, received: s.messages }
      },
    }
  }

  private lostPending = { messages: 0, subjects: 0, byType: new Map<string, number>() }
  private lostTimer?: NodeJS.Timeout

  /**
   * Messages lost on the bus, reported in one line for the whole outage (each subject's jump shows
   * when its next message arrives, so they are gathered for a moment first), with the count per
   * event type: a lost tick and a lost book snapshot mean different things to a reader.
   */
  private lost(missed: number, eventType = 'unknown'): void {
    const pending = this.lostPending
    pending.messages += missed
    pending.subjects++
    pending.byType.set(eventType, (pending.byType.get(eventType) ?? 0) + missed)
    if (this.lostTimer) return
    this.lostTimer = setTimeout(() => {
      this.lostTimer = undefined
      const { messages, subjects, byType } = this.lostPending
      this.lostPending = { messages: 0, subjects: 0, byType: new Map() }
      const types = [...byType].map(([type, n]) => `${n} ${type}`).join(', ')
      this.emit('error', new NeuralError('network', 'BUS_GAP', `lost ${messages} bus message${messages === 1 ? '' : 's'} on ${subjects} subject${subjects === 1 ? '' : 's'}: ${types} (the publisher's sequence jumped; without JetStream NATS does not redeliver); books wait for the publisher's next snapshot`))
    }, 250)
    this.lostTimer.unref()
  }

  /** Nothing to do: the bus connects as it subscribes (the subscriptions go with the connection). */
  async start(): Promise<void> {}

  /**
   * Connect and subscribe to tickers, patterns (KXNFLGAME*) or '*'. Markets are not resolved: the
   * result lists none, and markets join as the publisher sends them. Once only.
   */
  async subscribe(targets: readonly string[]): Promise<SubscribeResult> {
    if (this.subscribed) throw new NeuralError('internal', 'BUS_SUBSCRIBED', 'a bus feed subscribes once')
    this.subscribed = true
    this.filters = [...targets]
    await this.source.connect(this.options.url, { filters: targets, types: this.options.types, jetstream: this.options.jetstream })
    return { tickers: [], unknown: [] }
  }

  watched(): string[] {
    return this.store.tickers()
  }

  stats(): StreamStats {
    const s = this.source.stats()
    return {
      connected: s.connected,
      messages: s.messages,
      ratePerSec: this.rate.perSec(Date.now()),
      reconnects: this.opens.reconnects(),
      malformed: s.malformed,
      unknownTypes: 0,
      lastMessageAt: s.lastMessageAt,
      markets: this.store.size(),
      // The bus has no per-market subscriptions: the markets it has carried stand in for them.
      subscriptions: this.store.size(),
      gaps: s.gaps,
      rejectedFrames: 0,
      // Lag and staleness are judged where the exchange's frames arrive: on the publishing machine.
      health: { stale: [], lagging: [] },
    }
  }

  close(): Promise<void> {
    return this.source.close()
  }

  private received<K extends 'tick' | 'trade' | 'book' | 'lifecycle' | 'fill'>(name: K, event: Parameters<MarketFeedEvents[K]>[0]): void {
    this.rate.count(Date.now())
    this.emit(name, ...([event] as Parameters<MarketFeedEvents[K]>))
  }
}

/**
 * Numbers 'connected' events as the exchange connection does (`connection` = how many times it has
 * opened: 1, then 2 after the first reconnect), so a recovered NATS connection reads, and is shown,
 * like a recovered exchange connection.
 */
export class OpenCounter {
  private opens = 0

  number(event: ConnectionEvent): ConnectionEvent {
    return event.state === 'connected' ? { ...event, connection: ++this.opens } : event
  }

  reconnects(): number {
    return Math.max(0, this.opens - 1)
  }
}

/** Events per second over the last whole second, as MarketStream reports it. */
class RateMeter {
  private bucketStart = 0
  private bucketCount = 0
  private last = 0

  count(now: number): void {
    if (now - this.bucketStart >= 1000) {
      const elapsed = now - this.bucketStart
      this.last = elapsed < 2000 ? Math.round((this.bucketCount * 1000) / elapsed) : 0
      this.bucketStart = now
      this.bucketCount = 0
    }
    this.bucketCount++
  }

  perSec(now: number): number {
    return now - this.bucketStart > 2000 ? 0 : this.last
  }
}
