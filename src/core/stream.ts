/**
 * MarketStream: the one façade commands and strategies use. It connects, keeps the subscriptions
 * (subscriptions.ts) and wildcard targets (wildcards.ts) current, rebuilds order books, and turns
 * every frame into typed events. Every frame, from the socket or from a record file, goes through
 * `ingest`.
 */
import type { Signer } from '../auth/signer.js'
import { NeuralError, type ErrorCode } from '../errors.js'
import { DEFAULT_RETRY, type RetryPolicy } from './backoff.js'
import { MARKET_CHANNELS, WIRE_CHANNELS, ourChannel, type ChannelName } from './channels.js'
import { Commands } from './commands.js'
import { Connection, type SocketFactory } from './connection.js'
import { Emitter } from './emitter.js'
import { PRICE_SCALE } from './fixed-point.js'
import { MarketHealth, type HealthOptions, type HealthSummary } from './health.js'
import { MarketStore, type HistoryKeeping } from './market-store.js'
import { OrderBooks, type Gap } from './order-book.js'
import { RestClient } from './rest-client.js'
import { Subscriptions, type GapBackoff, type SubscriptionInfo } from './subscriptions.js'
import { parseTargets, resolveTargets } from './targets.js'
import type { Book, ConnectionEvent, EventLifecycle, Fill, LagEvent, Lifecycle, MarketEventListeners, StaleEvent, Tick, Trade } from './types.js'
import { Wildcards } from './wildcards.js'
import { parseFrame, type BookDeltaMessage, type BookSnapshotMessage } from './wire.js'

export { WIRE_CHANNELS, type ChannelName } from './channels.js'

/** The URL of a stream made by `forReplay`: `start()` on it fails at once instead of dialling out. */
const REPLAY_URL = 'ws://replay.invalid'
export type { SubscriptionInfo } from './subscriptions.js'

export interface MarketStreamOptions {
  wsUrl: string
  /** REST base (with /trade-api/v2); needed to resolve wildcards. */
  apiUrl?: string
  signer?: Signer
  /** Connect timeout, liveness timeout and command-reply timeout. @default 30000 */
  timeoutMs?: number
  retry?: RetryPolicy
  /** Market tickers per subscribe command. @default 100 */
  batchSize?: number
  /** Pause between subscribe batches after the first `batchBurst`. @default 50 */
  batchPauseMs?: number
  /**
   * Batches sent back to back before pacing starts: 500 markets subscribe without waiting (measured
   * 48 ms instead of 248 ms on loopback), thousands are still paced. @default 5
   */
  batchBurst?: number
  /** @default ['ticker', 'trade'] */
  channels?: ChannelName[]
  /** Re-resolve wildcard targets this often; 0 = never. @default 60000 */
  refreshMs?: number
  socketFactory?: SocketFactory
  now?: () => number
  random?: () => number
  /** A REST client to share (else one is made from apiUrl and signer). */
  rest?: RestClient
  /** Protocol trouble (malformed/unknown frames) is reported at most once per this period. @default 10000 */
  errorIntervalMs?: number
  /** When a market counts as lagging or stale (`lag` and `stale` events). */
  health?: HealthOptions
  /** How re-snapshots after sequence gaps back off per market. @default DEFAULT_GAP_BACKOFF */
  gapBackoff?: GapBackoff
  /** Per-market history in the store: for every market, or only for those whose history is read. @default 'all' */
  history?: HistoryKeeping
}

export interface SubscribeResult {
  /** Market tickers now watched, from this call. */
  tickers: string[]
  /** Tickers the exchange refused, each with a one-line reason. */
  unknown: { ticker: string; message: string }[]
}

export interface StreamStats {
  connected: boolean
  messages: number
  ratePerSec: number
  reconnects: number
  malformed: number
  unknownTypes: number
  lastMessageAt?: number
  markets: number
  subscriptions: number
  gaps: number
  /** Book frames refused: on a subscription id we do not own (or for a market it does not cover), or a delta without seq. */
  rejectedFrames: number
  /** Watched markets silent for longer than expected, and markets whose data is late, worst first. */
  health: HealthSummary
}

export interface StreamEvents extends MarketEventListeners {
  /**
   * Every frame as it came, with its receive time (for recording): the socket's bytes, or the text
   * handed to `ingest`. Handed over as is, so that listening costs no copy (`String(raw)` is its text;
   * a Buffer is a view of the socket's read, so a listener that keeps frames keeps text or a copy).
   */
  frame: (raw: string | Buffer, receivedAt: number) => void
  gap: (gap: Gap) => void
  subscribed: (subscription: SubscriptionInfo) => void
  /** A market's data arrives much later than its exchange time. */
  lag: (event: LagEvent) => void
  /** A watched market has been silent for longer than expected (checked every second while connected). */
  stale: (event: StaleEvent) => void
  /** An event was created (market_lifecycle_v2 channel). */
  event_lifecycle: (event: EventLifecycle) => void
}


export class MarketStream extends Emitter<StreamEvents> {
  /** Latest state per market; read-only views go to commands and strategies. */
  readonly store: MarketStore
  readonly books = new OrderBooks()
  readonly health: MarketHealth
  private healthTimer?: NodeJS.Timeout

  private readonly opts: Required<Pick<MarketStreamOptions, 'timeoutMs' | 'batchSize' | 'batchPauseMs' | 'batchBurst' | 'refreshMs' | 'errorIntervalMs'>> & MarketStreamOptions
  private readonly now: () => number
  private readonly rest?: RestClient
  private readonly userChannels: Set<string>
  private readonly marketChannels: string[]
  private connection?: Connection
  private readonly commands: Commands
  private readonly wildcards = new Wildcards()
  private readonly subs: Subscriptions
  private refreshTimer?: NodeJS.Timeout
  private closed = false

  // Counters.
  private messages = 0
  private malformed = 0
  private unknownTypes = 0
  private gaps = 0
  private rejectedFrames = 0
  private lastMessageAt?: number
  private bucketStart = 0
  private bucketCount = 0
  private lastRate = 0
  private lastProtocolErrorAt = -Infinity
  private readonly lastRetryNoticeAt = new Map<string, number>()

  constructor(options: MarketStreamOptions) {
    super()
    this.store = new MarketStore(undefined, options.history)
    this.opts = {
      timeoutMs: 30_000,
      batchSize: 100,
      batchPauseMs: 50,
      batchBurst: 5,
      refreshMs: 60_000,
      errorIntervalMs: 10_000,
      ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
    } as MarketStream['opts']
    if (!Number.isInteger(this.opts.batchSize) || this.opts.batchSize < 1) throw new NeuralError('config', 'BAD_BATCH_SIZE', `subscription batch size must be a whole number ≥ 1 (got ${this.opts.batchSize})`)
    this.now = options.now ?? Date.now
    this.health = new MarketHealth(options.health)
    this.rest = options.rest ?? (options.apiUrl ? new RestClient({ apiUrl: options.apiUrl, signer: options.signer, onRetry: (error) => this.retryNotice(error) }) : undefined)
    const channels = options.channels ?? ['ticker', 'trade']
    for (const c of channels) if (!(c in WIRE_CHANNELS)) throw new NeuralError('config', 'BAD_CHANNEL', `unknown channel "${c}" (use ${Object.keys(WIRE_CHANNELS).join(', ')})`)
    this.userChannels = new Set(channels.map((c) => WIRE_CHANNELS[c]))
    this.marketChannels = [...this.userChannels].filter((c) => MARKET_CHANNELS.has(c))
    this.commands = new Commands({
      send: (text) => this.connection?.send(text) ?? false,
      timeoutMs: this.opts.timeoutMs,
      onRetry: (error) => this.retryNotice(error),
    })
    this.subs = new Subscriptions({
      commands: this.commands,
      wildcards: this.wildcards,
      books: this.books,
      isOpen: () => !this.closed && (this.connection?.connected ?? false),
      userChannels: this.userChannels,
      marketChannels: this.marketChannels,
      batchSize: this.opts.batchSize,
      batchPauseMs: this.opts.batchPauseMs,
      batchBurst: this.opts.batchBurst,
      timeoutMs: this.opts.timeoutMs,
      now: this.now,
      gapBackoff: options.gapBackoff,
      onError: (error) => this.emit('error', error),
      onRetry: (error) => this.retryNotice(error),
      onSubscribed: (subscription) => this.emit('subscribed', subscription),
    })
  }

  /**
   * A stream that never connects: record files and tests hand it frames through `ingest`, and it
   * parses them, keeps books and the store, and emits events exactly as a live stream would.
   */
  static forReplay(options: Pick<MarketStreamOptions, 'channels' | 'now' | 'health' | 'history'> = {}): MarketStream {
    return new MarketStream({ ...options, wsUrl: REPLAY_URL, refreshMs: 0 })
  }

  /** Connect (resolves on the first open; rejects with a NeuralError if the retry policy gives up first). */
  async start(): Promise<void> {
    if (this.connection) throw new Error('MarketStream.start() called twice')
    if (this.opts.wsUrl === REPLAY_URL) throw new Error('MarketStream.start() on a replay stream: it takes frames through ingest()')
    this.connection = new Connection({
      url: this.opts.wsUrl,
      signer: this.opts.signer,
      timeoutMs: this.opts.timeoutMs,
      retry: this.opts.retry ?? DEFAULT_RETRY,
      socketFactory: this.opts.socketFactory,
      now: this.now,
      random: this.opts.random,
      onFrame: (frame, receivedAt) => this.ingest(frame, receivedAt),
      // A new connection has no subscriptions: restore them all.
      onOpen: () => this.subs.restore(),
    })
    this.connection.on('connection', (e) => this.emit('connection', e))
    this.connection.on('error', (e) => this.emit('error', e))
    this.healthTimer = setInterval(() => this.checkStale(), 1000)
    this.healthTimer.unref()
    if (this.opts.refreshMs > 0) {
      this.refreshTimer = setInterval(() => void this.refreshWildcards(), this.opts.refreshMs)
      this.refreshTimer.unref()
    }
    try {
      await this.connection.start()
    } catch (error) {
      if (this.refreshTimer) clearInterval(this.refreshTimer)
      if (this.healthTimer) clearInterval(this.healthTimer)
      throw error
    }
  }

  /**
   * Watch market tickers, series (`KXNFLGAME*`) or events (`KXNFLGAME-25SEP04DALPHI*`). Targets are
   * validated first (a bad one throws NeuralError input before anything is sent); wildcards are
   * resolved through REST; tickers go out in batches. A ticker the exchange refuses is reported in
   * `unknown`, and the rest goes on.
   */
  async subscribe(inputs: readonly string[]): Promise<SubscribeResult> {
    const targets = parseTargets(inputs)
    const wild = targets.filter((t) => t.kind !== 'market')
    if (wild.length > 0 && !this.rest) throw new NeuralError('config', 'NO_API_URL', 'wildcard targets need the REST API URL (apiUrl) to find their markets')
    const resolved = wild.length > 0 ? await resolveTargets(targets, this.rest as RestClient) : { tickers: targets.map((t) => t.value), byTarget: new Map<string, string[]>() }
    this.subs.want(targets, resolved.tickers, resolved.byTarget)
    await this.subs.reconcile()
    const unknown: SubscribeResult['unknown'] = []
    const tickers: string[] = []
    for (const t of resolved.tickers) {
      const reason = this.subs.unknownTickers.get(t)
      if (reason !== undefined) unknown.push({ ticker: t, message: reason })
      else if (this.subs.desired.has(t)) tickers.push(t)
    }
    return { tickers, unknown }
  }

  /** Stop watching these market tickers (also when a wildcard brought them in). */
  async unsubscribe(tickers: readonly string[]): Promise<void> {
    this.subs.unwant(tickers)
    await this.subs.reconcile()
  }

  /** Subscriptions the exchange confirmed on the current connection. */
  subscriptions(): SubscriptionInfo[] {
    return this.subs.confirmed()
  }

  /** Ask the exchange what it has (list_subscriptions). */
  async listServerSubscriptions(): Promise<{ channel: string; sid: number }[]> {
    const p = await this.commands.sendWithRetry('list', { cmd: 'list_subscriptions' }, [], [], 1, () => !this.closed)
    if (p.error) throw new NeuralError('protocol', `WS_${p.error.codeName.toUpperCase()}`, `list_subscriptions failed: ${p.error.message || p.error.codeName}`)
    if (p.interrupted || p.timedOut) throw new NeuralError('network', 'NO_REPLY', 'no reply to list_subscriptions')
    return (p.subscriptions ?? []).map((s) => ({ channel: ourChannel(s.channel), sid: s.sid }))
  }

  /** Watched market tickers. */
  watched(): string[] {
    return [...this.subs.desired]
  }

  stats(): StreamStats {
    const now = this.now()
    return {
      connected: this.connection?.connected ?? false,
      messages: this.messages,
      ratePerSec: now - this.bucketStart > 2000 ? 0 : this.lastRate,
      reconnects: Math.max(0, (this.connection?.opens ?? 0) - 1),
      malformed: this.malformed,
      unknownTypes: this.unknownTypes,
      lastMessageAt: this.lastMessageAt,
      markets: this.store.size(),
      subscriptions: this.subs.size,
      gaps: this.gaps,
      rejectedFrames: this.rejectedFrames,
      health: this.health.summary(now, (t) => this.subs.desired.has(t)),
    }
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.refreshTimer) clearInterval(this.refreshTimer)
    if (this.healthTimer) clearInterval(this.healthTimer)
    this.subs.cancelGapTimers()
    this.commands.interruptAll()
    await this.connection?.close()
  }

  /**
   * The single path of every frame (socket and replay): the socket's bytes, or text from a record.
   * Ticker, trade and delta frames from the socket are read without JSON.parse (wire.ts,
   * frame-scan.ts); nothing is allocated beyond the message and the event object.
   */
  ingest(raw: string | Buffer, receivedAt: number): void {
    // close() means no more data: frames already read from the socket while it closes are dropped.
    if (this.closed) return
    this.messages++
    this.lastMessageAt = receivedAt
    if (receivedAt - this.bucketStart >= 1000) {
      const elapsed = receivedAt - this.bucketStart
      this.lastRate = elapsed < 2000 ? Math.round((this.bucketCount * 1000) / elapsed) : 0
      this.bucketStart = receivedAt
      this.bucketCount = 0
    }
    this.bucketCount++
    this.emit('frame', raw, receivedAt)
    const m = parseFrame(raw, receivedAt)
    switch (m.kind) {
      case 'tick': {
        this.store.applyTick(m.tick)
        this.emit('tick', m.tick)
        const lag = this.health.note(m.tick.ticker, m.tick.lastUpdate, receivedAt)
        if (lag) this.emit('lag', lag)
        return
      }
      case 'trade': {
        this.store.applyTrade(m.trade)
        this.emit('trade', m.trade)
        const lag = this.health.note(m.trade.ticker, m.trade.ts, receivedAt)
        if (lag) this.emit('lag', lag)
        return
      }
      case 'book_delta':
      case 'book_snapshot': {
        if (this.connection && !this.ownBookFrame(m)) return
        const r = m.kind === 'book_delta' ? this.books.applyDelta(m) : this.books.applySnapshot(m)
        if (r === undefined) return
        this.health.note(m.ticker, undefined, receivedAt)
        if ('type' in r) {
          this.onGap(r)
          return
        }
        if (this.hasListeners('book')) {
          const book = r.toBook()
          this.store.applyBook(book)
          this.emit('book', book)
        } else {
          const yesBest = r.yes.best()
          const noBest = r.no.best()
          this.store.applyBookSource(r.ticker, r, yesBest === undefined ? undefined : yesBest / PRICE_SCALE, noBest === undefined ? undefined : (PRICE_SCALE - noBest) / PRICE_SCALE, r.ts)
        }
        return
      }
      case 'lifecycle':
        this.onLifecycle(m.lifecycle)
        return
      case 'fill':
        this.emit('fill', m.fill)
        return
      case 'event_lifecycle':
        this.onEventLifecycle(m.event)
        return
      case 'event_fee_update':
        this.emit('event_fee_update', m.fee)
        return
      case 'subscribed':
        this.subs.onSubscribed(m.id, m.channel, m.sid)
        return
      case 'unsubscribed':
        this.books.dropSid(m.sid)
        this.commands.replied(m.id)
        return
      case 'ok':
        // An update_subscription ack takes a number in its sid's sequence.
        if (m.sid !== undefined && m.seq !== undefined) {
          const gap = this.books.noteSeq(m.sid, m.seq, receivedAt)
          if (gap) this.onGap(gap)
        }
        this.commands.replied(m.id, m.subscriptions)
        return
      case 'error':
        // A subscription-scoped error takes a number in its subscription's sequence: note it, or the
        // next delta reads as a gap (seen on real Kalshi: an error took seq 4 between deltas 3 and 5).
        if (m.sid !== undefined && m.seq !== undefined && this.subs.channelOf(m.sid) === WIRE_CHANNELS.orderbook) {
          const gap = this.books.noteSeq(m.sid, m.seq, receivedAt)
          if (gap) this.onGap(gap)
        }
        this.subs.onExchangeError(m)
        return
      case 'unknown':
        this.unknownTypes++
        this.protocolTrouble('UNKNOWN_MESSAGE', `unknown message type "${m.msgType}"`)
        return
      case 'malformed':
        this.malformed++
        this.protocolTrouble('MALFORMED_FRAME', `malformed frame (${m.reason})`)
        return
    }
  }

  /** Markets silent for longer than expected. Only while connected: a drop is already reported as one, not as every market going quiet. */
  private checkStale(): void {
    if (this.closed || !this.connection?.connected) return
    for (const e of this.health.checkStale(this.now(), (t) => this.subs.desired.has(t))) this.emit('stale', e)
  }

  /** Re-resolve every wildcard through REST: new open markets join, markets no longer open leave. */
  async refreshWildcards(): Promise<void> {
    if (!this.rest || this.wildcards.size === 0 || this.closed) return
    if (await this.wildcards.refresh(this.rest, this.subs, (error) => this.emit('error', error))) await this.subs.reconcile()
  }

  protected override onListenerError(error: unknown, event: string): void {
    if (event === 'error') return // nowhere left to report it
    this.emit('error', new NeuralError('strategy', 'LISTENER_FAILED', `a "${event}" listener threw: ${(error as Error)?.message ?? String(error)}`, { cause: error }))
  }

  /**
   * Live frames change a book only on a subscription of ours that covers the market, and a delta
   * only with its seq (without one a lost delta could not be noticed). Anything else is counted and
   * dropped: a foreign sid once replaced a book with 0.99/0.99. Replayed records are our own frames.
   */
  private ownBookFrame(m: BookSnapshotMessage | BookDeltaMessage): boolean {
    const owned = m.sid === undefined ? 'no' : this.subs.owns(m.sid, 'orderbook_delta', m.ticker)
    if (owned === 'retired') return false
    let why: string | undefined
    if (owned === 'no') why = m.sid === undefined ? `${m.kind === 'book_delta' ? 'delta' : 'snapshot'} without a subscription id for ${m.ticker}` : `${m.kind === 'book_delta' ? 'delta' : 'snapshot'} on subscription ${m.sid}, which is not ours for ${m.ticker}`
    else if (m.kind === 'book_delta' && m.seq === undefined) why = `delta without seq for ${m.ticker}`
    if (why === undefined) return true
    this.rejectedFrames++
    this.protocolTrouble('REJECTED_FRAME', `book frame refused (${why})`)
    return false
  }

  private onGap(gap: Gap): void {
    this.gaps++
    for (const t of gap.tickers) this.store.dropBook(t)
    this.emit('gap', gap)
    if (gap.sid >= 0 && this.subs.has(gap.sid)) this.subs.resubscribeAfterGap(gap.sid, gap.tickers)
  }

  private onLifecycle(event: Lifecycle): void {
    const watched = this.subs.desired.has(event.ticker)
    // Wildcards follow the exchange: new markets join, finished ones leave.
    if (this.wildcards.size > 0 && this.wildcards.follow(event, watched, this.subs)) void this.subs.reconcile()
    // Still emitted when a wildcard's market just left: the settlement is news for whoever watched it.
    if ((watched || this.subs.desired.has(event.ticker)) && this.userChannels.has('market_lifecycle_v2')) {
      this.store.applyLifecycle(event)
      this.emit('lifecycle', event)
    }
  }

  /** A new event: when a wildcard covers it, look its markets up now rather than at the next refresh. */
  private onEventLifecycle(event: EventLifecycle): void {
    if (this.wildcards.size > 0 && this.wildcards.coversEvent(event.eventTicker)) void this.refreshWildcards()
    this.emit('event_lifecycle', event)
  }

  /** Transient trouble that is being retried: reported at most once per code per errorIntervalMs, so a flaky exchange does not flood the output. */
  private retryNotice(error: NeuralError): void {
    const now = this.now()
    if (now - (this.lastRetryNoticeAt.get(error.code) ?? -Infinity) < this.opts.errorIntervalMs) return
    this.lastRetryNoticeAt.set(error.code, now)
    this.emit('error', error)
  }

  private protocolTrouble(code: ErrorCode, message: string): void {
    const now = this.now()
    if (now - this.lastProtocolErrorAt < this.opts.errorIntervalMs) return
    this.lastProtocolErrorAt = now
    this.emit('error', new NeuralError('protocol', code, `${message}; ${this.malformed} malformed, ${this.unknownTypes} unknown and ${this.rejectedFrames} refused frames so far (ignored)`))
  }
}
