/**
 * Per-market health: is the data late (lag: frames arriving long after their exchange timestamps, as
 * on a throttled link that showed two-minute-old prices as live), and has a market gone quiet for
 * longer than it usually does (staleness)? Kept beside the store so the stream can say so in its
 * own events (`lag`, `stale`) and `neural status` can show it.
 */
import type { LagEvent, StaleEvent } from './types.js'

export interface HealthOptions {
  /** A market whose frames arrive this much later than their exchange time is lagging. @default 10000 */
  lagWarnMs?: number
  /** A market is never called stale before this much silence. @default 30000 */
  staleAfterMs?: number
  /** A market is stale after this many of its usual gaps between updates without one (and at least staleAfterMs). @default 10 */
  staleFactor?: number
  /** A lagging market's `lag` event is repeated at most this often. @default 10000 */
  lagRepeatMs?: number
}

interface MarketHealthState {
  lastAt: number
  /** Smoothed gap between updates, ms (0 until two updates). */
  meanGapMs: number
  updates: number
  lagMs: number
  /** Frames in a row that arrived late: one late frame (a quiet market's snapshot on subscribe) is not lag. */
  lateInARow: number
  lagging: boolean
  lagReportedAt: number
  stale: boolean
}

export interface HealthSummary {
  /** Markets with no data for longer than expected, worst first. */
  stale: { ticker: string; silentMs: number }[]
  /** Markets whose data arrives late, worst first. */
  lagging: { ticker: string; lagMs: number }[]
}

/** Exchange timestamps are whole seconds on older frames: up to 1 s of apparent lag is rounding. */
const LAG_RECOVERED_FRACTION = 0.5

export class MarketHealth {
  private readonly markets = new Map<string, MarketHealthState>()
  private readonly lagWarnMs: number
  private readonly staleAfterMs: number
  private readonly staleFactor: number
  private readonly lagRepeatMs: number

  constructor(options: HealthOptions = {}) {
    this.lagWarnMs = options.lagWarnMs ?? 10_000
    this.staleAfterMs = options.staleAfterMs ?? 30_000
    this.staleFactor = options.staleFactor ?? 10
    this.lagRepeatMs = options.lagRepeatMs ?? 10_000
  }

  /**
   * A frame of a market arrived at `receivedAt`, stamped `exchangeTs` by the exchange (undefined when
   * it carries no time). Returns a `lag` event when one is due. The hot path: no allocation otherwise.
   */
  note(ticker: string, exchangeTs: number | undefined, receivedAt: number): LagEvent | undefined {
    let m = this.markets.get(ticker)
    if (!m) {
      m = { lastAt: receivedAt, meanGapMs: 0, updates: 0, lagMs: 0, lateInARow: 0, lagging: false, lagReportedAt: 0, stale: false }
      this.markets.set(ticker, m)
    } else {
      const gap = receivedAt - m.lastAt
      m.meanGapMs = m.updates <= 1 ? gap : m.meanGapMs * 0.8 + gap * 0.2
    }
    m.updates++
    m.lastAt = receivedAt
    m.stale = false
    if (exchangeTs === undefined || exchangeTs === receivedAt) return undefined
    const lagMs = receivedAt - exchangeTs
    m.lagMs = lagMs
    if (lagMs > this.lagWarnMs) {
      m.lateInARow++
      if (m.lateInARow < 2) return undefined
      if (m.lagging && receivedAt - m.lagReportedAt < this.lagRepeatMs) return undefined
      m.lagging = true
      m.lagReportedAt = receivedAt
      return { type: 'lag', ticker, lagMs, ts: receivedAt }
    }
    m.lateInARow = 0
    if (m.lagging && lagMs < this.lagWarnMs * LAG_RECOVERED_FRACTION) m.lagging = false
    return undefined
  }

  /** Markets that went quiet for longer than expected since the last check (each reported once per silence). */
  checkStale(now: number, watched: (ticker: string) => boolean): StaleEvent[] {
    const out: StaleEvent[] = []
    // forEach, not for-of: an entry array per market per second is garbage the feed need not make.
    this.markets.forEach((m, ticker) => {
      if (m.stale || !watched(ticker)) return
      const silentMs = now - m.lastAt
      if (silentMs > this.expectedSilenceMs(m)) {
        m.stale = true
        out.push({ type: 'stale', ticker, silentMs, ts: now })
      }
    })
    return out
  }

  /** A market no longer watched. */
  forget(ticker: string): void {
    this.markets.delete(ticker)
  }

  summary(now: number, watched: (ticker: string) => boolean): HealthSummary {
    const stale: HealthSummary['stale'] = []
    const lagging: HealthSummary['lagging'] = []
    for (const [ticker, m] of this.markets) {
      if (!watched(ticker)) continue
      const silentMs = now - m.lastAt
      if (m.stale || silentMs > this.expectedSilenceMs(m)) stale.push({ ticker, silentMs })
      else if (m.lagging) lagging.push({ ticker, lagMs: m.lagMs })
    }
    stale.sort((a, b) => b.silentMs - a.silentMs)
    lagging.sort((a, b) => b.lagMs - a.lagMs)
    return { stale, lagging }
  }

  /** How long this market may be silent before that is news: `staleFactor` of its usual gaps, at least staleAfterMs. */
  private expectedSilenceMs(m: MarketHealthState): number {
    return Math.max(this.staleAfterMs, m.updates >= 3 ? m.meanGapMs * this.staleFactor : 0)
  }
}
