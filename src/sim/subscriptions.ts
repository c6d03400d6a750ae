import type { Session } from './ws-session.js'

/** Channels that work on an unsigned connection (Kalshi's quick start); every other known channel needs auth. */
export const PUBLIC_CHANNELS: ReadonlySet<string> = new Set(['ticker', 'trade', 'market_lifecycle_v2', 'multivariate'])
export const PRIVATE_CHANNELS: ReadonlySet<string> = new Set(['orderbook_delta', 'fill', 'market_positions', 'user_orders', 'communications', 'order_group_updates'])
/** Channels that need market tickers; the others default to every market. */
export const TICKERS_REQUIRED: ReadonlySet<string> = new Set(['orderbook_delta'])

export class Subscription {
  /** Last seq used on this sid (orderbook messages and update_subscription acks). */
  seq = 0
  /** Orderbook deltas generated for this sid, for the seq-gap fault. */
  deltas = 0
  /** Orderbook: NO levels priced as the YES price they offer (the subscribe's use_yes_price). */
  useYesPrice = false
  constructor(readonly session: Session, readonly sid: number, readonly channel: string, readonly all: boolean, readonly tickers: Set<string>) {}
}

interface ChannelIndex { all: Set<Subscription>; byTicker: Map<string, Set<Subscription>> }

/** Who wants what: per channel, subscriptions to every market plus an index by market ticker, so fan-out costs O(subscribers). */
export class SubscriptionIndex {
  private readonly channels = new Map<string, ChannelIndex>()

  private channel(name: string): ChannelIndex {
    let c = this.channels.get(name)
    if (!c) this.channels.set(name, (c = { all: new Set(), byTicker: new Map() }))
    return c
  }

  add(sub: Subscription): void {
    if (sub.all) this.channel(sub.channel).all.add(sub)
    else this.addTickers(sub, [...sub.tickers])
  }

  remove(sub: Subscription): void {
    const c = this.channel(sub.channel)
    c.all.delete(sub)
    for (const t of sub.tickers) c.byTicker.get(t)?.delete(sub)
  }

  addTickers(sub: Subscription, tickers: string[]): void {
    const c = this.channel(sub.channel)
    for (const t of tickers) {
      sub.tickers.add(t)
      let set = c.byTicker.get(t)
      if (!set) c.byTicker.set(t, (set = new Set()))
      set.add(sub)
    }
  }

  removeTickers(sub: Subscription, tickers: string[]): void {
    const c = this.channel(sub.channel)
    for (const t of tickers) {
      sub.tickers.delete(t)
      c.byTicker.get(t)?.delete(sub)
    }
  }

  /** Subscriptions that should see `ticker` on `channel`; empty array when none (the common case, checked before any serialising). */
  subscribers(channel: string, ticker: string): Subscription[] {
    const c = this.channels.get(channel)
    if (!c) return []
    const specific = c.byTicker.get(ticker)
    if (c.all.size === 0 && (!specific || specific.size === 0)) return []
    const out = [...c.all]
    if (specific) for (const s of specific) out.push(s)
    return out
  }
}
