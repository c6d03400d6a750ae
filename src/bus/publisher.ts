/**
 * Puts the streaming core's events on NATS, so one Kalshi feed serves many machines.
 *
 * Ticks, trades, lifecycle events and fills go out as the JSON `--json` prints, on
 * `neural.<type>.<ticker>`. Books go out as a snapshot on a market's first book, every
 * `snapshotEveryMs` and after every reconnect, and as deltas (changed levels with their new absolute
 * quantity) in between; each book message carries a per-market seq so a consumer can detect a loss.
 *
 * `publish()` never waits on the network. While NATS is unreachable, nats.js would queue every
 * publish without limit, so the publisher keeps its own bounded buffer instead (oldest dropped, counted
 * in stats().dropped); books are not buffered at all (a fresh snapshot follows the reconnect).
 */
import { randomBytes } from 'node:crypto'
import type { JetStreamClient, NatsConnection, PubAck } from 'nats'
import { Emitter } from '../core/emitter.js'
import type { Book, ConnectionEvent, MarketEvent } from '../core/types.js'
import { NeuralError, configError } from '../errors.js'
import { BusBook } from './bus-book.js'
import type { BookDeltaMessage, BookSnapshotMessage } from './messages.js'
import { loadNats, openBusConnection, type BusConnection, type BusConnectionOptions } from './nats-connection.js'
import { STREAM_SUBJECTS, subjectFor } from './subjects.js'

export interface JetStreamPublishOptions {
  /** Stream name; created when missing, with subjects ['neural.>'] and the limits below. An existing stream is used as it is. */
  stream: string
  /** Drop messages older than this. @default unlimited */
  maxAgeMs?: number
  /** Keep at most this many messages (oldest dropped). @default unlimited */
  maxMsgs?: number
  /** Keep at most this many bytes (oldest dropped). @default unlimited */
  maxBytes?: number
  /** Publishes whose ack has not arrived yet; past this, new messages are dropped rather than queued. @default 10000 */
  maxPendingAcks?: number
  /** How long one ack may take before it counts as failed. @default 5000 */
  ackTimeoutMs?: number
}

export interface BusPublisherOptions extends BusConnectionOptions {
  /** A market's book is re-sent whole this often (and on its first book, and after a reconnect). @default 5000 */
  snapshotEveryMs?: number
  /** Non-book messages kept while NATS is unreachable; the oldest are dropped past this. @default 10000 */
  maxBufferedMessages?: number
  /** Publish into a JetStream stream (stored, replayable) instead of core NATS. */
  jetstream?: JetStreamPublishOptions
}

export interface BusPublisherStats {
  /** Messages handed to NATS (book snapshots and deltas included). */
  published: number
  snapshots: number
  deltas: number
  /** Messages lost: buffer overflow while disconnected, or too many unacknowledged JetStream publishes. */
  dropped: number
  /** Messages waiting in the disconnected buffer. */
  buffered: number
  /** JetStream only: publishes awaiting their ack, acks received, and failed or timed-out acks. */
  pendingAcks: number
  acked: number
  ackErrors: number
  connected: boolean
}

export interface BusPublisherEvents {
  [k: string]: (...args: any[]) => void // eslint-disable-line @typescript-eslint/no-explicit-any
  connection: (event: ConnectionEvent) => void
  error: (error: NeuralError) => void
}

interface MarketBook {
  ticker: string
  seq: number
  /** What consumers were last sent (the base of the next delta). */
  sent: BusBook
  /** The latest book seen, possibly not sent yet (while disconnected). */
  latest: BusBook
  ts: number
  lastSnapshotAt: number
  needsSnapshot: boolean
}

const encoder = new TextEncoder()

export class BusPublisher extends Emitter<BusPublisherEvents> {
  private readonly snapshotEveryMs: number
  private readonly maxBuffered: number
  private conn?: BusConnection
  private js?: JetStreamClient
  private readonly books = new Map<string, MarketBook>()
  private timer?: NodeJS.Timeout
  private closed = false
  private wasDisconnected = false
  // Disconnected buffer: a ring of [subject, json], oldest overwritten.
  private ring: [string, string][] = []
  private ringHead = 0
  private ringCount = 0
  private readonly pending = new Set<Promise<unknown>>()
  private ackFailing = false
  private readonly counts = { published: 0, snapshots: 0, deltas: 0, dropped: 0, acked: 0, ackErrors: 0 }
  /** This publisher's id on the bus: a restarted publisher starts its sequences afresh under a new one. */
  readonly id = randomBytes(6).toString('hex')
  private readonly stampTail = `,"pub":"${this.id}","pubSeq":`
  private readonly subjectSeq = new Map<string, number>()

  constructor(private readonly options: BusPublisherOptions = {}) {
    super()
    this.snapshotEveryMs = options.snapshotEveryMs ?? 5000
    this.maxBuffered = options.maxBufferedMessages ?? 10_000
    if (!(this.snapshotEveryMs > 0)) throw configError('BAD_BUS_OPTION', `snapshotEveryMs must be a positive number of milliseconds, got ${options.snapshotEveryMs}`)
  }

  /** Connect (and create the JetStream stream when asked). Throws NeuralError network when NATS is not there. */
  async connect(url: string): Promise<void> {
    if (this.conn) throw new NeuralError('internal', 'BUS_ALREADY_CONNECTED', 'the publisher is already connected')
    this.conn = await openBusConnection(url, { name: 'neural-publisher', ...this.options }, (e) => this.onConnection(e))
    if (this.options.jetstream) {
      try {
        await ensureStream(this.conn.nc, this.options.jetstream)
      } catch (error) {
        await this.conn.close()
        throw error
      }
      this.js = this.conn.nc.jetstream({ timeout: this.options.jetstream.ackTimeoutMs ?? 5000 })
    }
    const periodMs = Math.max(10, Math.min(1000, this.snapshotEveryMs / 2))
    this.timer = setInterval(() => this.snapshotDue(), periodMs)
    this.timer.unref()
  }

  /** Put one event on the bus. Never blocks; throws only when called before connect(). A no-op after close(). */
  publish(event: MarketEvent): void {
    if (this.closed) return
    if (!this.conn) throw new NeuralError('internal', 'BUS_NOT_CONNECTED', 'publish() before connect()')
    if (event.type === 'book') this.publishBook(event)
    else {
      const subject = subjectFor(event.type, event.ticker)
      this.send(subject, this.stamp(subject, JSON.stringify(event)))
    }
  }

  /**
   * Number a message in its subject's publisher sequence (`pub`, `pubSeq`): numbered when published,
   * whether it then reaches NATS, waits in the ring or is dropped, so a consumer without JetStream
   * sees every loss (ours while NATS was down, or its own while it was cut off) as a jump. Per
   * subject, because a consumer receives whole subjects: its filter never makes a number look skipped.
   */
  private stamp(subject: string, json: string): string {
    const seq = (this.subjectSeq.get(subject) ?? 0) + 1
    this.subjectSeq.set(subject, seq)
    return json.slice(0, -1) + this.stampTail + seq + '}'
  }

  stats(): BusPublisherStats {
    return { ...this.counts, buffered: this.ringCount, pendingAcks: this.pending.size, connected: this.conn?.isConnected() ?? false }
  }

  /** Send what is buffered and pending, wait for JetStream acks, then drain and close the connection. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.timer) clearInterval(this.timer)
    if (!this.conn) return
    if (this.conn.isConnected()) this.flushBuffer()
    if (this.pending.size > 0) {
      // Acks still out are waited for as long as a drain would be, not the full ack timeout.
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.options.drainTimeoutMs ?? 2000)))
      await Promise.race([Promise.allSettled([...this.pending]), timeout])
      clearTimeout(timer)
    }
    await this.conn.close()
  }

  // ——— books ———

  private publishBook(book: Book): void {
    let m = this.books.get(book.ticker)
    if (!m) {
      m = { ticker: book.ticker, seq: 0, sent: BusBook.empty(), latest: BusBook.empty(), ts: 0, lastSnapshotAt: 0, needsSnapshot: true }
      this.books.set(book.ticker, m)
    }
    m.latest = BusBook.fromLevels(book.yes, book.no)
    m.ts = book.ts
    if (!this.conn!.isConnected()) {
      // Not sent and not buffered: consumers get a snapshot after the reconnect instead.
      m.needsSnapshot = true
      return
    }
    if (m.needsSnapshot || Date.now() - m.lastSnapshotAt >= this.snapshotEveryMs) {
      this.sendSnapshot(m)
      return
    }
    const changes = m.sent.diff(m.latest)
    m.sent = m.latest
    m.seq++
    const delta: BookDeltaMessage = { type: 'book', kind: 'delta', ticker: m.ticker, seq: m.seq, changes, ts: m.ts }
    this.counts.deltas++
    const subject = subjectFor('book', m.ticker)
    this.send(subject, this.stamp(subject, JSON.stringify(delta)))
  }

  private sendSnapshot(m: MarketBook): void {
    m.seq++
    m.sent = m.latest
    m.needsSnapshot = false
    m.lastSnapshotAt = Date.now()
    const view = m.latest.toBook(m.ticker, m.seq, m.ts)
    const snapshot: BookSnapshotMessage = {
      type: 'book',
      kind: 'snapshot',
      ticker: m.ticker,
      seq: m.seq,
      yes: view.yes,
      no: view.no,
      yesBid: view.yesBid,
      yesAsk: view.yesAsk,
      noBid: view.noBid,
      noAsk: view.noAsk,
      ts: m.ts,
    }
    this.counts.snapshots++
    const subject = subjectFor('book', m.ticker)
    this.send(subject, this.stamp(subject, JSON.stringify(snapshot)))
  }

  /** Periodic snapshots, so a consumer that joins late (or lost a delta) has a whole book within snapshotEveryMs, even for a quiet market. */
  private snapshotDue(): void {
    if (this.closed || !this.conn?.isConnected()) return
    const now = Date.now()
    for (const m of this.books.values()) {
      if (m.needsSnapshot || now - m.lastSnapshotAt >= this.snapshotEveryMs) this.sendSnapshot(m)
    }
  }

  // ——— sending ———

  private send(subject: string, json: string): void {
    if (!this.conn!.isConnected()) {
      this.buffer(subject, json)
      return
    }
    // The client may report connected before our reconnect handler has flushed: what waited goes
    // first, or a consumer would count it lost at the jump in numbers and then receive it as well.
    if (this.ringCount > 0) this.flushBuffer()
    if (this.js) {
      if (!this.publishJetStream(subject, json)) return
    } else {
      this.conn!.nc.publish(subject, json)
    }
    this.counts.published++
  }

  /** False when dropped because too many acks are outstanding. */
  private publishJetStream(subject: string, json: string): boolean {
    const maxPending = this.options.jetstream?.maxPendingAcks ?? 10_000
    if (this.pending.size >= maxPending) {
      this.counts.dropped++
      return false
    }
    // Acks are not awaited one by one: the publish goes out at once and its ack is counted when it comes.
    const p: Promise<PubAck | void> = this.js!.publish(subject, encoder.encode(json)).then(
      () => {
        this.counts.acked++
        this.ackFailing = false
      },
      (cause: unknown) => {
        this.counts.ackErrors++
        if (!this.ackFailing) {
          // Reported once per failing streak, not per message.
          this.ackFailing = true
          const reason = cause instanceof Error ? cause.message : String(cause)
          this.emit('error', new NeuralError('network', 'BUS_ACK_FAILED', `JetStream did not acknowledge a publish: ${reason}`, { cause }))
        }
      },
    )
    this.pending.add(p)
    void p.finally(() => this.pending.delete(p))
    return true
  }

  private buffer(subject: string, json: string): void {
    if (this.maxBuffered <= 0) {
      this.counts.dropped++
      return
    }
    if (this.ringCount === this.maxBuffered) {
      this.ring[this.ringHead] = [subject, json]
      this.ringHead = (this.ringHead + 1) % this.maxBuffered
      this.counts.dropped++
      return
    }
    this.ring[(this.ringHead + this.ringCount) % this.maxBuffered] = [subject, json]
    this.ringCount++
  }

  private flushBuffer(): void {
    const ring = this.ring
    const head = this.ringHead
    const count = this.ringCount
    this.ring = []
    this.ringHead = 0
    this.ringCount = 0
    for (let i = 0; i < count; i++) {
      const [subject, json] = ring[(head + i) % this.maxBuffered]
      this.send(subject, json)
    }
  }

  private onConnection(event: ConnectionEvent): void {
    if (event.state === 'disconnected') this.wasDisconnected = true
    if (event.state === 'connected' && this.wasDisconnected && !this.closed) {
      this.wasDisconnected = false
      this.flushBuffer()
      // Consumers may have missed book messages: give every market a whole book now.
      for (const m of this.books.values()) m.needsSnapshot = true
      this.snapshotDue()
    }
    this.emit('connection', event)
  }
}

/** Create the stream when missing; an existing stream must capture neural.> (or publishes would be refused). */
async function ensureStream(nc: NatsConnection, options: JetStreamPublishOptions): Promise<void> {
  let jsm
  try {
    jsm = await nc.jetstreamManager()
  } catch (cause) {
    throw configError('BUS_NO_JETSTREAM', `the NATS server has no JetStream: start it with -js, or publish without a stream`, cause)
  }
  try {
    const info = await jsm.streams.info(options.stream)
    if (!info.config.subjects?.some((s) => s === 'neural.>' || s === '>')) {
      throw configError('BUS_STREAM_SUBJECTS', `JetStream stream "${options.stream}" exists but does not capture neural.> (its subjects: ${(info.config.subjects ?? []).join(', ')})`)
    }
    return
  } catch (error) {
    if (error instanceof NeuralError) throw error
    if (!/not found/i.test(String((error as Error)?.message))) {
      throw new NeuralError('network', 'BUS_STREAM_INFO', `cannot read JetStream stream "${options.stream}": ${(error as Error)?.message}`, { cause: error })
    }
  }
  const { nanos } = await loadNats()
  try {
    await jsm.streams.add({
      name: options.stream,
      subjects: [...STREAM_SUBJECTS],
      ...(options.maxAgeMs !== undefined ? { max_age: nanos(options.maxAgeMs) } : {}),
      ...(options.maxMsgs !== undefined ? { max_msgs: options.maxMsgs } : {}),
      ...(options.maxBytes !== undefined ? { max_bytes: options.maxBytes } : {}),
    })
  } catch (cause) {
    throw configError('BUS_STREAM_CREATE', `cannot create JetStream stream "${options.stream}": ${(cause as Error)?.message}`, cause)
  }
}
