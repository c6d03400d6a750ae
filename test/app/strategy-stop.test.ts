import { expect } from 'chai'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Recorder } from '../../src/core/recorder.js'
import { runStrategySession, type StrategySessionResult } from '../../src/app/strategy-session.js'
import type { EngineEvent } from '../../src/strategy/events.js'
import { quietSpinner } from '../../src/render/spinner.js'

const TICKER = 'KXNFLGAME-25SEP04DALPHI-PHI'

// After Ctrl-C / SIGTERM the process exits 900 ms after the signal (src/cli/shutdown.ts): a strategy
// whose onStop does not return (or a thread too loaded to answer) must not cost the run its summary.
describe('run-strategy session: stopped by a signal while a strategy will not stop', () => {
  let dir: string
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'neural-stop-'))
    const rec = new Recorder(join(dir, 'two-ticks.ndjson'), { flushIntervalMs: 0 })
    const frame = (seq: number, tsMs: number) => JSON.stringify({ type: 'ticker', sid: 1, seq, msg: { market_ticker: TICKER, yes_bid_dollars: '0.5500', yes_ask_dollars: '0.5700', price_dollars: '0.5600', ts: Math.floor(tsMs / 1000), ts_ms: tsMs } })
    // A minute apart and replayed at the recorded pace: the run is waiting for the second when stopped.
    rec.write(frame(1, 10_000), 10_000)
    rec.write(frame(2, 70_000), 70_000)
    rec.close()
    writeFileSync(join(dir, 'never-stops.mjs'), "export default { name: 'never-stops', markets: ['*'], onTick(t, ctx) { ctx.log.info('tick') }, onStop() { return new Promise(() => {}) } }\n")
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('returns the counts reported so far well before the exit deadline, and says the stop ran out of time', async () => {
    const abort = new AbortController()
    const events: EngineEvent[] = []
    let sawTick!: () => void
    const ticked = new Promise<void>((resolve) => { sawTick = resolve })
    const session = runStrategySession({
      files: [join(dir, 'never-stops.mjs')], config: { environment: 'sim', strategyParams: {} } as never, hook: 'paper', live: false, params: [],
      replay: { file: join(dir, 'two-ticks.ndjson'), speed: 1 },
      onEngineEvent: (e) => {
        events.push(e)
        if (e.type === 'log') sawTick()
      },
      onProblem: (e) => { throw e },
      spinner: quietSpinner(),
      signal: abort.signal,
    })
    let result: StrategySessionResult | undefined
    try {
      await Promise.race([ticked, session.then(() => { throw new Error('the session ended before its first tick') })])
      const abortedAt = performance.now()
      abort.abort('SIGTERM')
      result = await session
      const tookMs = performance.now() - abortedAt
      // The worker's own onStop limit is 2 s and the runner waits up to 4.5 s: either would lose the summary.
      expect(tookMs).to.be.lessThan(1_900)
      expect(result.summary.strategies).to.have.length(1)
      expect(result.summary.strategies[0]).to.include({ name: 'never-stops', ticks: 1 })
      expect(result.summary.events).to.equal(1)
      expect(result.summary.pnl).to.not.equal(undefined)
      const late = events.filter((e) => e.type === 'error' && e.code === 'STOP_TIMEOUT' && e.strategy === undefined)
      expect(late.map((e) => e.type === 'error' && e.message)).to.deep.equal(['the strategies and hooks had not stopped 500 ms after the signal: the summary holds what they had reported by then'])
    } finally {
      abort.abort('test over')
      // The worker thread is terminated once its own onStop limit passes: wait, so nothing outlives the test.
      await (result ?? (await session.catch(() => undefined)))?.stopped
    }
  })
})
