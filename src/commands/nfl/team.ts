import { Args } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { durationFlag } from '../../cli/common-flags.js'
import { sinkFor } from '../../render/event-sink.js'
import { secondsToMs } from '../../cli/flags.js'
import { liveMode } from '../../render/nfl-live-output.js'
import { runNflTeam } from '../../app/nfl-team.js'
import type { StreamSummary } from '../../app/stream-session.js'
import { resolveTeam } from '../../nfl/teams.js'

export type NflTeamResult = StreamSummary

export default class NflTeamCommand extends BaseCommand<typeof NflTeamCommand> {
  static override summary = "Live table of every open market in an NFL team's games"
  static override args = { team: Args.string({ description: 'team code or name, any case: DAL, dallas, "Dallas Cowboys"', required: true }) }
  static override examples = [
    '<%= config.bin %> nfl team DAL --env sim',
    '<%= config.bin %> nfl team eagles --env sim --json --duration 10',
  ]
  static override flags = {
    duration: durationFlag,
  }

  async run(): Promise<NflTeamResult> {
    // An unknown team is refused (with a suggestion) before anything starts.
    const team = resolveTeam(this.args.team)
    const durationMs = secondsToMs('duration', this.flags.duration)
    const { config } = await this.loadConfig()
    const exchange = await this.openExchange(config)
    const spinner = await this.spinner()
    return this.runUntilStopped((signal) => runNflTeam({
      exchange, config, team, durationMs, mode: liveMode(this.json),
      sink: sinkFor(this.json, () => this.ndjson(), exchange.simulated),
      spinner,
      signal,
      status: { command: 'nfl team', args: [team.code] },
    }))
  }
}
