/**
 * Keep V8's young generation small, for a long-running strategy process.
 *
 * V8 doubles the young generation (two semi-spaces, 1 → 16 MB each on 64-bit) whenever the bytes
 * that survived its scavenges since the last doubling exceed its size, and does not shrink it again
 * while the process keeps allocating. A stream that subscribes to thousands of markets builds its
 * state (books, store, strategies' state: ~17 MB at 5,000 markets) through the young generation, so
 * it reaches the maximum during subscription and keeps 32 MB resident from then on, although what
 * survives a scavenge under the flood is then ~0.3% of it (measured with --trace-gc-nvp).
 *
 * `--max-semi-space-size` cannot be changed once the heap exists, and passing it on the command line
 * would need `env -S` in the bin's shebang. The growth factor, however, is read each time V8 grows
 * the young generation: set to 1, it grows no more, and stays at the size it has when this is
 * called (2 × 1-2 MB once the CLI has loaded). Set at once rather than once some size is reached:
 * a check after each GC runs a turn of the event loop late, and during the subscription burst the
 * young generation had doubled again by then.
 *
 * The cap trades RSS for scavenges. Measured on the benchmark's flood: at 5,000 markets, 2 × 2 MB
 * took peak RSS from 115 to 82 MB after 500k frames (89 MB after 3M, against 72 MB for the bare
 * client); at 2 × 4 MB, 88 MB after 500k. The price is CPU: at 500 markets GC was ~5% of the
 * client's busy time at V8's 2 × 16 MB, ~8% at 2 × 4 MB and ~11-14% at 2 × 2 MB (CPU profiles on
 * a loaded 2-core machine, so approximate).
 *
 * A young generation this small is scavenged every few hundred frames, each time with a few KB
 * surviving (7 KB copied, 6 KB promoted per scavenge, measured): V8's parallel scavenger then spends
 * more on waking and synchronising its helper threads than on the copying, so scavenges run on the
 * main thread alone (`--no-parallel-scavenge`, also read at each scavenge). Measured at 500 markets:
 * GC 11-22% of the main thread's busy time in parallel, ~5% single-threaded (as with V8's default
 * young generation), and ~6% more frames per CPU-second of the process (all threads counted).
 *
 * For `neural stream` the same cap cost ~15% of its CPU with --json and ~20% with human output
 * (each event's output is garbage for the young generation), measured back to back with the bench's
 * stream-output case: only run-strategy sets it (app/strategy-session.ts). A process-wide setting:
 * a program that embeds neural decides for itself.
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

let applied = false

/**
 * From now on, V8 does not grow this process's young generation, and scavenges it on one thread;
 * socket buffers that the cap's frequent scavenges promote are freed soon after they die
 * (PromotedMemoryWatch, returned on the first call; later calls change nothing).
 */
export function keepYoungGenerationSmall(): PromotedMemoryWatch | undefined {
  if (applied) return undefined
  applied = true
  setFlagsFromString('--semi-space-growth-factor=1')
  setFlagsFromString('--no-parallel-scavenge')
  setFlagsFromString('--expose-gc')
  // The flag applies to contexts made from now on: a new one hands out V8's full collection.
  const collect = runInNewContext('gc') as () => void
  const watch = new PromotedMemoryWatch({ readBytes: () => process.memoryUsage().arrayBuffers, collect })
  setInterval(() => watch.check(), WATCH_INTERVAL_MS).unref()
  return watch
}

const WATCH_INTERVAL_MS = 1000
const WATCH_THRESHOLD_BYTES = 1024 * 1024
/** The watch spends at most 1/this of the time on its collections. */
const WATCH_TIME_SHARE = 100

/**
 * The cap's cost outside the heap. A scavenge every few hundred frames sometimes finds a socket read
 * (a Buffer of up to 64 KB, being parsed) alive twice and promotes it; dead, its memory is freed only
 * by a full collection, which V8 runs rarely while the old generation hardly grows (the buffers' bytes
 * are outside the heap). On the benchmark's flood (5,000 markets, 3M frames) ArrayBuffer memory grew
 * ~0.5 MB/s between full collections (9 → 13 MB, then back to 9 at the next one) while V8's heap
 * stayed flat, and malloc's arena kept each high-water mark: RSS grew 1-4 MB after the first million
 * frames, against ~1.5 MB for the bare client.
 *
 * So the watch reads the cause, `process.memoryUsage().arrayBuffers`, and once that has grown
 * `thresholdBytes` (1 MB) over its low point (start-up, or the last collection), runs one full
 * collection, after which that is the low point: the buffers are freed before the arena has grown
 * for them, and the arena reuses their chunks. It used to read RSS (2 MB over its low point), which
 * moves only after the arena has grown, and never back down. Peak RSS after 3M frames over the peak
 * after 1M, runs of the memory phase side by side: 1.000-1.014 in seven runs this way, 1.006-1.071 in
 * five the old way.
 * Under a flood that is one collection every 2-3 s (~10-20 ms each on the benchmark machine); a
 * process that reads little never collects. A process whose buffers grow for reasons of its own (a
 * program embedding neural that keeps large Buffers) would collect at every threshold for nothing:
 * the next collection waits `timeShare` times as long as the last one took, so the watch never costs
 * more than 1% of the time.
 */
export class PromotedMemoryWatch {
  private lowBytes?: number
  private collections = 0
  private notBeforeMs = -Infinity

  constructor(private readonly opts: {
    /** The memory watched: ArrayBuffer bytes in production, scripted in tests. */
    readBytes: () => number
    collect: () => void
    thresholdBytes?: number
    timeShare?: number
    now?: () => number
  }) {}

  /** Read the memory; collect when it has grown past the threshold. True when it collected. */
  check(): boolean {
    const bytes = this.opts.readBytes()
    if (this.lowBytes === undefined || bytes < this.lowBytes) {
      this.lowBytes = bytes
      return false
    }
    if (bytes - this.lowBytes < (this.opts.thresholdBytes ?? WATCH_THRESHOLD_BYTES)) return false
    const now = this.opts.now ?? performance.now.bind(performance)
    const startMs = now()
    if (startMs < this.notBeforeMs) return false
    this.opts.collect()
    const endMs = now()
    this.notBeforeMs = endMs + (endMs - startMs) * (this.opts.timeShare ?? WATCH_TIME_SHARE)
    this.collections++
    this.lowBytes = this.opts.readBytes()
    return true
  }

  /** Full collections run so far. */
  get collected(): number {
    return this.collections
  }
}
