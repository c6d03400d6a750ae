/**
 * Reads the bus: the same typed events as the streaming core (Tick, Trade, Book, Lifecycle, Fill and
 * connection events), from NATS instead of Kalshi, so a strategy can run on another machine than the feed.
 *
 * Books are rebuilt from snapshots and deltas. A book is handed out only when it is known exactly: from
 * a snapshot, plus deltas with contiguous seq. A skipped seq, or a delta before any snapshot (a consumer
 * that joined late), marks the market's book invalid and emits 'gap' once; no book of that market is
 * emitted until the publisher's next snapshot (at most snapshotEveryMs away).
 */
import type { ConsumerMessages, Subscription } from 'nats'
import { Emitter } from '../core/emitter.js'
import type { Book, ConnectionEvent, Fill, Lifecycle, MarketEventListeners, Tick, Trade } from '../core/types.js'
import { NeuralError, configError } from '../errors.js'
import { BusBook } from './bus-book.js'
import type { BookChange, BusGap } from './messages.js'
import { loadNats, openBusConnection, type BusConnection, type BusConnectionOptions } from './nats-connection.js'
import { STREAM_SUBJECTS, parseSubject, subjectFilter, type BusEventType, type SubjectFilter } from './subjects.js'
import { decodeBusEvent } from './decode.js'

export interface BusSubscribeOptions {
  /** Market tickers, series/event patterns (KXNFLGAME*, KXNFLGAME-25SEP04DALPHI*), or '*' for every market. */
  filters: readonly string[]
  /** Event types to receive. @default all: ticker, trade, book, lifecycle, fill */
  types?: readonly BusEventType[]
  /** Read a JetStream stream instead of live core NATS. 'all' replays what the stream still holds, then follows; 'new' follows only. */
  jetstream?: { stream: string; deliver: 'all' | 'new' }
}

export interface BusSourceStats {
  /** Messages accepted (after filtering), of every type. */
  messages: number
  /** Gaps reported (each makes one market's book invalid until its next snapshot). */
  gaps: number
  /** Messages the publishers numbered that never arrived (core NATS, no JetStream). */
  missed: number
  /** Markets whose book is currently invalid (waiting for a snapshot). */
  invalidBooks: number
  /** Messages that were not bus JSON (ignored). */
  malformed: number
  /**
   * Messages dropped because their publisher sequence was not new: a duplicate, or one that came
   * after a later message of its subject (it was already counted in `missed`, and is older than
   * what was delivered since).
   */
  stale: number
  /** Local time of the last accepted message, epoch ms. */
  lastMessageAt?: number
  connected: boolean
}

/** Books are whole, exact views (fresh arrays each time) whose `seq` is the market's bus seq. */
export type BusSourceEvents = MarketEventListeners & { gap: (gap: BusGap) => void }

interface MarketBook {
  book: BusBook
  /** Last bus seq seen for this market's book. */
  seq?: number
  /** Book.ts of the last applied message. */
  ts: number
  valid: boolean
  /** A gap was reported since the last snapshot: further deltas are ignored silently. */
  gapReported: boolean
}

const decoder = new TextDecoder()

const isLevel = (l: unknown): boolean => Array.isArray(l) && l.length === 2 && typeof l[0] === 'number' && typeof l[1] === 'number'
const isChange = (c: unknown): c is BookChange => {
  const o = c as BookChange
  return typeof o === 'object' && o !== null && (o.side === 'yes' || o.side === 'no') && typeof o.price === 'number' && typeof o.quantity === 'number'
}

export class BusSource extends Emitter<BusSourceEvents> {
  private conn?: BusConnection
  private filter?: SubjectFilter
  private readonly subscriptions: Subscription[] = []
  private consumer?: ConsumerMessages
  private readonly books = new Map<string, MarketBook>()
  private closed = false
  private malformedReported = false
  private readonly counts = { messages: 0, gaps: 0, malformed: 0, missed: 0, stale: 0 }
  /** Last publisher sequence seen per publisher and subject. */
  private readonly pubSeqs = new Map<string, number>()
  private lastMessageAt?: number

  constructor(private readonly options: BusConnectionOptions = {}) {
    super()
  }

  /**
   * Connect and subscribe. Resolves once the server has the subscriptions (or the JetStream consumer
   * exists), so anything published afterwards is received. Throws NeuralError: input for bad filters,
   * network when NATS is not there, config when the stream does not exist.
   */
  async connect(url: string, subscribe: BusSubscribeOptions): Promise<void> {
    if (this.conn) throw new NeuralError('internal', 'BUS_ALREADY_CONNECTED', 'the source is already connected')
    const filter = subjectFilter(subscribe.filters, subscribe.types)
    this.filter = filter
    this.conn = await openBusConnection(url, { name: 'neural-source', ...this.options }, (e) => this.emit('connection', e))
    const nc = this.conn.nc
    try {
      if (subscribe.jetstream) {
        const { stream, deliver } = subscribe.jetstream
        const js = nc.jetstream()
        // nats-server before 2.10 takes one filter subject per consumer: several subjects become
        // the whole bus, narrowed by `matches` below.
        const filterSubjects = filter.subjects.length === 1 ? filter.subjects[0] : STREAM_SUBJECTS[0]
        const { DeliverPolicy } = await loadNats()
        let consumer
        try {
          // 'all' is the ordered consumer's default (start at stream sequence 1, or the oldest kept):
          // passing DeliverPolicy.All beside the start sequence nats.js adds is refused by the server.
          consumer = await js.consumers.get(stream, deliver === 'new' ? { filterSubjects, deliver_policy: DeliverPolicy.New } : { filterSubjects })
        } catch (cause) {
          throw configError('BUS_STREAM_MISSING', `cannot read JetStream stream "${stream}": ${(cause as Error)?.message}`, cause)
        }
        const clientSide = filterSubjects !== filter.subjects[0] || filter.clientSide
        this.consumer = await consumer.consume({ callback: (m) => this.onMessage(m.subject, m.data, clientSide) })
      } else {
        for (const subject of filter.subjects) {
          this.subscriptions.push(
            nc.subscribe(subject, {
              callback: (error, m) => {
                if (error) this.emit('error', new NeuralError('network', 'BUS_SUBSCRIPTION', `NATS subscription ${subject} failed: ${error.message}`, { cause: error }))
                else this.onMessage(m.subject, m.data, filter.clientSide)
              },
            }),
          )
        }
        // A round trip: the server has the subscriptions once the flush returns.
        await nc.flush()
      }
    } catch (error) {
      await this.conn.close()
      throw error
    }
  }

  /** The latest exact book of a market, or undefined when none is known (no snapshot yet, or after a gap). */
  book(ticker: string): Book | undefined {
    const m = this.books.get(ticker)
    return m?.valid && m.seq !== undefined ? m.book.toBook(ticker, m.seq, m.ts) : undefined
  }

  stats(): BusSourceStats {
    let invalidBooks = 0
    for (const m of this.books.values()) if (!m.valid) invalidBooks++
    return { ...this.counts, invalidBooks, lastMessageAt: this.lastMessageAt, connected: this.conn?.isConnected() ?? false }
  }

  /** Stop receiving and close the connection. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.consumer?.stop()
    for (const s of this.subscriptions) s.unsubscribe()
    await this.conn?.close()
  }

  // ——— messages ———

  private onMessage(subject: string, data: Uint8Array, clientSide: boolean): void {
    if (this.closed) return
    if (clientSide && !this.filter!.matches(subject)) return
    let m: { type?: unknown; ticker?: unknown; kind?: unknown }
    try {
      m = JSON.parse(decoder.decode(data))
    } catch {
      return this.malformed(subject, 'not JSON')
    }
    if (typeof m !== 'object' || m === null || typeof m.type !== 'string' || typeof m.ticker !== 'string') return this.malformed(subject, 'no type or ticker')
    if ('pubSeq' in m) {
      // The publisher's numbering is the bus's business, not part of the event.
      const { pub, pubSeq, ...event } = m as typeof m & { pub?: unknown; pubSeq?: unknown }
      m = event
      if (typeof pub === 'string' && typeof pubSeq === 'number' && !this.notePubSeq(pub, subject, m.ticker as string, pubSeq)) {
        this.counts.stale++
        return
      }
    }
    if (m.type === 'book') {
      this.counts.messages++
      this.lastMessageAt = Date.now()
      return this.onBook(m as Record<string, unknown>, subject)
    }
    const decoded = decodeBusEvent(m as Record<string, unknown>)
    if (!decoded) return this.malformed(subject, `unknown type "${m.type}"`)
    if (!decoded.ok) return this.malformed(subject, decoded.why)
    this.counts.messages++
    this.lastMessageAt = Date.now()
    const e = decoded.value
    switch (e.type) {
      case 'ticker': return this.emit('tick', e)
      case 'trade': return this.emit('trade', e)
      case 'lifecycle': return this.emit('lifecycle', e)
      case 'fill': return this.emit('fill', e)
    }
  }

  private onBook(m: Record<string, unknown>, subject: string): void {
    const ticker = m.ticker as string
    const seq = m.seq
    const ts = typeof m.ts === 'number' ? m.ts : Date.now()
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq)) return this.malformed(subject, 'book without seq')
    let state = this.books.get(ticker)
    if (m.kind === 'snapshot') {
      if (!Array.isArray(m.yes) || !Array.isArray(m.no) || !m.yes.every(isLevel) || !m.no.every(isLevel)) return this.malformed(subject, 'bad snapshot levels')
      const book = BusBook.fromLevels(m.yes, m.no)
      if (!state) this.books.set(ticker, (state = { book, ts, valid: true, gapReported: false }))
      state.book = book
      state.seq = seq
      state.valid = true
      state.gapReported = false
      state.ts = ts
      this.emit('book', book.toBook(ticker, seq, ts))
      return
    }
    if (m.kind !== 'delta') return this.malformed(subject, `unknown book kind "${String(m.kind)}"`)
    if (!Array.isArray(m.changes) || !m.changes.every(isChange)) return this.malformed(subject, 'bad delta changes')
    if (!state) this.books.set(ticker, (state = { book: BusBook.empty(), ts, valid: false, gapReported: false }))
    if (!state.valid) {
      if (!state.gapReported) this.reportGap(state, { type: 'gap', ticker, reason: 'no_snapshot', receivedSeq: seq, ts: Date.now() })
      state.seq = seq
      return
    }
    const expected = state.seq! + 1
    if (seq !== expected) {
      state.valid = false
      state.seq = seq
      this.reportGap(state, { type: 'gap', ticker, reason: 'seq', expectedSeq: expected, receivedSeq: seq, ts: Date.now() })
      return
    }
    state.book.apply(m.changes as BookChange[])
    state.seq = seq
    state.ts = ts
    this.emit('book', state.book.toBook(ticker, seq, ts))
  }

  /**
   * Core NATS does not redeliver: a jump in a subject's publisher sequence means messages were lost
   * (the publisher's while NATS was down, or ours while we were cut off). Say so with the count, and
   * re-snapshot: every book waits for the publisher's next snapshot, since its deltas were likely lost too.
   * False for a number already passed: that message is dropped, so that what is delivered plus what
   * is reported missed is what was published, each message once and in order.
   */
  private notePubSeq(pub: string, subject: string, ticker: string, pubSeq: number): boolean {
    const key = pub + ' ' + subject
    const prev = this.pubSeqs.get(key)
    if (prev !== undefined && pubSeq <= prev) return false
    this.pubSeqs.set(key, pubSeq)
    if (prev === undefined || pubSeq === prev + 1) return true
    const missed = pubSeq - prev - 1
    this.counts.gaps++
    this.counts.missed += missed
    for (const state of this.books.values()) {
      state.valid = false
      state.gapReported = true
      state.book = BusBook.empty()
    }
    this.emit('gap', { type: 'gap', ticker, reason: 'publisher_seq', eventType: parseSubject(subject)?.type, expectedSeq: prev + 1, receivedSeq: pubSeq, missed, ts: Date.now() })
    return true
  }

  private reportGap(state: MarketBook, gap: BusGap): void {
    state.gapReported = true
    state.book = BusBook.empty()
    this.counts.gaps++
    this.emit('gap', gap)
  }

  private malformed(subject: string, why: string): void {
    this.counts.malformed++
    // Reported once: a wrong publisher on the subject would otherwise flood the error listener.
    if (this.malformedReported) return
    this.malformedReported = true
    this.emit('error', new NeuralError('protocol', 'BUS_MALFORMED', `ignoring a message on ${subject} that is not neural bus JSON (${why}); further ones are only counted`))
  }
}
