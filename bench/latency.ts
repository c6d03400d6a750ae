import type { LatencySummary } from './control.js'

/**
 * The clock "sent_at_ms" is stamped with and read against: the host's monotonic clock, the same in
 * the server's process and the client's (wall-clock based stamps drifted apart between processes).
 */
export { hostMonotonicMs as hostNowMs } from '../src/core/host-clock.js'

const SENT_AT = '"sent_at_ms":'

/**
 * "sent_at_ms" read from a raw frame (text, or the socket's bytes) without parsing it: the envelope
 * puts it before "msg", so an indexOf finds it near the start. Used by our client, which must not
 * parse a frame twice.
 */
export function sentAtOf(raw: string | Buffer): number {
  const at = raw.indexOf(SENT_AT)
  if (at < 0) return NaN
  const from = at + SENT_AT.length
  const to = raw.indexOf(',', from)
  return Number(typeof raw === 'string' ? raw.slice(from, to) : raw.toString('latin1', from, to))
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
}

/** Samples in arrival order, preallocated so recording costs one store. */
export class LatencyRecorder {
  private samples: Float64Array
  private n = 0

  constructor(capacity: number) {
    this.samples = new Float64Array(capacity)
  }

  reset(capacity: number): void {
    if (capacity > this.samples.length) this.samples = new Float64Array(capacity)
    this.n = 0
  }

  add(ms: number): void {
    if (this.n < this.samples.length) this.samples[this.n++] = ms
  }

  get count(): number {
    return this.n
  }

  summary(): LatencySummary {
    const all = this.samples.slice(0, this.n)
    const tenth = Math.max(1, Math.floor(this.n / 10))
    const first = all.slice(0, tenth).sort()
    const last = all.slice(this.n - tenth).sort()
    all.sort()
    return {
      samples: this.n,
      p50Ms: percentile(all, 50),
      p99Ms: percentile(all, 99),
      p999Ms: percentile(all, 99.9),
      maxMs: this.n > 0 ? all[this.n - 1]! : NaN,
      firstTenthP50Ms: percentile(first, 50),
      lastTenthP50Ms: percentile(last, 50),
    }
  }
}
