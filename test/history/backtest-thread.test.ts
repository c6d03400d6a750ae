/**
 * `neural backtest` plays the history in a thread of its own and only watches it from the command's
 * thread (backtest-thread.ts): the same report as runBacktest in this thread, and a strategy that
 * loops, exits or never loads is stopped and named instead of freezing the command.
 */
import { expect } from 'chai'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { PassThrough } from 'node:stream'
import { join } from 'node:path'
import { RestClient } from '../../src/core/rest-client.js'
import { FeeSchedules } from '../../src/core/fees.js'
import { NeuralError } from '../../src/errors.js'
import { readStoredHistory, runBacktest, type BacktestHistory } from '../../src/history/backtest.js'
import { runBacktestInThread, type BacktestThreadOptions } from '../../src/history/backtest-thread.js'
import { downloadHistory, resolveHistoryMarkets } from '../../src/history/download.js'
import { HistoryStore } from '../../src/history/store.js'
import { startSimulator } from '../../src/sim/index.js'
import type { LogEvent } from '../../src/strategy/events.js'
import { loadStrategies } from '../../src/strategy/loader.js'
import { waitFor } from '../commands/helpers.js'

const GAMES = ['25AUG28PHIDAL', '25AUG31BUFBAL']
const SLOW = 'test/fixtures/strategies/backtest-slow.ts'
const SPINS = 'test/fixtures/strategies/backtest-spins.ts'
const LOGS = 'test/fixtures/strategies/backtest-logs.ts'

describe('backtest in a thread of its own', function () {
  this.timeout(60_000)
  let dir: string
  let dbFile: string
  const strategyFile = (name: string, text: string) => {
    const file = join(dir, name)
    writeFileSync(file, text)
    return file
  }
  let history: BacktestHistory
  const inThread = (file: string, more: Partial<BacktestThreadOptions> = {}) => runBacktestInThread({ file, history, ...more })
  const failure = async (p: Promise<unknown>): Promise<NeuralError> => {
    try {
      await p
    } catch (error) {
      expect(error).to.be.instanceOf(NeuralError)
      return error as NeuralError
    }
    return expect.fail('the backtest ended without an error')
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'neural-backtest-thread-'))
    dbFile = join(dir, 'h.duckdb')
    const sim = await startSimulator({ ratePerSec: 20 })
    const store = await HistoryStore.open(dbFile)
    try {
      const client = new RestClient({ apiUrl: sim.apiUrl, maxRequestsPerSec: 500 })
      await downloadHistory({ client, store, markets: await resolveHistoryMarkets(['nfl', ...GAMES], client) })
    } finally {
      store.close()
      await sim.close()
    }
    history = await readStoredHistory(dbFile, { games: GAMES })
  })
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('gives the report runBacktest gives in this thread, with the warnings of the load', async () => {
    let loaded: { strategy: string; warnings: string[] } | undefined
    const threaded = await inThread('strategies/momentum.ts', { params: ['rises=2'], onLoaded: (strategy, warnings) => { loaded = { strategy, warnings } } })
    const store = await HistoryStore.open(dbFile)
    try {
      const here = await runBacktest({ store, strategies: await loadStrategies(['strategies/momentum.ts']), fees: new FeeSchedules(), params: ['rises=2'], selection: { games: GAMES } })
      expect(threaded).to.deep.equal(here)
      expect(threaded.fills.length).to.be.greaterThan(0)
    } finally {
      store.close()
    }
    expect(loaded).to.deep.equal({ strategy: 'momentum', warnings: [] })
  })

  /** The ctx.log records of LOGS when runBacktest plays the history in this thread. */
  const logsHere = async (): Promise<LogEvent[]> => {
    const store = await HistoryStore.open(dbFile)
    const logs: LogEvent[] = []
    try {
      await runBacktest({ store, strategies: await loadStrategies([LOGS]), fees: new FeeSchedules(), selection: { games: GAMES }, onEngineEvent: (e) => { if (e.type === 'log') logs.push(e) } })
    } finally {
      store.close()
    }
    expect(logs.map((e) => e.level)).to.have.members(['info', 'info', 'warn'])
    return logs
  }

  it("hands the strategy's ctx.log records to onLog, as runBacktest's engine reports them in this thread", async () => {
    const logs: LogEvent[] = []
    await inThread(LOGS, { onLog: (e) => logs.push(e) })
    expect(logs).to.deep.equal(await logsHere())
  })

  it("prints the strategy's ctx.log records on its output as run-strategy prints them, without onLog", async () => {
    let printed = ''
    const strategyOutput = new PassThrough().on('data', (chunk: Buffer) => { printed += chunk.toString() })
    await inThread(LOGS, { strategyOutput })
    const time = (ts: number) => new Date(ts).toISOString().slice(11, 23)
    expect(printed.split('\n').filter(Boolean)).to.deep.equal((await logsHere()).map((e) => `${time(e.ts)}  backtest-logs ${e.level}: ${e.message}`))
  })

  it('stops a handler that loops for ever after stuckAfterMs, naming the strategy', async () => {
    const started = performance.now()
    const error = await failure(inThread(SPINS, { stuckAfterMs: 1000, strategyOutput: new PassThrough().resume() }))
    expect({ kind: error.kind, code: error.code }).to.deep.equal({ kind: 'strategy', code: 'STRATEGY_TERMINATED' })
    expect(error.message).to.equal('strategy backtest-spins was terminated: its thread ran synchronous code for over 1000 ms; no report')
    expect(performance.now() - started).to.be.below(20_000)
  })

  it('stops a strategy that keeps what it is sent at the heap limit, with one error and no report', async () => {
    // A million numbers a tick in one array (hostile/leaks.ts); 96 MB holds the history and a few
    // of its ticks. The stuck watchdog is out of the way: its handlers slow down as the array grows.
    const error = await failure(inThread('test/fixtures/strategies/hostile/leaks.ts', { maxHeapMb: 96, stuckAfterMs: 60_000 }))
    expect([error.kind, error.code, error.message]).to.deep.equal(['strategy', 'STRATEGY_TERMINATED', 'strategy leaks ran out of memory (limit 96 MB) and was stopped; no report'])
  })

  it('answers a stop while a handler loops within half a second, with an error instead of a report', async () => {
    const stop = new AbortController()
    let engineErrors = 0
    let printed = ''
    const strategyOutput = new PassThrough().on('data', (chunk: Buffer) => { printed += chunk.toString() })
    const run = inThread(SPINS, { signal: stop.signal, strategyOutput, onEngineEvent: () => engineErrors++ })
    run.catch(() => undefined)
    // The fixture says so on its 50th tick, just before its loop.
    await waitFor(() => printed.includes('spinning'), 30_000, 'the strategy to start spinning')
    const stoppedAt = performance.now()
    stop.abort('SIGINT')
    const error = await failure(run)
    expect(performance.now() - stoppedAt).to.be.below(2_000)
    expect(error.code).to.equal('STRATEGY_TERMINATED')
    expect(error.message).to.equal('strategy backtest-spins did not stop within 500 ms of SIGINT: its thread is running synchronous code; no report')
    expect(engineErrors).to.equal(0)
  })

  it('answers a stop between events with the report of the history before it', async () => {
    const stop = new AbortController()
    // The fixture says so at its first tick, and takes 20 ms a tick: hundreds of ticks are still to come.
    const strategyOutput = new PassThrough().on('data', (chunk: Buffer) => { if (chunk.toString().includes('first tick')) stop.abort('SIGTERM') })
    const detail = await inThread(SLOW, { signal: stop.signal, strategyOutput })
    expect(detail.report.interruptedAtMs).to.be.a('number')
    expect(detail.report.strategy).to.equal('backtest-slow')
  })

  it('stops a strategy that calls process.exit: its thread ends, the command does not', async () => {
    const file = strategyFile('quits.ts', "export default { name: 'quits', markets: ['*'], onTick() { process.exit(0) } }\n")
    const error = await failure(inThread(file))
    expect(error.message).to.equal('strategy quits exited (code 0): a strategy cannot end the backtest; no report')
  })

  it('refuses a file whose top level never ends as a load error, after three times stuckAfterMs', async () => {
    const file = strategyFile('never-loads.ts', "for (;;) { /* no end */ }\nexport default { name: 'never', markets: ['*'], onTick() {} }\n")
    // Loading gets three times 300 ms of silence: the thread says it is alive at once and while it
    // compiles, so only the loop at the top level is silent (and spins a core until it is stopped).
    const error = await failure(inThread(file, { stuckAfterMs: 300 }))
    expect({ kind: error.kind, code: error.code }).to.deep.equal({ kind: 'input', code: 'STRATEGY_LOAD' })
    expect(error.message).to.match(/never-loads\.ts: did not finish loading within 900 ms \(a loop at the top level of the file\?\)$/)
  })

  it('reports a load error inside the thread as loading here would: a file that is not a strategy', async () => {
    const notOne = strategyFile('not-one.ts', 'export default 42\n')
    const error = await failure(inThread(notOne))
    expect({ kind: error.kind, code: error.code }).to.deep.equal({ kind: 'input', code: 'STRATEGY_LOAD' })
    expect(error.message).to.match(/not-one\.ts: the default export is 42, not a strategy object$/)
  })

  it('reads the history on the calling thread, and refuses a missing store without creating it', async () => {
    const missing = await failure(readStoredHistory(join(dir, 'none.duckdb'), { games: GAMES }))
    expect({ kind: missing.kind, code: missing.code }).to.deep.equal({ kind: 'input', code: 'NO_HISTORY' })
    expect(existsSync(join(dir, 'none.duckdb'))).to.equal(false)
  })
})
