import type { SubscriptionIndex } from './subscriptions.js'
import { deltaBody, fillBody, lifecycleBody, tickerBody, tradeBody } from './wire.js'
import type { WorldEvent } from './world.js'

/** Turns world events into frames for the subscriptions that want them; the body is built once per event, only when someone listens. */
export function publish(index: SubscriptionIndex, e: WorldEvent): void {
  const m = e.market
  switch (e.kind) {
    case 'delta': {
      const subs = index.subscribers('orderbook_delta', m.ticker)
      if (subs.length === 0) return
      const body = deltaBody(m, e.side, e.price, e.delta, e.clientOrderId)
      for (const s of subs) s.session.deliverDelta(s, body)
      return
    }
    case 'ticker': {
      const subs = index.subscribers('ticker', m.ticker)
      if (subs.length === 0) return
      const body = tickerBody(m, Math.floor(Date.now() / 1000))
      for (const s of subs) s.session.deliver(s, 'ticker', body, false)
      return
    }
    case 'trade': {
      const subs = index.subscribers('trade', m.ticker)
      if (subs.length === 0) return
      const body = tradeBody(m, e.trade)
      for (const s of subs) s.session.deliver(s, 'trade', body, false)
      return
    }
    case 'lifecycle': {
      const subs = index.subscribers('market_lifecycle_v2', m.ticker)
      if (subs.length === 0) return
      const body = lifecycleBody(m, e.eventType)
      for (const s of subs) s.session.deliver(s, 'market_lifecycle_v2', body, false)
      return
    }
    case 'fill': {
      // Fills are private: only connections signed with the key that placed the order.
      const subs = index.subscribers('fill', m.ticker).filter((s) => s.session.authenticated && s.session.keyId === e.keyId)
      if (subs.length === 0) return
      const body = fillBody(m, e.trade, e)
      for (const s of subs) s.session.deliver(s, 'fill', body, false)
      return
    }
  }
}
