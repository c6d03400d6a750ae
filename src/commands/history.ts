import { Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { inputError } from '../errors.js'
import type { PeriodMinutes } from '../history/api.js'
import { checkRange, parseDateFlag } from '../history/dates.js'
import type { HistorySummary } from '../history/download.js'
import { runHistorySession } from '../history/session.js'
import { defaultDbPath } from '../history/store.js'

export type HistoryResult = HistorySummary

export default class History extends BaseCommand<typeof History> {
  static override summary = 'Download trades, candlesticks and settled markets into a local database (for backtest)'
  static override strict = false
  static override examples = [
    "<%= config.bin %> history 'KXNFLGAME*' --env sim",
    '<%= config.bin %> history nfl 25SEP04DALPHI --json',
    "<%= config.bin %> history 'KXNFLGAME*' --from 2025-09-04 --to 2025-09-09 --db week1.duckdb",
  ]
  static override flags = {
    from: Flags.string({ description: 'only history from this date (2025-09-04, UTC) or time (ISO 8601)' }),
    to: Flags.string({ description: 'only history up to this date (inclusive) or time' }),
    db: Flags.string({ description: 'database file [default: $XDG_DATA_HOME/neural/history.duckdb]' }),
    period: Flags.string({ default: '1', options: ['1', '60', '1440'], description: 'candlestick period in minutes' }),
    open: Flags.boolean({ default: false, description: 'with a series, event or game: also markets not settled yet' }),
  }

  async run(): Promise<HistoryResult> {
    if (this.positional.length === 0) throw inputError('USAGE', "give what to download: a ticker, a series (KXNFLGAME*), an event (KXNFLGAME-25SEP04DALPHI*) or nfl GAME")
    const fromMs = parseDateFlag('from', this.flags.from)
    const toMs = parseDateFlag('to', this.flags.to)
    checkRange(fromMs, toMs)
    const { config } = await this.loadConfig()
    const exchange = await this.openExchange(config)
    const dbFile = this.flags.db ?? defaultDbPath()
    const { summary } = await this.runUntilStopped((signal) => runHistorySession({
      exchange, args: this.positional, dbFile, fromMs, toMs, periodMinutes: Number(this.flags.period) as PeriodMinutes, includeOpen: this.flags.open,
      progressStream: !this.json && process.stderr.isTTY ? process.stderr : undefined,
      signal,
    }), (r) => this.print(r.summary, r.interrupted))
    return summary
  }

  /** Also on Ctrl-C: the run ends with what is stored. */
  private print(summary: HistorySummary, interrupted: boolean): void {
    if (interrupted) process.stderr.write('interrupted: what was downloaded is stored; run the same command again to continue\n')
    if (this.json) this.ndjson().write(summary)
    else this.log(`${summary.markets} market${summary.markets === 1 ? '' : 's'}, ${summary.trades} trades, ${summary.candles} candlesticks stored (${summary.newTrades} new trades) in ${summary.db}`)
  }
}
