/**
 * The thread that plays one `neural backtest`: loads the strategy and plays the history the
 * command's thread read from the store (playBacktest). That thread only supervises this one
 * (backtest-thread.ts), so that a strategy looping in synchronous code can neither keep Ctrl-C from
 * working nor hang the command. DuckDB stays on the command's thread: a thread ended (terminated,
 * or by process.exit) while a DuckDB read is in flight aborts the whole process.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { FeeSchedules } from '../core/fees.js'
import { NeuralError } from '../errors.js'
import { loadStrategies } from '../strategy/loader.js'
import { overHeapLimit } from '../strategy/isolation/heap-limit.js'
import { playBacktest } from './backtest.js'
import { ALIVE_EVERY_MS, type BacktestThreadInput, type FromBacktestThread, type ThreadError, type ToBacktestThread } from './backtest-protocol.js'

const port = parentPort!
const input = workerData as BacktestThreadInput
const post = (m: FromBacktestThread) => port.postMessage(m)
const stop = new AbortController()
port.on('message', (m: ToBacktestThread) => {
  if (m.type === 'stop') stop.abort(m.reason)
})
// playBacktest lets the event loop turn every 20 ms: this goes quiet only while code of the strategy
// (or its top level, while loading) runs on and on. The heap limit is checked as often
// (heap-limit.ts): past it, the command ends the thread with one error instead of V8 the process.
// Said at once, not only after the first interval: the strategy's top level may run straight after
// a quick compile and loop for ever, and a thread never heard from counts as one that did not start.
post({ type: 'alive' })
const alive = setInterval(() => {
  if (!overHeapLimit(input.maxHeapMb)) return post({ type: 'alive' })
  clearInterval(alive)
  stop.abort('out of memory')
  post({ type: 'out-of-memory' })
}, ALIVE_EVERY_MS)

function asThreadError(error: unknown): ThreadError {
  if (error instanceof NeuralError) return { kind: error.kind, code: error.code, message: error.message, details: error.details }
  return { kind: 'internal', code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) }
}

async function play(): Promise<void> {
  const loaded = await loadStrategies([input.file], { cwd: input.cwd, ownThread: true })
  post({ type: 'loaded', strategy: loaded.map((l) => l.strategy.name).join(','), warnings: loaded.flatMap((l) => l.warnings) })
  const detail = await playBacktest(input.history, {
    strategies: loaded, signal: stop.signal, hangAfterMs: input.hangAfterMs,
    // The store keeps no series fee settings: Kalshi's standard schedule (taker 0.07, multiplier 1),
    // which is what every backtest fill pays (they are all taker fills).
    fees: new FeeSchedules(),
    params: input.params, rcParams: input.rcParams,
    onEngineEvent: (event) => {
      // ctx.log records too: the strategy's author reads them as run-strategy prints them.
      if (event.type === 'error' || event.type === 'hung' || event.type === 'log') post({ type: 'engine', event })
    },
  })
  post({ type: 'done', detail })
}

play().catch((error: unknown) => post({ type: 'failed', error: asThreadError(error) })).finally(() => clearInterval(alive))
