import type { Side } from '../core/types.js'
import type { SimMarket } from './catalog.js'
import { fairProbability } from './game-clock.js'
import { type Random, gaussian, randomInt } from './random.js'
import type { SimWorld } from './world.js'

/**
 * The simulated crowd: quotes a few levels of bids on both sides around each market's fair
 * probability and now and then takes liquidity. Every change goes through the world, so
 * deltas, trades and tickers always agree with the authoritative book.
 */

const CENT = 100
const DEPTH = 5
const TRADE_SHARE = 0.2
const CONTRACT = 100

export function fairOf(m: SimMarket): number {
  if (m.game && m.question) return fairProbability(m.game.script, m.game.state, m.question)
  return 1 / (1 + Math.exp(-m.fairLogOdds))
}

/** Best bid in whole cents for each side; together at most 98 so the book keeps a spread of 2 cents or more. */
function topCents(fair: number): { yes: number; no: number } {
  const c = Math.round(fair * 100)
  return { yes: Math.min(97, Math.max(1, c - 1)), no: Math.min(97, Math.max(1, 99 - c)) }
}

/** Fill a fresh book without emitting anything (used when the world is built). */
export function seedBook(m: SimMarket, rand: Random): void {
  const top = topCents(fairOf(m))
  for (const side of ['yes', 'no'] as const) {
    for (let k = 0; k < DEPTH && top[side] - k >= 1; k++) m.book.apply(side, (top[side] - k) * CENT, randomInt(rand, 20, 300) * CONTRACT)
  }
}

const other = (side: Side): Side => (side === 'yes' ? 'no' : 'yes')

/** One update on one market: a trade, a requote, or a quantity change; always followed by a ticker. */
export function stepMarket(world: SimWorld, m: SimMarket, rand: Random): void {
  if (!m.game) m.fairLogOdds = Math.max(-4.6, Math.min(4.6, m.fairLogOdds + gaussian(rand) * 0.03))
  const top = topCents(fairOf(m))
  if (rand() < TRADE_SHARE && takeLiquidity(world, m, rand)) return

  for (const side of ['yes', 'no'] as const) {
    // Levels left behind when the fair price moved: better than today's top (they would stand in
    // the way of the other side's new quotes) or below the quoted depth.
    for (const [price, qty] of m.book.side(side)) {
      const cents = price / CENT
      if (cents > top[side] || (cents <= top[side] - DEPTH && rand() < 0.5)) {
        world.applyDelta(m, side, price, -qty)
        world.emitTicker(m)
        return
      }
    }
  }

  const side: Side = rand() < 0.5 ? 'yes' : 'no'
  const k = Math.floor(rand() * rand() * DEPTH)
  const price = Math.max(1, top[side] - k) * CENT
  const opposite = m.book.best(other(side))
  if (opposite !== undefined && price + opposite > 100 * CENT - CENT) {
    // Quoting here would cross the other side: the stale opposite level goes first.
    world.applyDelta(m, other(side), opposite, -m.book.quantity(other(side), opposite))
  } else {
    const current = m.book.quantity(side, price)
    let delta = current === 0 ? randomInt(rand, 10, 300) : randomInt(rand, -Math.min(current / CONTRACT - 1, 100), 100)
    if (delta === 0) delta = 10
    world.applyDelta(m, side, price, delta * CONTRACT)
  }
  world.emitTicker(m)
}

/**
 * Requote at once after a score: levels on the wrong side of the new fair price are pulled and a
 * fresh level goes up at each side's new top, so the price jumps with the score instead of
 * drifting over the next few random updates.
 */
export function repriceNow(world: SimWorld, m: SimMarket, rand: Random): void {
  const top = topCents(fairOf(m))
  for (const side of ['yes', 'no'] as const) {
    for (const [price, qty] of [...m.book.side(side)]) if (price / CENT > top[side]) world.applyDelta(m, side, price, -qty)
  }
  for (const side of ['yes', 'no'] as const) {
    const price = top[side] * CENT
    if (m.book.quantity(side, price) === 0) world.applyDelta(m, side, price, randomInt(rand, 20, 300) * CONTRACT)
  }
  world.emitTicker(m)
}

/** A taker hits the best bid on one side; returns false when that side is empty. */
function takeLiquidity(world: SimWorld, m: SimMarket, rand: Random): boolean {
  const takerSide: Side = rand() < 0.5 ? 'yes' : 'no'
  // Buying yes lifts the yes ask, which is the best NO bid, and vice versa.
  const restingSide = other(takerSide)
  const price = m.book.best(restingSide)
  if (price === undefined) return false
  const count = Math.min(m.book.quantity(restingSide, price), randomInt(rand, 1, 50) * CONTRACT)
  world.applyDelta(m, restingSide, price, -count)
  world.recordTrade(m, takerSide === 'yes' ? 100 * CENT - price : price, count, takerSide)
  world.emitTicker(m)
  return true
}

/**
 * Quote the book afresh around today's fair price at once, as a market maker does after news: levels
 * outside the new quoted range go first (both sides), then missing levels are added, so the book
 * never crosses on the way.
 */
export function requote(world: SimWorld, m: SimMarket, rand: Random): void {
  const top = topCents(fairOf(m))
  for (const side of ['yes', 'no'] as const) {
    for (const [price, qty] of m.book.side(side)) {
      const cents = price / CENT
      if (cents > top[side] || cents <= top[side] - DEPTH) world.applyDelta(m, side, price, -qty)
    }
  }
  for (const side of ['yes', 'no'] as const) {
    for (let k = 0; k < DEPTH && top[side] - k >= 1; k++) {
      const price = (top[side] - k) * CENT
      if (m.book.quantity(side, price) === 0) world.applyDelta(m, side, price, randomInt(rand, 20, 300) * CONTRACT)
    }
  }
  world.emitTicker(m)
}
