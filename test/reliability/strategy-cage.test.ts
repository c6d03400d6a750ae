/**
 * Strategies written to do harm, beside arb and a watcher, on one simulator feed (CLI): one calls
 * process.exit, one loops forever, one allocates 2 GB, one replaces JSON.parse and
 * Array.prototype.push, one returns a million signals. Before the cage the first ended the run with
 * exit 0 and no summary, the second froze it until SIGKILL, the third stalled the feed, the fourth
 * falsified every other strategy, the fifth stalled the feed and printed a million lines.
 */
import { expect } from 'chai'
import { join } from 'node:path'
import { startSimulator, type Simulator } from '../../src/sim/index.js'
import { ensureBuilt, jsonLines, Neural, tempDir, waitFor, type RunResult } from '../commands/helpers.js'
import { byType, statsOf, type SummaryLine } from '../fixtures/strategies/e2e/harness.js'

const H = 'test/fixtures/strategies/hostile'
const HOSTILE = ['exits', 'spins', 'hogs', 'poisons', 'floods'].map((n) => `${H}/${n}.ts`)

describe('strategies in a cage (CLI)', function () {
  this.timeout(90_000)
  let sim: Simulator
  let tmp: { dir: string; remove: () => void }
  let run: RunResult
  let lines: Record<string, unknown>[]
  let summary: SummaryLine
  let interrupted: RunResult
  let interruptedAfterMs = 0
  let spunBeforeInterrupt = ''
  let stopped: RunResult

  before(async function () {
    this.timeout(120_000)
    await ensureBuilt()
    tmp = tempDir('neural-cage-')
    // A leg stays stale for 1.5-3 s after each move (0.4-1.5 s by default), so that arb has several
    // opportunities in the 6 s run (as in strategy-faults.test.ts).
    sim = await startSimulator({ moveEveryMs: 100, lagMs: [1500, 3000] })
    const exchange = ['--env', 'sim', '--api-url', sim.apiUrl, '--ws-url', sim.wsUrl]
    const runtimeDir = join(tmp.dir, 'run')
    // Three runs with ten strategy files at once on two cores: the type check (tested on its own, and
    // slow with a cold cache on a fresh clone) would only delay what these runs are about.
    const unchecked = '--no-typecheck'
    // A thread busy for 2 s is stuck (--stuck-after; 5 s by default): the spinning and allocating
    // strategies then burn a core for 2 s, not 5. Long enough for them to be found stuck and the run to
    // go on after them.
    const stuck = ['--stuck-after', '2']
    // 6 s: spins and hogs are stopped about 2.5 s in; arb then trades on (a few fills a second).
    const all = new Neural(['run-strategy', './strategies/arb.ts', `${H}/watcher.ts`, ...HOSTILE, ...exchange, '--hook', 'paper', '--duration', '6', '--json', unchecked, ...stuck], { runtimeDir, timeoutMs: 60_000 })
    // The same fault with --on-strategy-fault stop: the run ends there, as a failure.
    const strict = new Neural(['run-strategy', `${H}/exits.ts`, './strategies/arb.ts', ...exchange, '--hook', 'paper', '--on-strategy-fault', 'stop', '--duration', '30', '--json', unchecked], { runtimeDir, timeoutMs: 60_000 })
    // Ctrl-C while a strategy spins: the process must end with its summary. spins-loudly logs a line
    // as it starts its loop, and the watchdog waits 30 s: the interrupt certainly comes mid-loop, and
    // only the stop can end that thread.
    const spin = new Neural(['run-strategy', `${H}/spins-loudly.ts`, './strategies/arb.ts', ...exchange, '--hook', 'paper', '--json', unchecked, '--stuck-after', '30'], { runtimeDir, timeoutMs: 90_000 })
    try {
      await waitFor(() => spin.stdout.includes('"message":"spinning from now on"'), 60_000, 'spins-loudly to start its loop')
      spunBeforeInterrupt = spin.lines().join('\n')
      const at = Date.now()
      spin.child.kill('SIGINT')
      interrupted = await spin.done
      interruptedAfterMs = Date.now() - at
    } finally {
      spin.child.kill('SIGKILL')
    }
    run = await all.done
    stopped = await strict.done
    lines = jsonLines(run.stdout)
    summary = byType(lines).summary
  })

  after(async () => {
    await sim?.close()
    tmp?.remove()
  })

  it('runs to its end with exit 0 and a summary', () => {
    expect(run.code, run.stderr).to.equal(0)
    expect(summary, run.stdout.slice(-2000)).to.be.an('object')
    expect(summary.strategies.map((s) => s.name).sort()).to.deep.equal(['arb', 'exits', 'floods', 'hogs', 'poisons', 'spins', 'watcher'])
  })

  it('reports each strategy that had to be stopped, once, and why', () => {
    const terminated = lines.filter((l) => l.type === 'error' && l.code === 'STRATEGY_TERMINATED')
    const why = Object.fromEntries(terminated.map((l) => [l.strategy, String(l.message)]))
    expect(Object.keys(why).sort()).to.deep.equal(['exits', 'hogs', 'spins'])
    expect(terminated).to.have.length(3)
    expect(why.exits).to.match(/^strategy exits exited \(code 0\) and was stopped: a strategy cannot end the run; the run goes on without it$/)
    expect(why.spins).to.match(/^strategy spins was terminated: its thread ran synchronous code for over 2000 ms/)
    // Near its heap limit V8 collects garbage without end: the watchdog may stop it first.
    expect(why.hogs).to.match(/^strategy hogs (ran out of memory \(limit 512 MB\)|was terminated: its thread ran synchronous code for over 2000 ms)/)
  })

  it('keeps 100 of the million signals and refuses the rest with one report', () => {
    const floods = lines.filter((l) => l.strategy === 'floods')
    const reports = floods.filter((l) => l.type === 'error')
    expect(reports).to.have.length(1)
    expect(reports[0]).to.include({ code: 'TOO_MANY_SIGNALS', message: 'onTick returned 1000000 signals; the first 100 are kept, 999900 refused' })
    expect(floods.filter((l) => l.type === 'signal')).to.have.length(100)
    expect(statsOf(summary, 'floods').signals).to.equal(100)
  })

  it('keeps the poison inside the strategy that poured it: the watcher sees working globals and real ticks', () => {
    expect(lines.filter((l) => l.type === 'log' && l.source === 'watcher')).to.deep.equal([])
    expect(statsOf(summary, 'watcher')).to.include({ errors: 0 })
    expect(statsOf(summary, 'watcher').ticks).to.be.greaterThan(100)
  })

  it('keeps arb trading on paper through all of it', () => {
    const arb = statsOf(summary, 'arb')
    expect(arb).to.include({ errors: 0, hung: 0 })
    expect(arb.signals, `arb: ${JSON.stringify(arb)}`).to.be.greaterThan(0)
    expect(summary.pnl!.fills).to.be.greaterThan(0)
    // The feed did not stall: arb saw as many ticks as the watcher, which was never stopped.
    expect(arb.ticks).to.be.within(statsOf(summary, 'watcher').ticks * 0.9, statsOf(summary, 'watcher').ticks * 1.1 + 5)
  })

  it('stops the run at the fault with --on-strategy-fault stop: exit 1, the reason, and a summary', () => {
    expect(stopped.code, stopped.stderr).to.equal(1)
    const out = jsonLines(stopped.stdout)
    expect(out.some((l) => l.type === 'summary')).to.equal(true)
    expect(out.find((l) => l.type === 'error' && l.kind === 'strategy')).to.include({ code: 'STRATEGY_TERMINATED' })
    expect(stopped.stderr).to.match(/error: strategy exits exited \(code 0\) and was stopped: a strategy cannot end the run; the run stops \(--on-strategy-fault stop\)/)
  })

  it('ends on Ctrl-C while a strategy spins, with exit 130 and a summary', () => {
    expect(interrupted.signal).to.equal(null)
    expect(interrupted.code, interrupted.stderr).to.equal(130)
    expect(jsonLines(interrupted.stdout).some((l) => l.type === 'summary')).to.equal(true)
    expect(interruptedAfterMs).to.be.below(15_000)
  })

  it('terminates the spinning thread at the stop, not before: the loop was still on when Ctrl-C came', () => {
    const terminated = (out: string) => jsonLines(out).filter((l) => l.type === 'error' && l.code === 'STRATEGY_TERMINATED')
    expect(terminated(spunBeforeInterrupt)).to.deep.equal([])
    const stops = terminated(interrupted.stdout)
    expect(stops.map((l) => l.strategy)).to.deep.equal(['spins-loudly'])
    expect(stops[0]!.message).to.match(/^strategy spins-loudly was terminated at stop: its thread had run synchronous code for \d+ ms/)
  })
})
