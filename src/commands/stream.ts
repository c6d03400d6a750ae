import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { sinkFor } from '../app/event-sink.js'
import { parseChannels, positiveInteger, secondsToMs } from '../app/flags.js'
import { runStreamSession, type StreamSummary } from '../app/stream-session.js'

export type StreamResult = StreamSummary

export default class Stream extends BaseCommand<typeof Stream> {
  static override summary = 'Stream live market data for tickers, series (KXNFLGAME*) or events (KXNFLGAME-25SEP04DALPHI*)'
  static override strict = false
  static override args = { targets: Args.string({ description: 'market tickers or patterns', required: true }) }
  static override examples = [
    "<%= config.bin %> stream 'KXNFLGAME*' --env sim --duration 10",
    "<%= config.bin %> stream KXNFLGAME-25SEP04DALPHI-PHI --channels ticker,trade,orderbook --json | jq -c .",
    "<%= config.bin %> stream 'KXNFLGAME*' --record week1.ndjson",
  ]
  static override flags = {
    channels: Flags.string({ default: 'ticker,trade', description: 'channels: ticker, trade, orderbook, lifecycle, fill' }),
    duration: Flags.string({ description: 'stop after this many seconds' }),
    count: Flags.integer({ description: 'stop after this many market events' }),
    record: Flags.string({ description: 'write every raw frame with its receive time to this NDJSON file (for run-strategy --replay)' }),
  }

  async run(): Promise<StreamResult> {
    const targets = this.positional
    const channels = parseChannels(this.flags.channels)
    const durationMs = secondsToMs('duration', this.flags.duration === undefined ? undefined : Number(this.flags.duration))
    const count = positiveInteger('count', this.flags.count)
    const { config } = await this.loadConfig()
    const exchange = await this.openExchange(config)
    const abort = new AbortController()
    let session: Promise<StreamSummary> | undefined
    this.onShutdown(async () => {
      abort.abort()
      await session?.catch(() => undefined)
      await this.flushOutput()
    })
    session = runStreamSession({
      exchange, config, targets, channels, durationMs, count, recordFile: this.flags.record,
      sink: sinkFor(this.json, () => this.ndjson(), exchange.simulated),
      spinner: this.spinner(),
      signal: abort.signal,
      status: { command: 'stream', args: this.positional },
    })
    return session
  }
}
