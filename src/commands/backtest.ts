import { writeFile } from 'node:fs/promises'
import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { typecheckFlag } from '../cli/common-flags.js'
import { secondsToMs } from '../cli/flags.js'
import { NeuralError } from '../errors.js'
import { readStoredHistory, type BacktestDetail, type BacktestReport } from '../history/backtest.js'
import { runBacktestInThread } from '../history/backtest-thread.js'
import { checkRange, parseDateFlag } from '../history/dates.js'
import { equityChart, formatBacktest, historyBefore, htmlReport } from '../history/report.js'
import { defaultDbPath } from '../history/store.js'
import { checkStrategies } from '../strategy/loader.js'

export type BacktestResult = BacktestReport

export default class Backtest extends BaseCommand<typeof Backtest> {
  static override summary = 'Run a strategy over the history stored by `neural history`'
  static override args = { strategy: Args.string({ description: 'strategy file (.ts/.js)', required: true }) }
  static override examples = [
    '<%= config.bin %> backtest strategies/momentum.ts --series KXNFLGAME',
    '<%= config.bin %> backtest strategies/mean-reversion.ts --game 25SEP04DALPHI --json',
    '<%= config.bin %> backtest strategies/momentum.ts --series KXNFLGAME --from 2025-09-04 --to 2025-09-09 --report week1.html',
  ]
  static override flags = {
    game: Flags.string({ multiple: true, description: 'game id (25SEP04DALPHI) or event ticker; repeatable' }),
    series: Flags.string({ description: 'every stored game of this series (KXNFLGAME)' }),
    from: Flags.string({ description: 'only the games with a trade or candlestick from this date (2025-09-04, UTC) or time on; each is played whole' }),
    to: Flags.string({ description: 'only the games with a trade or candlestick up to this date (inclusive) or time; each is played whole' }),
    db: Flags.string({ description: 'database file [default: $XDG_DATA_HOME/neural/history.duckdb]' }),
    param: Flags.string({ multiple: true, description: 'strategy parameter key=value (repeatable)' }),
    report: Flags.string({ description: 'also write a self-contained HTML page (equity curve, per-game table) to this file' }),
    typecheck: typecheckFlag,
    'stuck-after': Flags.string({ description: 'seconds the strategy may run synchronous code before the backtest stops it with an error, and a handler may stay pending before it is reported hung [default: 5]' }),
  }

  async run(): Promise<BacktestResult> {
    const fromMs = parseDateFlag('from', this.flags.from)
    const toMs = parseDateFlag('to', this.flags.to)
    checkRange(fromMs, toMs)
    const stuckAfterMs = secondsToMs('stuck-after', this.flags['stuck-after'])
    const { config } = await this.loadConfig()
    // A mistake in the file is named before the store is read, as before the play.
    await checkStrategies([this.args.strategy], { typecheck: this.flags.typecheck })
    // --from/--to pick the games; each is then played whole.
    const history = await readStoredHistory(this.flags.db ?? defaultDbPath(), { games: this.flags.game, series: this.flags.series, fromMs, toMs })
    // Ctrl-C / SIGTERM stops at the next event and still prints (and writes) the report so far.
    const detail = await this.runUntilStopped((signal) => runBacktestInThread({
      file: this.args.strategy, history, stuckAfterMs, signal, params: this.flags.param ?? [], rcParams: config.strategyParams,
      onLoaded: (strategy, warnings) => { for (const w of warnings) this.printWarning(`${strategy}: ${w}`) },
      onEngineEvent: (e) => {
        if (e.type === 'error' || e.type === 'hung') process.stderr.write(`${e.type}: ${e.strategy}: ${'message' in e ? e.message : e.handler}\n`)
      },
      // ctx.log records: NDJSON lines under --json, as run-strategy writes them; else on stderr for people.
      onLog: this.json ? (e) => this.ndjson().write(e) : undefined,
    }), (d) => this.print(d))
    return detail.report
  }

  private async print(detail: BacktestDetail): Promise<void> {
    if (this.flags.report) {
      await writeFile(this.flags.report, htmlReport(detail)).catch((error: Error) => {
        throw new NeuralError('input', 'REPORT_FILE', `cannot write ${this.flags.report}: ${error.message}`, { cause: error })
      })
    }
    const covered = historyBefore(detail.report)
    if (covered) process.stderr.write(`interrupted: the report covers the ${covered}\n`)
    else if (detail.unsettled.length) process.stderr.write(`note: ${detail.unsettled.length} market(s) without a result keep open positions, not counted in P&L: ${detail.unsettled.join(', ')}\n`)
    if (this.json) this.ndjson().write(detail.report)
    else {
      this.log(formatBacktest(detail.report))
      if (process.stdout.isTTY) this.log(`\nEquity (realised P&L)\n${equityChart(detail.curve)}`)
      if (this.flags.report) this.log(`report written to ${this.flags.report}`)
    }
  }
}
