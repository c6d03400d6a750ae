/**
 * The live loop that `neural stream` and `neural run-strategy` share: connect → subscribe → publish
 * status → run until the duration, a stop, an abort (Ctrl-C, SIGTERM, closed output) or a failed
 * connection. What each session does with the events is wired by the session before `run()`.
 */
import type { Environment } from '../config/endpoints.js'
import type { MarketFeed } from '../core/market-feed.js'
import type { StreamStats, SubscribeResult } from '../core/stream.js'
import { NeuralError } from '../errors.js'
import type { Spinner } from '../render/spinner.js'
import { publishStatus, type LiveStatus, type StatusPublisher } from '../runtime/status-registry.js'

export interface FeedLoopOptions {
  feed: MarketFeed
  targets: readonly string[]
  spinner: Spinner
  /** Where the spinner says it connects (the exchange's WebSocket URL; a bus feed names its own). */
  connectingTo?: string
  /** What the spinner says while subscribing. @default `subscribing <targets>` */
  subscribing?: string
  /** The spinner's line once subscribed. */
  subscribed: (result: SubscribeResult) => string
  /**
   * After subscribing: check the result and start what depends on it. An error thrown here ends the
   * run as its failure.
   */
  onSubscribed?: (result: SubscribeResult) => void | Promise<void>
  /** Runs first, before connecting (e.g. opening a bus relay); `untilStopped` frees it on a stop. */
  beforeStart?: (untilStopped: <T>(step: Promise<T>) => Promise<T>) => Promise<void>
  /** Publish a status file for `neural status`; off in library use. */
  status?: { command: string; args: string[]; environment: Environment; startedAt?: number; extra?: () => Partial<LiveStatus> }
  /**
   * Length of the run from the subscription; connecting and subscribing may take no longer than this
   * either, counted from `run()` (a cron job with --duration ends): not subscribed by then is CONNECT_FAILED.
   */
  durationMs?: number
  /**
   * With a duration, the connect may take the longer of it and this (the WebSocket timeout): a short
   * run on a slow or loaded machine still gets to connect, a long one never outlives a dead exchange.
   */
  connectTimeoutMs?: number
  /** Aborted by Ctrl-C / SIGTERM / closed output. */
  signal?: AbortSignal
}

export class FeedLoop {
  private stopRequested = false
  private subscribed = false
  /** Why the last connection attempt failed, for the error of a run that never connected. */
  private lastConnectError: string | undefined
  /** Set when the duration ended before the run was subscribed. */
  private durationFailure: NeuralError | undefined
  private interruptStart!: () => void
  private finish!: () => void
  private readonly finished: Promise<void>
  private readonly stopping: Promise<never>
  private statusClosing: Promise<void> | undefined

  constructor(private readonly options: FeedLoopOptions) {
    this.finished = new Promise<void>((resolve) => (this.finish = resolve))
    // Only a stop from outside or the end of the duration frees a starting step: a failure while
    // starting rejects the step itself.
    this.stopping = new Promise<never>((_, reject) => (this.interruptStart = () => reject(STOPPED)))
    this.stopping.catch(() => undefined)
    options.feed.on('connection', (e) => {
      if (e.state === 'failed') this.stop()
      if ((e.state === 'disconnected' || e.state === 'reconnecting') && !e.byClient && e.reason) this.lastConnectError = e.reason
    })
  }

  /** True once the run is ending: events that still arrive are not handled. */
  get stopped(): boolean {
    return this.stopRequested
  }

  /** End the run (count reached, a fatal error, a strategy fault): the wait ends, the feed stays open until `run()` returns. */
  stop(): void {
    this.stopRequested = true
    this.finish()
  }

  /**
   * Run until the end. Resolves with what failed while starting (a thrown step, not a stop), if
   * anything; the feed is left open for the session to read its stats and close it.
   */
  async run(): Promise<{ failure?: unknown }> {
    const { feed, spinner, signal } = this.options
    // Closing the feed at once also ends a first connect that is still being retried (with an
    // unbounded retry policy nothing else would).
    const abort = () => {
      this.interruptStart()
      this.stop()
      void feed.close().catch(() => undefined)
    }
    const untilStopped = <T>(step: Promise<T>): Promise<T> => Promise.race([step, this.stopping])
    signal?.addEventListener('abort', abort, { once: true })
    if (signal?.aborted) abort()
    const { durationMs } = this.options
    // The data window runs from the subscription (a 10 s stream gives 10 s of data however long the
    // connect took); the connect itself may take no longer than the window, so a feed that never
    // connects ends too (found from outside: a cron job's run retried until it was killed).
    const connectWithinMs = durationMs === undefined ? undefined : Math.max(durationMs, this.options.connectTimeoutMs ?? 0)
    let timer = connectWithinMs === undefined ? undefined : setTimeout(() => {
      if (this.stopRequested || this.subscribed) return
      this.durationFailure = notConnectedError(connectWithinMs, { connected: feed.stats().connected, lastError: this.lastConnectError })
      abort()
    }, connectWithinMs)
    let statusTimer: NodeJS.Timeout | undefined
    let status: StatusPublisher | undefined
    let failure: unknown
    try {
      await this.options.beforeStart?.(untilStopped)
      spinner.start(`connecting to ${feed.bus?.url ?? this.options.connectingTo}`)
      await untilStopped(feed.start())
      spinner.update(this.options.subscribing ?? `subscribing ${this.options.targets.join(' ')}`)
      const result = await untilStopped(feed.subscribe(this.options.targets))
      this.subscribed = true
      if (durationMs !== undefined) {
        clearTimeout(timer)
        timer = setTimeout(() => this.stop(), durationMs)
      }
      spinner.succeed(this.options.subscribed(result))
      await this.options.onSubscribed?.(result)
      if (this.options.status) {
        const { extra, ...identity } = this.options.status
        status = await publishStatus(identity)
        const refresh = () => status?.update({ ...liveStatus(feed.stats(), feed.watched().length), bus: feed.bus?.status(), ...extra?.() })
        refresh()
        statusTimer = setInterval(refresh, 1000)
        statusTimer.unref()
      }
      await this.finished
    } catch (error) {
      spinner.fail()
      // Stopped on purpose (Ctrl-C, SIGTERM, closed output) while starting: not a failure of the run.
      // Out of time while starting: the run never got going, which a scheduled run must hear of.
      if (error === STOPPED) failure = this.durationFailure
      else if (!signal?.aborted) failure = error
    } finally {
      if (timer) clearTimeout(timer)
      if (statusTimer) clearInterval(statusTimer)
      signal?.removeEventListener('abort', abort)
      this.stop()
    }
    // Removed in the background: a summary must not wait on the file system (on a loaded machine a
    // rename or unlink can take a second, longer than a stop by signal may take). statusRemoved().
    this.statusClosing = status?.close().catch(() => undefined)
    return { failure }
  }

  /** Resolves once the status file of the run is gone (at once when there was none). */
  async statusRemoved(): Promise<void> {
    await this.statusClosing
  }
}

/** Thrown into a starting step when the run is stopped (never escapes the loop). */
const STOPPED = Symbol('stopped')

/**
 * The error of a run with a --duration that was not subscribed in time (shared with the dashboard).
 * `lastError`: why the last connection attempt failed, when one did.
 */
export function notConnectedError(withinMs: number, state: { connected: boolean; lastError?: string }): NeuralError {
  const within = `within ${withinMs / 1000} s`
  const message = state.connected ? `connected, but not subscribed ${within}` : `not connected ${within}${state.lastError ? `: ${state.lastError}` : ''}`
  return new NeuralError('network', 'CONNECT_FAILED', message)
}

/** What `neural status` shows of a running feed; `subscriptions` counts markets, not channel subscriptions. */
export function liveStatus(stats: StreamStats, markets: number): LiveStatus {
  return {
    connected: stats.connected,
    subscriptions: markets,
    health: { staleCount: stats.health.stale.length, stale: stats.health.stale.slice(0, 5), laggingCount: stats.health.lagging.length, lagging: stats.health.lagging.slice(0, 5) },
    messages: stats.messages,
    reconnects: stats.reconnects,
    lastMessageAt: stats.lastMessageAt,
    ratePerSec: stats.ratePerSec,
  }
}
