import { randomUUID } from 'node:crypto'
import { createSigner, type Signer } from '../../auth/signer.js'
import { ENDPOINTS } from '../../config/endpoints.js'
import type { NeuralConfig } from '../../config/types.js'
import { FeeSchedules, OrderFees, feeRate } from '../../core/fees.js'
import { COUNT_SCALE, PRICE_SCALE, dollarsNumberToUnits, formatDollars } from '../../core/fixed-point.js'
import type { MarketEvent } from '../../core/types.js'
import { NeuralError } from '../../errors.js'
import type { SignalEvent } from '../events.js'
import type { HookContext, HookResult, OrderHook } from './hook.js'
import { liquidityFor } from './paper.js'
import { Portfolio, type PortfolioReport } from './portfolio.js'
import { RiskGuard, requireRiskLimits } from './risk.js'

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
}

/** The POST /portfolio/orders body, as Kalshi reads it. */
export interface KalshiOrderBody {
  ticker: string
  action: 'buy' | 'sell'
  side: 'yes' | 'no'
  count: number
  type: 'limit'
  yes_price_dollars?: string
  no_price_dollars?: string
  client_order_id: string
  time_in_force: TimeInForce
}

const DEFAULT_FEES = new FeeSchedules()
const MIN_PRICE_UNITS = 100
const MAX_PRICE_UNITS = 9_900

/**
 * `--hook kalshi --live`: real limit orders, signed, after every risk limit has passed. Never a market
 * order: the price is the signal's limit, else the current ask (buy) or bid (sell) of its side.
 * Positions come from the account's fills on the feed.
 */
export class KalshiHook implements OrderHook {
  readonly name = 'kalshi'
  readonly risk: RiskGuard
  private readonly portfolio = new Portfolio(0)
  private readonly ordersUrl: string
  private readonly signer: Signer
  private readonly fetchFn: typeof fetch

  constructor(private readonly options: KalshiHookOptions) {
    if (!options.live) throw new NeuralError('input', 'LIVE_REQUIRED', 'live orders need --live')
    const config = options.config
    this.risk = new RiskGuard(requireRiskLimits(config.risk))
    const apiUrl = config.apiUrl ?? (config.environment === 'sim' ? undefined : ENDPOINTS[config.environment].apiUrl)
    if (!apiUrl) throw new NeuralError('config', 'API_URL', 'live orders need an API URL (KALSHI_API_URL)')
    this.ordersUrl = `${apiUrl.replace(/\/+$/, '')}/portfolio/orders`
    if (options.signer) this.signer = options.signer
    else if (config.apiKeyId && config.privateKeyPem) this.signer = createSigner(config.apiKeyId, config.privateKeyPem)
    else throw new NeuralError('config', 'API_KEY', 'live orders need an API key id and private key')
    this.fetchFn = options.fetch ?? fetch
  }

  async handle(signal: SignalEvent, ctx: HookContext): Promise<HookResult> {
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
    const intent = { ticker: signal.ticker, action, quantity: signal.quantity, priceUnits, feeUnits: Math.ceil(fee.netFeeMicros / COUNT_SCALE) } as const
    const now = ctx.now()
    const check = this.risk.check(intent, now)
    if (!check.ok) return { status: 'refused', limit: check.limit, message: check.message }
    this.risk.record(intent, now)

    const body: KalshiOrderBody = {
      ticker: signal.ticker,
      action,
      side: signal.side,
      count: signal.quantity,
      type: 'limit',
      ...(signal.side === 'yes' ? { yes_price_dollars: formatDollars(priceUnits) } : { no_price_dollars: formatDollars(priceUnits) }),
      client_order_id: randomUUID(),
      time_in_force: this.options.timeInForce ?? 'immediate_or_cancel',
    }
    const path = new URL(this.ordersUrl).pathname
    const priceDollars = priceUnits / PRICE_SCALE
    let response: Response
    try {
      response = await this.fetchFn(this.ordersUrl, {
        method: 'POST',
        headers: { ...this.signer('POST', path), 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 10_000),
      })
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      return { status: 'failed', priceDollars, message: `order request failed (it may still have been placed): ${reason}` }
    }
    const text = await response.text()
    let json: { order?: { order_id?: string; status?: string }; error?: { code?: string; message?: string } } = {}
    try {
      json = JSON.parse(text)
    } catch {
      // An error page or empty body: the status line says enough.
    }
    if (!response.ok) {
      const detail = json.error ? `${json.error.code ?? ''}${json.error.message ? `: ${json.error.message}` : ''}` : text.slice(0, 120)
      return { status: 'failed', priceDollars, message: `Kalshi answered ${response.status}${detail ? ` ${detail}` : ''}` }
    }
    return {
      status: 'sent',
      filledQuantity: signal.quantity,
      priceDollars,
      ...(json.order?.order_id ? { orderId: json.order.order_id } : {}),
      ...(json.order?.status ? { message: `order ${json.order.status}` } : {}),
    }
  }

  onEvent(event: MarketEvent): void {
    if (event.type !== 'fill') return
    const yesUnits = dollarsNumberToUnits(event.price)
    const units = event.side === 'yes' ? yesUnits : PRICE_SCALE - yesUnits
    // The exchange's own fee for the fill (`fee_cost`), when it sent one.
    this.portfolio.apply(event.action, event.ticker, event.side, [[units, event.quantity]], event.feeDollars === undefined ? 0 : dollarsNumberToUnits(event.feeDollars))
    this.risk.onFill(event)
  }

  positions() {
    return this.portfolio.positions()
  }

  summary(ctx: HookContext): PortfolioReport {
    return this.portfolio.report(ctx.store, ctx.now())
  }
}

export function createKalshiHook(options: KalshiHookOptions): KalshiHook {
  return new KalshiHook(options)
}
