import { PRICE_SCALE, dollarsNumberToUnits, formatDollars } from '../../core/fixed-point.js'
import type { MarketState } from '../../core/market-store.js'
import type { Side } from '../../core/types.js'
import type { SignalEvent } from '../events.js'
import type { HookContext, HookResult, OrderHook } from './hook.js'
import { Portfolio, type PortfolioReport } from './portfolio.js'

export interface PaperOptions {
  /** @default 0 (cash then reads as the net cash flow of the run) */
  startingCashDollars?: number
}

/** A level we could trade against: price in units for the signal's side, contracts available. */
type Liquidity = { priceUnits: number; quantity: number }

/**
 * What a signal could trade against, best price first. Kalshi books hold bids only: a yes buy lifts
 * no bids (yes ask = 1 − no bid), a no buy lifts yes bids, a sale hits the bids of its own side.
 * With a book, depth limits the fill; without one, the tick's top of book fills any quantity.
 */
export function liquidityFor(state: Readonly<MarketState>, action: 'BUY' | 'SELL', side: Side): Liquidity[] {
  const buy = action === 'BUY'
  const book = state.book
  if (book) {
    // Buy yes / sell no → no bids; buy no / sell yes → yes bids.
    const levels = (buy ? side === 'yes' : side === 'no') ? book.no : book.yes
    return levels.map(([price, quantity]) => {
      const units = dollarsNumberToUnits(price)
      return { priceUnits: buy ? PRICE_SCALE - units : units, quantity: Math.floor(quantity) }
    })
  }
  const yesBid = state.yesBid === undefined ? undefined : dollarsNumberToUnits(state.yesBid)
  const yesAsk = state.yesAsk === undefined ? undefined : dollarsNumberToUnits(state.yesAsk)
  let price: number | undefined
  if (buy) price = side === 'yes' ? yesAsk : yesBid === undefined ? undefined : PRICE_SCALE - yesBid
  else price = side === 'yes' ? yesBid : yesAsk === undefined ? undefined : PRICE_SCALE - yesAsk
  return price === undefined ? [] : [{ priceUnits: price, quantity: Number.POSITIVE_INFINITY }]
}

function quoteName(action: 'BUY' | 'SELL', side: Side): string {
  return `${side} ${action === 'BUY' ? 'ask' : 'bid'}`
}

/**
 * Paper trading: fills against the current book from the store, never at a better price than the
 * book shows, never past the signal's limit. Keeps positions, cash and P&L exactly (price units).
 */
export class PaperHook implements OrderHook {
  readonly name = 'paper'
  readonly portfolio: Portfolio

  constructor(options: PaperOptions = {}) {
    this.portfolio = new Portfolio(options.startingCashDollars ?? 0)
  }

  async handle(signal: SignalEvent, ctx: HookContext): Promise<HookResult> {
    const state = ctx.store.get(signal.ticker)
    if (!state) return { status: 'unfilled', message: `no market data for ${signal.ticker}` }
    const liquidity = liquidityFor(state, signal.action, signal.side)
    const quote = quoteName(signal.action, signal.side)
    if (liquidity.length === 0) return { status: 'unfilled', message: `no ${quote}` }
    const buy = signal.action === 'BUY'
    const limit = signal.limitPrice === undefined ? undefined : dollarsNumberToUnits(signal.limitPrice)
    let wanted = signal.quantity
    if (!buy) {
      wanted = Math.min(wanted, this.portfolio.held(signal.ticker, signal.side))
      if (wanted === 0) return { status: 'unfilled', message: `no ${signal.side} position in ${signal.ticker} to sell` }
    }
    const legs: [number, number][] = []
    let remaining = wanted
    for (const level of liquidity) {
      if (remaining === 0) break
      if (limit !== undefined && (buy ? level.priceUnits > limit : level.priceUnits < limit)) break
      const take = Math.min(remaining, level.quantity)
      if (take > 0) legs.push([level.priceUnits, take])
      remaining -= take
    }
    const filled = wanted - remaining
    if (filled === 0) {
      const best = formatDollars(liquidity[0]!.priceUnits)
      const why = limit !== undefined ? `${quote} ${best} is ${buy ? 'above' : 'below'} the limit ${formatDollars(limit)}` : `no depth at the ${quote}`
      return { status: 'unfilled', message: why }
    }
    this.portfolio.apply(buy ? 'buy' : 'sell', signal.ticker, signal.side, legs)
    const costUnits = legs.reduce((sum, [p, q]) => sum + p * q, 0)
    // Average over whole contracts of integer units: rounded to a price unit for display only.
    const priceDollars = Math.round(costUnits / filled) / PRICE_SCALE
    return {
      status: filled === signal.quantity ? 'filled' : 'partial',
      filledQuantity: filled,
      priceDollars,
      ...(filled < signal.quantity ? { message: `${filled} of ${signal.quantity} filled` } : {}),
    }
  }

  positions() {
    return this.portfolio.positions()
  }

  summary(ctx: HookContext): PortfolioReport {
    return this.portfolio.report(ctx.store, ctx.now())
  }
}

export function createPaperHook(options: PaperOptions = {}): PaperHook {
  return new PaperHook(options)
}
