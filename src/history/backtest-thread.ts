/**
 * `neural backtest`'s supervision: the history (read from the store on this thread) is played in a
 * thread of its own (backtest-worker.ts), and this thread only listens. A strategy whose synchronous
 * code does not end (a loop in a handler or at the top level of its file) is terminated and
 * reported after `stuckAfterMs`; Ctrl-C is answered by the worker with the report so far, or, when
 * it cannot answer, by terminating it.
 */
import { NeuralError, type ErrorCode } from '../errors.js'
import { colorLevel } from '../render/color.js'
import { StrategyFormatter } from '../render/strategy-events.js'
import type { EngineEvent, LogEvent } from '../strategy/events.js'
import { displayPath } from '../strategy/user-module.js'
import { startThread } from '../strategy/worker-entry.js'
import type { BacktestDetail, BacktestHistory } from './backtest.js'
import { BACKTEST_MAX_HEAP_MB, type BacktestThreadInput, type FromBacktestThread, type ThreadError, type ToBacktestThread } from './backtest-protocol.js'
import { HEAP_HEADROOM } from '../strategy/isolation/heap-limit.js'

export interface BacktestThreadOptions {
  /** The strategy file, absolute or relative to `cwd`. */
  file: string
  /** @default process.cwd() */
  cwd?: string
  /** What to play, read from the store beforehand (readStoredHistory). */
  history: BacktestHistory
  params?: readonly string[]
  rcParams?: Record<string, Record<string, unknown>>
  /** The heap limit of the backtest's thread. @default BACKTEST_MAX_HEAP_MB */
  maxHeapMb?: number
  /** A thread busy this long in synchronous code is stuck, and a handler pending this long is hung. @default 5000 */
  stuckAfterMs?: number
  /** Stops at the next event, with the report of the history before it. */
  signal?: AbortSignal
  /** Where what the strategy prints goes (stdout may be NDJSON). @default process.stderr */
  strategyOutput?: NodeJS.WritableStream
  onLoaded?: (strategy: string, warnings: string[]) => void
  /** The engine's `error` and `hung` events. */
  onEngineEvent?: (e: EngineEvent) => void
  /**
   * The strategy's ctx.log records, in order (for `--json`, which writes them as run-strategy does).
   * @default each printed on `strategyOutput` as run-strategy prints it, `HH:MM:SS.mmm  <strategy> <level>: <message>` at the history's time
   */
  onLog?: (e: LogEvent) => void
}

const DEFAULT_STUCK_AFTER_MS = 5000
/**
 * Loading may compile a large TypeScript file on a busy machine: the file's top level gets three
 * times a handler's patience (15 s by default, as a run-strategy worker gets to load).
 */
const LOAD_PATIENCE_FACTOR = 3
/**
 * Until the thread first says it is alive it is loading neural's own modules, which on a loaded
 * machine (or from source, through tsx) takes seconds: only a thread silent this long is given up.
 */
const THREAD_START_MS = 30_000
/**
 * After a stop, a worker silent this long is running synchronous code and cannot answer: it is
 * terminated, half a second after the stop at the latest. One that is alive (it says so every
 * 100 ms, and yields every 20 ms) is answering; the command's shutdown deadline (900 ms) bounds that.
 */
const SILENT_AT_STOP_MS = 250
const STOP_ANSWER_MS = 500

export function runBacktestInThread(o: BacktestThreadOptions): Promise<BacktestDetail> {
  const cwd = o.cwd ?? process.cwd()
  const label = displayPath(o.file, cwd)
  const stuckAfterMs = o.stuckAfterMs ?? DEFAULT_STUCK_AFTER_MS
  const maxHeapMb = o.maxHeapMb ?? BACKTEST_MAX_HEAP_MB
  const input: BacktestThreadInput = {
    file: o.file, cwd, history: o.history, params: o.params ?? [], rcParams: o.rcParams, hangAfterMs: o.stuckAfterMs, maxHeapMb,
  }
  // The thread keeps its heap limit itself; V8's is higher, so that a leak cannot abort the process (heap-limit.ts).
  const resourceLimits = { maxOldGenerationSizeMb: maxHeapMb * HEAP_HEADROOM }
  const worker = startThread('./backtest-worker.js', import.meta.url, { workerData: input, resourceLimits, stdout: true, stderr: true })
  // A strategy's own timers must not keep the command alive once the report is in.
  worker.unref()
  const output = o.strategyOutput ?? process.stderr
  worker.stdout.pipe(output, { end: false })
  worker.stderr.pipe(output, { end: false })
  const onLog = o.onLog ?? printLogTo(output)

  return new Promise<BacktestDetail>((resolve, reject) => {
    let strategy: string | undefined
    let heard = false
    let lastHeardMs = performance.now()
    let stopAnswerTimer: NodeJS.Timeout | undefined
    let settled = false
    const who = () => `strategy ${strategy ?? label}`
    const finish = (outcome: { detail: BacktestDetail } | { error: NeuralError }) => {
      if (settled) return
      settled = true
      clearInterval(watchdog)
      clearTimeout(stopAnswerTimer)
      o.signal?.removeEventListener('abort', onAbort)
      void worker.terminate()
      if ('detail' in outcome) resolve(outcome.detail)
      else reject(outcome.error)
    }
    const fail = (kind: ThreadError['kind'], code: ErrorCode, message: string, details?: readonly string[]) => finish({ error: new NeuralError(kind, code, message, { details }) })
    const terminated = (why: string) => fail('strategy', 'STRATEGY_TERMINATED', `${who()} ${why}`)
    const outOfMemory = `ran out of memory (limit ${maxHeapMb} MB) and was stopped; no report`

    const watchdog = setInterval(() => {
      const patienceMs = !heard ? THREAD_START_MS : strategy === undefined ? stuckAfterMs * LOAD_PATIENCE_FACTOR : stuckAfterMs
      if (performance.now() - lastHeardMs <= patienceMs) return
      if (!heard) fail('internal', 'INTERNAL', `the backtest's thread did not start within ${THREAD_START_MS} ms`)
      else if (strategy === undefined) fail('input', 'STRATEGY_LOAD', `${label}: did not finish loading within ${patienceMs} ms (a loop at the top level of the file?)`)
      else terminated(`was terminated: its thread ran synchronous code for over ${stuckAfterMs} ms; no report`)
    }, Math.min(250, stuckAfterMs / 4))

    const onAbort = () => {
      const reason = typeof o.signal?.reason === 'string' ? o.signal.reason : 'stop'
      worker.postMessage({ type: 'stop', reason } satisfies ToBacktestThread)
      const stuck = () => {
        if (performance.now() - lastHeardMs < SILENT_AT_STOP_MS) stopAnswerTimer = setTimeout(stuck, 50)
        else terminated(`did not stop within ${STOP_ANSWER_MS} ms of ${reason}: its thread is running synchronous code; no report`)
      }
      stopAnswerTimer = setTimeout(stuck, STOP_ANSWER_MS)
    }
    if (o.signal?.aborted) onAbort()
    else o.signal?.addEventListener('abort', onAbort, { once: true })

    worker.on('message', (m: FromBacktestThread) => {
      heard = true
      lastHeardMs = performance.now()
      if (m.type === 'loaded') {
        strategy = m.strategy
        o.onLoaded?.(m.strategy, m.warnings)
      } else if (m.type === 'engine') {
        if (m.event.type === 'log') onLog(m.event)
        else o.onEngineEvent?.(m.event)
      } else if (m.type === 'done') finish({ detail: m.detail })
      else if (m.type === 'failed') fail(m.error.kind, m.error.code, m.error.message, m.error.details)
      else if (m.type === 'out-of-memory') terminated(outOfMemory)
    })
    worker.on('error', (error: Error & { code?: string }) => {
      terminated(error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? outOfMemory : `crashed: ${error.message}; no report`)
    })
    worker.on('exit', (code) => terminated(`exited (code ${code}): a strategy cannot end the backtest; no report`))
  })
}

/** run-strategy's human line for a log record (render/strategy-events.ts), written to `output`. */
function printLogTo(output: NodeJS.WritableStream): (e: LogEvent) => void {
  const formatter = new StrategyFormatter({ colorLevel: colorLevel(output as { isTTY?: boolean }) })
  return (e) => output.write(`${formatter.format(e).text}\n`)
}
