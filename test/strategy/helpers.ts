import { readFileSync } from 'node:fs'
import { MarketStore } from '../../src/core/market-store.js'
import type { Book, Level, MarketEvent, Tick, Trade } from '../../src/core/types.js'
import type { Strategy } from '../../src/strategy/api.js'
import { StrategyEngine, type EngineOptions } from '../../src/strategy/engine.js'
import type { EngineEvent } from '../../src/strategy/events.js'
import { applyToStore } from '../../src/strategy/replay.js'

export function tick(ticker: string, fields: Partial<Omit<Tick, 'type' | 'ticker'>> = {}, ts = 1_000): Tick {
  return { type: 'ticker', ticker, lastUpdate: ts, receivedAt: ts, ...fields }
}

export function trade(ticker: string, price: number, quantity = 10, ts = 1_000, side: 'yes' | 'no' = 'yes'): Trade {
  return { type: 'trade', ticker, side, quantity, price, noPrice: Math.round((1 - price) * 10_000) / 10_000, ts, receivedAt: ts }
}

/** A book from yes bids and no bids, best first. */
export function book(ticker: string, yes: Level[], no: Level[], ts = 1_000): Book {
  const b: Book = { type: 'book', ticker, yes, no, ts }
  if (yes[0]) { b.yesBid = yes[0][0]; b.noAsk = Math.round((1 - yes[0][0]) * 10_000) / 10_000 }
  if (no[0]) { b.noBid = no[0][0]; b.yesAsk = Math.round((1 - no[0][0]) * 10_000) / 10_000 }
  return b
}

/** An engine on a fresh store that records every event it emits. */
export function harness(strategies: Strategy[], options: Partial<EngineOptions> = {}) {
  const store = options.store instanceof MarketStore ? options.store : new MarketStore()
  const engine = new StrategyEngine({ strategies, store, ...options })
  const events: EngineEvent[] = []
  engine.onEvent(e => events.push(e))
  const of = <T extends EngineEvent['type']>(type: T) => events.filter(e => e.type === type) as Extract<EngineEvent, { type: T }>[]
  /** Apply to the store (as the feed does) and dispatch. */
  const feed = (...list: MarketEvent[]) => {
    for (const e of list) {
      applyToStore(store, e)
      engine.dispatch(e)
    }
  }
  return { engine, store, events, of, feed }
}

/** Poll until `predicate` holds (no fixed sleeps); fails after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const start = Date.now()
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 5))
  }
}

/** A promise with its resolve function, for handlers the test finishes by hand. */
export function deferred<T = void>() {
  let resolve!: (value: T) => void
  const promise = new Promise<T>(r => { resolve = r })
  return { promise, resolve }
}

/**
 * A strategy with two type errors that load and run anyway: `ctx.log` called (it is `ctx.log.info`)
 * and a misspelt tick field. Kept in a folder the project's own typecheck leaves out
 * (tsconfig.check.json); its path, relative to the repository, is how messages name it when a command
 * runs from there. A committed file keeps its size and time, so the suite's type check cache
 * remembers its failure from one run to the next.
 */
export const TYPO_FILE = 'test/fixtures/strategies/typecheck/typo.ts'
export const TYPO_STRATEGY = readFileSync(new URL(`../../${TYPO_FILE}`, import.meta.url), 'utf8')

/** What the type check says about TYPO_STRATEGY written to `file` (as shown). */
export const TYPO_DETAILS = (file: string): string[] => [
  `${file}:7:9: error TS2349: This expression is not callable. Type 'StrategyLog' has no call signatures.`,
  `${file}:8:14: error TS2551: Property 'yesPrize' does not exist on type 'Readonly<Tick>'. Did you mean 'yesPrice'?`,
]
