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
import { COMMAND_TRIES, RETRYABLE_COMMAND_ERRORS, commandRetryError, exchangeReason, retryPauseMs, type Commands, type Pending } from './commands.js'
import type { OrderBooks } from './order-book.js'
import type { Target } from './targets.js'
import type { Wants, Wildcards } from './wildcards.js'
import type { ErrorMessage } from './wire.js'

export interface SubscriptionInfo {
  channel: string
  sid: number
  tickers: string[]
}

/** Errors after which Kalshi drops the subscription: the user must resubscribe (AsyncAPI: 10, 17, 25). */
const TERMINAL_SUBSCRIPTION_ERRORS = new Set([10, 17, 25])

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
    if (sub && m.sid !== undefined && TERMINAL_SUBSCRIPTION_ERRORS.has(m.code)) this.resubscribe(m.sid, false)
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
    for (const [key, tickers] of groups) {
      const chans = key.split(',')
      for (let i = 0; i < tickers.length; i += batchSize) {
        if (sent >= batchBurst && batchPauseMs > 0) await sleep(batchPauseMs)
        sent++
        if (!current()) return
        const batch = tickers.slice(i, i + batchSize).filter((t) => this.desired.has(t))
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
    const p = await this.o.commands.send('subscribe', { cmd: 'subscribe', params }, channels, tickers, channels.length)
    if (p.interrupted || !current()) return
    for (const [t, reason] of p.failed) this.markUnknown(t, reason)
    if (p.error) {
      for (const c of channels) {
        const state = this.stateOf(c)
        for (const t of tickers) if (state.get(t) === 'pending') state.delete(t)
      }
      const code = p.error.code
      if (RETRYABLE_COMMAND_ERRORS.has(code) && tries < COMMAND_TRIES) {
        this.o.onRetry(commandRetryError('subscribe', p.error, retryPauseMs(tries)))
        await sleep(retryPauseMs(tries))
        if (current()) await this.subscribeBatch(channels, tickers.filter((t) => this.desired.has(t)), current, tries + 1)
        return
      }
      if (code === 8 || code === 9) {
        // The channel itself is refused (unknown, or needs a key): stop asking for it.
        this.refuseChannel(channels.length === 1 ? channels[0] : guessRefusedChannel(channels, code), p)
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
  if (code === 9) return channels.find((c) => c === 'orderbook_delta' || c === 'fill') ?? channels[0]
  return channels[channels.length - 1]
}
