/**
 * One market's book as the bus sees it: price level → quantity, in exact integer units (price units of
 * 1/10000 dollar, count units of 1/100 contract), so that diffing two Book views and applying the
 * changes gives back exactly the same numbers. The publisher diffs with it; the consumer rebuilds with it.
 */
import { COUNT_SCALE, PRICE_SCALE, dollarsNumberToUnits } from '../core/fixed-point.js'
import type { Book, Level, Side } from '../core/types.js'
import type { BookChange } from './messages.js'

function countUnits(quantity: number): number {
  return Math.round(quantity * COUNT_SCALE)
}

function sideFromLevels(levels: readonly Level[]): Map<number, number> {
  const m = new Map<number, number>()
  for (const [price, quantity] of levels) {
    const q = countUnits(quantity)
    if (q > 0) m.set(dollarsNumberToUnits(price), q)
  }
  return m
}

function levelsOf(side: Map<number, number>): Level[] {
  const prices = [...side.keys()].sort((a, b) => b - a)
  const out: Level[] = new Array(prices.length)
  for (let i = 0; i < prices.length; i++) out[i] = [prices[i] / PRICE_SCALE, side.get(prices[i])! / COUNT_SCALE]
  return out
}

function diffSide(side: Side, before: Map<number, number>, after: Map<number, number>, out: BookChange[]): void {
  for (const [price, q] of after) {
    if (before.get(price) !== q) out.push({ side, price: price / PRICE_SCALE, quantity: q / COUNT_SCALE })
  }
  for (const price of before.keys()) {
    if (!after.has(price)) out.push({ side, price: price / PRICE_SCALE, quantity: 0 })
  }
}

export class BusBook {
  private constructor(
    private yes: Map<number, number>,
    private no: Map<number, number>,
  ) {}

  static empty(): BusBook {
    return new BusBook(new Map(), new Map())
  }

  static fromLevels(yes: readonly Level[], no: readonly Level[]): BusBook {
    return new BusBook(sideFromLevels(yes), sideFromLevels(no))
  }

  /** The changes that turn this book into `next` (absolute quantities; 0 removes), yes side first. */
  diff(next: BusBook): BookChange[] {
    const out: BookChange[] = []
    diffSide('yes', this.yes, next.yes, out)
    diffSide('no', this.no, next.no, out)
    return out
  }

  /** Apply absolute-quantity changes in place. */
  apply(changes: readonly BookChange[]): void {
    for (const c of changes) {
      const side = c.side === 'yes' ? this.yes : this.no
      const price = dollarsNumberToUnits(c.price)
      const q = countUnits(c.quantity)
      if (q > 0) side.set(price, q)
      else side.delete(price)
    }
  }

  /** A fresh Book view (new arrays, safe to hand out), computed the same way as src/core/order-book.ts. */
  toBook(ticker: string, seq: number, ts: number): Book {
    const yes = levelsOf(this.yes)
    const no = levelsOf(this.no)
    const yesBest = yes.length > 0 ? dollarsNumberToUnits(yes[0][0]) : undefined
    const noBest = no.length > 0 ? dollarsNumberToUnits(no[0][0]) : undefined
    return {
      type: 'book',
      ticker,
      yes,
      no,
      yesBid: yesBest === undefined ? undefined : yesBest / PRICE_SCALE,
      yesAsk: noBest === undefined ? undefined : (PRICE_SCALE - noBest) / PRICE_SCALE,
      noBid: noBest === undefined ? undefined : noBest / PRICE_SCALE,
      noAsk: yesBest === undefined ? undefined : (PRICE_SCALE - yesBest) / PRICE_SCALE,
      seq,
      ts,
    }
  }
}
