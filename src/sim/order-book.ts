import type { Side } from '../core/types.js'

/** [priceUnits, countUnits] (see src/core/fixed-point.ts). */
export type LevelUnits = [price: number, count: number]

/**
 * One market's authoritative book: resting bids on both sides, as Kalshi keeps them
 * (a yes ask is a no bid seen from the other side). Books hold a dozen levels, so a
 * linear scan for the best price is cheaper than keeping them sorted.
 */
export class OrderBook {
  readonly yes = new Map<number, number>()
  readonly no = new Map<number, number>()

  side(side: Side): Map<number, number> {
    return side === 'yes' ? this.yes : this.no
  }

  /** Apply a signed change at one price; a level that reaches 0 is removed. Returns the new quantity. */
  apply(side: Side, price: number, delta: number): number {
    const levels = this.side(side)
    const next = (levels.get(price) ?? 0) + delta
    if (next < 0) throw new Error(`book would go negative at ${side} ${price}`)
    if (next === 0) levels.delete(price)
    else levels.set(price, next)
    return next
  }

  quantity(side: Side, price: number): number {
    return this.side(side).get(price) ?? 0
  }

  best(side: Side): number | undefined {
    let best: number | undefined
    for (const price of this.side(side).keys()) if (best === undefined || price > best) best = price
    return best
  }

  /** Levels best (highest) first. */
  levels(side: Side): LevelUnits[] {
    return [...this.side(side).entries()].sort((a, b) => b[0] - a[0])
  }
}
