/**
 * A strategy that throws on every tick would otherwise print a line per tick. Repeats of the same
 * report (same strategy, same kind) are let through once per window, and the next one that gets
 * through says how many were held back, so nothing is hidden, only summarised.
 */
export class ReportThrottle {
  private readonly last = new Map<string, { at: number; suppressed: number }>()

  constructor(private readonly windowMs = 5000, private readonly now: () => number = Date.now) {}

  /** undefined: hold this one back; otherwise how many were held back since the last one shown. */
  admit(key: string): number | undefined {
    const t = this.now()
    const entry = this.last.get(key)
    if (entry && t - entry.at < this.windowMs) {
      entry.suppressed++
      return undefined
    }
    const suppressed = entry?.suppressed ?? 0
    this.last.set(key, { at: t, suppressed: 0 })
    return suppressed
  }

  /** Held back since last shown, per key (for the final summary). */
  pending(): { key: string; suppressed: number }[] {
    return [...this.last].filter(([, v]) => v.suppressed > 0).map(([key, v]) => ({ key, suppressed: v.suppressed }))
  }
}
