import { createSigner, type Signer } from '../../auth/signer.js'
import { ENDPOINTS } from '../../config/endpoints.js'
import type { NeuralConfig } from '../../config/types.js'
import { FeeSchedules, OrderFees, feeRate } from '../../core/fees.js'
import { COUNT_SCALE, PRICE_SCALE, dollarsNumberToUnits, formatDollars } from '../../core/fixed-point.js'
import { RestClient, type OrderResult } from '../../core/rest-client.js'
import type { MarketEvent, Side } from '../../core/types.js'
import { NeuralError } from '../../errors.js'
import type { SignalEvent } from '../events.js'
import type { HookContext, HookResult, OrderHook } from './hook.js'
import { OrderIds } from './order-id.js'
import { liquidityFor } from './paper.js'
import { Portfolio, type PortfolioReport } from './portfolio.js'
import { RiskGuard, requireRiskLimits, type OrderIntent } from './risk.js'
import { AccountLock, type AccountTurn } from './account-lock.js'
import { runtimeDir } from '../../runtime/status-registry.js'

export type TimeInForce = 'immediate_or_cancel' | 'fill_or_kill' | 'good_till_canceled'

export interface KalshiHookOptions {
  config: NeuralConfig
  /** `--live` was given. Without it the hook refuses to exist. */
  live: boolean
  /** Defaults to a signer made from config.apiKeyId and config.privateKeyPem. */
  signer?: Signer
  fetch?: typeof fetch
  /**
   * Immediate-or-cancel by default: a signal is about the book now, and nothing is left resting on the
   * exchange when neural stops.
   * @default 'immediate_or_cancel'
   */
  timeInForce?: TimeInForce
  /** @default 10000 */
  requestTimeoutMs?: number
  /** Fee settings of the markets traded (the pre-trade cost check counts the taker fee). */
  fees?: FeeSchedules
  /** Where the account's order lock lives; the same for every neural process on the machine. @default the runtime dir */
  lockDir?: string
}

const DEFAULT_FEES = new FeeSchedules()
const MIN_PRICE_UNITS = 100
const MAX_PRICE_UNITS = 9_900

/**
 * `--hook kalshi --live`: real limit orders, signed, after every risk limit has passed. Never a market
 * order: the price is the signal's limit, else the current ask (buy) or bid (sell) of its side.
 * At start, positions and resting orders come from the exchange (GET /portfolio/positions and
 * /portfolio/orders), so the limits count what earlier runs and other processes on the account hold;
 * while running, positions follow the account's fills on the feed. Orders go through
 * RestClient.placeOrder with a client_order_id derived from the signal (order-id.ts).
 */
export class KalshiHook implements OrderHook {
  readonly name = 'kalshi'
  readonly risk: RiskGuard
  readonly rest: RestClient
  private readonly portfolio = new Portfolio(0)
  private readonly ids = new OrderIds()
  private readonly abort = new AbortController()
  /** Contracts of sells sent whose fills have not arrived yet, by `ticker side`: not sellable twice. */
  private readonly selling = new Map<string, number>()
  /** Sell orders answered as filled, waiting for their fills on the feed: order id → contracts. */
  private readonly awaitingFills = new Map<string, { key: string; contracts: number }>()
  /** Fills that arrived before the answer to their order. */
  private readonly earlyFills = new Map<string, number>()
  /** Set when the account's state could not be read: every signal is refused. */
  private down?: string
  /** One order at a time per account among the neural processes of this machine (account-lock.ts). */
  private readonly lock: AccountLock
  /**
   * The orders of the last minute (order id → when, and in which place of this hook's sequence of
   * answers and account reads, they were answered), and the place of the last read of the account:
   * a fill of an order answered before that read is in its figures already. An order's fills reach
   * the feed within moments of its answer, so a minute of orders is all that is kept (two growing sets
   * held every order of the run).
   */
  private readonly answered = new Map<string, { seq: number; atMs: number }>()
  private seq = 0
  private accountReadSeq = -1
  /** What the last read of the account found, for its log line. */
  private lastRead = { positions: 0, resting: 0 }

  constructor(private readonly options: KalshiHookOptions) {
    if (!options.live) throw new NeuralError('input', 'LIVE_REQUIRED', 'live orders need --live')
    const config = options.config
    this.risk = new RiskGuard(requireRiskLimits(config.risk))
    const apiUrl = config.apiUrl ?? (config.environment === 'sim' ? undefined : ENDPOINTS[config.environment].apiUrl)
    if (!apiUrl) throw new NeuralError('config', 'API_URL', 'live orders need an API URL (KALSHI_API_URL)')
    this.lock = new AccountLock({ dir: options.lockDir ?? runtimeDir(), account: `${apiUrl} ${config.apiKeyId ?? ''}` })
    let signer: Signer
    if (options.signer) signer = options.signer
    else if (config.apiKeyId && config.privateKeyPem) signer = createSigner(config.apiKeyId, config.privateKeyPem)
    else throw new NeuralError('config', 'API_KEY', 'live orders need an API key id and private key')
    this.rest = new RestClient({
      apiUrl,
      signer,
      fetch: options.fetch,
      timeoutMs: options.requestTimeoutMs ?? 10_000,
      // Two quick retries: every POST carries a client_order_id, so a retry cannot place a second order.
      retry: { attempts: 2, baseDelayMs: 200, maxDelayMs: 1000, jitter: 'equal' },
      maxRetryAfterMs: 5000,
      signal: this.abort.signal,
    })
  }

  /**
   * Read the account: positions held and resting orders count toward the position limits, today's
   * spend (buy fills since 00:00 UTC, with their fees, plus resting buys) toward maxTotalCostDollars,
   * and its orders of the last minute toward maxOrdersPerMinute, so the limits hold across restarts
   * and beside other processes on the same account.
   */
  async start(ctx: HookContext): Promise<void> {
    try {
      const spentToday = await this.lock.hold(async (turn) => {
        const spent = await this.readAccount(ctx, 'seed')
        turn.caughtUp()
        return spent
      })
      ctx.report({ type: 'log', source: this.name, level: 'info', message: `account: ${this.accountLine(spentToday)} counted toward the risk limits`, ts: ctx.now() })
    } catch (error) {
      this.down = `the account's positions, orders and fills could not be read (${error instanceof Error ? error.message : String(error)}); no order is sent without them`
      throw new NeuralError('network', 'ACCOUNT_STATE', this.down, { cause: error })
    }
  }

  private accountLine(spentUnits: number): string {
    const { positions, resting } = this.lastRead
    return `${positions} position${positions === 1 ? '' : 's'}, ${resting} resting order${resting === 1 ? '' : 's'} and $${(spentUnits / PRICE_SCALE).toFixed(2)} spent today`
  }

  /**
   * Positions, resting orders and today's fills into the risk limits: added to nothing at start
   * ('seed', which also fills the portfolio), or in place of what was counted ('reset', after another
   * process traded on the account). Returns today's spend, price units.
   */
  private async readAccount(ctx: HookContext, how: 'seed' | 'reset'): Promise<number> {
    const now = new Date(ctx.now())
    const dayStartMs = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())
    const minuteAgoMs = ctx.now() - 60_000
    const [positions, resting, fills, recent] = await Promise.all([
      this.rest.getPositions(),
      this.rest.getOrders({ status: 'resting' }),
      this.rest.getFills({ minTs: dayStartMs }),
      this.rest.getOrders({ minTs: minuteAgoMs }),
    ])
    const sentAtMs = recent.map((o) => o.createdMs).filter((t): t is number => t !== undefined && t > minuteAgoMs)
    const exposure = new Map<string, number>()
    let costUnits = 0
    for (const p of positions) {
      const side: Side = p.position > 0 ? 'yes' : 'no'
      const contracts = Math.abs(p.position)
      const cost = dollarsNumberToUnits(p.exposureDollars)
      exposure.set(p.ticker, (exposure.get(p.ticker) ?? 0) + contracts)
      // With the fees paid for it, as the position's own fills would count them (found from outside:
      // a restarted run showed a position inherited at its price without its fees).
      if (how === 'seed') this.portfolio.apply('buy', p.ticker, side, [[Math.round(cost / contracts), contracts]], Math.round(p.feesPaidDollars * PRICE_SCALE))
    }
    let spentToday = 0
    for (const f of fills) {
      if (f.action !== 'buy' || f.ts < dayStartMs) continue
      spentToday += dollarsNumberToUnits(f.priceDollars) * f.count + dollarsNumberToUnits(f.feeDollars)
    }
    costUnits += spentToday
    for (const o of resting) {
      if (o.action !== 'buy') continue
      exposure.set(o.ticker, (exposure.get(o.ticker) ?? 0) + o.remainingCount)
      costUnits += dollarsNumberToUnits(o.priceDollars) * o.remainingCount
    }
    if (how === 'seed') {
      for (const o of resting) {
        if (o.action === 'sell') this.reserve(`${o.ticker} ${o.side}`, o.remainingCount)
      }
      this.risk.seed(exposure, costUnits, sentAtMs)
    } else {
      this.risk.reset(exposure, costUnits, sentAtMs)
      this.accountReadSeq = this.seq++
    }
    this.lastRead = { positions: positions.length, resting: resting.length }
    return spentToday
  }

  async handle(signal: SignalEvent, ctx: HookContext): Promise<HookResult> {
    if (this.down) return { status: 'refused', message: this.down }
    const action = signal.action === 'BUY' ? 'buy' : 'sell'
    let priceUnits: number | undefined
    if (signal.limitPrice !== undefined) priceUnits = dollarsNumberToUnits(signal.limitPrice)
    else {
      const state = ctx.store.get(signal.ticker)
      priceUnits = state ? liquidityFor(state, signal.action, signal.side)[0]?.priceUnits : undefined
      if (priceUnits === undefined) {
        return { status: 'refused', message: `no limit price and no ${signal.side} ${action === 'buy' ? 'ask' : 'bid'} for ${signal.ticker}` }
      }
    }
    if (priceUnits < MIN_PRICE_UNITS || priceUnits > MAX_PRICE_UNITS) {
      return { status: 'refused', message: `price ${formatDollars(priceUnits)} is outside 0.01–0.99` }
    }
    // The most this order can pay in fees: all of it taking at the limit price.
    const fee = new OrderFees().fill(action, signal.quantity * COUNT_SCALE, priceUnits, feeRate((this.options.fees ?? DEFAULT_FEES).forMarket(signal.ticker), 'taker'))
    const intent: OrderIntent = { ticker: signal.ticker, action, quantity: signal.quantity, priceUnits, feeUnits: Math.ceil(fee.netFeeMicros / COUNT_SCALE) }
    try {
      return await this.lock.hold((turn) => this.send(signal, intent, turn, ctx))
    } catch (error) {
      return { status: 'refused', message: error instanceof Error ? error.message : String(error) }
    }
  }

  /** Check the limits, send, count: holding the account's lock. */
  private async send(signal: SignalEvent, intent: OrderIntent, turn: AccountTurn, ctx: HookContext): Promise<HookResult> {
    if (turn.othersTraded) {
      try {
        const spent = await this.readAccount(ctx, 'reset')
        ctx.report({ type: 'log', source: this.name, level: 'info', message: `another neural process traded on this account: read it again (${this.accountLine(spent)})`, ts: ctx.now() })
      } catch (error) {
        return { status: 'refused', message: `another neural process traded on this account and it could not be read again (${error instanceof Error ? error.message : String(error)}); not sent` }
      }
      turn.caughtUp()
    }
    const { action, priceUnits } = intent
    const now = ctx.now()
    const check = this.risk.check(intent, now)
    if (!check.ok) return { status: 'refused', limit: check.limit, message: check.message }
    const key = `${signal.ticker} ${signal.side}`
    if (action === 'sell') {
      // A sale closes what is held; beyond that it would open the other side (Kalshi nets a sale of yes with no bought).
      const sellable = this.portfolio.held(signal.ticker, signal.side) - (this.selling.get(key) ?? 0)
      if (signal.quantity > sellable) {
        return { status: 'refused', limit: 'position', message: `sell of ${signal.quantity} ${signal.side} in ${signal.ticker} is more than the ${Math.max(0, sellable)} held and not already being sold` }
      }
      this.reserve(key, signal.quantity)
    }
    this.risk.record(intent, now)
    // Counted whatever the outcome: a request that failed may still have placed the order.
    turn.traded()

    const clientOrderId = this.ids.next(signal, now)
    const priceDollars = priceUnits / PRICE_SCALE
    let placed: OrderResult
    try {
      placed = await this.rest.placeOrder({
        ticker: signal.ticker,
        action,
        side: signal.side,
        count: signal.quantity,
        priceDollars,
        clientOrderId,
        timeInForce: this.options.timeInForce ?? 'immediate_or_cancel',
      })
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      // Unknown outcome after a network failure: the limits keep counting it, the sale stays reserved.
      if (error instanceof NeuralError && (error.kind === 'network' || error.kind === 'rate_limit')) {
        return { status: 'failed', priceDollars, message: `order request failed (it may still have been placed; client_order_id ${clientOrderId}): ${reason}` }
      }
      // The exchange refused it: nothing was placed.
      this.risk.release(intent, signal.quantity)
      if (action === 'sell') this.reserve(key, -signal.quantity)
      return { status: 'failed', priceDollars, message: reason }
    }
    this.noteAnswered(placed.orderId, ctx.now())
    const filled = placed.filledCount ?? (placed.status === 'executed' ? signal.quantity : 0)
    if (placed.duplicate) {
      // Placed by an earlier run: the account state read at start already counts it.
      this.risk.release(intent, signal.quantity)
      if (action === 'sell') this.reserve(key, -signal.quantity)
      return { status: 'sent', priceDollars, orderId: placed.orderId, message: `already placed by an earlier run (client_order_id ${clientOrderId}, ${placed.status}); not sent again` }
    }
    const unfilled = placed.status === 'resting' ? 0 : signal.quantity - filled
    this.risk.release(intent, unfilled)
    if (action === 'sell') {
      this.reserve(key, -unfilled)
      const early = this.earlyFills.get(placed.orderId) ?? 0
      this.earlyFills.delete(placed.orderId)
      const waiting = (placed.status === 'resting' ? signal.quantity : filled) - early
      this.reserve(key, -Math.min(early, signal.quantity))
      if (waiting > 0) this.awaitingFills.set(placed.orderId, { key, contracts: waiting })
    }
    // What the fills cost, when the exchange said: the limit (in the signal) is only the worst price they could have had.
    // Found from outside: every order event read "@ 0.99", the limit, for fills near 0.81.
    const averageDollars = filled > 0 && placed.fillCostDollars !== undefined ? Math.round((placed.fillCostDollars / filled) * PRICE_SCALE) / PRICE_SCALE : undefined
    return {
      status: 'sent',
      filledQuantity: filled,
      priceDollars: averageDollars ?? priceDollars,
      ...(placed.feesDollars !== undefined && filled > 0 ? { feeDollars: placed.feesDollars } : {}),
      orderId: placed.orderId,
      message: `order ${placed.status}`,
    }
  }

  onEvent(event: MarketEvent): void {
    if (event.type !== 'fill') return
    // Kalshi's partial and closing sells are sells; a fill without action or side cannot be booked.
    const action = event.action === 'buy' ? 'buy' : event.action === '' ? undefined : 'sell'
    if (action === undefined || event.side === undefined) return
    const yesUnits = dollarsNumberToUnits(event.price)
    const units = event.side === 'yes' ? yesUnits : PRICE_SCALE - yesUnits
    // The exchange's own fee for the fill (`fee_cost`), when it sent one.
    this.portfolio.apply(action, event.ticker, event.side, [[units, event.quantity]], event.feeDollars === undefined ? 0 : dollarsNumberToUnits(event.feeDollars))
    // A fill of an order answered before the account was last read is in the figures read.
    const answered = event.orderId === undefined ? undefined : this.answered.get(event.orderId)
    if (answered === undefined || answered.seq > this.accountReadSeq) this.risk.onFill(event)
    if (event.action !== 'sell' || !event.orderId) return
    const waiting = this.awaitingFills.get(event.orderId)
    if (!waiting) {
      this.earlyFills.set(event.orderId, (this.earlyFills.get(event.orderId) ?? 0) + event.quantity)
      return
    }
    const n = Math.min(waiting.contracts, event.quantity)
    this.reserve(waiting.key, -n)
    waiting.contracts -= n
    if (waiting.contracts <= 0) this.awaitingFills.delete(event.orderId)
  }

  positions() {
    return this.portfolio.positions()
  }

  summary(ctx: HookContext): PortfolioReport {
    return this.portfolio.report(ctx.store, ctx.now())
  }

  /** Stop: a request or retry sleep still running is cancelled. */
  async close(): Promise<void> {
    this.abort.abort()
  }

  private noteAnswered(orderId: string, nowMs: number): void {
    // Oldest first (insertion order): drop what is more than a minute old.
    for (const [id, { atMs }] of this.answered) {
      if (atMs > nowMs - 60_000) break
      this.answered.delete(id)
    }
    this.answered.set(orderId, { seq: this.seq++, atMs: nowMs })
  }

  private reserve(key: string, contracts: number): void {
    const left = Math.max(0, (this.selling.get(key) ?? 0) + contracts)
    if (left === 0) this.selling.delete(key)
    else this.selling.set(key, left)
  }
}

export function createKalshiHook(options: KalshiHookOptions): KalshiHook {
  return new KalshiHook(options)
}
