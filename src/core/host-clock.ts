/**
 * Milliseconds on the host's monotonic clock (CLOCK_MONOTONIC: since boot, sub-millisecond), which
 * every process on the machine reads alike: for a time stamped in one process and read in another.
 *
 * `performance.timeOrigin + performance.now()` is not that: timeOrigin is the wall clock at each
 * process's start, and the wall clock is stepped and slewed while the monotonic one runs on. On the
 * build machine the two drifted apart by 0.5% (5 ms a second), so stamps of two processes started
 * a few minutes apart disagreed by seconds.
 */
const offsetMs = Number(process.hrtime.bigint()) / 1e6 - performance.now()

export function hostMonotonicMs(): number {
  return offsetMs + performance.now()
}
