/**
 * A strategy that throws on every tick would otherwise print a line per tick. Repeats of the same
 * report (same strategy, same kind) are let through once per window, and the next one that gets
 * through says how many were held back, so nothing is hidden, only summarised. What is still held
 * back at the end comes out of `heldBack()`: the last of each kind, so that a failure that repeats
 * until the run ends (a hook that rejects every signal) is not reduced to its first line.
 */
export class ReportThrottle<T = unknown> {
  private readonly last = new Map<string, { at: number; suppressed: number; lastHeld?: T }>()

  constructor(private readonly windowMs = 5000, private readonly now: () => number = Date.now) {}

  /** undefined: hold this one back; otherwise how many were held back since the last one shown. */
  admit(key: string, report?: T): number | undefined {
    const t = this.now()
    const entry = this.last.get(key)
    if (entry && t - entry.at < this.windowMs) {
      entry.suppressed++
      entry.lastHeld = report
      return undefined
    }
    const suppressed = entry?.suppressed ?? 0
    this.last.set(key, { at: t, suppressed: 0 })
    return suppressed
  }

  /**
   * Per kind held back since last shown: the last report held back, and how many before it were
   * held back too. Each is then counted as shown.
   */
  heldBack(): { key: string; last: T | undefined; before: number }[] {
    const out: { key: string; last: T | undefined; before: number }[] = []
    for (const [key, v] of this.last) {
      if (v.suppressed === 0) continue
      out.push({ key, last: v.lastHeld, before: v.suppressed - 1 })
      v.suppressed = 0
      v.lastHeld = undefined
    }
    return out
  }
}
