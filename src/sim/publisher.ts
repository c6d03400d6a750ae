import type { SubscriptionIndex } from './subscriptions.js'
import { deltaBody, eventLifecycleBody, fillBody, lifecycleBody, tickerBody, tradeBody } from './wire.js'
import type { WorldEvent } from './world.js'

/**
 * Turns world events into frames for the subscriptions that want them; the body is built once per
 * event (once per price convention for books), only when someone listens. `legacy` adds the integer
 * twins of the older wire (neural sim --legacy-wire).
 */
export function publish(index: SubscriptionIndex, e: WorldEvent, legacy = false): void {
  if (e.kind === 'event_created') {
    // Only subscriptions to every market: an event has no market ticker to filter on.
    const subs = index.subscribers('market_lifecycle_v2', '')
    if (subs.length === 0) return
    const body = eventLifecycleBody(e.event)
    for (const s of subs) s.session.deliver(s, 'event_lifecycle', body, true)
    return
  }
  const m = e.market
  switch (e.kind) {
    case 'delta': {
      const subs = index.subscribers('orderbook_delta', m.ticker)
      if (subs.length === 0) return
      const now = Date.now()
      let body: string | undefined
      let yesPriced: string | undefined
      for (const s of subs) {
        if (s.useYesPrice) s.session.deliverDelta(s, (yesPriced ??= deltaBody(m, e.side, e.price, e.delta, e.clientOrderId, now, legacy, true)))
        else s.session.deliverDelta(s, (body ??= deltaBody(m, e.side, e.price, e.delta, e.clientOrderId, now, legacy)))
      }
      return
    }
    case 'ticker': {
      const subs = index.subscribers('ticker', m.ticker)
      if (subs.length === 0) return
      const body = tickerBody(m, Date.now(), legacy)
      for (const s of subs) s.session.deliver(s, 'ticker', body, false)
      return
    }
    case 'trade': {
      const subs = index.subscribers('trade', m.ticker)
      if (subs.length === 0) return
      const body = tradeBody(m, e.trade, legacy)
      // Recorded Kalshi trade frames carry a per-subscription seq.
      for (const s of subs) s.session.deliver(s, 'trade', body, true)
      return
    }
    case 'lifecycle': {
      const subs = index.subscribers('market_lifecycle_v2', m.ticker)
      if (subs.length === 0) return
      const body = lifecycleBody(m, e.eventType)
      // The AsyncAPI document sequences the lifecycle channel (seq is required).
      for (const s of subs) s.session.deliver(s, 'market_lifecycle_v2', body, true)
      return
    }
    case 'fill': {
      // Fills are private: only connections signed with the key that placed the order.
      const subs = index.subscribers('fill', m.ticker).filter((s) => s.session.authenticated && s.session.keyId === e.keyId)
      if (subs.length === 0) return
      const body = fillBody(m, e.trade, e, legacy)
      for (const s of subs) s.session.deliver(s, 'fill', body, false)
      return
    }
  }
}
