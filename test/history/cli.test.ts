/**
 * `neural history` and `neural backtest` end to end, on the command's own in-process simulator
 * (--env sim) and on a simulator started here on 127.0.0.1 port 0 behind a counting proxy (to kill a
 * download halfway). What is about a process (a store that survives SIGKILL, Ctrl-C, exit codes and
 * streams, a report identical across processes) runs the built CLI as a child; the rest runs the same
 * command classes in this process (each child costs seconds of CPU on a loaded 2-core machine).
 */
import { expect } from 'chai'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { HistoryStore } from '../../src/history/store.js'
import { TYPO_DETAILS, TYPO_FILE } from '../strategy/helpers.js'
import { startSimulator, type Simulator } from '../../src/sim/index.js'
import { CountingProxy, ensureBuilt, jsonLines, Neural, ROOT, runNeural, signalClockEnv, signalToExitMs, tempDir } from '../commands/helpers.js'
import { runCommand } from '../support/run-command.js'
import Backtest from '../../src/commands/backtest.js'
import History from '../../src/commands/history.js'

describe('neural history and neural backtest (end to end)', function () {
  this.timeout(180_000)
  let tmp: { dir: string; remove: () => void }
  let runtimeDir: string
  const db = () => join(tmp.dir, 'week.duckdb')
  const run = (args: string[], timeoutMs = 90_000) => runNeural(args, { runtimeDir, timeoutMs })
  /** The same command in this process, as bin/run.js would run it. */
  const here = ([command, ...argv]: string[]) =>
    runCommand(command === 'history' ? History : Backtest, argv, { id: command, cwd: ROOT, env: { NEURAL_RUNTIME_DIR: runtimeDir } })
  const dumpOf = async (file: string) => {
    const store = await HistoryStore.open(file)
    try { return await store.dump() } finally { store.close() }
  }

  before(async function () {
    this.timeout(300_000)
    await ensureBuilt()
    tmp = tempDir('neural-history-cli-')
    runtimeDir = join(tmp.dir, 'runtime')
  })
  after(() => tmp?.remove())

  let first: Record<string, unknown>

  it("history 'KXNFLGAME*' --env sim stores the past week and ends with the history line", async () => {
    const r = await run(['history', 'KXNFLGAME*', '--env', 'sim', '--json', '--db', db()])
    expect(r.code, r.stderr).to.equal(0)
    const lines = jsonLines(r.stdout)
    first = lines.at(-1)!
    expect(Object.keys(first)).to.deep.equal(['type', 'markets', 'trades', 'candles', 'newTrades', 'db'])
    expect(first).to.deep.include({ type: 'history', markets: 32, db: db() })
    expect(first.trades).to.be.greaterThan(1000)
    expect(first.newTrades).to.equal(first.trades)
    expect(first.candles).to.be.greaterThan(1000)
  })

  it('a second run downloads nothing new', async () => {
    const r = await here(['history', 'KXNFLGAME*', '--env', 'sim', '--json', '--db', db()])
    expect(r.code, r.stderr).to.equal(0)
    expect(jsonLines(r.stdout).at(-1)).to.deep.equal({ ...first, newTrades: 0 })
  })

  // Four games, not the week: one before the gap (PHIDAL), one inside it (LAHOU), one running over
  // midnight UTC into the second window (BUFBAL) and one after (CHIMIN). download.test.ts plays the
  // same windows in-process over more shapes; here they go through the flags.
  it('after --to 2025-08-29 and then --from 2025-09-01, a run without dates stores what the first run did', async () => {
    const file = join(tmp.dir, 'windows.duckdb')
    const games = ['25AUG28PHIDAL', '25AUG31LAHOU', '25AUG31BUFBAL', '25SEP01CHIMIN']
    const args = ['history', ...games.map((g) => `KXNFLGAME-${g}*`), '--env', 'sim', '--json', '--db', file]
    for (const window of [['--to', '2025-08-29'], ['--from', '2025-09-01']]) {
      const r = await here([...args, ...window])
      expect(r.code, r.stderr).to.equal(0)
    }
    const r = await here(args)
    expect(r.code, r.stderr).to.equal(0)
    // The rows of these games in the store of the one run without dates.
    const ofGames = (await dumpOf(db())).split('\n').filter((line) => {
      const [table, a, b] = line.split('\t')
      return games.some((g) => (table === 'trades' ? b : a)!.startsWith(`KXNFLGAME-${g}-`))
    })
    const count = (table: string) => ofGames.filter((line) => line.startsWith(`${table}\t`)).length
    expect(count('markets')).to.equal(8)
    expect(jsonLines(r.stdout).at(-1)).to.deep.include({ markets: 8, trades: count('trades'), candles: count('candles') })
    expect(await dumpOf(file)).to.equal(ofGames.join('\n'))
  })

  it('killed (SIGKILL) halfway and run again, the store equals the uninterrupted one', async () => {
    const sim: Simulator = await startSimulator({ ratePerSec: 20 })
    const proxy = await new CountingProxy(sim.port).start()
    const file = join(tmp.dir, 'killed.duckdb')
    const args = ['history', 'KXNFLGAME*', '--env', 'sim', '--api-url', proxy.apiUrl, '--ws-url', proxy.wsUrl, '--json', '--db', file]
    try {
      const child = new Neural(args, { runtimeDir, timeoutMs: 90_000 })
      const trades = () => proxy.requests.filter((l) => l.endsWith('/trades')).length
      await child.until(() => trades() >= 12, 60_000, '12 trade pages requested')
      child.child.kill('SIGKILL')
      const killed = await child.done
      expect(killed.signal).to.equal('SIGKILL')
      expect(existsSync(file)).to.equal(true)
      const again = await here(args)
      expect(again.code, again.stderr).to.equal(0)
      const last = jsonLines(again.stdout).at(-1)!
      expect(last).to.deep.include({ markets: 32, trades: first.trades, candles: first.candles })
      expect(last.newTrades).to.be.greaterThan(0).and.lessThan(first.trades as number)
      expect(await dumpOf(file)).to.equal(await dumpOf(db()))
    } finally {
      await proxy.close()
      await sim.close()
    }
  })

  const backtestArgs = (strategy: string) => ['backtest', `strategies/${strategy}.ts`, '--env', 'sim', '--series', 'KXNFLGAME', '--db', db(), '--json']
  const expectReport = (stdout: string, strategy: string) => {
    const report = jsonLines(stdout).at(-1)!
    expect(Object.keys(report)).to.deep.equal(['type', 'strategy', 'games', 'total'])
    expect(report).to.deep.include({ type: 'backtest', strategy })
    expect((report.games as unknown[]).length).to.equal(16)
    expect(Object.keys(report.total as object)).to.deep.equal(['fills', 'feesDollars', 'pnlDollars', 'hitRate', 'maxDrawdownDollars', 'exposureDollars'])
  }

  // The same run twice in one process, for every sample, is backtest.test.ts's; two processes (the
  // built CLI and this one, which runs the sources) are compared here for one sample only.
  it('backtest strategies/momentum.ts --series KXNFLGAME prints the report, identical across processes, and a table for people', async () => {
    const args = backtestArgs('momentum')
    const [a, b] = [await run(args), await here(args)]
    expect(a.code, a.stderr).to.equal(0)
    expect(a.stdout).to.equal(b.stdout)
    expectReport(a.stdout, 'momentum')
    const human = await here(args.filter((x) => x !== '--json'))
    expect(human.stdout).to.match(/^Backtest of momentum\n/)
    expect(human.stdout).to.include('25AUG28PHIDAL')
  })

  // Unchecked: momentum's runs above type-check through the CLI, and strategy/typecheck.test.ts checks
  // every sample; a cold check is two CPU-seconds more on a fresh machine.
  for (const strategy of ['mean-reversion', 'arb']) {
    it(`backtest strategies/${strategy}.ts --series KXNFLGAME prints the report`, async () => {
      const r = await here([...backtestArgs(strategy), '--no-typecheck'])
      expect(r.code, r.stderr).to.equal(0)
      expectReport(r.stdout, strategy)
    })
  }

  it('backtest --from/--to plays only the games with a trade or candlestick in the window, each whole', async () => {
    const momentum = ['backtest', 'strategies/momentum.ts', '--param', 'rises=2', '--db', db(), '--json']
    // One after the other: one process at a time per store.
    const sunday = await here([...momentum, '--series', 'KXNFLGAME', '--from', '2025-08-31', '--to', '2025-08-31'])
    const alone = await here([...momentum, '--game', '25AUG31BUFBAL'])
    expect(sunday.code, sunday.stderr).to.equal(0)
    expect(alone.code, alone.stderr).to.equal(0)
    const games = jsonLines(sunday.stdout).at(-1)!.games as Array<{ game: string; fills: number }>
    expect(games.map((g) => g.game)).to.deep.equal(['25AUG31ATLTB', '25AUG31BUFBAL', '25AUG31CLECIN', '25AUG31DENTEN', '25AUG31GBDET', '25AUG31INDMIA',
      '25AUG31JACCAR', '25AUG31LAHOU', '25AUG31NELV', '25AUG31NOARI', '25AUG31NYJPIT', '25AUG31SEASF', '25AUG31WASNYG'])
    // BUFBAL's game goes on after midnight UTC: its fills there count too.
    const bufbal = (jsonLines(alone.stdout).at(-1)!.games as unknown[])[0]
    expect(games.find((g) => g.game === '25AUG31BUFBAL')).to.deep.equal(bufbal)
  })

  it('backtest --report writes a self-contained page with the equity curve and the game table', async () => {
    const page = join(tmp.dir, 'report.html')
    const r = await here(['backtest', 'strategies/momentum.ts', '--game', '25AUG31LAHOU', '--game', '25SEP01-CHIMIN', '--db', db(), '--report', page])
    expect(r.code, r.stderr).to.equal(0)
    const html = readFileSync(page, 'utf8')
    expect(html).to.include('<polyline')
    expect(html).to.include('<td>25AUG31LAHOU</td>')
    expect(html).to.include('<td>25SEP01CHIMIN</td>')
    expect(html).to.not.match(/(src|href)=/)
  })

  it('backtest stopped by Ctrl-C mid-run: exit 130, and the report (and --report page) of the history before the stop', async () => {
    const page = join(tmp.dir, 'interrupted.html')
    const child = new Neural(['backtest', 'test/fixtures/strategies/backtest-slow.ts', '--series', 'KXNFLGAME', '--db', db(), '--report', page, '--json', '--no-typecheck'], { runtimeDir, timeoutMs: 90_000 })
    try {
      await child.until(() => child.stderr.includes('first tick'), 60_000, 'the first tick')
      child.child.kill('SIGINT')
      const r = await child.done
      expect(r.code, r.stderr).to.equal(130)
      const report = jsonLines(r.stdout).at(-1)!
      expect(report).to.deep.include({ type: 'backtest', strategy: 'backtest-slow' })
      const stoppedAt = new Date(report.interruptedAtMs as number).toISOString()
      expect(r.stderr.split('\n')).to.include(`interrupted: the report covers the history before ${stoppedAt}`)
      expect(readFileSync(page, 'utf8')).to.include(`<p><b>Interrupted</b>: history before ${stoppedAt}.</p>`)
    } finally {
      child.child.kill('SIGKILL')
    }
  })

  it('backtest with a strategy looping in a handler: Ctrl-C ends it within a second, exit 130, one error line, stdout only JSON', async () => {
    const clockFile = join(tmp.dir, 'spins-signal-clock.json')
    const child = new Neural(['backtest', 'test/fixtures/strategies/backtest-spins.ts', '--series', 'KXNFLGAME', '--db', db(), '--json', '--no-typecheck'], { runtimeDir, timeoutMs: 90_000, env: signalClockEnv(clockFile) })
    try {
      // What the strategy prints comes on stderr, just before its loop.
      await child.until(() => child.stderr.includes('spinning'), 60_000, 'the strategy to spin')
      child.child.kill('SIGINT')
      const r = await child.done
      // By the child's clock (a starved machine delays the signal and the exit, not the deadline).
      expect(signalToExitMs(clockFile)).to.be.below(1_000)
      expect(r.code, r.stderr).to.equal(130)
      const message = 'strategy backtest-spins did not stop within 500 ms of SIGINT: its thread is running synchronous code; no report'
      expect(r.stderr.trim().split('\n')).to.deep.equal(['spinning', `error: ${message}`])
      expect(jsonLines(r.stdout)).to.deep.equal([{ type: 'error', kind: 'strategy', code: 'STRATEGY_TERMINATED', message }])
    } finally {
      child.child.kill('SIGKILL')
    }
  })

  // Flags → error in this process (the same command classes bin/run.js runs); one refusal through
  // the built binary, for the exit code and the streams of a real process.
  it('bad input: one error line and exit 2', async () => {
    const cases: Array<[string[], string]> = [
      [['history', 'KXNFLGAME*', '--env', 'sim', '--from', 'yesterday', '--db', db(), '--json'], 'BAD_DATE'],
      [['history', 'KXNFLGAME*', '--env', 'sim', '--from', '2025-09-02', '--to', '2025-09-01', '--db', db(), '--json'], 'BAD_DATE'],
      // Days and times that do not exist (Date.parse would roll 2025-02-30 over to March 2).
      [['history', 'KXNFLGAME*', '--env', 'sim', '--from', '2025-02-30', '--db', db(), '--json'], 'BAD_DATE'],
      [['history', 'KXNFLGAME*', '--env', 'sim', '--to', '2025-09-01T24:00:00Z', '--db', db(), '--json'], 'BAD_DATE'],
      [['backtest', 'strategies/momentum.ts', '--series', 'KXNFLGAME', '--from', '2025-04-31', '--db', db(), '--json'], 'BAD_DATE'],
      [['backtest', 'strategies/momentum.ts', '--series', 'KXNFLGAME', '--from', '2025-08-20', '--to', '2025-08-20', '--db', db(), '--json'], 'NO_HISTORY'],
      [['backtest', 'strategies/momentum.ts', '--db', join(tmp.dir, 'empty.duckdb'), '--series', 'KXNFLGAME', '--json'], 'NO_HISTORY'],
      [['backtest', 'strategies/momentum.ts', '--db', db(), '--json'], 'BAD_SELECTION'],
      // The strategy file is checked before the store is read: a missing store would say NO_HISTORY.
      [['backtest', 'strategies/nope.ts', '--db', join(tmp.dir, 'absent.duckdb'), '--series', 'KXNFLGAME', '--json'], 'STRATEGY_LOAD'],
      [['history', '--env', 'sim', '--db', db(), '--json'], 'USAGE'],
    ]
    for (const [args, code] of cases) {
      const r = await here(args)
      expect(r.code, `${args.join(' ')}\n${r.stderr}`).to.equal(2)
      expect(jsonLines(r.stdout).at(-1)).to.deep.include({ type: 'error', code })
      expect(r.stderr.trim().split('\n')).to.have.length(1)
    }
    const built = await run(['history', 'KXNFLGAME*', '--env', 'sim', '--to', '2025-09-01T24:00:00Z', '--db', db(), '--json'])
    expect(built.code, built.stderr).to.equal(2)
    expect(jsonLines(built.stdout)).to.have.length(1)
    expect(jsonLines(built.stdout)[0]).to.deep.include({ type: 'error', code: 'BAD_DATE' })
    expect(built.stderr.trim().split('\n')).to.have.length(1)
  })

  it('backtest type-checks a .ts strategy first (exit 2, STRATEGY_TYPECHECK); --no-typecheck goes on to the store', async () => {
    const args = ['backtest', TYPO_FILE, '--db', join(tmp.dir, 'absent.duckdb'), '--series', 'KXNFLGAME', '--json']
    const [checked, unchecked] = [await here(args), await here([...args, '--no-typecheck'])]
    expect(checked.code, checked.stderr).to.equal(2)
    expect(jsonLines(checked.stdout)).to.deep.equal([{
      type: 'error', kind: 'input', code: 'STRATEGY_TYPECHECK', message: `${TYPO_FILE}: 2 type errors (--no-typecheck skips this check)`,
      details: TYPO_DETAILS(TYPO_FILE),
    }])
    expect(unchecked.code, unchecked.stderr).to.equal(2)
    expect(jsonLines(unchecked.stdout).at(-1)).to.deep.include({ type: 'error', code: 'NO_HISTORY' })
  })
})
