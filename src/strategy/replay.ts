import type { MarketStore } from '../core/market-store.js'
import type { MarketEvent } from '../core/types.js'
import type { StrategyEngine } from './engine.js'

/** Apply one event to the store the way the live feed does before dispatching it. */
export function applyToStore(store: MarketStore, event: MarketEvent): void {
  switch (event.type) {
    case 'ticker': store.applyTick(event); break
    case 'trade': store.applyTrade(event); break
    case 'book': store.applyBook(event); break
    case 'lifecycle': store.applyLifecycle(event); break
    case 'fill': break
  }
}

/**
 * Feed recorded events through the store and the engine in lockstep: each event is fully handled
 * (strategies and hooks) before the next, so with the engine's clock in 'replay' mode the same
 * events always give the same signals and P&L, however slow or async the strategies are.
 */
export async function replayEvents(
  events: Iterable<MarketEvent> | AsyncIterable<MarketEvent>,
  engine: StrategyEngine,
  store: MarketStore,
): Promise<number> {
  let count = 0
  for await (const event of events) {
    applyToStore(store, event)
    engine.dispatch(event)
    await engine.settle()
    count++
  }
  return count
}
