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
 * memory that the cap's frequent scavenges strand outside the heap is returned (PromotedMemoryWatch).
 */
export function keepYoungGenerationSmall(): void {
  if (applied) return
  applied = true
  setFlagsFromString('--semi-space-growth-factor=1')
  setFlagsFromString('--no-parallel-scavenge')
  setFlagsFromString('--expose-gc')
  // The flag applies to contexts made from now on: a new one hands out V8's full collection.
  const collect = runInNewContext('gc') as () => void
  const watch = new PromotedMemoryWatch({ readRssBytes: () => process.memoryUsage.rss(), collect })
  setInterval(() => watch.check(), WATCH_INTERVAL_MS).unref()
}

const WATCH_INTERVAL_MS = 1000
const WATCH_THRESHOLD_BYTES = 2 * 1024 * 1024
/** The watch spends at most 1/this of the time on its collections. */
const WATCH_TIME_SHARE = 100

/**
 * The cap's cost outside the heap. A scavenge every few hundred frames often finds the socket's
 * current read (a 64 KB Buffer still being parsed) alive and promotes it; dead, it is freed only by a
 * full collection, which V8 runs rarely while the old generation hardly grows. Meanwhile malloc's
 * arena keeps their high-water mark: on the benchmark's flood (5,000 markets, 3M frames) RSS grew
 * 78 → 82-83 MB after the first million frames, most of it in the brk heap (`[heap]` in smaps, 7 → 10
 * MB) with V8's heap and external memory flat; with V8's own young generation it stayed flat, at
 * 105 MB. So: once RSS has grown `thresholdBytes` over its low point (start-up, or the last
 * collection), one full collection, after which that is the low point. Under a flood that is one
 * collection every few seconds (~10-20 ms each on the benchmark machine); a process whose RSS has
 * settled never collects. A process whose RSS grows for other reasons (a program embedding neural
 * with a large heap of its own) would collect at every threshold for nothing: the next collection
 * waits `timeShare` times as long as the last one took, so the watch never costs more than 1% of
 * the time.
 */
export class PromotedMemoryWatch {
  private lowBytes?: number
  private collections = 0
  private notBeforeMs = -Infinity

  constructor(private readonly opts: {
    readRssBytes: () => number
    collect: () => void
    thresholdBytes?: number
    timeShare?: number
    now?: () => number
  }) {}

  /** Read RSS; collect when it has grown past the threshold. True when it collected. */
  check(): boolean {
    const rss = this.opts.readRssBytes()
    if (this.lowBytes === undefined || rss < this.lowBytes) {
      this.lowBytes = rss
      return false
    }
    if (rss - this.lowBytes < (this.opts.thresholdBytes ?? WATCH_THRESHOLD_BYTES)) return false
    const now = this.opts.now ?? performance.now.bind(performance)
    const startMs = now()
    if (startMs < this.notBeforeMs) return false
    this.opts.collect()
    const endMs = now()
    this.notBeforeMs = endMs + (endMs - startMs) * (this.opts.timeShare ?? WATCH_TIME_SHARE)
    this.collections++
    this.lowBytes = this.opts.readRssBytes()
    return true
  }

  /** Full collections run so far. */
  get collected(): number {
    return this.collections
  }
}
