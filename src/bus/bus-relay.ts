/**
 * `neural stream --publish`: every normalised event the stream emits also goes on the NATS bus
 * (BusPublisher: subjects neural.<type>.<ticker>, the --json objects, books as snapshots + deltas).
 * The relay's connection events and errors are reported through the same callbacks as the exchange's.
 */
import { BusPublisher, type JetStreamPublishOptions } from './publisher.js'
import { checkBusUrl } from './bus-url.js'
import type { BusConnectionOptions } from './nats-connection.js'
import type { ConnectionEvent, MarketEvent } from '../core/types.js'
import type { NeuralError } from '../errors.js'
import type { BusStatus } from '../runtime/status-registry.js'
import { OpenCounter } from './bus-feed.js'
import type { MarketFeed } from '../core/market-feed.js'

export interface BusPublishSettings {
  /** nats://host:port */
  url: string
  /** Publish into this JetStream stream (created when missing) instead of core NATS. */
  jetstream?: JetStreamPublishOptions
  /** Every market's whole book is re-sent this often, so late consumers get books. @default 5000 */
  snapshotEveryMs?: number
  connection?: BusConnectionOptions
}

export interface BusRelay {
  /** Publish every market event of this feed from now on. */
  attach(feed: MarketFeed): void
  status(): BusStatus
  /** Send what is buffered, wait for JetStream acks (bounded), close. */
  close(): Promise<void>
}

/** Throws input error on a bad url (before connecting), network error when NATS is unreachable, config error on a bad JetStream stream. */
export async function openBusRelay(
  settings: BusPublishSettings,
  report: { connection: (event: ConnectionEvent) => void; error: (error: NeuralError) => void },
): Promise<BusRelay> {
  checkBusUrl(settings.url)
  const publisher = new BusPublisher({ name: 'neural-publisher', ...settings.connection, snapshotEveryMs: settings.snapshotEveryMs, jetstream: settings.jetstream })
  const opens = new OpenCounter()
  publisher.on('connection', (e) => report.connection(opens.number(e)))
  publisher.on('error', report.error)
  await publisher.connect(settings.url)
  const publish = (event: MarketEvent) => publisher.publish(event)
  return {
    attach(feed) {
      feed.on('tick', publish)
      feed.on('trade', publish)
      feed.on('book', publish)
      feed.on('lifecycle', publish)
      feed.on('fill', publish)
    },
    status() {
      const s = publisher.stats()
      return { url: settings.url, connected: s.connected, published: s.published }
    },
    close: () => publisher.close(),
  }
}
