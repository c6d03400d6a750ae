/**
 * Commands sent to the exchange and the replies they wait for: ids, how many replies are still
 * expected, timeouts, and retries of the errors worth another try. A command never rejects: its
 * outcome (error, timeout, interrupted by a reconnect) is read from the settled `Pending`.
 */
import { NeuralError } from '../errors.js'
import { sleep } from './backoff.js'
import type { ErrorMessage } from './wire.js'
import { WS_ERROR, wsError } from './ws-errors.js'

export type CommandKind = 'subscribe' | 'unsubscribe' | 'update' | 'list'

export interface Pending {
  id: number
  kind: CommandKind
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

/** Tries of a command that failed with a retryable error. */
export const COMMAND_TRIES = 4
/** Tries of a command refused for the command rate limit: it backs off instead of giving up early. */
export const RATE_LIMITED_TRIES = 12

/** Command errors worth another try (the `retryable` column of ws-errors.ts). */
export function isRetryable(code: number): boolean {
  return wsError(code).retryable
}

export function isRateLimited(code: number): boolean {
  return code === WS_ERROR.too_many_requests.code
}

/** Tries allowed for a command that keeps failing with `code`. */
export function triesFor(code: number): number {
  return isRateLimited(code) ? RATE_LIMITED_TRIES : COMMAND_TRIES
}

/** The pause before try `tries + 1`: short for transient errors, longer and growing for the rate limit (capped at 5 s). */
export function retryPauseMs(tries: number, code?: number): number {
  if (code !== undefined && isRateLimited(code)) return Math.min(5000, 250 * 2 ** (tries - 1))
  return Math.min(1000, 50 * 2 ** (tries - 1))
}

/** The exchange's error as a one-line reason. */
export function exchangeReason(m: ErrorMessage): string {
  return `${m.codeName} (code ${m.code})${m.message ? `: ${m.message}` : ''}`
}

/** A command the exchange refused for now and that will be tried again: reported by name, not fatal. */
export function commandRetryError(cmd: string, error: ErrorMessage, delayMs: number): NeuralError {
  const kind = isRateLimited(error.code) ? 'rate_limit' : 'protocol'
  return new NeuralError(kind, `WS_${error.codeName.toUpperCase()}`, `the exchange answered ${cmd} with ${exchangeReason(error)}; retrying in ${delayMs} ms`)
}

export interface CommandsOptions {
  /** Send one frame; false when there is no open socket. */
  send: (text: string) => boolean
  /** Replies not received within this are given up (`timedOut`). */
  timeoutMs: number
  /** A command that is being tried again. */
  onRetry: (error: NeuralError) => void
}

export class Commands {
  private nextId = 1
  private readonly pending = new Map<number, Pending>()

  constructor(private readonly options: CommandsOptions) {}

  send(kind: CommandKind, body: Record<string, unknown>, channels: string[], tickers: string[], remaining: number): Promise<Pending> {
    return new Promise((resolve) => {
      const id = this.nextId++
      const p: Pending = { id, kind, channels, tickers, remaining, sids: [], failed: new Map(), resolve }
      if (!this.options.send(JSON.stringify({ id, ...body }))) {
        p.interrupted = true
        resolve(p)
        return
      }
      this.pending.set(id, p)
      p.timer = setTimeout(() => {
        p.timedOut = true
        this.finish(p)
      }, this.options.timeoutMs)
      p.timer.unref?.()
    })
  }

  /** A command, tried again (with a short backoff) while the exchange answers with a transient error. */
  async sendWithRetry(kind: CommandKind, body: Record<string, unknown>, channels: string[], tickers: string[], remaining: number, current: () => boolean): Promise<Pending> {
    for (let tries = 1; ; tries++) {
      const p = await this.send(kind, body, channels, tickers, remaining)
      if (!p.error || !isRetryable(p.error.code) || tries >= triesFor(p.error.code) || !current()) return p
      const pauseMs = retryPauseMs(tries, p.error.code)
      this.options.onRetry(commandRetryError(body.cmd as string, p.error, pauseMs))
      await sleep(pauseMs)
    }
  }

  /** The command waiting for a reply with this id. */
  get(id: number | undefined): Pending | undefined {
    return id === undefined ? undefined : this.pending.get(id)
  }

  /** One of the replies a command waits for (an `ok` may carry list_subscriptions' answer). */
  replied(id: number | undefined, subscriptions?: { channel: string; sid: number }[]): void {
    const p = id === undefined ? undefined : this.pending.get(id)
    if (p === undefined) return
    if (subscriptions) p.subscriptions = subscriptions
    if (--p.remaining <= 0) this.finish(p)
  }

  /** Settle a command now (at most once). */
  finish(p: Pending): void {
    if (!this.pending.delete(p.id)) return
    if (p.timer) clearTimeout(p.timer)
    p.resolve(p)
  }

  /** Settle every waiting command as interrupted: their socket is gone, so their replies will never come. */
  interruptAll(): void {
    for (const p of [...this.pending.values()]) {
      p.interrupted = true
      this.finish(p)
    }
  }
}
