/**
 * The backtest's books: positions, fills, fees and settlements in integer price units (1/10000
 * dollar), so P&L is exactly what the fills, fees and payouts add up to. Equity is the realised
 * P&L (sales and payouts minus what was bought and the fees) with open positions at cost; exposure
 * is the cost of the open positions.
 */
import { PRICE_SCALE } from '../core/fixed-point.js'
import type { Side } from '../core/types.js'
import type { Position } from '../strategy/api.js'

export interface LedgerFill {
  ts: number
  ticker: string
  action: 'buy' | 'sell'
  side: Side
  contracts: number
  priceUnits: number
  feeUnits: number
}

export interface LedgerSettlement {
  ts: number
  ticker: string
  result: string
  /** Contracts held of each side when the market settled. */
  yes: number
  no: number
  payoutUnits: number
}

export interface EquityPoint { ts: number; equityUnits: number }

interface Holding { quantity: number; costUnits: number }

export class Ledger {
  readonly fills: LedgerFill[] = []
  readonly settlements: LedgerSettlement[] = []
  readonly curve: EquityPoint[] = []
  /** Realised P&L per market (sales, payouts, less cost of what was closed, less fees). */
  readonly pnlByTicker = new Map<string, number>()
  private readonly holdings = new Map<string, Holding>()
  private realizedUnits = 0
  private openCostUnits = 0
  maxExposureUnits = 0

  private holding(ticker: string, side: Side): Holding {
    const key = `${ticker} ${side}`
    let h = this.holdings.get(key)
    if (!h) this.holdings.set(key, (h = { quantity: 0, costUnits: 0 }))
    return h
  }

  held(ticker: string, side: Side): number {
    return this.holdings.get(`${ticker} ${side}`)?.quantity ?? 0
  }

  private book(ticker: string, units: number, ts: number): void {
    this.realizedUnits += units
    this.pnlByTicker.set(ticker, (this.pnlByTicker.get(ticker) ?? 0) + units)
    this.curve.push({ ts, equityUnits: this.realizedUnits })
  }

  fill(f: LedgerFill): void {
    const h = this.holding(f.ticker, f.side)
    this.fills.push(f)
    if (f.action === 'buy') {
      h.quantity += f.contracts
      h.costUnits += f.priceUnits * f.contracts
      this.openCostUnits += f.priceUnits * f.contracts
      this.maxExposureUnits = Math.max(this.maxExposureUnits, this.openCostUnits)
      this.book(f.ticker, -f.feeUnits, f.ts)
      return
    }
    const q = Math.min(f.contracts, h.quantity)
    // The cost taken off is the average cost, rounded; closing the whole position takes all that is left.
    const removed = q === h.quantity ? h.costUnits : Math.round((h.costUnits * q) / h.quantity)
    h.quantity -= q
    h.costUnits -= removed
    this.openCostUnits -= removed
    this.book(f.ticker, f.priceUnits * q - removed - f.feeUnits, f.ts)
  }

  /** Pay out a settled market: $1 a contract on the winning side, nothing on the other. */
  settle(ticker: string, result: string, ts: number): LedgerSettlement | undefined {
    const yes = this.holding(ticker, 'yes')
    const no = this.holding(ticker, 'no')
    if (yes.quantity === 0 && no.quantity === 0) return undefined
    const payoutUnits = (result === 'yes' ? yes.quantity : result === 'no' ? no.quantity : 0) * PRICE_SCALE
    const cost = yes.costUnits + no.costUnits
    const s: LedgerSettlement = { ts, ticker, result, yes: yes.quantity, no: no.quantity, payoutUnits }
    this.settlements.push(s)
    this.openCostUnits -= cost
    yes.quantity = no.quantity = yes.costUnits = no.costUnits = 0
    this.book(ticker, payoutUnits - cost, ts)
    return s
  }

  positions(): Position[] {
    const out: Position[] = []
    for (const [key, h] of this.holdings) {
      if (h.quantity === 0) continue
      const [ticker, side] = key.split(' ') as [string, Side]
      out.push({ ticker, side, quantity: h.quantity, avgPriceDollars: Math.round(h.costUnits / h.quantity) / PRICE_SCALE, costDollars: h.costUnits / PRICE_SCALE })
    }
    return out
  }

  get realized(): number { return this.realizedUnits }
}
