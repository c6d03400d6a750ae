import { NeuralError } from '../../errors.js'
import type { Strategy } from '../api.js'
import { startThread } from '../worker-entry.js'
import { HEAP_HEADROOM, STRATEGY_MAX_HEAP_MB } from './heap-limit.js'
import type { StrategyWorker } from './isolated-runner.js'
import type { FromWorker, StrategyMeta } from './protocol.js'

export interface SpawnOptions {
  /** @default 512 */
  maxHeapMb?: number
  /** Importing and validating the file may take this long. @default 15000 */
  loadTimeoutMs?: number
}

function loadError(message: string, cause?: unknown): NeuralError {
  return new NeuralError('input', 'STRATEGY_LOAD', message, { cause })
}

/**
 * A strategy object holding only what the engine reads without running the strategy's code: its data
 * fields, and a stand-in for each handler the worker found, because which data a strategy takes is
 * read from its handlers (strategyMarkets subscribes the orderbook channel only for `books: true`
 * with an `onBook`). Calling a stand-in is a bug: the strategy's own handlers run in its worker.
 */
export function strategyFromMeta(meta: StrategyMeta): Strategy {
  const handlers = Object.fromEntries(meta.handlers.map((h) => [h, () => {
    throw new Error(`strategy ${meta.name}: ${h} runs in the strategy's worker thread, not here`)
  }]))
  return Object.freeze({
    name: meta.name,
    markets: meta.markets,
    ...(meta.params ? { params: meta.params } : {}),
    ...(meta.books !== undefined ? { books: meta.books } : {}),
    ...(meta.budgetMs !== undefined ? { budgetMs: meta.budgetMs } : {}),
    ...handlers,
  }) as Strategy
}

/**
 * Start a worker thread for one strategy file and wait until it has imported and validated it.
 * Code at the top level of the file already runs there: an exit, a loop or a crash while loading is
 * a load error naming the file, and never touches this thread.
 */
export function spawnStrategyWorker(file: string, label: string, options: SpawnOptions = {}): Promise<StrategyWorker> {
  const maxHeapMb = options.maxHeapMb ?? STRATEGY_MAX_HEAP_MB
  const worker = startThread('./host.js', import.meta.url, {
    workerData: { file, label, maxHeapMb },
    // The limit is the host's to keep, between batches; V8's is higher (heap-limit.ts says why).
    // A young generation of 12 MB (semi-spaces of 4 MB): V8 grows it to its limit under a steady
    // feed, and at 64 MB each worker kept ~10 MB more resident for no measurable speed (benchmark
    // client, three workers, 5,000 markets: peak RSS 312 -> 279 MB, frames per CPU-second the same).
    resourceLimits: { maxOldGenerationSizeMb: maxHeapMb * HEAP_HEADROOM, maxYoungGenerationSizeMb: 12 },
    // Whatever a strategy prints goes to our stderr: stdout may be NDJSON.
    stdout: true,
    stderr: true,
  })
  worker.stdout.pipe(process.stderr, { end: false })
  worker.stderr.pipe(process.stderr, { end: false })
  worker.unref()
  return new Promise((resolve, reject) => {
    const early: FromWorker[] = []
    const timer = setTimeout(() => {
      void worker.terminate()
      reject(loadError(`${label}: did not finish loading within ${options.loadTimeoutMs ?? 15_000} ms (a loop at the top level of the file?)`))
    }, options.loadTimeoutMs ?? 15_000)
    // Only our own listeners are removed: Worker keeps internal ones (removeAllListeners breaks its port).
    const onMessage = (m: FromWorker) => {
      if (m.type === 'loaded') {
        settle()
        // Stays unref'd: the feed keeps the process alive while it runs, and a run that fails before
        // starting the engine must still be able to exit.
        resolve({ worker, meta: m.meta, early, maxHeapMb })
      } else if (m.type === 'load-error') {
        settle()
        void worker.terminate()
        reject(loadError(m.message))
      } else early.push(m)
    }
    const onError = (error: Error & { code?: string }) => {
      settle()
      reject(loadError(`${label}: ${error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `ran out of memory while loading (limit ${maxHeapMb} MB)` : `failed to load: ${error.message}`}`, error))
    }
    const onExit = (code: number) => {
      settle()
      reject(loadError(`${label}: exited (code ${code}) while loading`))
    }
    const settle = () => {
      clearTimeout(timer)
      worker.off('message', onMessage)
      worker.off('error', onError)
      worker.off('exit', onExit)
    }
    worker.on('message', onMessage)
    worker.on('error', onError)
    worker.on('exit', onExit)
  })
}
