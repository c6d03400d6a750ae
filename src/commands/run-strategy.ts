import { Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { durationFlag, typecheckFlag } from '../cli/common-flags.js'
import { createStrategyOutput } from '../render/strategy-output.js'
import { secondsToMs } from '../cli/flags.js'
import { runStrategySession } from '../app/strategy-session.js'
import { colorLevel } from '../render/color.js'
import type { SummaryEvent } from '../strategy/events.js'
import { HOOK_SPECS } from '../strategy/hooks/create-hook.js'
import { inputError } from '../errors.js'
import { busSettings } from '../cli/bus-flags.js'

export type RunStrategyResult = SummaryEvent

export default class RunStrategy extends BaseCommand<typeof RunStrategy> {
  static override summary = 'Run strategy modules (.ts/.js) on live, simulated or recorded data'
  static override strict = false
  static override args = {}
  static override examples = [
    '<%= config.bin %> run-strategy ./strategies/arb.ts --env sim --hook paper --duration 10',
    '<%= config.bin %> run-strategy ./strategies --replay week1.ndjson --hook paper --json',
    '<%= config.bin %> run-strategy ./my.ts --param threshold=0.97 --hook "exec:./place-order.sh"',
    '<%= config.bin %> run-strategy ./strategies/arb.ts --source nats://127.0.0.1:4222 --hook paper',
  ]
  static override flags = {
    hook: Flags.string({ default: 'log', description: `where signals go: ${HOOK_SPECS}` }),
    live: Flags.boolean({ default: false, description: 'allow real orders with --hook kalshi (inside the configured risk limits)' }),
    param: Flags.string({ multiple: true, description: 'strategy parameter key=value or strategy.key=value (repeatable)' }),
    duration: durationFlag,
    'report-every': Flags.string({ description: 'print the portfolio every N seconds (paper and kalshi hooks)' }),
    'starting-cash': Flags.string({ default: '1000', description: 'paper hook: starting cash in dollars' }),
    replay: Flags.string({ description: 'feed a file written by `neural stream --record` instead of a live connection' }),
    speed: Flags.string({ description: 'replay speed: N times the recorded pace (default: as fast as possible)' }),
    source: Flags.string({ description: 'read the NATS bus (nats://HOST:PORT, fed by `neural stream --publish`) instead of the exchange', helpGroup: 'BUS' }),
    jetstream: Flags.string({ description: 'with --source: read this JetStream stream from now on (nothing is lost across a NATS reconnect)', helpGroup: 'BUS' }),
    typecheck: typecheckFlag,
    'stuck-after': Flags.string({ description: 'seconds a handler may run before it is reported hung, and a strategy thread busy this long is terminated [default: 5]' }),
    'on-strategy-fault': Flags.string({ options: ['continue', 'stop'], default: 'continue', description: 'when a strategy must be terminated (stuck, out of memory, exited): go on without it, or stop the run' }),
  }

  async run(): Promise<RunStrategyResult> {
    if (this.positional.length === 0) throw inputError('NO_STRATEGY', 'give at least one strategy file or directory (e.g. neural run-strategy ./strategies/arb.ts --env sim --hook paper)')
    const durationMs = secondsToMs('duration', this.flags.duration)
    const reportEveryMs = secondsToMs('report-every', this.flags['report-every'])
    const stuckAfterMs = secondsToMs('stuck-after', this.flags['stuck-after'])
    const speed = this.flags.speed === undefined ? undefined : Number(this.flags.speed)
    if (speed !== undefined && !(speed > 0)) throw inputError('BAD_SPEED', `--speed: expected a positive number (e.g. --speed 10), got ${this.flags.speed}`)
    if (speed !== undefined && !this.flags.replay) this.printWarning('--speed is ignored without --replay: a live feed runs at the pace of the exchange')
    const startingCashDollars = Number(this.flags['starting-cash'])
    if (!(startingCashDollars >= 0)) throw inputError('BAD_STARTING_CASH', `--starting-cash: expected dollars ≥ 0 (e.g. --starting-cash 1000), got ${this.flags['starting-cash']}`)
    const bus = busSettings({ source: this.flags.source, jetstream: this.flags.jetstream }, 'new')
    if (bus.source && this.flags.replay) throw inputError('BAD_BUS_FLAGS', '--source and --replay cannot go together: give one feed')
    const { config } = await this.loadConfig()
    // The NATS client loads only for --source: every other run starts without it.
    const busFeed = bus.source ? await import('../bus/bus-feed.js') : undefined
    // A replay's data is what the file holds; a live or bus feed under --env sim is the simulator's.
    const output = createStrategyOutput({ writer: this.json ? this.ndjson() : undefined, colorLevel: colorLevel(process.stdout), debug: this.debugEnabled, simulated: config.environment === 'sim' && !this.flags.replay })
    const spinner = await this.spinner()
    const { summary, failure } = await this.runUntilStopped((signal) => runStrategySession({
      files: this.positional, config, hook: this.flags.hook, live: this.flags.live, params: this.flags.param ?? [],
      reportEveryMs, durationMs, startingCashDollars,
      exchange: () => this.openExchange(config),
      replay: this.flags.replay ? { file: this.flags.replay, speed } : undefined,
      feed: busFeed ? (channels) => new busFeed.BusFeed({ ...bus.source!, types: busFeed.busTypesFor(channels) }) : undefined,
      onEngineEvent: output.engineEvent,
      onProblem: output.problem,
      spinner,
      signal,
      status: { command: 'run-strategy', args: this.positional },
      onStrategyFault: this.flags['on-strategy-fault'] as 'continue' | 'stop',
      typecheck: this.flags.typecheck,
      stuckAfterMs,
    }), (result) => output.summary(result.summary))
    if (failure) throw failure
    return summary
  }
}
