import { PRICE_SCALE } from '../../core/fixed-point.js'
import type { MarketStoreView } from '../../core/market-store.js'
import type { Side } from '../../core/types.js'
import type { Position } from '../api.js'

/**
 * Positions, cash and P&L in integer price units (1/10000 dollar) times whole contracts, so every
 * sum is exact. Realised P&L on a sale is measured against the average cost: the cost removed is
 * rounded to a price unit and the rest stays in the position, so when a position is closed its
 * realised P&L is exactly what it returned minus what it cost.
 *
 * Every P&L here is net of fees (src/core/fees.ts): a buy's fee is part of the position's cost, a
 * sale's fee comes off what it returned, and `feesDollars` shows what was paid in total. Settlement
 * pays each contract its settlement value ($1 or $0, or what the exchange says, e.g. $0.50 for a
 * tied NFL game) and moves the position into realised P&L.
 */

export interface PortfolioPosition {
  ticker: string
  side: Side
  quantity: number
  /** Average cost per contract, dollars (rounded to 1/100 cent). */
  avgPriceDollars: number
  costDollars: number
  /** The bid this side could be sold at now; absent when there is none (then valued at 0). */
  markPriceDollars?: number
  valueDollars: number
  unrealizedPnlDollars: number
  realizedPnlDollars: number
}

export interface PortfolioReport {
  ts: number
  /** Starting cash, minus what buys cost, plus what sales returned. */
  cashDollars: number
  realizedPnlDollars: number
  /** Open positions marked at the current bid, minus their cost. */
  unrealizedPnlDollars: number
  totalPnlDollars: number
  /** Trading fees paid, already counted in the P&L above. */
  feesDollars: number
  /** Fills (one per signal that traded). */
  fills: number
  positions: PortfolioPosition[]
}

interface Holding {
  ticker: string
  side: Side
  quantity: number
  costUnits: number
  realizedUnits: number
}

const toDollars = (units: number) => units / PRICE_SCALE

export class Portfolio {
  private readonly holdings = new Map<string, Holding>()
  private cashUnits: number
  private realizedUnits = 0
  private feeUnits = 0
  private fillCount = 0

  constructor(startingCashDollars = 0) {
    this.cashUnits = Math.round(startingCashDollars * PRICE_SCALE)
  }

  /** Cash now, price units. */
  get cash(): number {
    return this.cashUnits
  }

  private holding(ticker: string, side: Side): Holding {
    const key = `${ticker}\u0000${side}`
    let h = this.holdings.get(key)
    if (!h) {
      h = { ticker, side, quantity: 0, costUnits: 0, realizedUnits: 0 }
      this.holdings.set(key, h)
    }
    return h
  }

  held(ticker: string, side: Side): number {
    return this.holdings.get(`${ticker}\u0000${side}`)?.quantity ?? 0
  }

  /**
   * Record one fill. `legs` are [priceUnits, contracts] (a paper buy can take several book levels);
   * `feeUnits` is the fill's fee in price units × contracts.
   */
  apply(action: 'buy' | 'sell', ticker: string, side: Side, legs: readonly (readonly [number, number])[], feeUnits = 0): void {
    const h = this.holding(ticker, side)
    let traded = false
    for (const [price, quantity] of legs) {
      if (quantity <= 0) continue
      if (action === 'buy') {
        traded = true
        h.quantity += quantity
        h.costUnits += price * quantity
        this.cashUnits -= price * quantity
      } else {
        const q = Math.min(quantity, h.quantity)
        if (q <= 0) continue
        traded = true
        // BigInt: cost × quantity can pass 2^53 for large positions.
        const removed = q === h.quantity ? h.costUnits : Number((BigInt(h.costUnits) * BigInt(q) * 2n + BigInt(h.quantity)) / (BigInt(h.quantity) * 2n))
        const pnl = price * q - removed
        h.quantity -= q
        h.costUnits -= removed
        h.realizedUnits += pnl
        this.realizedUnits += pnl
        this.cashUnits += price * q
      }
    }
    if (traded) this.fillCount++
    if (feeUnits > 0) {
      this.feeUnits += feeUnits
      this.cashUnits -= feeUnits
      // A buy's fee is part of what the position cost; a sale's fee comes off what it realised.
      if (action === 'buy') h.costUnits += feeUnits
      else {
        h.realizedUnits -= feeUnits
        this.realizedUnits -= feeUnits
      }
    }
  }

  /**
   * Settle every position in `ticker`: each YES contract pays `yesValueUnits`, each NO contract the
   * rest of a dollar. Returns what each side held and was paid (sides with nothing are left out).
   */
  settle(ticker: string, yesValueUnits: number): { side: Side; quantity: number; payoutUnits: number; pnlUnits: number }[] {
    const out: { side: Side; quantity: number; payoutUnits: number; pnlUnits: number }[] = []
    for (const side of ['yes', 'no'] as const) {
      const h = this.holdings.get(`${ticker}\u0000${side}`)
      if (!h || h.quantity === 0) continue
      const payout = h.quantity * (side === 'yes' ? yesValueUnits : PRICE_SCALE - yesValueUnits)
      const pnl = payout - h.costUnits
      out.push({ side, quantity: h.quantity, payoutUnits: payout, pnlUnits: pnl })
      this.cashUnits += payout
      h.realizedUnits += pnl
      this.realizedUnits += pnl
      h.quantity = 0
      h.costUnits = 0
    }
    return out
  }

  /** Markets with an open position. */
  openTickers(): string[] {
    return [...new Set([...this.holdings.values()].filter(h => h.quantity > 0).map(h => h.ticker))]
  }

  positions(): Position[] {
    return [...this.holdings.values()].filter(h => h.quantity > 0).map(h => ({
      ticker: h.ticker,
      side: h.side,
      quantity: h.quantity,
      avgPriceDollars: toDollars(Math.round(h.costUnits / h.quantity)),
      costDollars: toDollars(h.costUnits),
    }))
  }

  /** The portfolio now, open positions marked at the current bid of their side. */
  report(store: MarketStoreView, ts: number): PortfolioReport {
    let unrealized = 0
    const positions: PortfolioPosition[] = []
    for (const h of this.holdings.values()) {
      if (h.quantity === 0 && h.realizedUnits === 0) continue
      const mark = markUnits(store, h.ticker, h.side)
      const value = (mark ?? 0) * h.quantity
      const pnl = h.quantity > 0 ? value - h.costUnits : 0
      unrealized += pnl
      positions.push({
        ticker: h.ticker,
        side: h.side,
        quantity: h.quantity,
        avgPriceDollars: h.quantity > 0 ? toDollars(Math.round(h.costUnits / h.quantity)) : 0,
        costDollars: toDollars(h.costUnits),
        ...(mark !== undefined ? { markPriceDollars: toDollars(mark) } : {}),
        valueDollars: toDollars(value),
        unrealizedPnlDollars: toDollars(pnl),
        realizedPnlDollars: toDollars(h.realizedUnits),
      })
    }
    positions.sort((a, b) => (a.ticker === b.ticker ? a.side.localeCompare(b.side) : a.ticker < b.ticker ? -1 : 1))
    return {
      ts,
      cashDollars: toDollars(this.cashUnits),
      realizedPnlDollars: toDollars(this.realizedUnits),
      unrealizedPnlDollars: toDollars(unrealized),
      totalPnlDollars: toDollars(this.realizedUnits + unrealized),
      feesDollars: toDollars(this.feeUnits),
      fills: this.fillCount,
      positions,
    }
  }
}

/** The bid for `side` in price units: yes bid, or no bid = 1 − yes ask. */
export function markUnits(store: MarketStoreView, ticker: string, side: Side): number | undefined {
  const s = store.get(ticker)
  if (!s) return undefined
  if (side === 'yes') return s.yesBid === undefined ? undefined : Math.round(s.yesBid * PRICE_SCALE)
  return s.yesAsk === undefined ? undefined : PRICE_SCALE - Math.round(s.yesAsk * PRICE_SCALE)
}

function money(dollars: number, signed = false): string {
  const sign = dollars < 0 ? '-' : signed && dollars > 0 ? '+' : ''
  return `${sign}$${Math.abs(dollars).toFixed(2)}`
}

/** The report for people: one summary line, then one line per position. */
export function formatPortfolio(report: PortfolioReport, title = 'paper'): string {
  const lines = [
    `Portfolio (${title}): cash ${money(report.cashDollars)}, realised ${money(report.realizedPnlDollars, true)}, ` +
      `unrealised ${money(report.unrealizedPnlDollars, true)}, total ${money(report.totalPnlDollars, true)} after ${money(report.feesDollars ?? 0)} fees, ${report.fills} fill${report.fills === 1 ? '' : 's'}`,
  ]
  for (const p of report.positions) {
    const mark = p.markPriceDollars === undefined ? 'no bid' : `bid ${p.markPriceDollars.toFixed(4)}`
    lines.push(
      `  ${p.ticker} ${p.side.toUpperCase()} ${p.quantity} @ ${p.avgPriceDollars.toFixed(4)}, ${mark}, ` +
        `unrealised ${money(p.unrealizedPnlDollars, true)}, realised ${money(p.realizedPnlDollars, true)}`,
    )
  }
  if (report.positions.length === 0) lines.push('  no positions')
  return lines.join('\n')
}
