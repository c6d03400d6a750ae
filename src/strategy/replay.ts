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
 * The one replay loop: each item is applied (store updates and dispatch) and fully handled by the
 * strategies and hooks before the next, so with the engine's clock in 'replay' mode the same items
 * always give the same signals and P&L, however slow or async the strategies are. `run-strategy
 * --replay` feeds record frames through it; library users feed MarketEvents (replayEvents).
 */
export async function replayLockstep<T>(
  items: Iterable<T> | AsyncIterable<T>,
  apply: (item: T) => void,
  engine: Pick<StrategyEngine, 'settle'>,
  signal?: AbortSignal,
): Promise<number> {
  let count = 0
  for await (const item of items) {
    if (signal?.aborted) break
    apply(item)
    await engine.settle()
    count++
  }
  return count
}

/** Feed recorded events through the store and the engine in lockstep (see replayLockstep). */
export function replayEvents(
  events: Iterable<MarketEvent> | AsyncIterable<MarketEvent>,
  engine: StrategyEngine,
  store: MarketStore,
): Promise<number> {
  return replayLockstep(events, (event) => {
    applyToStore(store, event)
    engine.dispatch(event)
  }, engine)
}
