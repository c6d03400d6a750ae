import { Args } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { durationFlag } from '../../cli/common-flags.js'
import { sinkFor } from '../../render/event-sink.js'
import { liveDataInterval, liveDataIntervalFlag, secondsToMs } from '../../cli/flags.js'
import { liveMode } from '../../render/nfl-live-output.js'
import { runNflGame } from '../../app/nfl-game.js'
import type { StreamSummary } from '../../app/stream-session.js'
import { parseGameId } from '../../nfl/tickers.js'

export type NflGameResult = StreamSummary

export default class NflGameCommand extends BaseCommand<typeof NflGameCommand> {
  static override summary = 'Live panel of one NFL game: win probabilities, spread and total lines, volume'
  static override args = { game: Args.string({ description: 'game id: 25SEP04DALPHI or 25SEP04-DALPHI (date, away, home)', required: true }) }
  static override examples = [
    '<%= config.bin %> nfl game 25SEP04DALPHI --env sim',
    '<%= config.bin %> nfl game 25SEP04-DALPHI --env sim --json --duration 10',
  ]
  static override flags = {
    duration: durationFlag,
    'live-data-interval': liveDataIntervalFlag,
  }

  async run(): Promise<NflGameResult> {
    // A bad game id is refused before anything starts.
    const game = parseGameId(this.args.game)
    const durationMs = secondsToMs('duration', this.flags.duration)
    const liveDataIntervalMs = liveDataInterval(this.flags['live-data-interval'])
    const { config } = await this.loadConfig()
    const exchange = await this.openExchange(config)
    const spinner = await this.spinner()
    return this.runUntilStopped((signal) => runNflGame({
      exchange, config, game, durationMs, liveDataIntervalMs, mode: liveMode(this.json),
      sink: sinkFor(this.json, () => this.ndjson(), exchange.simulated),
      spinner,
      signal,
      status: { command: 'nfl game', args: [game.gameId] },
    }))
  }
}
