/**
 * A fan-out measurement: one publisher, N consumers on the same NATS server, M tick events. Each tick
 * carries its send time (in `lastUpdate`, fractional ms on this process's clock), so every consumer
 * can time the hop publisher → NATS → consumer. Consumers run in this process, on separate connections:
 * the figures include the shared event loop, which makes them a lower bound on what separate machines see.
 */
import { performance } from 'node:perf_hooks'
import type { Tick } from '../core/types.js'
import { BusPublisher } from './publisher.js'
import { BusSource } from './source.js'

export interface FanoutBenchOptions {
  /** NATS url, e.g. nats://127.0.0.1:4222 */
  url: string
  /** Consumers, each on its own connection. */
  consumers: number
  /** Tick events published (each delivered to every consumer). */
  messages: number
  /** Markets the ticks are spread over. @default 10 */
  markets?: number
  /** Ticks published per turn of the event loop (the consumers read in between). @default 200 */
  batchSize?: number
  /** Give up waiting for deliveries after this long. @default 30000 */
  timeoutMs?: number
}

export interface FanoutBenchResult {
  consumers: number
  messages: number
  /** Deliveries counted over all consumers (messages × consumers when nothing was lost). */
  delivered: number
  lost: number
  /** First publish to last delivery. */
  durationMs: number
  /** Ticks published per second (publish loop only). */
  publishPerSec: number
  /** Deliveries per second over all consumers. */
  deliveredPerSec: number
  p50LatencyMs: number
  p99LatencyMs: number
  maxLatencyMs: number
}

const now = () => performance.timeOrigin + performance.now()

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
}

export async function measureFanout(options: FanoutBenchOptions): Promise<FanoutBenchResult> {
  const { url, consumers: n, messages: m } = options
  const markets = options.markets ?? 10
  const batchSize = options.batchSize ?? 200
  const timeoutMs = options.timeoutMs ?? 30_000
  // A series of our own, so ticks of anything else on the same server are not counted.
  const series = `FANOUT${Math.floor(Math.random() * 1e9)}`
  const tickers = Array.from({ length: markets }, (_, i) => `${series}-BENCH-M${i}`)

  const latencies = new Float64Array(n * m)
  let delivered = 0
  let lastDeliveryAt = 0
  let resolveDone!: () => void
  const done = new Promise<void>((resolve) => (resolveDone = resolve))

  const sources: BusSource[] = []
  const publisher = new BusPublisher()
  try {
    for (let c = 0; c < n; c++) {
      const source = new BusSource()
      source.on('tick', (tick: Tick) => {
        const t = now()
        latencies[delivered++] = t - tick.lastUpdate
        lastDeliveryAt = t
        if (delivered === n * m) resolveDone()
      })
      await source.connect(url, { filters: [`${series}*`], types: ['ticker'] })
      sources.push(source)
    }
    await publisher.connect(url)

    const startedAt = now()
    for (let i = 0; i < m; i++) {
      const t = now()
      publisher.publish({ type: 'ticker', ticker: tickers[i % markets], yesBid: 0.5, yesAsk: 0.51, lastUpdate: t, receivedAt: t })
      if ((i + 1) % batchSize === 0) await new Promise((resolve) => setImmediate(resolve))
    }
    const publishedAt = now()
    let timer: NodeJS.Timeout | undefined
    await Promise.race([done, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))])
    clearTimeout(timer)

    const sorted = latencies.slice(0, delivered).sort()
    const durationMs = (delivered > 0 ? lastDeliveryAt : publishedAt) - startedAt
    return {
      consumers: n,
      messages: m,
      delivered,
      lost: n * m - delivered,
      durationMs,
      publishPerSec: m / ((publishedAt - startedAt) / 1000),
      deliveredPerSec: delivered / (durationMs / 1000),
      p50LatencyMs: percentile(sorted, 50),
      p99LatencyMs: percentile(sorted, 99),
      maxLatencyMs: delivered > 0 ? sorted[delivered - 1] : NaN,
    }
  } finally {
    await publisher.close()
    await Promise.all(sources.map((s) => s.close()))
  }
}
