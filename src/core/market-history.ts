import { COUNT_SCALE, PRICE_SCALE } from './fixed-point.js'

/** A point of recent history: quotes, last price and volume at a time. */
export interface HistoryPoint {
  ts: number
  yesBid?: number
  yesAsk?: number
  yesPrice?: number
  volume?: number
}

const NONE = -1
const INITIAL_CAPACITY = 16

/**
 * Recent history of one market as a ring of typed arrays: prices in integer price units, volume in
 * count units, time in ms. One HistoryPoint object per update cost ~130 bytes and most of the
 * benchmark's 729 MB peak with 5,000 markets; this holds 28 bytes a point and grows only as a
 * market actually updates. Points are built only when someone reads them.
 */
export class MarketHistory {
  private ts: Float64Array
  private volume: Float64Array
  /** [bid, ask, last] per point, NONE when absent. */
  private prices: Int32Array
  private start = 0
  private count = 0

  constructor(private readonly capacity: number) {
    const n = Math.min(INITIAL_CAPACITY, capacity)
    this.ts = new Float64Array(n)
    this.volume = new Float64Array(n)
    this.prices = new Int32Array(n * 3)
  }

  get length(): number {
    return this.count
  }

  push(ts: number, yesBid: number | undefined, yesAsk: number | undefined, yesPrice: number | undefined, volume: number | undefined): void {
    if (this.count === this.ts.length && this.ts.length < this.capacity) this.grow()
    const size = this.ts.length
    const i = (this.start + this.count) % size
    if (this.count === size) this.start = (this.start + 1) % size
    else this.count++
    this.ts[i] = ts
    this.volume[i] = volume === undefined ? NONE : Math.round(volume * COUNT_SCALE)
    this.prices[i * 3] = toUnits(yesBid)
    this.prices[i * 3 + 1] = toUnits(yesAsk)
    this.prices[i * 3 + 2] = toUnits(yesPrice)
  }

  /** Oldest first. */
  points(): HistoryPoint[] {
    const out: HistoryPoint[] = new Array(this.count)
    const size = this.ts.length
    for (let k = 0; k < this.count; k++) {
      const i = (this.start + k) % size
      out[k] = {
        ts: this.ts[i]!,
        yesBid: fromUnits(this.prices[i * 3]!),
        yesAsk: fromUnits(this.prices[i * 3 + 1]!),
        yesPrice: fromUnits(this.prices[i * 3 + 2]!),
        volume: this.volume[i] === NONE ? undefined : this.volume[i]! / COUNT_SCALE,
      }
    }
    return out
  }

  private grow(): void {
    const n = Math.min(this.ts.length * 2, this.capacity)
    const order = this.points()
    this.ts = new Float64Array(n)
    this.volume = new Float64Array(n)
    this.prices = new Int32Array(n * 3)
    this.start = 0
    this.count = 0
    for (const p of order) this.push(p.ts, p.yesBid, p.yesAsk, p.yesPrice, p.volume)
  }
}

function toUnits(dollars: number | undefined): number {
  return dollars === undefined ? NONE : Math.round(dollars * PRICE_SCALE)
}

function fromUnits(units: number): number | undefined {
  return units === NONE ? undefined : units / PRICE_SCALE
}
