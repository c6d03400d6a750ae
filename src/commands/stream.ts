import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { inputError } from '../errors.js'
import { durationFlag } from '../cli/common-flags.js'
import { sinkFor } from '../render/event-sink.js'
import { parseChannels, positiveInteger, secondsToMs } from '../cli/flags.js'
import { runStreamSession, type StreamSummary } from '../app/stream-session.js'
import { parseTargets } from '../core/targets.js'
import { busSettings } from '../cli/bus-flags.js'
import { withSwappedGameHint } from '../app/nfl-hints.js'
import { RestClient } from '../core/rest-client.js'
import { checkNflTarget, expandNflAlias } from '../nfl/aliases.js'

export type StreamResult = StreamSummary

export default class Stream extends BaseCommand<typeof Stream> {
  static override summary = 'Stream live market data for tickers, series (KXNFLGAME*) or events (KXNFLGAME-25SEP04DALPHI*)'
  static override strict = false
  static override args = { targets: Args.string({ description: 'market tickers or patterns', required: true }) }
  static override examples = [
    "<%= config.bin %> stream 'KXNFLGAME*' --env sim --duration 10",
    "<%= config.bin %> stream KXNFLGAME-25SEP04DALPHI-PHI --channels ticker,trade,orderbook --json | jq -c .",
    "<%= config.bin %> stream 'KXNFLGAME*' --record week1.ndjson",
    "<%= config.bin %> stream 'KXNFLGAME*' --env sim --publish nats://127.0.0.1:4222 --channels ticker,trade,orderbook",
    "<%= config.bin %> stream --source nats://127.0.0.1:4222 'KXNFLGAME*' --json",
  ]
  static override flags = {
    channels: Flags.string({ description: 'channels: ticker, trade, orderbook, lifecycle, fill [default: ticker,trade; with --source every type on the bus]' }),
    duration: durationFlag,
    count: Flags.integer({ description: 'stop after this many market events' }),
    record: Flags.string({ description: 'write every raw frame with its receive time to this NDJSON file (for run-strategy --replay)' }),
    'on-record-error': Flags.string({ description: 'when the record file cannot be written (full disk): stop with a summary, or continue without recording', options: ['stop', 'continue'], default: 'stop' }),
    publish: Flags.string({ description: 'also publish every event to this NATS server (nats://HOST:PORT), on subjects neural.<type>.<ticker>', helpGroup: 'BUS' }),
    source: Flags.string({ description: 'read the NATS bus (nats://HOST:PORT) instead of the exchange; targets filter markets, * = every market', helpGroup: 'BUS' }),
    jetstream: Flags.string({ description: 'with --publish: store into this JetStream stream (created when missing); with --source: replay it, then follow', helpGroup: 'BUS' }),
    'jetstream-max-age': Flags.string({ description: 'with --publish --jetstream: a new stream keeps messages this many seconds', helpGroup: 'BUS' }),
    'jetstream-max-msgs': Flags.string({ description: 'with --publish --jetstream: a new stream keeps at most this many messages', helpGroup: 'BUS' }),
    'snapshot-every': Flags.string({ description: 'with --publish: re-send every whole book this often, in seconds [default: 5]', helpGroup: 'BUS' }),
  }

  async run(): Promise<StreamResult> {
    const bus0 = this.flags.source !== undefined
    // The guide's spellings (KXNFLGAME-25SEP04DALPHI-WINNER) name a game's markets: say what they became.
    const targets = this.positional.map((input) => {
      if (bus0) return input
      const alias = expandNflAlias(input)
      if (alias) {
        process.stderr.write(`note: ${alias.note}\n`)
        return alias.target
      }
      checkNflTarget(input)
      return input
    })
    const channels = parseChannels(this.flags.channels ?? 'ticker,trade')
    const bus = busSettings(this.flags, 'all')
    const durationMs = secondsToMs('duration', this.flags.duration)
    const count = positiveInteger('count', this.flags.count)
    // Found from outside: an empty path was taken as no --record at all, and the run recorded nothing.
    if (this.flags.record !== undefined && this.flags.record.trim() === '') throw inputError('RECORD_UNWRITABLE', '--record: expected a file path, got an empty string')
    // A malformed target is refused before a simulator or a connection is started for nothing.
    if (!bus.source) parseTargets(targets)
    const { config } = await this.loadConfig()
    const exchange = bus.source ? undefined : await this.openExchange(config)
    // The NATS client loads only for --source: every other run starts without it.
    const busFeed = bus.source ? await import('../bus/bus-feed.js') : undefined
    const feed = bus.source && busFeed ? new busFeed.BusFeed({ ...bus.source, types: this.flags.channels === undefined ? undefined : busFeed.busTypesFor(channels) }) : undefined
    const spinner = await this.spinner()
    return this.runUntilStopped((signal) => runStreamSession({
      exchange, feed, publish: bus.publish, config, targets, channels, durationMs, count, recordFile: this.flags.record,
      onRecordError: this.flags['on-record-error'] as 'stop' | 'continue',
      // Nothing in `neural stream` reads a market's history: none is kept.
      history: 'on-read',
      // Under --env sim a bus feed is the simulator's too, as run-strategy has it.
      sink: sinkFor(this.json, () => this.ndjson(), config.environment === 'sim'),
      spinner,
      signal,
      status: { command: 'stream', args: this.positional },
    }).catch(async (error: unknown) => {
      throw exchange ? await withSwappedGameHint(error, targets, new RestClient({ apiUrl: exchange.apiUrl, signer: exchange.signer })) : error
    }))
  }
}
