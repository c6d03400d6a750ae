/**
 * The thread that plays one `neural backtest`: loads the strategy, reads the store and runs
 * runBacktest. The command's thread only supervises it (backtest-thread.ts), so that a strategy
 * looping in synchronous code can neither keep Ctrl-C from working nor hang the command.
 */
import { existsSync } from 'node:fs'
import { parentPort, workerData } from 'node:worker_threads'
import { FeeSchedules } from '../core/fees.js'
import { HISTORY_ERROR_CODES, NeuralError } from '../errors.js'
import { loadStrategies } from '../strategy/loader.js'
import { runBacktest } from './backtest.js'
import { ALIVE_EVERY_MS, type BacktestThreadInput, type FromBacktestThread, type ThreadError, type ToBacktestThread } from './backtest-protocol.js'
import { HistoryStore } from './store.js'

const port = parentPort!
const input = workerData as BacktestThreadInput
const post = (m: FromBacktestThread) => port.postMessage(m)
const stop = new AbortController()
port.on('message', (m: ToBacktestThread) => {
  if (m.type === 'stop') stop.abort(m.reason)
})
// runBacktest lets the event loop turn every 20 ms: this goes quiet only while code of the strategy
// (or its top level, while loading) runs on and on.
const alive = setInterval(() => post({ type: 'alive' }), ALIVE_EVERY_MS)

function asThreadError(error: unknown): ThreadError {
  if (error instanceof NeuralError) return { kind: error.kind, code: error.code, message: error.message, details: error.details }
  return { kind: 'internal', code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) }
}

async function play(): Promise<void> {
  const loaded = await loadStrategies([input.file], { cwd: input.cwd, typecheck: input.typecheck, ownThread: true })
  post({ type: 'loaded', strategy: loaded.map((l) => l.strategy.name).join(','), warnings: loaded.flatMap((l) => l.warnings) })
  // Opening would create an empty database: say what to run instead.
  if (!existsSync(input.dbFile)) throw new NeuralError('input', HISTORY_ERROR_CODES.NO_HISTORY, `no history database at ${input.dbFile} (download first: neural history 'KXNFLGAME*')`)
  const store = await HistoryStore.open(input.dbFile)
  try {
    const detail = await runBacktest({
      store, strategies: loaded, signal: stop.signal, hangAfterMs: input.hangAfterMs,
      // The store keeps no series fee settings: Kalshi's standard schedule (taker 0.07, multiplier 1),
      // which is what every backtest fill pays (they are all taker fills).
      fees: new FeeSchedules(),
      params: input.params, rcParams: input.rcParams, selection: input.selection,
      onEngineEvent: (event) => {
        if (event.type === 'error' || event.type === 'hung') post({ type: 'engine', event })
      },
    })
    post({ type: 'done', detail })
  } finally {
    store.close()
  }
}

play().catch((error: unknown) => post({ type: 'failed', error: asThreadError(error) })).finally(() => clearInterval(alive))
