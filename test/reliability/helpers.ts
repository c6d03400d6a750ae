/**
 * The `neural stream` loop (runStreamSession) in this process, against a simulator with faults:
 * every event the command would print is captured, together with the raw frames, so a test can
 * check both what the user saw and why.
 */
import { expect } from 'chai'
import { createSigner } from '../../src/auth/signer.js'
import type { HealthOptions } from '../../src/core/health.js'
import type { HistoryKeeping } from '../../src/core/market-store.js'
import type { ChannelName, MarketStream } from '../../src/core/stream.js'
import type { ConnectionEvent, MarketEvent } from '../../src/core/types.js'
import type { NeuralConfig } from '../../src/config/types.js'
import type { EventSink } from '../../src/render/event-sink.js'
import { runStreamSession, type StreamSummary } from '../../src/app/stream-session.js'
import { quietSpinner } from '../../src/render/spinner.js'
import type { Simulator } from '../../src/sim/index.js'
import { testRsaKey } from '../support/rsa-keys.js'

const { privateKey } = testRsaKey()
/** The simulator, started without public keys, accepts any well-formed signature. */
export const signer = createSigner('reliability-key', privateKey)

export interface Problem {
  kind: string
  code: string
  message: string
}

export interface RunningSession {
  stream: MarketStream
  events: (MarketEvent | ConnectionEvent)[]
  problems: Problem[]
  /** Other records the session wrote (lag and stale warnings, ...). */
  records: { type: string }[]
  /** Raw frames with their receive time, in order. */
  frames: { raw: string; at: number }[]
  /** The summaries the session wrote (one, once it has stopped). */
  summaries: StreamSummary[]
  /** Resolves with the summary (or rejects with the fatal error) once stopped. */
  done: Promise<StreamSummary>
  stop(): Promise<StreamSummary>
}

export interface SessionOptions {
  targets: string[]
  channels: ChannelName[]
  timeoutMs?: number
  batchSize?: number
  recordFile?: string
  status?: boolean
  /** When a market counts as lagging or stale. */
  health?: HealthOptions
  /** Reach the exchange's WebSocket here (e.g. through a fault proxy) instead of the simulator's own URL. */
  wsUrl?: string
  /** Which markets' history the store keeps (the session's default: all). */
  history?: HistoryKeeping
}

export function config(options: { timeoutMs?: number; batchSize?: number } = {}): NeuralConfig {
  return {
    environment: 'sim',
    websocketTimeoutMs: options.timeoutMs ?? 2000,
    retryAttempts: 0,
    retryDelayMs: 20,
    retryMaxDelayMs: 100,
    subscriptionBatchSize: options.batchSize ?? 100,
    sources: {},
  }
}

/** Start the stream loop; resolves once the stream exists and has subscribed. */
export async function startSession(sim: Simulator, options: SessionOptions): Promise<RunningSession> {
  const events: RunningSession['events'] = []
  const problems: Problem[] = []
  const records: RunningSession['records'] = []
  const frames: RunningSession['frames'] = []
  const summaries: StreamSummary[] = []
  const sink: EventSink = {
    event: (e) => events.push(e),
    problem: (e) => problems.push({ kind: e.kind, code: e.code, message: e.message }),
    record: (value) => records.push(value),
    summary: (value) => summaries.push(value as StreamSummary),
  }
  const abort = new AbortController()
  let stream: MarketStream | undefined
  let subscribed!: () => void
  const ready = new Promise<void>((resolve) => (subscribed = resolve))
  const done = runStreamSession({
    exchange: { apiUrl: sim.apiUrl, wsUrl: options.wsUrl ?? sim.wsUrl, signer, simulated: true, close: async () => undefined },
    config: config(options),
    targets: options.targets,
    channels: options.channels,
    recordFile: options.recordFile,
    health: options.health,
    history: options.history,
    sink,
    spinner: {
      ...quietSpinner(),
      // runStreamSession calls succeed() once subscribe() has returned.
      succeed() {
        subscribed()
        return this
      },
    },
    signal: abort.signal,
    status: options.status ? { command: 'stream', args: options.targets } : undefined,
    onStream: (feed) => {
      // Fed from the exchange, the session's feed is a MarketStream (frames, books, subscriptions).
      stream = feed as MarketStream
      stream.on('frame', (raw, at) => frames.push({ raw: String(raw), at }))
    },
  })
  done.catch(() => undefined)
  await Promise.race([ready, done.then(() => undefined)])
  return {
    stream: stream!,
    events,
    problems,
    records,
    frames,
    summaries,
    done,
    stop: () => {
      abort.abort()
      return done
    },
  }
}

export async function waitFor(pred: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** Wait until no frame has arrived for `quietMs` (the exchange is paused and the socket drained). */
export async function settle(session: RunningSession, quietMs = 150, timeoutMs = 3000): Promise<void> {
  await waitFor(() => {
    const last = session.frames.at(-1)?.at ?? 0
    return Date.now() - last >= quietMs
  }, timeoutMs, 'the stream to go quiet')
}

/** Every streamed book equals the exchange's own book, level for level, in integer units. */
export function expectBooksEqualWorld(session: RunningSession, sim: Simulator, tickers: string[]): void {
  for (const t of tickers) {
    const ours = session.stream.books.get(t)
    expect(ours?.valid, `${t} book valid`).to.equal(true)
    const book = ours!.toBook()
    const units = (levels: [number, number][]) => levels.map(([p, q]) => [Math.round(p * 10_000), Math.round(q * 100)])
    const world = sim.world.book(t)!
    expect({ ticker: t, yes: units(book.yes), no: units(book.no) }).to.deep.equal({ ticker: t, yes: world.yes, no: world.no })
  }
}

/**
 * Watches the one rule of book events: after a book is known broken (a gap, or the connection
 * dropped), no 'book' event for that market may be emitted until its fresh snapshot arrives.
 */
export class BookDiscipline {
  readonly stale = new Set<string>()
  readonly violations: string[] = []
  /** Markets re-snapshotted after being stale. */
  readonly recovered: string[] = []
  private snapshotFor?: string
  private readonly seen = new Set<string>()

  constructor(private readonly session: RunningSession) {
    const s = session.stream
    s.on('frame', (raw) => {
      // Only the type and the ticker are needed; the frame is parsed again by the stream.
      const m = /^\{"type":"orderbook_snapshot".*?"market_ticker":"([^"]+)"/.exec(String(raw))
      this.snapshotFor = m?.[1]
    })
    s.on('gap', (gap) => {
      for (const t of gap.tickers) this.stale.add(t)
    })
    s.on('connection', (e) => {
      if (e.state === 'disconnected') for (const t of this.seen) this.stale.add(t)
    })
    s.on('book', (book) => {
      this.seen.add(book.ticker)
      if (!this.stale.has(book.ticker)) return
      if (this.snapshotFor === book.ticker) {
        this.stale.delete(book.ticker)
        this.recovered.push(book.ticker)
      } else {
        this.violations.push(`book event for ${book.ticker} (seq ${book.seq}) before its fresh snapshot`)
      }
    })
  }
}
