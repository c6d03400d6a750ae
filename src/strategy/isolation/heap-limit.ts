/**
 * The heap limit of a thread that runs a strategy, kept by the thread itself. V8's own limit, when
 * reached, lets a worker's heap grow 16 MB more and ends the thread; an allocation bigger than that
 * (growing one large array or Map copies its whole backing store, 1.5 times the old) aborts the
 * whole process instead, summary and record file with it. So V8's limit for such a thread is
 * HEAP_HEADROOM times the one kept here, room for such a copy made just under it, and the thread
 * checks its heap between handlers.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

/** The heap limit a live strategy's thread keeps, unless the loader is given another. */
export const STRATEGY_MAX_HEAP_MB = 512

/** V8's heap limit for a strategy's thread, as a multiple of the limit the thread keeps. */
export const HEAP_HEADROOM = 3

let gc: (() => void) | undefined

/** A full collection in this thread: V8's gc(), exposed for a moment (flags are the process's). */
function collectGarbage(): void {
  if (!gc) {
    setFlagsFromString('--expose-gc')
    gc = runInNewContext('gc') as () => void
    setFlagsFromString('--no-expose-gc')
  }
  gc()
}

/**
 * Whether the heap in use is over `maxHeapMb`, to ask between handlers. A read costs about a
 * microsecond. The heap in use counts garbage not yet collected (a grown array's old copies, say),
 * so over the limit the garbage is collected first and the heap read again.
 */
export function overHeapLimit(maxHeapMb: number): boolean {
  const limitBytes = maxHeapMb * 1024 * 1024
  if (getHeapStatistics().used_heap_size <= limitBytes) return false
  collectGarbage()
  return getHeapStatistics().used_heap_size > limitBytes
}
