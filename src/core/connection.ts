/**
 * One WebSocket connection to Kalshi that stays up: signed handshake (fresh headers per attempt),
 * connect timeout, liveness (silence longer than timeoutMs = dead), reconnect with backoff.
 * ws has no reconnect of its own; this file is that policy, and nothing else. Text frames are handed
 * to `onFrame` as the bytes ws read; what they mean is the stream's business.
 */
import type WebSocket from 'ws'
import type { Signer } from '../auth/signer.js'
import { NeuralError } from '../errors.js'
import { AbortedError, backoffDelay, canRetry, DEFAULT_RETRY, sleep, type RetryPolicy } from './backoff.js'
import { Emitter } from './emitter.js'
import { ws } from './ws-library.js'
import type { ConnectionEvent, ConnectionState } from './types.js'

/** Makes the socket; tests swap it. The default is `new WebSocket(url, { headers })` from ws. */
export type SocketFactory = (url: string, headers: Record<string, string>) => WebSocket

export const defaultSocketFactory: SocketFactory = (url, headers) =>
  new ws.WebSocket(url, { headers, perMessageDeflate: false, maxPayload: 16 * 1024 * 1024 })

export interface ConnectionOptions {
  url: string
  /** Signs the handshake; without one the connection is unsigned (public channels only). */
  signer?: Signer
  /** Connect timeout, and the longest silence before the connection is declared dead. @default 30000 */
  timeoutMs?: number
  retry?: RetryPolicy
  socketFactory?: SocketFactory
  now?: () => number
  random?: () => number
  /**
   * Every text frame, as the socket's bytes (a string only from a socket that gives strings), with
   * its local receive time. The hot path: keep it cheap.
   */
  onFrame: (frame: string | Buffer, receivedAt: number) => void
  /** Called on every successful open (first connect and each reconnect), before `connected` is emitted. */
  onOpen?: (attempt: number) => void
}

export interface ConnectionEvents {
  [k: string]: (...args: any[]) => void // eslint-disable-line @typescript-eslint/no-explicit-any
  connection: (event: ConnectionEvent) => void
  error: (error: NeuralError) => void
}

/** How a single attempt ended. */
interface AttemptEnd {
  error: NeuralError
  /** Whether the connection was open before it ended (a drop, not a failed handshake). */
  wasOpen: boolean
  retryAfterMs?: number
}

/** HTTP 401/403 at the handshake: retried at most once (a clock skew can cause one), then the connection fails. */
const AUTH_RETRIES = 1

export class Connection extends Emitter<ConnectionEvents> {
  readonly url: string
  private readonly signer?: Signer
  private readonly timeoutMs: number
  private readonly retry: RetryPolicy
  private readonly socketFactory: SocketFactory
  private readonly now: () => number
  private readonly random: () => number
  private readonly onFrame: (frame: string | Buffer, receivedAt: number) => void
  private readonly onOpen?: (attempt: number) => void
  private socket?: WebSocket
  private readonly abort = new AbortController()
  private state: ConnectionState | 'idle' | 'closed' = 'idle'
  private loop?: Promise<void>
  private lastFrameAt = 0
  /** Times the connection was (re)opened; 1 after the first connect. */
  opens = 0
  /** The try being made, as the connection events number it. */
  private tryNo = 1
  /** Reconnect attempts made in total. */
  reconnects = 0

  constructor(options: ConnectionOptions) {
    super()
    const u = new URL(options.url)
    if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw new NeuralError('config', 'BAD_WS_URL', `WebSocket URL must start with ws:// or wss:// (got ${options.url})`)
    this.url = options.url
    this.signer = options.signer
    this.timeoutMs = options.timeoutMs ?? 30_000
    this.retry = options.retry ?? DEFAULT_RETRY
    this.socketFactory = options.socketFactory ?? defaultSocketFactory
    this.now = options.now ?? Date.now
    this.random = options.random ?? Math.random
    this.onFrame = options.onFrame
    this.onOpen = options.onOpen
  }

  get connected(): boolean {
    return this.state === 'connected'
  }

  get currentState(): ConnectionState | 'idle' | 'closed' {
    return this.state
  }

  /**
   * Connect, and keep reconnecting per the retry policy. Resolves on the first successful open;
   * rejects with the classified NeuralError if the policy gives up before that.
   */
  start(): Promise<void> {
    if (this.loop) throw new Error('Connection.start() called twice')
    return new Promise((resolve, reject) => {
      let settled = false
      const onFirst = (): void => {
        if (!settled) {
          settled = true
          resolve()
        }
      }
      this.loop = this.run(onFirst).then(
        (error) => {
          if (!settled) {
            settled = true
            if (error) reject(error)
            else reject(new NeuralError('network', 'CLOSED', 'the connection was closed before it opened'))
          }
        },
        (error: unknown) => {
          if (!settled) {
            settled = true
            reject(error)
          }
        },
      )
    })
  }

  /** Send a text frame; false when not connected (the caller re-sends after reconnect). */
  send(text: string): boolean {
    const s = this.socket
    if (!s || this.state !== 'connected' || s.readyState !== ws.WebSocket.OPEN) return false
    s.send(text)
    return true
  }

  /** Drop the current socket as if the network failed (used after protocol trouble; the loop reconnects). */
  drop(reason: string): void {
    const s = this.socket
    if (s) {
      this.dropReason = reason
      s.terminate()
    }
  }

  private dropReason?: string

  /** Stop for good: cancels a pending backoff sleep and closes the socket. */
  async close(): Promise<void> {
    if (this.state === 'closed') return
    this.state = 'closed'
    this.abort.abort()
    const s = this.socket
    if (s && s.readyState !== ws.WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          s.terminate()
          resolve()
        }, 250)
        s.once('close', () => {
          clearTimeout(t)
          resolve()
        })
        try {
          if (s.readyState === ws.WebSocket.CONNECTING) s.terminate()
          else s.close(1000, 'client closing')
        } catch {
          s.terminate()
        }
      })
    }
    await this.loop?.catch(() => undefined)
  }

  private event(state: ConnectionState, extra: Partial<ConnectionEvent> = {}): void {
    if (this.state !== 'closed') this.state = state
    this.emit('connection', { type: 'connection', state, url: this.url, ts: this.now(), ...extra })
  }

  /** The reconnect loop. Returns the final error when the policy gives up, undefined when closed. */
  private async run(onFirst: () => void): Promise<NeuralError | undefined> {
    let attempt = 0 // retries since the last successful open (the retry policy's count)
    // Tries since the last open connection that did not open: the `attempt` the events show is the
    // number of the try (1 = the first since the last connection), the same on connecting, on the
    // reconnecting that announces it and on the connected it ends in, as the bus's NATS connection
    // numbers them. Found from outside: the three read as one counter and disagreed.
    let failedTries = 0
    let authFailures = 0
    for (;;) {
      if (this.abort.signal.aborted) return undefined
      this.tryNo = failedTries + 1
      this.event('connecting', { attempt: this.tryNo })
      const end = await this.attempt(onFirst)
      if (this.abort.signal.aborted) {
        this.event('disconnected', { reason: 'closed by client', byClient: true })
        return undefined
      }
      if (end.wasOpen) {
        attempt = 0
        authFailures = 0
        failedTries = 0
      } else {
        failedTries++
      }
      this.event('disconnected', { reason: end.error.message })
      if (end.error.kind === 'auth') {
        authFailures++
        if (authFailures > AUTH_RETRIES) return this.fail(end.error)
      }
      attempt++
      if (!canRetry(this.retry, attempt)) return this.fail(end.error)
      let delayMs = backoffDelay(this.retry, attempt, this.random)
      if (end.error.kind === 'rate_limit') {
        // The exchange asked us to slow down: wait longer than a network blip would, and at least Retry-After.
        delayMs = Math.max(delayMs * 4, this.retry.baseDelayMs * 4, end.retryAfterMs ?? 0)
      }
      this.reconnects++
      this.event('reconnecting', { attempt: failedTries + 1, delayMs, reason: end.error.message })
      try {
        await sleep(delayMs, this.abort.signal)
      } catch (error) {
        if (error instanceof AbortedError) return undefined
        throw error
      }
    }
  }

  private fail(error: NeuralError): NeuralError {
    this.event('failed', { reason: error.message })
    this.emit('error', error)
    return error
  }

  /** One socket, from creation to close. */
  private attempt(onFirst: () => void): Promise<AttemptEnd> {
    return new Promise<AttemptEnd>((resolve) => {
      const startedAt = this.now()
      let headers: Record<string, string> = {}
      if (this.signer) {
        // Kalshi signs timestamp + "GET" + path; a reconnect signs afresh (the timestamp is checked).
        headers = { ...this.signer('GET', new URL(this.url).pathname) }
      }
      let socket: WebSocket
      try {
        socket = this.socketFactory(this.url, headers)
      } catch (error) {
        resolve({ wasOpen: false, error: new NeuralError('network', 'CONNECT_FAILED', `could not open ${this.url}: ${(error as Error).message}`, { cause: error }) })
        return
      }
      this.socket = socket
      this.dropReason = undefined
      let wasOpen = false
      let status: number | undefined
      let retryAfterMs: number | undefined
      let failure: NeuralError | undefined
      let done = false
      let liveness: NodeJS.Timeout | undefined

      const connectTimer = setTimeout(() => {
        failure = new NeuralError('network', 'CONNECT_TIMEOUT', `no WebSocket handshake from ${this.url} within ${this.timeoutMs} ms`)
        socket.terminate()
      }, this.timeoutMs)

      const finish = (): void => {
        if (done) return
        done = true
        clearTimeout(connectTimer)
        if (liveness) clearInterval(liveness)
        if (this.socket === socket) this.socket = undefined
        socket.removeAllListeners()
        socket.on('error', () => undefined) // late errors after close must not become uncaught
        resolve({ wasOpen, error: failure ?? new NeuralError('network', 'DISCONNECTED', 'connection closed'), retryAfterMs })
      }

      socket.on('unexpected-response', (_req, res) => {
        status = res.statusCode
        const ra = Number(res.headers['retry-after'])
        if (Number.isFinite(ra) && ra > 0) retryAfterMs = ra * 1000
        if (status === 401 || status === 403) {
          failure = new NeuralError('auth', 'AUTH_REJECTED', `the exchange refused the API key at the WebSocket handshake (HTTP ${status}); check the key id and private key`)
        } else if (status === 429) {
          failure = new NeuralError('rate_limit', 'RATE_LIMITED', 'the exchange is rate limiting WebSocket connections (HTTP 429)')
        } else {
          failure = new NeuralError('network', 'HANDSHAKE_REJECTED', `WebSocket handshake rejected with HTTP ${status}`)
        }
        res.resume()
        socket.terminate()
      })

      socket.on('open', () => {
        clearTimeout(connectTimer)
        wasOpen = true
        this.opens++
        this.lastFrameAt = this.now()
        this.state = 'connected'
        try {
          this.onOpen?.(this.opens)
        } finally {
          this.event('connected', { handshakeMs: this.now() - startedAt, attempt: this.tryNo, connection: this.opens })
        }
        onFirst()
        // Liveness: Kalshi pings every 10 s, so a connection with no data and no ping for timeoutMs is
        // dead. Only frames from the exchange count: a peer whose TCP stack still answers our pings
        // while sending nothing is not alive for our purposes. Checked on an interval rather than by a
        // per-frame timer reset, which would cost a clearTimeout/setTimeout pair per message.
        const checkMs = Math.max(10, Math.min(1000, Math.floor(this.timeoutMs / 4)))
        liveness = setInterval(() => {
          const silentMs = this.now() - this.lastFrameAt
          if (silentMs > this.timeoutMs) {
            failure = new NeuralError('network', 'LIVENESS_TIMEOUT', `no data or ping from the exchange for ${silentMs} ms (timeout ${this.timeoutMs} ms)`)
            socket.terminate()
          }
        }, checkMs)
      })

      socket.on('message', (data, isBinary) => {
        const at = this.now()
        this.lastFrameAt = at
        if (isBinary) return
        // The bytes as they came: the stream reads its busiest frames from them without a string.
        this.onFrame(data as Buffer | string, at)
      })

      socket.on('ping', () => {
        this.lastFrameAt = this.now()
      })

      socket.on('error', (error) => {
        if (!failure) {
          failure = new NeuralError('network', wasOpen ? 'SOCKET_ERROR' : 'CONNECT_FAILED', `${wasOpen ? 'connection to' : 'could not connect to'} ${this.url}: ${error.message}`, { cause: error })
        }
      })

      socket.on('close', (code, reason) => {
        if (!failure) {
          const why = this.dropReason ?? (reason.length > 0 ? reason.toString() : `close code ${code}`)
          failure = new NeuralError('network', 'DISCONNECTED', `connection closed by the exchange (${why})`)
        }
        finish()
      })
    })
  }
}
