/**
 * Milliseconds on the host's monotonic clock (CLOCK_MONOTONIC: since boot, sub-millisecond), which
 * every process on the machine reads alike: for a time stamped in one process and read in another.
 *
 * `performance.timeOrigin + performance.now()` is not that: timeOrigin is the wall clock at each
 * process's start, and the wall clock is stepped and slewed while the monotonic one runs on. On the
 * build machine the two drifted apart by 0.5% (5 ms a second), so stamps of two processes started
 * a few minutes apart disagreed by seconds.
 */
const offsetMs = monotonicOffsetMs()

export function hostMonotonicMs(): number {
  return offsetMs + performance.now()
}

/**
 * process.hrtime minus performance.now(), both read within the shortest bracket of a few tries. The
 * first touch of `performance` loads it (1-5 ms here): read between two clock reads, that load was
 * taken into the offset, and each process's stamps were off by its own load time, so that latencies
 * measured across two processes came out several milliseconds too low, or below zero.
 */
function monotonicOffsetMs(): number {
  const hrMs = () => Number(process.hrtime.bigint()) / 1e6
  performance.now()
  hrMs()
  let bracketMs = Infinity
  let offset = 0
  for (let i = 0; i < 5; i++) {
    const before = hrMs()
    const now = performance.now()
    const after = hrMs()
    if (after - before < bracketMs) {
      bracketMs = after - before
      offset = (before + after) / 2 - now
    }
  }
  return offset
}
