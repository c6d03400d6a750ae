import { Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { sinkFor } from '../../app/event-sink.js'
import { secondsToMs } from '../../app/flags.js'
import { runNflGames, type NflGamesSummary } from '../../app/nfl-games.js'

export type NflGamesResult = NflGamesSummary

export default class NflGamesCommand extends BaseCommand<typeof NflGamesCommand> {
  static override summary = 'Active and upcoming NFL games with their current win probabilities'
  static override examples = [
    '<%= config.bin %> nfl games --env sim',
    "<%= config.bin %> nfl games --env sim --json | jq -c '{game, away: .away.winProbability, home: .home.winProbability}'",
  ]
  static override flags = {
    // Accepted like `nfl game` and `nfl team` so scripts can pass the same flags; the list is read once, so it never waits.
    duration: Flags.string({ description: 'accepted for symmetry with nfl game/team; nfl games prints once and exits' }),
  }

  async run(): Promise<NflGamesResult> {
    // Checked, then said to do nothing: a silent no-op reads as if the list would follow the games.
    if (secondsToMs('duration', this.flags.duration) !== undefined) this.printWarning('--duration is ignored: nfl games prints the list once and exits (nfl game and nfl team follow live)')
    const { config } = await this.loadConfig()
    const exchange = await this.openExchange(config)
    const sink = sinkFor(this.json, () => this.ndjson(), exchange.simulated)
    return runNflGames({ exchange, sink, header: !this.json })
  }
}
