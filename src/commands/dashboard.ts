import { Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { durationFlag, typecheckFlag } from '../cli/common-flags.js'
import { sinkFor } from '../render/event-sink.js'
import { secondsToMs } from '../cli/flags.js'
import { busSettings } from '../cli/bus-flags.js'
import { DASHBOARD_HOOKS, runDashboardSession, type DashboardSummary } from '../app/dashboard-session.js'
import { inputError } from '../errors.js'

export type DashboardResult = DashboardSummary

export default class Dashboard extends BaseCommand<typeof Dashboard> {
  static override summary = 'A live web page of games, books and strategies, served on 127.0.0.1 (read-only)'
  static override strict = false
  static override args = {}
  static override examples = [
    "<%= config.bin %> dashboard 'KXNFLGAME*' --strategy strategies/arb.ts --hook paper --env sim",
    "<%= config.bin %> dashboard 'KXNFLGAME*' --env sim --port 8080 --json",
    "<%= config.bin %> dashboard 'KXNFLGAME*' --source nats://127.0.0.1:4222",
  ]
  static override flags = {
    strategy: Flags.string({ multiple: true, description: 'also run this strategy file (repeatable) and show its signals, fills and P&L' }),
    hook: Flags.string({ default: 'paper', options: [...DASHBOARD_HOOKS], description: 'where the strategies\' signals go (the dashboard never places real orders)' }),
    param: Flags.string({ multiple: true, description: 'strategy parameter key=value or strategy.key=value (repeatable)' }),
    typecheck: typecheckFlag,
    'starting-cash': Flags.string({ default: '1000', description: 'paper hook: starting cash in dollars' }),
    port: Flags.integer({ default: 0, description: 'port to serve on (0: any free port)' }),
    host: Flags.string({ default: '127.0.0.1', description: 'interface to serve on; the URL\'s token is required whatever it is' }),
    duration: durationFlag,
    source: Flags.string({ description: 'read the NATS bus (nats://HOST:PORT) instead of the exchange', helpGroup: 'BUS' }),
  }

  async run(): Promise<DashboardResult> {
    const targets = this.positional.length > 0 ? this.positional : ['KXNFLGAME*']
    const durationMs = secondsToMs('duration', this.flags.duration)
    const port = this.flags.port
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw inputError('BAD_PORT', `--port: expected 0–65535 (0: any free port), got ${port}`)
    const startingCashDollars = Number(this.flags['starting-cash'])
    if (!(startingCashDollars >= 0)) throw inputError('USAGE', `--starting-cash: expected dollars ≥ 0 (e.g. --starting-cash 1000), got ${this.flags['starting-cash']}`)
    const bus = busSettings({ source: this.flags.source }, 'all')
    const { config } = await this.loadConfig()
    // The NATS client loads only for --source: every other run starts without it.
    const busFeed = bus.source ? await import('../bus/bus-feed.js') : undefined
    const exchange = bus.source ? undefined : await this.openExchange(config)
    const spinner = await this.spinner()
    const summary = await this.runUntilStopped((signal) => runDashboardSession({
      config, targets, exchange,
      feed: busFeed ? (channels) => new busFeed.BusFeed({ ...bus.source!, types: busFeed.busTypesFor(channels) }) : undefined,
      strategies: this.flags.strategy ?? [],
      typecheck: this.flags.typecheck,
      hook: this.flags.hook,
      params: this.flags.param,
      startingCashDollars,
      host: this.flags.host,
      port,
      durationMs,
      onListening: (server) => {
        if (this.json) this.ndjson().write({ type: 'dashboard', url: server.url })
        process.stderr.write(`dashboard: ${server.url}\n`)
      },
      // Under --env sim a bus feed is the simulator's too, as run-strategy has it.
      sink: sinkFor(this.json, () => this.ndjson(), config.environment === 'sim'),
      spinner,
      signal,
      status: { command: 'dashboard', args: targets },
    }), (result) => {
      if (this.json) {
        this.ndjson().write(result.stream)
        if (result.strategies) this.ndjson().write(result.strategies)
      } else {
        process.stderr.write(`dashboard: ${result.records} records in ${result.frames} frames; ${result.stream.messages} messages over ${(result.stream.durationMs / 1000).toFixed(1)} s\n`)
      }
    })
    return summary
  }
}
