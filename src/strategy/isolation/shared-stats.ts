/**
 * A strategy worker's counters (StrategyStats) in memory it shares with the engine, written by the
 * worker's runner as it counts. The worker acknowledges each batch with its counts, but a thread
 * ended in the middle of one (a handler that loops for ever, process.exit, out of memory, a slow
 * strategy terminated at Ctrl-C) never does, and counts taken from acknowledgements alone would lose
 * every call of that batch (all of them, when it was the first). Once the thread is gone the engine
 * reads these instead, so the summary keeps every call counted before the end, the one that never
 * returned included.
 *
 * Float64, not Int32 with Atomics: a count may pass 2^31 on a long, busy run, and the engine reads the
 * counters only after the thread has ended or has been silent for a quarter of a second or more,
 * long after the writes that matter.
 */
import type { StrategyStats } from '../events.js'

/** Each counter's slot; every number of StrategyStats must have one (a new field fails to compile until it does). */
const SLOT: Record<Exclude<keyof StrategyStats, 'name'>, number> = { ticks: 0, trades: 1, books: 2, signals: 3, errors: 4, slow: 5, hung: 6, conflated: 7, dropped: 8 }
const COUNTERS = Object.keys(SLOT) as (keyof typeof SLOT)[]

/** Room for one strategy's counters, all 0; the engine makes it and sends it to the worker. */
export function sharedStatsBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(COUNTERS.length * Float64Array.BYTES_PER_ELEMENT)
}

/**
 * The worker's side: a StrategyStats whose counters are `buffer`, for its runner to count in. They
 * are own enumerable properties, so a spread (`{ ...stats }`, as acknowledgements send them) copies
 * numbers. Counting through them cost nothing measurable: a runner delivered a tick in ~130 ns either
 * way (one runner in its thread, as in a worker; several such objects would each have a shape of their own).
 */
export function sharedStats(name: string, buffer: SharedArrayBuffer): StrategyStats {
  const counts = new Float64Array(buffer)
  const stats = { name } as StrategyStats
  for (const counter of COUNTERS) {
    const i = SLOT[counter]
    Object.defineProperty(stats, counter, {
      get: () => counts[i]!,
      set: (value: number) => { counts[i] = value },
      enumerable: true,
    })
  }
  return stats
}

/** The engine's side: the counts the worker had made when it last wrote. */
export function readSharedStats(name: string, buffer: SharedArrayBuffer): StrategyStats {
  const counts = new Float64Array(buffer)
  const stats = { name } as StrategyStats
  for (const counter of COUNTERS) stats[counter] = counts[SLOT[counter]]!
  return stats
}
