/**
 * --duration bounds the whole live run, connecting included: a feed that never connects (refused,
 * or a handshake that never comes) ends at the duration with CONNECT_FAILED, and a run that did
 * connect in time still gets the whole duration of data.
 */
import { EventEmitter } from 'node:events'
import { createServer, type Server, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { expect } from 'chai'
import { FeedLoop } from '../../src/app/feed-loop.js'
import type { MarketFeed, MarketFeedEvents } from '../../src/core/market-feed.js'
import { MarketStore } from '../../src/core/market-store.js'
import { MarketStream, type StreamStats, type SubscribeResult } from '../../src/core/stream.js'
import { NeuralError } from '../../src/errors.js'
import { startSimulator } from '../../src/sim/index.js'
import { quietSpinner } from '../../src/render/spinner.js'
import { closedPort } from '../support/ports.js'

/** Resolves with the run's outcome, or rejects once `ms` have passed (the bug: a run that never ends). */
function within<T>(ms: number, run: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms) })
  return Promise.race([run, late]).finally(() => clearTimeout(timer))
}


/** A TCP server that accepts and never answers: the WebSocket handshake hangs until its timeout. */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => undefined)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

function streamTo(port: number): MarketStream {
  return new MarketStream({
    wsUrl: `ws://127.0.0.1:${port}/trade-api/ws/v2`,
    apiUrl: `http://127.0.0.1:${port}/trade-api/v2`,
    // A connect timeout far beyond the duration: only the duration can end these runs.
    timeoutMs: 30_000,
    retry: { attempts: 0, baseDelayMs: 50, maxDelayMs: 100, jitter: 'none' },
  })
}

describe('FeedLoop --duration, counted from the start', () => {
  const cleanups: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  it('ends a run whose connection is refused at its duration, with CONNECT_FAILED and the last connection error', async () => {
    const port = await closedPort()
    const feed = streamTo(port)
    cleanups.push(() => feed.close())
    const loop = new FeedLoop({ feed, targets: ['KXNFLGAME*'], spinner: quietSpinner(), subscribed: () => 'subscribed', durationMs: 300 })
    const { failure } = await within(5000, loop.run())
    expect(failure).to.be.instanceOf(NeuralError)
    const error = failure as NeuralError
    expect({ kind: error.kind, code: error.code, exitCode: error.exitCode }).to.deep.equal({ kind: 'network', code: 'CONNECT_FAILED', exitCode: 1 })
    expect(error.message).to.equal(`not connected within 0.3 s: could not connect to ws://127.0.0.1:${port}/trade-api/ws/v2: connect ECONNREFUSED 127.0.0.1:${port}`)
  })

  it('ends a run whose handshake never comes at its duration, long before the connect timeout', async () => {
    const server = await silentServer()
    cleanups.push(() => server.close())
    const feed = streamTo(server.port)
    cleanups.push(() => feed.close())
    const loop = new FeedLoop({ feed, targets: ['KXNFLGAME*'], spinner: quietSpinner(), subscribed: () => 'subscribed', durationMs: 300 })
    const { failure } = await within(5000, loop.run())
    expect(failure).to.be.instanceOf(NeuralError)
    expect((failure as NeuralError).code).to.equal('CONNECT_FAILED')
    expect((failure as NeuralError).message).to.equal('not connected within 0.3 s')
  })

  it('ends a run that connected but could not resolve its targets, saying so', async () => {
    const sim = await startSimulator({ port: 0 })
    cleanups.push(() => sim.close())
    const rest = await silentServer()
    cleanups.push(() => rest.close())
    // The WebSocket answers; the REST lookup of the series never does.
    const feed = new MarketStream({ wsUrl: sim.wsUrl, apiUrl: `http://127.0.0.1:${rest.port}/trade-api/v2`, timeoutMs: 30_000 })
    cleanups.push(() => feed.close())
    const loop = new FeedLoop({ feed, targets: ['KXNFLGAME*'], spinner: quietSpinner(), subscribed: () => 'subscribed', durationMs: 1000 })
    const { failure } = await within(5000, loop.run())
    expect(failure).to.be.instanceOf(NeuralError)
    expect({ code: (failure as NeuralError).code, message: (failure as NeuralError).message }).to.deep.equal({ code: 'CONNECT_FAILED', message: 'connected, but not subscribed within 1 s' })
  })

  it('gives a run that connected within its duration the whole duration of data after the subscription, and no failure', async () => {
    const feed = new SlowFeed(800)
    const loop = new FeedLoop({ feed, targets: ['KXNFLGAME-25SEP04DALPHI-PHI'], spinner: quietSpinner(), subscribed: () => 'subscribed', durationMs: 1000 })
    const { failure } = await within(5000, loop.run())
    const endedAt = performance.now()
    expect(failure).to.equal(undefined)
    expect(feed.subscribedAt, 'subscribed').to.be.a('number')
    // Timers may fire a millisecond early, never more.
    expect(endedAt - feed.subscribedAt!).to.be.at.least(990)
  })
})

/** A feed whose connect takes `connectMs`; subscribing is instant. */
class SlowFeed implements MarketFeed {
  readonly store = new MarketStore()
  subscribedAt: number | undefined
  private readonly events = new EventEmitter()
  private connected = false
  private timer: NodeJS.Timeout | undefined

  constructor(private readonly connectMs: number) {}

  on<K extends keyof MarketFeedEvents>(event: K, listener: MarketFeedEvents[K]): this {
    this.events.on(event as string, listener)
    return this
  }

  start(): Promise<void> {
    return new Promise((resolve) => {
      this.timer = setTimeout(() => {
        this.connected = true
        resolve()
      }, this.connectMs)
    })
  }

  async subscribe(targets: readonly string[]): Promise<SubscribeResult> {
    this.subscribedAt = performance.now()
    return { tickers: [...targets], unknown: [] } as unknown as SubscribeResult
  }

  watched(): string[] {
    return []
  }

  stats(): StreamStats {
    return { connected: this.connected, messages: 0, ratePerSec: 0, reconnects: 0, malformed: 0, unknownTypes: 0, markets: 0, subscriptions: 0, gaps: 0, rejectedFrames: 0, health: { stale: [], lagging: [] } } as unknown as StreamStats
  }

  async close(): Promise<void> {
    clearTimeout(this.timer)
  }
}
