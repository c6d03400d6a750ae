/**
 * Commands sent to the exchange and the replies they wait for: ids, how many replies are still
 * expected, timeouts, and retries of the errors worth another try. A command never rejects: its
 * outcome (error, timeout, interrupted by a reconnect) is read from the settled `Pending`.
 */
import { NeuralError } from '../errors.js'
import { sleep } from './backoff.js'
import type { ErrorMessage } from './wire.js'

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

/** Command errors worth another try: unable to process, channel error, internal error, command timeout, too many requests. */
export const RETRYABLE_COMMAND_ERRORS: ReadonlySet<number> = new Set([1, 10, 17, 18, 27])
/** Tries of a command that failed with a retryable error. */
export const COMMAND_TRIES = 4

export function retryPauseMs(tries: number): number {
  return Math.min(1000, 50 * 2 ** (tries - 1))
}

/** The exchange's error as a one-line reason. */
export function exchangeReason(m: ErrorMessage): string {
  return `${m.codeName} (code ${m.code})${m.message ? `: ${m.message}` : ''}`
}

/** A command the exchange refused for now and that will be tried again: reported by name, not fatal. */
export function commandRetryError(cmd: string, error: ErrorMessage, delayMs: number): NeuralError {
  const kind = error.code === 27 ? 'rate_limit' : 'protocol'
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
      if (!p.error || !RETRYABLE_COMMAND_ERRORS.has(p.error.code) || tries >= COMMAND_TRIES || !current()) return p
      this.options.onRetry(commandRetryError(body.cmd as string, p.error, retryPauseMs(tries)))
      await sleep(retryPauseMs(tries))
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
