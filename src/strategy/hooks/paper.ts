import { FeeSchedules, OrderFees, feeRate } from '../../core/fees.js'
import { COUNT_SCALE, PRICE_SCALE, dollarsNumberToUnits, formatDollars } from '../../core/fixed-point.js'
import type { MarketState } from '../../core/market-store.js'
import type { Lifecycle, MarketEvent, Side } from '../../core/types.js'
import type { SettlementEvent, SignalEvent } from '../events.js'
import type { HookContext, HookResult, OrderHook } from './hook.js'
import { Portfolio, type PortfolioReport } from './portfolio.js'

export interface PaperOptions {
  /** @default 0 (cash then reads as the net cash flow of the run) */
  startingCashDollars?: number
  /** The fee settings of the markets traded (kept current by the session); @default Kalshi's default schedule for all. */
  fees?: FeeSchedules
  /**
   * Asked at close for each market still held and never seen settled (REST `result`, when the
   * lifecycle channel missed it); undefined = not determined yet.
   */
  outcomeOf?: (ticker: string) => Promise<Pick<Lifecycle, 'result' | 'settlementValue'> | undefined>
}

/** Lifecycle events after which a market no longer trades. */
const CLOSED_EVENTS = new Set(['deactivated', 'closed', 'determined', 'settled'])

/**
 * What one YES contract pays once a market is determined: the exchange's settlement value when it
 * sends one (a tied NFL game pays $0.50 on each team's winner market: the NFL rules for Kalshi-powered
 * accounts, help.underdogsports.com "Prediction picks: NFL"), else $1 for yes and $0 for no.
 */
export function yesSettlementUnits(event: Pick<Lifecycle, 'result' | 'settlementValue'>): number | undefined {
  if (event.settlementValue !== undefined) return dollarsNumberToUnits(event.settlementValue)
  if (event.result === 'yes') return PRICE_SCALE
  if (event.result === 'no') return 0
  return undefined
}

/** A level we could trade against: price in units for the signal's side, contracts available. */
type Liquidity = { priceUnits: number; quantity: number }

/**
 * What a signal could trade against, best price first. Kalshi books hold bids only: a yes buy lifts
 * no bids (yes ask = 1 − no bid), a no buy lifts yes bids, a sale hits the bids of its own side.
 * With a book, depth limits the fill; without one, the size the tick quotes at its top of book
 * (`yes_bid_size_fp` / `yes_ask_size_fp`), and only a tick that sends no size fills any quantity.
 * Found from outside: without a book a paper buy of 1,000,000 contracts filled at the ask.
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
  // Buy yes and sell no trade at the yes ask (the no bids); buy no and sell yes at the yes bid.
  const atAsk = buy === (side === 'yes')
  const quote = atAsk ? yesAsk : yesBid
  if (quote === undefined) return []
  const price = buy === atAsk ? quote : PRICE_SCALE - quote
  const size = atAsk ? state.tick?.yesAskSize : state.tick?.yesBidSize
  return [{ priceUnits: price, quantity: size === undefined ? Number.POSITIVE_INFINITY : Math.floor(size) }]
}

function quoteName(action: 'BUY' | 'SELL', side: Side): string {
  return `${side} ${action === 'BUY' ? 'ask' : 'bid'}`
}

/**
 * Paper trading: fills against the current book from the store, never at a better price than the
 * book shows, never past the signal's limit, and pays Kalshi's taker fee on each fill (an order that
 * takes the book is a taker). Keeps positions, cash and P&L exactly (price units), net of fees, and
 * settles positions when their market is determined.
 */
export class PaperHook implements OrderHook {
  readonly name = 'paper'
  readonly portfolio: Portfolio
  readonly fees: FeeSchedules
  /** Markets that stopped trading (closed, determined, settled): no more paper fills. */
  private readonly closed = new Set<string>()
  private readonly settled = new Set<string>()

  constructor(private readonly options: PaperOptions = {}) {
    this.portfolio = new Portfolio(options.startingCashDollars ?? 0)
    this.fees = options.fees ?? new FeeSchedules()
  }

  /** Settle what the lifecycle channel did not: markets held at the end whose REST result is in. */
  async close(ctx: HookContext): Promise<void> {
    const outcomeOf = this.options.outcomeOf
    if (!outcomeOf) return
    for (const ticker of this.unsettledTickers()) {
      try {
        const outcome = await outcomeOf(ticker)
        if (outcome) this.settle(ticker, outcome, ctx)
      } catch (error) {
        ctx.report({ type: 'log', source: this.name, level: 'warn', message: `${ticker}: could not read its result (${(error as Error)?.message ?? error}); position left open`, ts: ctx.now() })
      }
    }
  }

  async handle(signal: SignalEvent, ctx: HookContext): Promise<HookResult> {
    const state = ctx.store.get(signal.ticker)
    if (!state) return { status: 'unfilled', message: `no market data for ${signal.ticker}` }
    if (this.closed.has(signal.ticker)) return { status: 'unfilled', message: `${signal.ticker} is no longer trading` }
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
    // One order, one match per book level: Kalshi's per-order rounding accumulator spans them.
    const order = new OrderFees()
    const rate = feeRate(this.fees.forMarket(signal.ticker), 'taker')
    for (const [price, quantity] of legs) order.fill(buy ? 'buy' : 'sell', quantity * COUNT_SCALE, price, rate)
    // Whole contracts at price units keep every fee a whole number of price units.
    const feeUnits = Math.round(order.totalMicros / COUNT_SCALE)
    const costUnits = legs.reduce((sum, [p, q]) => sum + p * q, 0)
    // As the exchange refuses an order the balance cannot pay for: the whole order, not a part of it.
    // Found from outside: paper cash went to -$77,266 from a starting $10.
    if (buy && this.options.startingCashDollars !== undefined && costUnits + feeUnits > this.portfolio.cash) {
      return { status: 'unfilled', message: `not enough cash: ${filled} contracts cost $${((costUnits + feeUnits) / PRICE_SCALE).toFixed(2)} with fees, and cash is $${(Math.max(0, this.portfolio.cash) / PRICE_SCALE).toFixed(2)}` }
    }
    this.portfolio.apply(buy ? 'buy' : 'sell', signal.ticker, signal.side, legs, feeUnits)
    // Average over whole contracts of integer units: rounded to a price unit for display only.
    const priceDollars = Math.round(costUnits / filled) / PRICE_SCALE
    return {
      status: filled === signal.quantity ? 'filled' : 'partial',
      filledQuantity: filled,
      priceDollars,
      feeDollars: feeUnits / PRICE_SCALE,
      ...(filled < signal.quantity ? { message: `${filled} of ${signal.quantity} filled` } : {}),
    }
  }

  /** Lifecycle: a closed market takes no more fills; a determined (or settled) one pays out. */
  onEvent(event: MarketEvent, ctx: HookContext): void {
    if (event.type !== 'lifecycle') return
    if (CLOSED_EVENTS.has(event.event)) this.closed.add(event.ticker)
    // A deactivated (paused) market can come back.
    else if (event.event === 'activated' && !this.settled.has(event.ticker)) this.closed.delete(event.ticker)
    if ((event.event === 'determined' || event.event === 'settled') && (event.result !== undefined || event.settlementValue !== undefined)) {
      this.settle(event.ticker, event, ctx)
    }
  }

  /**
   * Pay out every position in `ticker` once (determined and then settled say the same thing).
   * Returns false when the result says nothing about what a contract pays.
   */
  settle(ticker: string, outcome: Pick<Lifecycle, 'result' | 'settlementValue'>, ctx: HookContext): boolean {
    this.closed.add(ticker)
    if (this.settled.has(ticker)) return true
    const yesUnits = yesSettlementUnits(outcome)
    if (yesUnits === undefined) {
      ctx.report({ type: 'log', source: this.name, level: 'warn', message: `${ticker}: result '${outcome.result ?? ''}' without a settlement value; positions kept open`, ts: ctx.now() })
      return false
    }
    this.settled.add(ticker)
    const result = outcome.result ?? (yesUnits === PRICE_SCALE ? 'yes' : yesUnits === 0 ? 'no' : 'scalar')
    for (const paid of this.portfolio.settle(ticker, yesUnits)) {
      const event: SettlementEvent = {
        type: 'settlement',
        hook: this.name,
        ticker,
        result,
        side: paid.side,
        quantity: paid.quantity,
        settlementValueDollars: yesUnits / PRICE_SCALE,
        payoutDollars: paid.payoutUnits / PRICE_SCALE,
        pnlDollars: paid.pnlUnits / PRICE_SCALE,
        ts: ctx.now(),
      }
      ctx.report(event)
    }
    return true
  }

  /** Markets where the hook holds a position and no settlement has been seen (the session asks REST about them at the end). */
  unsettledTickers(): string[] {
    return this.portfolio.openTickers().filter(t => !this.settled.has(t))
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
