/**
 * The dashboard's event hub: every JSON object that `stream --json` or `run-strategy --json` would
 * print goes in; out come frames for the browsers. A frame holds, per market, only the latest
 * ticker, book and game view (a busy week sends thousands of deltas a second; a browser needs the
 * state, once per frame), and every trade, signal, order, fill, settlement and score in order, up
 * to `maxAppendPerFrame` (the excess is counted in a `dropped` record, never silently lost).
 *
 * The hub also keeps the current state, so a page opened (or reloaded) mid-session starts with
 * every market's latest view and the recent history instead of a blank board.
 */

/** Anything with a JSON `type`; the hub never changes an object, it only chooses which to send. */
export interface DashboardRecord {
  type: string
  [field: string]: unknown
}

export interface DashboardHubOptions {
  /** Records that are kept whole (not coalesced) per frame, at most. @default 2000 */
  maxAppendPerFrame?: number
  /** Recent appended records kept for a page that opens later. @default 500 */
  historyLength?: number
}

/** Types replaced by the newer one of the same key within a frame (and in the kept state). */
const COALESCED: Record<string, (r: DashboardRecord) => string | undefined> = {
  ticker: (r) => str(r.ticker),
  book: (r) => str(r.ticker),
  game: (r) => str(r.game),
  portfolio: (r) => str(r.hook) ?? '',
  connection: () => '',
}

export type FrameListener = (records: DashboardRecord[]) => void

export class DashboardHub {
  private readonly maxAppend: number
  private readonly historyLength: number
  /** The latest coalesced record per `type:key`, in first-seen order. */
  private readonly latest = new Map<string, DashboardRecord>()
  private readonly history: DashboardRecord[] = []
  private pendingLatest = new Map<string, DashboardRecord>()
  private pendingAppend: DashboardRecord[] = []
  private dropped = 0
  private readonly listeners = new Set<FrameListener>()
  private readonly beforeFlush: (() => void)[] = []
  /** Records taken in, and frames sent, since start (for the summary and the benchmark). */
  received = 0
  frames = 0

  constructor(options: DashboardHubOptions = {}) {
    this.maxAppend = options.maxAppendPerFrame ?? 2000
    this.historyLength = options.historyLength ?? 500
  }

  publish(record: DashboardRecord): void {
    this.received++
    const keyOf = COALESCED[record.type]
    const key = keyOf?.(record)
    if (key !== undefined) {
      const k = `${record.type}:${key}`
      this.pendingLatest.delete(k) // re-inserted last: a frame lists markets in the order they changed
      this.pendingLatest.set(k, record)
      this.latest.set(k, record)
      return
    }
    if (this.pendingAppend.length >= this.maxAppend) {
      this.dropped++
      return
    }
    this.pendingAppend.push(record)
    this.history.push(record)
    if (this.history.length > this.historyLength * 2) this.history.splice(0, this.history.length - this.historyLength)
  }

  /** What a page opening now needs: each key's latest record, then the recent history. */
  snapshot(): DashboardRecord[] {
    const recent = this.history.length > this.historyLength ? this.history.slice(-this.historyLength) : this.history
    return [...this.latest.values(), ...recent]
  }

  /** Called with each frame's records; returns the unsubscribe function. */
  onFrame(listener: FrameListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Run `fn` before each frame is cut: views derived from many events (a game) are published once per frame. */
  onBeforeFlush(fn: () => void): void {
    this.beforeFlush.push(fn)
  }

  /** Send what arrived since the last flush as one frame (nothing when nothing arrived). */
  flush(): void {
    for (const fn of this.beforeFlush) fn()
    if (this.pendingLatest.size === 0 && this.pendingAppend.length === 0 && this.dropped === 0) return
    const records = [...this.pendingLatest.values(), ...this.pendingAppend]
    if (this.dropped > 0) records.push({ type: 'dropped', count: this.dropped, ts: Date.now() })
    this.pendingLatest = new Map()
    this.pendingAppend = []
    this.dropped = 0
    this.frames++
    for (const listener of this.listeners) listener(records)
  }
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}
