import { createHash } from 'node:crypto'
import type { SignalEvent } from '../events.js'

/**
 * The client_order_id of a signal's order: derived from the strategy, the signal and the market,
 * the UTC day of the engine clock, and how many identical signals (same strategy, market, action,
 * side, quantity and limit) came before it that day in this run. A run restarted the same day walks
 * the same sequence, so an order it already placed (even one whose answer was lost when the process
 * died) gets the same id, and the exchange refuses the repeat (HTTP 409). Kalshi keeps ids per
 * account, so two processes running the same strategy on one account share them too.
 */
export class OrderIds {
  private readonly seen = new Map<string, number>()

  next(signal: SignalEvent, nowMs: number): string {
    const day = new Date(nowMs).toISOString().slice(0, 10)
    const what = JSON.stringify([signal.strategy, signal.ticker, signal.action, signal.side, signal.quantity, signal.limitPrice ?? null, day])
    const n = this.seen.get(what) ?? 0
    this.seen.set(what, n + 1)
    // 32 hex digits of SHA-256: collisions are out of reach, and the id stays a short ASCII string.
    return `nrl-${createHash('sha256').update(`${what}#${n}`).digest('hex').slice(0, 32)}`
  }
}
