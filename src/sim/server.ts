import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import type { WebSocket } from 'ws'
import { MAX_TIMER_DELAY_MS } from '../config/schema.js'
import { ws } from '../core/ws-library.js'
import { KeyRing } from './auth.js'
import { RestFaults, type SimFaults } from './faults.js'
import { Generator } from './generator.js'
import { publish } from './publisher.js'
import { createRandom } from './random.js'
import { API_PREFIX, handleRest, sendError } from './rest.js'
import { SubscriptionIndex } from './subscriptions.js'
import { SimWorld } from './world.js'
import { Session } from './ws-session.js'

export const WS_PATH = '/trade-api/ws/v2'

export interface SimOptions {
  /** @default "127.0.0.1" */
  host?: string
  /** 0 picks a free port. @default 0 */
  port?: number
  /** Everything in the world (markets, games, outcomes) follows from the seed. @default 1 */
  seed?: number
  /** Market updates per second across the world; each yields an orderbook_delta and a ticker message. @default 200 */
  ratePerSec?: number
  /** Game-clock multiplier; at 1 a game lasts 3 real minutes. @default 1 */
  speed?: number
  /** PEM public keys accepted for signatures; none registered = any well-formed signature passes. */
  publicKeys?: string[]
  faults?: SimFaults
  /** WebSocket ping interval, as Kalshi (payload "heartbeat"). @default 10000 */
  pingIntervalMs?: number
  /** Synthetic markets (series KXSIMBENCH) on top of the NFL week and the few others, for benchmarks. @default 0 */
  extraMarkets?: number
  /** REST requests per second before 429; 0 = unlimited. @default 0 */
  restRateLimitPerSec?: number
  /** Allowed clock skew of KALSHI-ACCESS-TIMESTAMP. @default 30000 */
  authWindowMs?: number
  /**
   * Mean real time between news moves of some game's prices; after each move (and each score) one of
   * the game's markets lags for a moment. Books never cross. @default 300
   */
  moveEveryMs?: number
  /** How long the lagging market stays stale after a move, real ms (seeded within the range); [0, 0]: none lags. @default [400, 1500] */
  lagMs?: readonly [number, number]
  /** Non-Kalshi: add "sent_at_ms" (hostMonotonicMs: the host's monotonic clock, sub-ms) to every data message, for latency benchmarks. @default false */
  benchTimestamps?: boolean
  /** Also send the legacy integer fields (cents, whole contracts) beside the current ones. @default false */
  legacyWire?: boolean
  /** use_yes_price for an orderbook subscribe that does not say (Kalshi announced its default will flip). @default false */
  useYesPriceDefault?: boolean
  /** Markets one subscription may hold; a bigger subscribe or add_markets gets error 26. Kalshi publishes no number. @default 500 */
  subscriptionMarketLimit?: number
  /** WebSocket commands per second per connection before error 27; 0 = unlimited. @default 100 */
  commandRateLimitPerSec?: number
  /** List a new KXBTCD event this often (event_lifecycle, then its markets' lifecycle); 0 = never. @default 60 */
  newEventEverySec?: number
}

export const DEFAULT_SUBSCRIPTION_MARKET_LIMIT = 500
export const DEFAULT_COMMAND_RATE_LIMIT_PER_SEC = 100

export interface Simulator {
  /** http://HOST:PORT/trade-api/v2 */
  apiUrl: string
  /** ws://HOST:PORT/trade-api/ws/v2 */
  wsUrl: string
  port: number
  world: SimWorld
  registerPublicKey(pem: string): void
  /** Stop the data generator (and the game clock) so books can be compared at rest. */
  pause(): void
  resume(): void
  /**
   * Advance the world by `elapsedMs` of real time at once, as one step of the generator's timer
   * would. With pause(), a test drives the game clock in steps of its choosing instead of depending
   * on when a loaded machine's timers fire.
   */
  step(elapsedMs: number): void
  close(): Promise<void>
}

/** A delay Node's timers can wait: a longer one would fire after 1 ms (`neural sim` checks its flags first). */
function timerDelay(option: string, ms: number): number {
  if (!(ms <= MAX_TIMER_DELAY_MS)) throw new RangeError(`${option}: ${ms} ms is longer than Node's timers wait (at most ${MAX_TIMER_DELAY_MS} ms)`)
  return ms
}

/** Answer a refused upgrade with a bare HTTP status, as ws's abortHandshake does. */
function refuseUpgrade(socket: Duplex, status: number, statusText: string, message: string): void {
  const body = JSON.stringify({ error: { code: status === 401 ? 'unauthorized' : 'not_found', message } })
  socket.end(`HTTP/1.1 ${status} ${statusText}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)
}

/** Start a Kalshi-compatible exchange: REST under /trade-api/v2 and the WebSocket at /trade-api/ws/v2, on one port. */
export async function startSimulator(opts: SimOptions = {}): Promise<Simulator> {
  const seed = opts.seed ?? 1
  const speed = opts.speed ?? 1
  const faults = opts.faults ?? {}
  // Checked before anything listens: a bad option must not leave a server behind.
  const pingIntervalMs = timerDelay('pingIntervalMs', opts.pingIntervalMs ?? 10_000)
  const dropEveryMs = faults.dropEverySec !== undefined && faults.dropEverySec > 0 ? timerDelay('faults.dropEverySec', faults.dropEverySec * 1000) : undefined
  const authWindowMs = opts.authWindowMs ?? 30_000
  const world = new SimWorld(seed, { speed, extraMarkets: opts.extraMarkets ?? 0 })
  const keys = new KeyRing()
  for (const pem of opts.publicKeys ?? []) keys.register(pem)
  const index = new SubscriptionIndex()
  const sessions = new Set<Session>()
  const legacyWire = opts.legacyWire ?? false
  world.onEvent((e) => publish(index, e, legacyWire))

  const corked: WebSocket[] = []
  const generator = new Generator(world, createRandom(seed * 7919 + 17), {
    ratePerSec: opts.ratePerSec ?? 200,
    speed,
    moveEveryMs: opts.moveEveryMs,
    lagMs: opts.lagMs,
    newEventEveryMs: (opts.newEventEverySec ?? 60) * 1000,
    // Cork every socket for the batch so each tick's frames leave in a few large writes.
    onBatchStart: () => {
      for (const s of sessions) {
        const raw = (s.ws as unknown as { _socket?: Duplex })._socket
        if (raw) { raw.cork(); corked.push(s.ws) }
      }
    },
    onBatchEnd: () => {
      for (const ws of corked) (ws as unknown as { _socket?: Duplex })._socket?.uncork()
      corked.length = 0
    },
  })

  const restFaults = new RestFaults(faults.errorEvery, opts.restRateLimitPerSec ?? 0)
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!
    if (path === API_PREFIX || path.startsWith(`${API_PREFIX}/`)) {
      void handleRest(req, res, { world, keys, authWindowMs, refuseAuth: faults.refuseAuth ?? false, faults: restFaults })
    } else {
      sendError(res, 404, 'not_found', `no route for ${req.method} ${path}`)
    }
  })

  const wss = new ws.WebSocketServer({ noServer: true, perMessageDeflate: false })
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy())
    const path = (req.url ?? '/').split('?')[0]
    if (path !== WS_PATH) return refuseUpgrade(socket, 404, 'Not Found', `no WebSocket at ${path}`)
    const auth = keys.check(req.headers, 'GET', WS_PATH, { windowMs: authWindowMs, refuseAll: faults.refuseAuth ?? false })
    if (auth.kind === 'refused') return refuseUpgrade(socket, 401, 'Unauthorized', auth.reason)
    wss.handleUpgrade(req, socket, head, (ws) => {
      const context = {
        world, index, faults, benchTimestamps: opts.benchTimestamps ?? false, legacyWire, useYesPriceDefault: opts.useYesPriceDefault ?? false,
        subscriptionMarketLimit: opts.subscriptionMarketLimit ?? DEFAULT_SUBSCRIPTION_MARKET_LIMIT, commandsPerSec: opts.commandRateLimitPerSec ?? DEFAULT_COMMAND_RATE_LIMIT_PER_SEC,
      }
      const session = new Session(ws, context, auth.kind === 'signed', auth.kind === 'signed' ? auth.keyId : undefined)
      sessions.add(session)
      ws.on('message', (data, isBinary) => session.handleText(isBinary ? '' : data.toString()))
      ws.on('error', () => ws.terminate())
      ws.on('close', () => {
        session.dispose()
        sessions.delete(session)
      })
    })
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  const host = opts.host ?? '127.0.0.1'

  const timers: NodeJS.Timeout[] = [setInterval(() => { for (const s of sessions) s.ping() }, pingIntervalMs)]
  if (dropEveryMs !== undefined) timers.push(setInterval(() => { for (const s of sessions) s.ws.terminate() }, dropEveryMs))
  generator.start()

  return {
    apiUrl: `http://${host}:${port}${API_PREFIX}`,
    wsUrl: `ws://${host}:${port}${WS_PATH}`,
    port,
    world,
    registerPublicKey: (pem) => keys.register(pem),
    pause: () => generator.stop(),
    resume: () => generator.start(),
    step: (elapsedMs) => generator.tick(elapsedMs),
    close: async () => {
      generator.stop()
      for (const t of timers) clearInterval(t)
      for (const s of sessions) s.ws.terminate()
      await new Promise<void>((resolve) => wss.close(() => resolve()))
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
