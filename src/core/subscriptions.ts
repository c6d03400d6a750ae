/**
 * Subscriptions: what the user wants (`desired` markets, channels) against what the exchange has
 * confirmed on the current connection (sids, and per channel which markets are pending or active).
 * `reconcile` makes the second match the first: removals, then additions in batches, retrying
 * transient command errors and narrowing a refused batch to find the bad market. After a reconnect
 * `restore` forgets the old connection's sids and subscribes everything again.
 */
import { NeuralError } from '../errors.js'
import { sleep } from './backoff.js'
import { MARKET_CHANNELS, ourChannel } from './channels.js'
import { commandRetryError, exchangeReason, isRateLimited, isRetryable, retryPauseMs, triesFor, type Commands, type Pending } from './commands.js'
import type { OrderBooks } from './order-book.js'
import type { Target } from './targets.js'
import type { Wants, Wildcards } from './wildcards.js'
import type { ErrorMessage } from './wire.js'
import { WS_ERROR, wsError } from './ws-errors.js'

export interface SubscriptionInfo {
  channel: string
  sid: number
  tickers: string[]
}

/**
 * Re-snapshots after gaps back off per market: the first at once, then 0.5 s doubling up to
 * GAP_MAX_DELAY_MS. A market quiet for GAP_RESET_MS starts over. A market that gapped
 * GAP_REPORT_AFTER times in a row is reported once as an error.
 */
export const GAP_FIRST_DELAY_MS = 500
export const GAP_MAX_DELAY_MS = 30_000
export const GAP_RESET_MS = 60_000
export const GAP_REPORT_AFTER = 4

interface GapHistory { count: number; lastAt: number; reported: boolean }

export interface GapBackoff {
  firstDelayMs: number
  maxDelayMs: number
  resetMs: number
  reportAfter: number
}

export const DEFAULT_GAP_BACKOFF: GapBackoff = { firstDelayMs: GAP_FIRST_DELAY_MS, maxDelayMs: GAP_MAX_DELAY_MS, resetMs: GAP_RESET_MS, reportAfter: GAP_REPORT_AFTER }

interface Subscription {
  channel: string
  tickers: Set<string>
}

export interface SubscriptionsOptions {
  commands: Commands
  wildcards: Wildcards
  /** Books of markets no longer watched are dropped; all are reset on a reconnect. */
  books: OrderBooks
  /** True while the stream is open and connected: reconciliation only runs then. */
  isOpen: () => boolean
  /** Wire channels the user asked for. */
  userChannels: ReadonlySet<string>
  /** The per-market ones among them. */
  marketChannels: readonly string[]
  batchSize: number
  batchPauseMs: number
  batchBurst: number
  /** Command-reply timeout (for the reason given when a market got no reply). */
  timeoutMs: number
  /** Clock for the gap backoff. @default Date.now */
  now?: () => number
  gapBackoff?: GapBackoff
  onError: (error: NeuralError) => void
  /** Transient trouble that is being retried. */
  onRetry: (error: NeuralError) => void
  onSubscribed: (subscription: SubscriptionInfo) => void
}

export class Subscriptions implements Wants {
  // What the user wants.
  readonly desired = new Set<string>()
  readonly explicit = new Set<string>()
  readonly excluded = new Set<string>()
  readonly unknownTickers = new Map<string, string>()
  /** Channels the exchange refused outright (e.g. orderbook without a key): not retried. */
  private readonly refusedChannels = new Map<string, string>()

  // What the exchange has on the current connection.
  private generation = 0
  private readonly subs = new Map<number, Subscription>()
  /** Sids of this connection that we dropped or replaced. */
  private readonly retired = new Set<number>()
  /** wire channel → ticker → state, for market channels; '' → state for global channels. */
  private readonly channelState = new Map<string, Map<string, 'pending' | 'active'>>()
  /** Sids to unsubscribe (after a gap), done by the next reconciliation. */
  private readonly drops = new Set<number>()
  private chain: Promise<unknown> = Promise.resolve()
  /** Largest batch the exchange accepted after refusing a bigger one with error 26 (subscription market limit). */
  private batchLimit = Infinity
  private readonly gapHistory = new Map<string, GapHistory>()
  /** Re-subscriptions waiting out their gap backoff, by sid (of the current connection). */
  private readonly gapTimers = new Map<number, NodeJS.Timeout>()

  constructor(private readonly o: SubscriptionsOptions) {}

  /** Confirmed subscriptions on the current connection. */
  get size(): number {
    return this.subs.size
  }

  has(sid: number): boolean {
    return this.subs.has(sid)
  }

  /**
   * Whether a data frame on `sid` for `ticker` belongs to a subscription of ours on this connection:
   * 'yes'; 'retired' for a sid we dropped (its last frames may still be in flight); 'no' otherwise.
   */
  owns(sid: number, channel: string, ticker: string): 'yes' | 'retired' | 'no' {
    const sub = this.subs.get(sid)
    if (sub) return sub.channel === channel && sub.tickers.has(ticker) ? 'yes' : 'no'
    return this.retired.has(sid) ? 'retired' : 'no'
  }

  /** The wire channel of a confirmed subscription. */
  channelOf(sid: number): string | undefined {
    return this.subs.get(sid)?.channel
  }

  /** Subscriptions the exchange confirmed on the current connection. */
  confirmed(): SubscriptionInfo[] {
    const out: SubscriptionInfo[] = []
    for (const [sid, s] of this.subs) out.push({ channel: ourChannel(s.channel), sid, tickers: [...s.tickers] })
    return out
  }

  /** Record validated targets and the markets they resolved to (reconcile afterwards). */
  want(targets: readonly Target[], tickers: readonly string[], byTarget: ReadonlyMap<string, string[]>): void {
    for (const t of targets) {
      if (t.kind === 'market') {
        this.explicit.add(t.value)
        this.excluded.delete(t.value)
        this.unknownTickers.delete(t.value)
      } else {
        this.o.wildcards.add(t, byTarget.get(t.text) ?? [], this.excluded)
      }
    }
    for (const ticker of tickers) if (!this.excluded.has(ticker) && !this.unknownTickers.has(ticker)) this.desired.add(ticker)
  }

  /** Stop wanting these markets, and keep wildcards from bringing them back (reconcile afterwards). */
  unwant(tickers: readonly string[]): void {
    for (const t of tickers) {
      this.explicit.delete(t)
      this.desired.delete(t)
      if (this.o.wildcards.release(t)) this.excluded.add(t)
    }
  }

  /**
   * A new connection has no subscriptions: forget the old sids and restore everything. A channel
   * refused on the old connection is asked for again too: what the user asked for is always asked
   * for again after a reconnect (the refusal may have been the old connection's, e.g. a lost key).
   */
  restore(): void {
    this.generation++
    this.refusedChannels.clear()
    this.cancelGapTimers()
    this.o.commands.interruptAll()
    this.subs.clear()
    this.retired.clear()
    this.drops.clear()
    this.channelState.clear()
    this.o.books.reset()
    void this.reconcile()
  }

  /** Serialised: one reconciliation at a time, so two callers never subscribe the same market twice. */
  reconcile(): Promise<void> {
    const run = this.chain.then(() => this.reconcileNow())
    this.chain = run.catch(() => undefined)
    return run.catch((error: unknown) => {
      this.o.onError(error instanceof NeuralError ? error : new NeuralError('internal', 'RECONCILE_FAILED', `subscription update failed: ${(error as Error).message}`, { cause: error }))
    })
  }

  onSubscribed(id: number | undefined, channel: string, sid: number): void {
    const p = this.o.commands.get(id)
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
    this.o.onSubscribed({ channel: ourChannel(channel), sid, tickers: [...tickers] })
    if (p && --p.remaining <= 0) this.o.commands.finish(p)
  }

  onExchangeError(m: ErrorMessage): void {
    const commands = this.o.commands
    const p = commands.get(m.id)
    if (p) {
      if (p.kind === 'subscribe' && m.marketTicker !== undefined && p.tickers.includes(m.marketTicker)) {
        // One market refused: the rest of the batch goes on.
        p.failed.set(m.marketTicker, exchangeReason(m))
        for (const sid of p.sids) this.subs.get(sid)?.tickers.delete(m.marketTicker)
        for (const c of p.channels) this.stateOf(c).delete(m.marketTicker)
        if (p.failed.size >= p.tickers.length) commands.finish(p)
        return
      }
      p.error = m
      commands.finish(p)
      return
    }
    // Not a reply to a command of ours: the exchange reports trouble with a live subscription.
    const sub = m.sid === undefined ? undefined : this.subs.get(m.sid)
    this.o.onError(new NeuralError('protocol', `WS_${m.codeName.toUpperCase()}`, `the exchange reported ${m.codeName} (code ${m.code})${m.message ? `: ${m.message}` : ''}`))
    if (sub && m.sid !== undefined && wsError(m.code).terminal) this.resubscribe(m.sid, false)
  }

  /**
   * A gap broke the books of `sid`: re-subscribe (which brings fresh snapshots), at once the first
   * time, later when its markets keep gapping, so a bad book cannot turn into a subscribe storm.
   */
  resubscribeAfterGap(sid: number, tickers: readonly string[]): void {
    if (this.gapTimers.has(sid) || !this.subs.has(sid)) return
    const now = (this.o.now ?? Date.now)()
    const b = this.o.gapBackoff ?? DEFAULT_GAP_BACKOFF
    let delayMs = 0
    for (const t of tickers) {
      let h = this.gapHistory.get(t)
      if (!h || now - h.lastAt > b.resetMs) {
        h = { count: 0, lastAt: now, reported: false }
        this.gapHistory.set(t, h)
      }
      h.count++
      h.lastAt = now
      const d = h.count <= 1 ? 0 : Math.min(b.maxDelayMs, b.firstDelayMs * 2 ** (h.count - 2))
      delayMs = Math.max(delayMs, d)
      if (h.count >= b.reportAfter && !h.reported) {
        h.reported = true
        this.o.onError(new NeuralError('protocol', 'BOOK_KEEPS_GAPPING', `the order book of ${t} keeps losing messages (${h.count} gaps); re-snapshotting it at most every ${b.maxDelayMs / 1000} s`))
      }
    }
    if (delayMs === 0) {
      this.resubscribe(sid, true)
      return
    }
    const generation = this.generation
    const timer = setTimeout(() => {
      this.gapTimers.delete(sid)
      if (generation === this.generation) this.resubscribe(sid, true)
    }, delayMs)
    timer.unref?.()
    this.gapTimers.set(sid, timer)
  }

  /** Nothing more to re-subscribe (the stream closes, or the connection with these sids is gone). */
  cancelGapTimers(): void {
    for (const t of this.gapTimers.values()) clearTimeout(t)
    this.gapTimers.clear()
  }

  /**
   * Drop a subscription and subscribe its markets again: Kalshi sends a fresh orderbook_snapshot as
   * the first message of every new orderbook_delta subscription, which is what a broken book needs.
   */
  resubscribe(sid: number, unsubscribeFirst: boolean): void {
    const sub = this.subs.get(sid)
    if (!sub) return
    this.subs.delete(sid)
    this.retired.add(sid)
    const state = this.stateOf(sub.channel)
    for (const t of sub.tickers) state.delete(t)
    if (sub.tickers.size === 0) state.delete('')
    // After a terminal error the exchange has already dropped the sid; after a gap it has not. The
    // unsubscribe goes out from the reconciliation, before the new subscribe, so the two never overlap.
    if (unsubscribeFirst) this.drops.add(sid)
    void this.reconcile()
  }

  private async reconcileNow(): Promise<void> {
    if (!this.o.isOpen()) return
    const { commands, books, userChannels, marketChannels, batchSize, batchPauseMs, batchBurst } = this.o
    const generation = this.generation
    const current = (): boolean => generation === this.generation && this.o.isOpen()

    // Subscriptions to drop before anything is re-subscribed (their books had a gap).
    for (const sid of [...this.drops]) {
      this.drops.delete(sid)
      await commands.sendWithRetry('unsubscribe', { cmd: 'unsubscribe', params: { sids: [sid] } }, [], [], 1, current)
      if (!current()) return
    }

    // Channels for all markets at once: lifecycle (also needed to follow wildcards) and fill.
    const globals: string[] = []
    if (userChannels.has('market_lifecycle_v2') || this.o.wildcards.size > 0) globals.push('market_lifecycle_v2')
    if (userChannels.has('fill')) globals.push('fill')
    for (const c of globals) {
      if (this.refusedChannels.has(c) || this.stateOf(c).has('')) continue
      this.stateOf(c).set('', 'pending')
      const p = await commands.sendWithRetry('subscribe', { cmd: 'subscribe', params: { channels: [c] } }, [c], [], 1, current)
      if (!current()) return
      if (p.timedOut) {
        // No reply is a transport problem, never a verdict: ask again later.
        this.stateOf(c).delete('')
        this.noReply('subscribe', [c], [])
      } else if (p.error) {
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
        this.retired.add(sid)
        for (const t of extra) state.delete(t)
        await commands.sendWithRetry('unsubscribe', { cmd: 'unsubscribe', params: { sids: [sid] } }, [], [], 1, current)
      } else {
        for (const t of extra) {
          sub.tickers.delete(t)
          state.delete(t)
        }
        await commands.sendWithRetry('update', { cmd: 'update_subscription', params: { sids: [sid], market_tickers: extra, action: 'delete_markets' } }, [], extra, 1, current)
      }
      if (sub.channel === 'orderbook_delta') for (const t of extra) books.delete(t)
      if (!current()) return
    }

    // Additions: group markets by the channels they miss, then send in batches.
    const channels = marketChannels.filter((c) => !this.refusedChannels.has(c))
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
    let sent = 0
    const size = Math.min(batchSize, this.batchLimit)
    // The first `batchBurst` batches go out back to back, their replies awaited together (one round
    // trip, not five); later ones one at a time with a pause, so thousands of markets stay paced.
    const burst: Promise<void>[] = []
    for (const [key, tickers] of groups) {
      const chans = key.split(',')
      for (let i = 0; i < tickers.length; i += size) {
        if (sent >= batchBurst) {
          await Promise.all(burst.splice(0))
          if (batchPauseMs > 0) await sleep(batchPauseMs)
        }
        sent++
        if (!current()) break
        const batch = tickers.slice(i, i + size).filter((t) => this.desired.has(t))
        if (batch.length === 0) continue
        // No await between the burst's sends: each promise gets its handler (Promise.all) before any reply can reject it.
        if (sent <= batchBurst) burst.push(this.subscribeBatch(chans, batch, current))
        else await this.subscribeBatch(chans, batch, current)
        if (!current()) break
      }
    }
    await Promise.all(burst)
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
    // use_yes_price: Kalshi says its default will flip (NO levels priced as the YES ask); say which we mean.
    const params: Record<string, unknown> = { channels, market_tickers: tickers }
    if (channels.includes('ticker')) params.send_initial_snapshot = true
    if (channels.includes('orderbook_delta')) params.use_yes_price = false
    const p = await this.o.commands.send('subscribe', { cmd: 'subscribe', params }, channels, tickers, channels.length)
    if (p.interrupted || !current()) return
    for (const [t, reason] of p.failed) this.markUnknown(t, reason)
    if (p.error) {
      for (const c of channels) {
        const state = this.stateOf(c)
        for (const t of tickers) if (state.get(t) === 'pending') state.delete(t)
      }
      const code = p.error.code
      if (code === WS_ERROR.subscription_market_limit_exceeded.code) {
        // Too many markets in one subscription (Kalshi publishes no number): halve until it fits, and
        // send no bigger batch afterwards.
        if (tickers.length > 1) {
          const half = Math.ceil(tickers.length / 2)
          this.batchLimit = Math.min(this.batchLimit, half)
          this.o.onRetry(new NeuralError('rate_limit', 'WS_SUBSCRIPTION_MARKET_LIMIT_EXCEEDED', `the exchange refused ${tickers.length} markets in one subscription; sending ${half} at a time`))
          await this.subscribeBatch(channels, tickers.slice(0, half).filter((t) => this.desired.has(t)), current)
          if (current()) await this.subscribeBatch(channels, tickers.slice(half).filter((t) => this.desired.has(t)), current)
        } else {
          this.o.onError(new NeuralError('rate_limit', 'WS_SUBSCRIPTION_MARKET_LIMIT_EXCEEDED', `the exchange refused even one more market (${tickers[0]}): ${exchangeReason(p.error)}`))
        }
        return
      }
      if (isRetryable(code) && tries < triesFor(code)) {
        const pauseMs = retryPauseMs(tries, code)
        this.o.onRetry(commandRetryError('subscribe', p.error, pauseMs))
        await sleep(pauseMs)
        if (current()) await this.subscribeBatch(channels, tickers.filter((t) => this.desired.has(t)), current, tries + 1)
        return
      }
      if (isRateLimited(code)) {
        // Still rate limited after backing off: the markets stay wanted and are tried again later.
        this.o.onError(new NeuralError('rate_limit', 'WS_TOO_MANY_REQUESTS', `the exchange still rate-limits subscribe after ${tries} tries; ${tickers.length} market(s) are tried again in ${GAP_MAX_DELAY_MS / 1000} s`))
        const generation = this.generation
        setTimeout(() => {
          if (generation === this.generation) void this.reconcile()
        }, GAP_MAX_DELAY_MS).unref?.()
        return
      }
      if (code === WS_ERROR.unknown_channel_name.code || code === WS_ERROR.authentication_required.code) {
        // The channel itself is refused (unknown, or needs a key): stop asking for it.
        this.refuseChannel(channels.length === 1 ? channels[0] : guessRefusedChannel(channels, code), p)
        return
      }
      if (tickers.length > 1 && (code === WS_ERROR.market_not_found.code || code === WS_ERROR.invalid_parameter.code)) {
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
      // A missing reply says nothing about the markets (a stalled link, a lost frame): they stay
      // wanted and are asked for again, on this connection after a pause or on the next one.
      for (const c of channels) {
        const state = this.stateOf(c)
        for (const t of tickers) if (state.get(t) === 'pending') state.delete(t)
      }
      this.noReply('subscribe', channels, tickers)
    }
  }

  /** A command got no reply in time: report it (rate-limited by the stream) and reconcile again after a pause. */
  private noReply(cmd: string, channels: string[], tickers: string[]): void {
    const what = tickers.length > 0 ? `${tickers.length} market${tickers.length === 1 ? '' : 's'}` : channels.map(ourChannel).join(', ')
    const pauseMs = Math.min(this.o.timeoutMs, 5000)
    this.o.onRetry(new NeuralError('network', 'NO_REPLY', `no reply from the exchange to ${cmd} (${what}) within ${this.o.timeoutMs} ms; asking again in ${pauseMs} ms`))
    const generation = this.generation
    const timer = setTimeout(() => {
      if (generation === this.generation) void this.reconcile()
    }, pauseMs)
    timer.unref()
  }

  private stateOf(channel: string): Map<string, 'pending' | 'active'> {
    let m = this.channelState.get(channel)
    if (!m) {
      m = new Map()
      this.channelState.set(channel, m)
    }
    return m
  }

  private refuseChannel(channel: string, p: Pending): void {
    const ours = ourChannel(channel)
    const reason = p.error ? exchangeReason(p.error) : 'no reply from the exchange'
    this.refusedChannels.set(channel, reason)
    const auth = p.error?.code === 9
    this.o.onError(
      new NeuralError(auth ? 'auth' : 'protocol', auth ? 'AUTH_REQUIRED' : `WS_${(p.error?.codeName ?? 'no_reply').toUpperCase()}`, auth ? `the ${ours} channel needs an API key; the exchange said: ${reason}` : `the exchange refused the ${ours} channel: ${reason}`),
    )
    void this.reconcile()
  }

  private markUnknown(ticker: string, reason: string): void {
    this.unknownTickers.set(ticker, reason)
    this.desired.delete(ticker)
    this.explicit.delete(ticker)
    this.o.wildcards.release(ticker)
    for (const c of this.o.marketChannels) this.stateOf(c).delete(ticker)
  }
}

/** With several channels in one refused command, the private one is the likely culprit for code 9. */
function guessRefusedChannel(channels: string[], code: number): string {
  if (code === WS_ERROR.authentication_required.code) return channels.find((c) => c === 'orderbook_delta' || c === 'fill') ?? channels[0]
  return channels[channels.length - 1]
}
