/**
 * A NATS connection with the reconnect policy of the bus, reporting its state as the core's
 * ConnectionEvent. Reconnecting is left to nats.js (it re-subscribes by itself after a reconnect);
 * this module only chooses the policy and translates its status stream.
 */
import type { NatsConnection } from 'nats'
import { NeuralError } from '../errors.js'
import { checkBusUrl } from './bus-url.js'
import type { ConnectionEvent, ConnectionState } from '../core/types.js'

export interface BusConnectionOptions {
  /** Wait between reconnect attempts. @default 1000 */
  reconnectTimeWaitMs?: number
  /** Random extra wait per attempt, so many consumers do not reconnect in lockstep. @default 100 */
  reconnectJitterMs?: number
  /** Reconnect attempts before giving up (-1: forever). @default -1 */
  maxReconnectAttempts?: number
  /** Timeout of the first connection. @default 5000 */
  connectTimeoutMs?: number
  /** How long close() waits for pending messages to reach the server before closing anyway. @default 2000 */
  drainTimeoutMs?: number
  /** Client name shown by the server (`nats-server` monitoring). */
  name?: string
}

export interface BusConnection {
  nc: NatsConnection
  /** True while the socket is up (false from 'disconnected' until 'connected' again). */
  isConnected(): boolean
  /** Flush what is pending, drain subscriptions, close; resolves when the connection is closed. Idempotent. */
  close(): Promise<void>
}

export { checkBusUrl } from './bus-url.js'

/**
 * nats.js (about 25 ms to load), imported once a connection is opened: the bus classes are part of
 * the library entry that every strategy importing a value from 'neural' loads, in its worker thread,
 * and almost none of them touches the bus.
 */
export const loadNats = () => import('nats')

/**
 * Connect, then report connected / disconnected / reconnecting / connected / failed through `onEvent`.
 * A server that is not there at start is a network error (thrown): retrying forever before the first
 * connection would hide a wrong url. After the first connection, nats.js reconnects forever by default.
 */
export async function openBusConnection(url: string, options: BusConnectionOptions, onEvent: (event: ConnectionEvent) => void): Promise<BusConnection> {
  checkBusUrl(url)
  const { connect, DebugEvents, Events } = await loadNats()
  const event = (state: ConnectionState, extra: Partial<ConnectionEvent> = {}) => onEvent({ type: 'connection', state, url, ...extra, ts: Date.now() })
  event('connecting')
  const started = Date.now()
  let nc: NatsConnection
  try {
    nc = await connect({
      servers: url,
      name: options.name,
      timeout: options.connectTimeoutMs ?? 5000,
      reconnect: true,
      maxReconnectAttempts: options.maxReconnectAttempts ?? -1,
      reconnectTimeWait: options.reconnectTimeWaitMs ?? 1000,
      reconnectJitter: options.reconnectJitterMs ?? 100,
      waitOnFirstConnect: false,
    })
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause)
    event('failed', { reason })
    throw new NeuralError('network', 'BUS_CONNECT_FAILED', `cannot connect to NATS at ${url}: ${reason}`, { cause })
  }
  let connected = true
  let attempt = 0
  let closing = false
  event('connected', { handshakeMs: Date.now() - started })

  const statuses = nc.status()
  const watch = (async () => {
    for await (const s of statuses) {
      if (s.type === Events.Disconnect) {
        connected = false
        attempt = 0
        if (!closing) event('disconnected', { reason: 'connection to NATS lost' })
      } else if (s.type === DebugEvents.Reconnecting) {
        attempt++
        event('reconnecting', { attempt })
      } else if (s.type === Events.Reconnect) {
        connected = true
        event('connected', { attempt })
      }
    }
  })()
  const done = nc.closed().then(async (error) => {
    connected = false
    // closed() resolves with an error only when nats.js gave up (reconnect attempts exhausted, auth).
    if (error) event('failed', { reason: error.message })
    // nats.js does not end the status iterator when the connection closes.
    ;(statuses as { stop?: () => void }).stop?.()
    await watch.catch(() => undefined)
  })
  const close = async (): Promise<void> => {
    if (closing) return done
    closing = true
    // drain: pending publishes are flushed and subscriptions finish what they already received.
    // With NATS down a drain would wait for the server; give it drainTimeoutMs, then close regardless.
    if (!nc.isClosed()) {
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, options.drainTimeoutMs ?? 2000)))
      await Promise.race([nc.drain().catch(() => undefined), timeout])
      clearTimeout(timer)
      // While reconnecting, drain() can resolve without closing (measured with nats 2.29.3): close in any case.
      if (!nc.isClosed()) await nc.close()
    }
    await done
  }
  return { nc, isConnected: () => connected, close }
}
