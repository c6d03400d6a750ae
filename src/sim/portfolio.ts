import type { Side } from '../core/types.js'
import type { SimWorld } from './world.js'

/**
 * What the simulated exchange remembers per API key: the orders placed (for GET /portfolio/orders
 * and the client_order_id check) and the net position per market (for GET /portfolio/positions).
 * Counts are count units (1/100 contract), prices price units (1/10000 dollar), as in orders.ts.
 */

export interface SimOrderRecord {
  orderId: string
  clientOrderId: string
  ticker: string
  side: Side
  action: 'buy' | 'sell'
  status: 'resting' | 'executed' | 'canceled'
  /** Yes price of the order, price units. */
  yesPrice: number
  initial: number
  filled: number
  remaining: number
  fillCost: number
  /** Fees charged on the fills, micro-dollars (src/core/fees.ts). */
  feeMicros: number
  createdMs: number
}

export interface SimPosition {
  ticker: string
  /** Count units, positive = YES held, negative = NO held. */
  position: number
  /** Cost of the position held, price units × contracts. */
  exposure: number
  /** Everything bought or sold here, price units × contracts. */
  traded: number
  /** Fees paid in this market, micro-dollars. */
  feeMicros: number
  lastUpdatedMs: number
}

export class SimAccount {
  readonly orders: SimOrderRecord[] = []
  readonly positions = new Map<string, SimPosition>()
  private readonly byClientId = new Map<string, SimOrderRecord>()

  find(clientOrderId: string): SimOrderRecord | undefined {
    return this.byClientId.get(clientOrderId)
  }

  /** `heldPrice`: average price per contract of the direction the fill moves toward (orders.ts fillCost / filled). */
  record(order: SimOrderRecord, heldPrice: number): void {
    this.orders.push(order)
    if (order.clientOrderId !== '') this.byClientId.set(order.clientOrderId, order)
    if (order.filled > 0) this.fill(order.ticker, order.side, order.action, order.filled, heldPrice, order.createdMs).feeMicros += order.feeMicros
  }

  /** A fill moves the net position: buy yes / sell no toward YES, buy no / sell yes toward NO. */
  private fill(ticker: string, side: Side, action: 'buy' | 'sell', count: number, heldPrice: number, atMs: number): SimPosition {
    let p = this.positions.get(ticker)
    if (!p) {
      p = { ticker, position: 0, exposure: 0, traded: 0, feeMicros: 0, lastUpdatedMs: atMs }
      this.positions.set(ticker, p)
    }
    const towardYes = (action === 'buy') === (side === 'yes')
    const delta = towardYes ? count : -count
    const before = p.position
    const after = before + delta
    const contracts = (units: number) => units / 100
    if (before === 0 || Math.sign(before) === Math.sign(delta)) {
      p.exposure += heldPrice * contracts(count)
    } else {
      // Closing (and maybe flipping): the closed part leaves at its average cost.
      const closed = Math.min(Math.abs(before), count)
      p.exposure -= Math.round(p.exposure * (closed / Math.abs(before)))
      if (count > closed) p.exposure = heldPrice * contracts(count - closed)
    }
    p.position = after
    if (after === 0) p.exposure = 0
    p.traded += heldPrice * contracts(count)
    p.lastUpdatedMs = atMs
    return p
  }
}

const accounts = new WeakMap<SimWorld, Map<string, SimAccount>>()

/** The account of `keyId` in `world` (created empty on first use). */
export function accountOf(world: SimWorld, keyId: string): SimAccount {
  let byKey = accounts.get(world)
  if (!byKey) {
    byKey = new Map()
    accounts.set(world, byKey)
  }
  let a = byKey.get(keyId)
  if (!a) {
    a = new SimAccount()
    byKey.set(keyId, a)
  }
  return a
}
