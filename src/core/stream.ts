/**
 * MarketStream: the one façade commands and strategies use. It owns the subscriptions (what the
 * user wants, and what the exchange has confirmed on the current connection), restores them after
 * every reconnect, keeps wildcard targets current, rebuilds order books, and turns every frame into
 * typed events. Every frame, from the socket or from a record file, goes through `ingest`.
 */
import type { Signer } from '../auth/signer.js'
import { NeuralError } from '../errors.js'
import { DEFAULT_RETRY, sleep, type RetryPolicy } from './backoff.js'
import { Connection, type SocketFactory } from './connection.js'
import { Emitter } from './emitter.js'
import { MarketStore } from './market-store.js'
import { OrderBooks, type Gap } from './order-book.js'
import { RestClient } from './rest-client.js'
import { parseTargets, resolveTargets, targetMatches, type Target } from './targets.js'
import type { Book, ConnectionEvent, Fill, Lifecycle, Tick, Trade } from './types.js'
import { parseFrame, type ErrorMessage } from './wire.js'

export type ChannelName = 'ticker' | 'trade' | 'orderbook' | 'lifecycle' | 'fill'

/** Our channel names → Kalshi's. */
export const WIRE_CHANNELS: Readonly<Record<ChannelName, string>> = {
  ticker: 'ticker',
  trade: 'trade',
  orderbook: 'orderbook_delta',
  lifecycle: 'market_lifecycle_v2',
  fill: 'fill',
}
const OUR_CHANNELS: Readonly<Record<string, ChannelName>> = Object.fromEntries(Object.entries(WIRE_CHANNELS).map(([k, v]) => [v, k as ChannelName]))

/** Channels subscribed per market; the others are subscribed once for all markets and filtered here. */
const MARKET_CHANNELS = new Set(['ticker', 'trade', 'orderbook_delta'])

/** Errors after which Kalshi drops the subscription: the user must resubscribe (AsyncAPI: 10, 17, 25). */
const TERMINAL_SUBSCRIPTION_ERRORS = new Set([10, 17, 25])

/** Command errors worth another try: unable to process, channel error, internal error, command timeout, too many requests. */
const RETRYABLE_COMMAND_ERRORS = new Set([1, 10, 17, 18, 27])
/** Tries of a command that failed with a retryable error. */
const COMMAND_TRIES = 4

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
  /** Pause between subscribe batches. @default 50 */
  batchPauseMs?: number
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
}

export interface SubscribeResult {
  /** Market tickers now watched, from this call. */
  tickers: string[]
  /** Tickers the exchange refused, each with a one-line reason. */
  unknown: { ticker: string; message: string }[]
}

export interface SubscriptionInfo {
  channel: string
  sid: number
  tickers: string[]
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
}

export interface StreamEvents {
  [k: string]: (...args: any[]) => void // eslint-disable-line @typescript-eslint/no-explicit-any
  tick: (tick: Tick) => void
  trade: (trade: Trade) => void
  book: (book: Book) => void
  lifecycle: (event: Lifecycle) => void
  fill: (fill: Fill) => void
  connection: (event: ConnectionEvent) => void
  error: (error: NeuralError) => void
  /** Every raw frame with its receive time (for recording). */
  frame: (raw: string, receivedAt: number) => void
  gap: (gap: Gap) => void
  subscribed: (subscription: SubscriptionInfo) => void
}

type CommandKind = 'subscribe' | 'unsubscribe' | 'update' | 'list'

interface Pending {
  id: number
  kind: CommandKind
  generation: number
  /** Wire channels (subscribe). */
  channels: string[]
  tickers: string[]
  /** Replies still expected. */
  remaining: number
  sids: number[]
  failed: Map<string, string>
  error?: ErrorMessage
  subscriptions?: { channel: string; sid: number }[]
  interrupted?: boolean
  timedOut?: boolean
  timer?: NodeJS.Timeout
  resolve: (p: Pending) => void
}

interface Subscription {
  channel: string
  tickers: Set<string>
}

interface Wildcard {
  target: Target
  tickers: Set<string>
}

export class MarketStream extends Emitter<StreamEvents> {
  /** Latest state per market; read-only views go to commands and strategies. */
  readonly store = new MarketStore()
  readonly books = new OrderBooks()

  private readonly opts: Required<Pick<MarketStreamOptions, 'timeoutMs' | 'batchSize' | 'batchPauseMs' | 'refreshMs' | 'errorIntervalMs'>> & MarketStreamOptions
  private readonly now: () => number
  private readonly rest?: RestClient
  private readonly userChannels: Set<string>
  private readonly marketChannels: string[]
  private connection?: Connection

  // What the user wants.
  private readonly desired = new Set<string>()
  private readonly explicit = new Set<string>()
  private readonly excluded = new Set<string>()
  private readonly wildcards = new Map<string, Wildcard>()
  private readonly unknownTickers = new Map<string, string>()
  /** Channels the exchange refused outright (e.g. orderbook without a key): not retried. */
  private readonly refusedChannels = new Map<string, string>()

  // What the exchange has on the current connection.
  private generation = 0
  private nextId = 1
  private readonly subs = new Map<number, Subscription>()
  /** wire channel → ticker → state, for market channels; '' → state for global channels. */
  private readonly channelState = new Map<string, Map<string, 'pending' | 'active'>>()
  private readonly pending = new Map<number, Pending>()
  /** Sids to unsubscribe (after a gap), done by the next reconciliation. */
  private readonly drops = new Set<number>()
  private chain: Promise<unknown> = Promise.resolve()
  private refreshTimer?: NodeJS.Timeout
  private closed = false

  // Counters.
  private messages = 0
  private malformed = 0
  private unknownTypes = 0
  private gaps = 0
  private lastMessageAt?: number
  private bucketStart = 0
  private bucketCount = 0
  private lastRate = 0
  private lastProtocolErrorAt = -Infinity
  private readonly lastRetryNoticeAt = new Map<string, number>()

  constructor(options: MarketStreamOptions) {
    super()
    this.opts = {
      timeoutMs: 30_000,
      batchSize: 100,
      batchPauseMs: 50,
      refreshMs: 60_000,
      errorIntervalMs: 10_000,
      ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
    } as MarketStream['opts']
    if (!Number.isInteger(this.opts.batchSize) || this.opts.batchSize < 1) throw new NeuralError('config', 'BAD_BATCH_SIZE', `subscription batch size must be a whole number ≥ 1 (got ${this.opts.batchSize})`)
    this.now = options.now ?? Date.now
    this.rest = options.rest ?? (options.apiUrl ? new RestClient({ apiUrl: options.apiUrl, signer: options.signer, onRetry: (error) => this.retryNotice(error) }) : undefined)
    const channels = options.channels ?? ['ticker', 'trade']
    for (const c of channels) if (!(c in WIRE_CHANNELS)) throw new NeuralError('config', 'BAD_CHANNEL', `unknown channel "${c}" (use ${Object.keys(WIRE_CHANNELS).join(', ')})`)
    this.userChannels = new Set(channels.map((c) => WIRE_CHANNELS[c]))
    this.marketChannels = [...this.userChannels].filter((c) => MARKET_CHANNELS.has(c))
  }

  /** Connect (resolves on the first open; rejects with a NeuralError if the retry policy gives up first). */
  async start(): Promise<void> {
    if (this.connection) throw new Error('MarketStream.start() called twice')
    this.connection = new Connection({
      url: this.opts.wsUrl,
      signer: this.opts.signer,
      timeoutMs: this.opts.timeoutMs,
      retry: this.opts.retry ?? DEFAULT_RETRY,
      socketFactory: this.opts.socketFactory,
      now: this.now,
      random: this.opts.random,
      onFrame: (text, receivedAt) => this.ingest(text, receivedAt),
      onOpen: () => this.onOpen(),
    })
    this.connection.on('connection', (e) => this.emit('connection', e))
    this.connection.on('error', (e) => this.emit('error', e))
    if (this.opts.refreshMs > 0) {
      this.refreshTimer = setInterval(() => void this.refreshWildcards(), this.opts.refreshMs)
      this.refreshTimer.unref()
    }
    try {
      await this.connection.start()
    } catch (error) {
      if (this.refreshTimer) clearInterval(this.refreshTimer)
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
    for (const t of targets) {
      if (t.kind === 'market') {
        this.explicit.add(t.value)
        this.excluded.delete(t.value)
        this.unknownTickers.delete(t.value)
      } else {
        const w = this.wildcards.get(t.text) ?? { target: t, tickers: new Set<string>() }
        for (const ticker of resolved.byTarget.get(t.text) ?? []) if (!this.excluded.has(ticker)) w.tickers.add(ticker)
        this.wildcards.set(t.text, w)
      }
    }
    for (const ticker of resolved.tickers) if (!this.excluded.has(ticker) && !this.unknownTickers.has(ticker)) this.desired.add(ticker)
    await this.reconcile()
    const unknown: SubscribeResult['unknown'] = []
    const tickers: string[] = []
    for (const t of resolved.tickers) {
      const reason = this.unknownTickers.get(t)
      if (reason !== undefined) unknown.push({ ticker: t, message: reason })
      else if (this.desired.has(t)) tickers.push(t)
    }
    return { tickers, unknown }
  }

  /** Stop watching these market tickers (also when a wildcard brought them in). */
  async unsubscribe(tickers: readonly string[]): Promise<void> {
    for (const t of tickers) {
      this.explicit.delete(t)
      this.desired.delete(t)
      let fromWildcard = false
      for (const w of this.wildcards.values()) if (w.tickers.delete(t)) fromWildcard = true
      if (fromWildcard) this.excluded.add(t)
    }
    await this.reconcile()
  }

  /** Subscriptions the exchange confirmed on the current connection. */
  subscriptions(): SubscriptionInfo[] {
    const out: SubscriptionInfo[] = []
    for (const [sid, s] of this.subs) out.push({ channel: OUR_CHANNELS[s.channel] ?? s.channel, sid, tickers: [...s.tickers] })
    return out
  }

  /** Ask the exchange what it has (list_subscriptions). */
  async listServerSubscriptions(): Promise<{ channel: string; sid: number }[]> {
    const p = await this.commandWithRetry('list', { cmd: 'list_subscriptions' }, [], [], 1, () => !this.closed)
    if (p.error) throw new NeuralError('protocol', `WS_${p.error.codeName.toUpperCase()}`, `list_subscriptions failed: ${p.error.message || p.error.codeName}`)
    if (p.interrupted || p.timedOut) throw new NeuralError('network', 'NO_REPLY', 'no reply to list_subscriptions')
    return (p.subscriptions ?? []).map((s) => ({ channel: OUR_CHANNELS[s.channel] ?? s.channel, sid: s.sid }))
  }

  /** Watched market tickers. */
  watched(): string[] {
    return [...this.desired]
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
    }
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.refreshTimer) clearInterval(this.refreshTimer)
    this.interruptPending()
    await this.connection?.close()
  }

  /**
   * The single path of every frame (socket and replay). One JSON.parse; no allocation beyond the
   * parsed message and the event object.
   */
  ingest(raw: string, receivedAt: number): void {
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
      case 'tick':
        this.store.applyTick(m.tick)
        this.emit('tick', m.tick)
        return
      case 'trade':
        this.store.applyTrade(m.trade)
        this.emit('trade', m.trade)
        return
      case 'book_delta':
      case 'book_snapshot': {
        const r = m.kind === 'book_delta' ? this.books.applyDelta(m) : this.books.applySnapshot(m)
        if (r === undefined) return
        if ('type' in r) {
          this.onGap(r)
          return
        }
        const book = r.toBook()
        this.store.applyBook(book)
        this.emit('book', book)
        return
      }
      case 'lifecycle':
        this.onLifecycle(m.lifecycle)
        return
      case 'fill':
        this.emit('fill', m.fill)
        return
      case 'subscribed':
        this.onSubscribed(m.id, m.channel, m.sid)
        return
      case 'unsubscribed': {
        this.books.dropSid(m.sid)
        const p = m.id === undefined ? undefined : this.pending.get(m.id)
        if (p && --p.remaining <= 0) this.finish(p)
        return
      }
      case 'ok': {
        // An update_subscription ack takes a number in its sid's sequence.
        if (m.sid !== undefined && m.seq !== undefined) {
          const gap = this.books.noteSeq(m.sid, m.seq, receivedAt)
          if (gap) this.onGap(gap)
        }
        const p = m.id === undefined ? undefined : this.pending.get(m.id)
        if (p) {
          if (m.subscriptions) p.subscriptions = m.subscriptions
          if (--p.remaining <= 0) this.finish(p)
        }
        return
      }
      case 'error':
        this.onExchangeError(m)
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

  protected override onListenerError(error: unknown, event: string): void {
    if (event === 'error') return // nowhere left to report it
    this.emit('error', new NeuralError('strategy', 'LISTENER_FAILED', `a "${event}" listener threw: ${(error as Error)?.message ?? String(error)}`, { cause: error }))
  }

  // ——— connection lifecycle ———

  private onOpen(): void {
    // A new connection has no subscriptions: forget the old sids and restore everything.
    this.generation++
    this.interruptPending()
    this.subs.clear()
    this.drops.clear()
    this.channelState.clear()
    this.books.reset()
    void this.reconcile()
  }

  private interruptPending(): void {
    for (const p of [...this.pending.values()]) {
      p.interrupted = true
      this.finish(p)
    }
  }

  // ——— commands ———

  private command(kind: CommandKind, body: Record<string, unknown>, channels: string[], tickers: string[], remaining: number): Promise<Pending> {
    return new Promise((resolve) => {
      const id = this.nextId++
      const p: Pending = { id, kind, generation: this.generation, channels, tickers, remaining, sids: [], failed: new Map(), resolve }
      if (!this.connection?.send(JSON.stringify({ id, ...body }))) {
        p.interrupted = true
        resolve(p)
        return
      }
      this.pending.set(id, p)
      p.timer = setTimeout(() => {
        p.timedOut = true
        this.finish(p)
      }, this.opts.timeoutMs)
      p.timer.unref?.()
    })
  }

  /** A command, tried again (with a short backoff) while the exchange answers with a transient error. */
  private async commandWithRetry(kind: CommandKind, body: Record<string, unknown>, channels: string[], tickers: string[], remaining: number, current: () => boolean): Promise<Pending> {
    for (let tries = 1; ; tries++) {
      const p = await this.command(kind, body, channels, tickers, remaining)
      if (!p.error || !RETRYABLE_COMMAND_ERRORS.has(p.error.code) || tries >= COMMAND_TRIES || !current()) return p
      this.commandRetryNotice(body.cmd as string, p.error, retryPauseMs(tries))
      await sleep(retryPauseMs(tries))
    }
  }

  private finish(p: Pending): void {
    if (!this.pending.delete(p.id)) return
    if (p.timer) clearTimeout(p.timer)
    p.resolve(p)
  }

  private stateOf(channel: string): Map<string, 'pending' | 'active'> {
    let m = this.channelState.get(channel)
    if (!m) {
      m = new Map()
      this.channelState.set(channel, m)
    }
    return m
  }

  private onSubscribed(id: number | undefined, channel: string, sid: number): void {
    const p = id === undefined ? undefined : this.pending.get(id)
    const tickers = new Set<string>()
    if (p && p.kind === 'subscribe') {
      const state = this.stateOf(channel)
      for (const t of p.tickers) {
        if (p.failed.has(t)) continue
        tickers.add(t)
        state.set(t, 'active')
      }
      if (p.tickers.length === 0) state.set('', 'active')
      p.sids.push(sid)
    }
    this.subs.set(sid, { channel, tickers })
    this.emit('subscribed', { channel: OUR_CHANNELS[channel] ?? channel, sid, tickers: [...tickers] })
    if (p && --p.remaining <= 0) this.finish(p)
  }

  private onExchangeError(m: ErrorMessage): void {
    const p = m.id === undefined ? undefined : this.pending.get(m.id)
    if (p) {
      if (p.kind === 'subscribe' && m.marketTicker !== undefined && p.tickers.includes(m.marketTicker)) {
        // One market refused: the rest of the batch goes on.
        p.failed.set(m.marketTicker, exchangeReason(m))
        for (const sid of p.sids) this.subs.get(sid)?.tickers.delete(m.marketTicker)
        for (const c of p.channels) this.stateOf(c).delete(m.marketTicker)
        if (p.failed.size >= p.tickers.length) this.finish(p)
        return
      }
      p.error = m
      this.finish(p)
      return
    }
    // Not a reply to a command of ours: the exchange reports trouble with a live subscription.
    const sub = m.sid === undefined ? undefined : this.subs.get(m.sid)
    this.emit('error', new NeuralError('protocol', `WS_${m.codeName.toUpperCase()}`, `the exchange reported ${m.codeName} (code ${m.code})${m.message ? `: ${m.message}` : ''}`))
    if (sub && m.sid !== undefined && TERMINAL_SUBSCRIPTION_ERRORS.has(m.code)) this.resubscribe(m.sid, false)
  }

  // ——— books ———

  private onGap(gap: Gap): void {
    this.gaps++
    this.emit('gap', gap)
    if (gap.sid >= 0 && this.subs.has(gap.sid)) this.resubscribe(gap.sid, true)
  }

  /**
   * Drop a subscription and subscribe its markets again: Kalshi sends a fresh orderbook_snapshot as
   * the first message of every new orderbook_delta subscription, which is what a broken book needs.
   */
  private resubscribe(sid: number, unsubscribeFirst: boolean): void {
    const sub = this.subs.get(sid)
    if (!sub) return
    this.subs.delete(sid)
    const state = this.stateOf(sub.channel)
    for (const t of sub.tickers) state.delete(t)
    if (sub.tickers.size === 0) state.delete('')
    // After a terminal error the exchange has already dropped the sid; after a gap it has not. The
    // unsubscribe goes out from the reconciliation, before the new subscribe, so the two never overlap.
    if (unsubscribeFirst) this.drops.add(sid)
    void this.reconcile()
  }

  // ——— wildcards ———

  private watchedByWildcard(ticker: string): Wildcard | undefined {
    for (const w of this.wildcards.values()) if (targetMatches(w.target, ticker)) return w
    return undefined
  }

  private onLifecycle(event: Lifecycle): void {
    const t = event.ticker
    const watched = this.desired.has(t)
    if (this.wildcards.size > 0) {
      if ((event.event === 'created' || event.event === 'activated') && !watched && !this.excluded.has(t) && !this.unknownTickers.has(t)) {
        const w = this.watchedByWildcard(t)
        if (w) {
          w.tickers.add(t)
          this.desired.add(t)
          void this.reconcile()
        }
      } else if ((event.event === 'determined' || event.event === 'settled') && watched && !this.explicit.has(t)) {
        let fromWildcard = false
        for (const w of this.wildcards.values()) if (w.tickers.delete(t)) fromWildcard = true
        if (fromWildcard) {
          // Still emitted below: the settlement is news for whoever watched the market.
          this.desired.delete(t)
          void this.reconcile()
        }
      }
    }
    if ((watched || this.desired.has(t)) && this.userChannels.has('market_lifecycle_v2')) {
      this.store.applyLifecycle(event)
      this.emit('lifecycle', event)
    }
  }

  /** Re-resolve every wildcard through REST: new open markets join, markets no longer open leave. */
  async refreshWildcards(): Promise<void> {
    if (!this.rest || this.wildcards.size === 0 || this.closed) return
    let changed = false
    for (const w of this.wildcards.values()) {
      let tickers: string[]
      try {
        const markets = await this.rest.listAllMarkets(w.target.kind === 'series' ? { series_ticker: w.target.value, status: 'open' } : { event_ticker: w.target.value, status: 'open' })
        tickers = markets.map((m) => m.ticker)
      } catch (error) {
        this.emit('error', error instanceof NeuralError ? error : new NeuralError('network', 'REFRESH_FAILED', `could not refresh ${w.target.text}: ${(error as Error).message}`, { cause: error }))
        continue
      }
      const now = new Set(tickers)
      for (const t of tickers) {
        if (!w.tickers.has(t) && !this.excluded.has(t) && !this.unknownTickers.has(t)) {
          w.tickers.add(t)
          this.desired.add(t)
          changed = true
        }
      }
      for (const t of [...w.tickers]) {
        if (!now.has(t)) {
          w.tickers.delete(t)
          if (!this.explicit.has(t) && this.watchedByOtherWildcard(t, w) === false) {
            this.desired.delete(t)
            changed = true
          }
        }
      }
    }
    if (changed) await this.reconcile()
  }

  private watchedByOtherWildcard(ticker: string, except: Wildcard): boolean {
    for (const w of this.wildcards.values()) if (w !== except && w.tickers.has(ticker)) return true
    return false
  }

  // ——— reconciliation: make the exchange's subscriptions match `desired` ———

  /** Serialised: one reconciliation at a time, so two callers never subscribe the same market twice. */
  private reconcile(): Promise<void> {
    const run = this.chain.then(() => this.reconcileNow())
    this.chain = run.catch(() => undefined)
    return run.catch((error: unknown) => {
      this.emit('error', error instanceof NeuralError ? error : new NeuralError('internal', 'RECONCILE_FAILED', `subscription update failed: ${(error as Error).message}`, { cause: error }))
    })
  }

  private async reconcileNow(): Promise<void> {
    if (this.closed || !this.connection?.connected) return
    const generation = this.generation
    const current = (): boolean => generation === this.generation && !this.closed && (this.connection?.connected ?? false)

    // Subscriptions to drop before anything is re-subscribed (their books had a gap).
    for (const sid of [...this.drops]) {
      this.drops.delete(sid)
      await this.commandWithRetry('unsubscribe', { cmd: 'unsubscribe', params: { sids: [sid] } }, [], [], 1, current)
      if (!current()) return
    }

    // Channels for all markets at once: lifecycle (also needed to follow wildcards) and fill.
    const globals: string[] = []
    if (this.userChannels.has('market_lifecycle_v2') || this.wildcards.size > 0) globals.push('market_lifecycle_v2')
    if (this.userChannels.has('fill')) globals.push('fill')
    for (const c of globals) {
      if (this.refusedChannels.has(c) || this.stateOf(c).has('')) continue
      this.stateOf(c).set('', 'pending')
      const p = await this.commandWithRetry('subscribe', { cmd: 'subscribe', params: { channels: [c] } }, [c], [], 1, current)
      if (!current()) return
      if (p.error || p.timedOut) {
        this.stateOf(c).delete('')
        this.refuseChannel(c, p)
      }
    }

    // Removals first, so that a market that left and came back is not doubled.
    for (const [sid, sub] of [...this.subs]) {
      if (!MARKET_CHANNELS.has(sub.channel) || sub.tickers.size === 0) continue
      const extra = [...sub.tickers].filter((t) => !this.desired.has(t))
      if (extra.length === 0) continue
      const state = this.stateOf(sub.channel)
      if (extra.length === sub.tickers.size) {
        this.subs.delete(sid)
        for (const t of extra) state.delete(t)
        await this.commandWithRetry('unsubscribe', { cmd: 'unsubscribe', params: { sids: [sid] } }, [], [], 1, current)
      } else {
        for (const t of extra) {
          sub.tickers.delete(t)
          state.delete(t)
        }
        await this.commandWithRetry('update', { cmd: 'update_subscription', params: { sids: [sid], market_tickers: extra, action: 'delete_markets' } }, [], extra, 1, current)
      }
      if (sub.channel === 'orderbook_delta') for (const t of extra) this.books.delete(t)
      if (!current()) return
    }

    // Additions: group markets by the channels they miss, then send in batches.
    const channels = this.marketChannels.filter((c) => !this.refusedChannels.has(c))
    if (channels.length === 0) return
    const groups = new Map<string, string[]>()
    for (const t of this.desired) {
      const missing = channels.filter((c) => !this.stateOf(c).has(t))
      if (missing.length === 0) continue
      const key = missing.join(',')
      const list = groups.get(key)
      if (list) list.push(t)
      else groups.set(key, [t])
    }
    let first = true
    for (const [key, tickers] of groups) {
      const chans = key.split(',')
      for (let i = 0; i < tickers.length; i += this.opts.batchSize) {
        if (!first && this.opts.batchPauseMs > 0) await sleep(this.opts.batchPauseMs)
        first = false
        if (!current()) return
        const batch = tickers.slice(i, i + this.opts.batchSize).filter((t) => this.desired.has(t))
        if (batch.length === 0) continue
        await this.subscribeBatch(chans, batch, current)
        if (!current()) return
      }
    }
  }

  private async subscribeBatch(channels: string[], tickers: string[], current: () => boolean, tries = 1): Promise<void> {
    // Never send an empty market list: Kalshi would read it as "every market".
    if (tickers.length === 0) return
    for (const c of channels) {
      const state = this.stateOf(c)
      for (const t of tickers) state.set(t, 'pending')
    }
    // send_initial_snapshot: Kalshi then sends each market's current ticker at once, so a quiet market
    // shows its quote without waiting for a change (and quotes are current again after a reconnect).
    const params = channels.includes('ticker') ? { channels, market_tickers: tickers, send_initial_snapshot: true } : { channels, market_tickers: tickers }
    const p = await this.command('subscribe', { cmd: 'subscribe', params }, channels, tickers, channels.length)
    if (p.interrupted || !current()) return
    for (const [t, reason] of p.failed) this.markUnknown(t, reason)
    if (p.error) {
      for (const c of channels) {
        const state = this.stateOf(c)
        for (const t of tickers) if (state.get(t) === 'pending') state.delete(t)
      }
      const code = p.error.code
      if (RETRYABLE_COMMAND_ERRORS.has(code) && tries < COMMAND_TRIES) {
        this.commandRetryNotice('subscribe', p.error, retryPauseMs(tries))
        await sleep(retryPauseMs(tries))
        if (current()) await this.subscribeBatch(channels, tickers.filter((t) => this.desired.has(t)), current, tries + 1)
        return
      }
      if (code === 8 || code === 9) {
        // The channel itself is refused (unknown, or needs a key): stop asking for it.
        this.refuseChannel(channels.length === 1 ? channels[0] : this.guessRefusedChannel(channels, code), p)
        return
      }
      if (tickers.length > 1 && (code === 16 || code === 11)) {
        // Kalshi named no market: find the bad one(s) by asking one market at a time.
        for (const t of tickers) {
          if (!current()) return
          await this.subscribeBatch(channels, [t], current)
        }
        return
      }
      for (const t of tickers) this.markUnknown(t, exchangeReason(p.error))
      return
    }
    if (p.timedOut) {
      for (const c of channels) {
        const state = this.stateOf(c)
        for (const t of tickers) if (state.get(t) === 'pending') state.delete(t)
      }
      for (const t of tickers) if (!p.failed.has(t) && !this.anyActive(t)) this.markUnknown(t, `no reply from the exchange within ${this.opts.timeoutMs} ms`)
    }
  }

  private anyActive(ticker: string): boolean {
    for (const c of this.marketChannels) if (this.stateOf(c).get(ticker) === 'active') return true
    return false
  }

  /** With several channels in one refused command, the private one is the likely culprit for code 9. */
  private guessRefusedChannel(channels: string[], code: number): string {
    if (code === 9) return channels.find((c) => c === 'orderbook_delta' || c === 'fill') ?? channels[0]
    return channels[channels.length - 1]
  }

  private refuseChannel(channel: string, p: Pending): void {
    const ours = OUR_CHANNELS[channel] ?? channel
    const reason = p.error ? exchangeReason(p.error) : 'no reply from the exchange'
    this.refusedChannels.set(channel, reason)
    const auth = p.error?.code === 9
    this.emit(
      'error',
      new NeuralError(auth ? 'auth' : 'protocol', auth ? 'AUTH_REQUIRED' : `WS_${(p.error?.codeName ?? 'no_reply').toUpperCase()}`, auth ? `the ${ours} channel needs an API key; the exchange said: ${reason}` : `the exchange refused the ${ours} channel: ${reason}`),
    )
    void this.reconcile()
  }

  private markUnknown(ticker: string, reason: string): void {
    this.unknownTickers.set(ticker, reason)
    this.desired.delete(ticker)
    this.explicit.delete(ticker)
    for (const w of this.wildcards.values()) w.tickers.delete(ticker)
    for (const c of this.marketChannels) this.stateOf(c).delete(ticker)
  }

  /** A command the exchange refused for now and that will be tried again: reported by name, not fatal. */
  private commandRetryNotice(cmd: string, error: ErrorMessage, delayMs: number): void {
    const kind = error.code === 27 ? 'rate_limit' : 'protocol'
    this.retryNotice(new NeuralError(kind, `WS_${error.codeName.toUpperCase()}`, `the exchange answered ${cmd} with ${exchangeReason(error)}; retrying in ${delayMs} ms`))
  }

  /** Transient trouble that is being retried: reported at most once per code per errorIntervalMs, so a flaky exchange does not flood the output. */
  private retryNotice(error: NeuralError): void {
    const now = this.now()
    if (now - (this.lastRetryNoticeAt.get(error.code) ?? -Infinity) < this.opts.errorIntervalMs) return
    this.lastRetryNoticeAt.set(error.code, now)
    this.emit('error', error)
  }

  private protocolTrouble(code: string, message: string): void {
    const now = this.now()
    if (now - this.lastProtocolErrorAt < this.opts.errorIntervalMs) return
    this.lastProtocolErrorAt = now
    this.emit('error', new NeuralError('protocol', code, `${message}; ${this.malformed} malformed and ${this.unknownTypes} unknown frames so far (ignored)`))
  }
}

function retryPauseMs(tries: number): number {
  return Math.min(1000, 50 * 2 ** (tries - 1))
}

function exchangeReason(m: ErrorMessage): string {
  return `${m.codeName} (code ${m.code})${m.message ? `: ${m.message}` : ''}`
}
