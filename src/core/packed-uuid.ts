/**
 * A lowercase UUID ("3683cb3e-5e1a-4000-8000-000000000001", Kalshi's trade ids) held as four 32-bit
 * numbers, in fields that only ever hold numbers and so are updated in place, and spelled out again
 * only when read. The market store keeps each market's last trade id this way: as the frame's string
 * it lived until the market's next trade, long enough at 5,000 markets to be promoted and die in V8's
 * old generation (measured: peak RSS grew 9.7% from 1M to 3M frames with it, 4.6% without).
 */
export class PackedUuid {
  private w0 = NaN
  private w1 = NaN
  private w2 = NaN
  private w3 = NaN

  /** Hold `text` if it is a lowercase UUID; false (and nothing held) otherwise. */
  set(text: string): boolean {
    if (text.length !== 36 || text.charCodeAt(8) !== 45 || text.charCodeAt(13) !== 45 || text.charCodeAt(18) !== 45 || text.charCodeAt(23) !== 45) return this.clear()
    const w0 = word(text, 0, 8, 8)
    const w1 = word(text, 9, 4, 14)
    const w2 = word(text, 19, 4, 24)
    const w3 = word(text, 28, 8, 28)
    if (w0 < 0 || w1 < 0 || w2 < 0 || w3 < 0) return this.clear()
    this.w0 = w0
    this.w1 = w1
    this.w2 = w2
    this.w3 = w3
    return true
  }

  /** The UUID held, or undefined. */
  text(): string | undefined {
    if (this.w0 !== this.w0) return undefined
    const a = hex8(this.w0)
    const b = hex8(this.w1)
    const c = hex8(this.w2)
    return `${a}-${b.slice(0, 4)}-${b.slice(4)}-${c.slice(0, 4)}-${c.slice(4)}${hex8(this.w3)}`
  }

  private clear(): false {
    this.w0 = NaN
    return false
  }
}

/** Eight lowercase hex digits: `n` from `from`, the rest from `rest` (a dash may sit between); -1 if any is not one. */
function word(text: string, from: number, n: number, rest: number): number {
  let v = 0
  for (let i = 0; i < 8; i++) {
    const c = text.charCodeAt(i < n ? from + i : rest + i - n)
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1
    if (d < 0) return -1
    v = v * 16 + d
  }
  return v
}

function hex8(v: number): string {
  return v.toString(16).padStart(8, '0')
}
