/**
 * The loop behind `nfl game` and `nfl team`: a stream session over markets found through REST, whose
 * events go to a view of the market store instead of being printed one by one. Everything else
 * (connection notices, problems, the end-of-run summary, the status file) is the stream session's.
 */
import type { NeuralConfig } from '../config/types.js'
import type { MarketEvent } from '../core/types.js'
import { NflMarkets } from '../nfl/game-summary.js'
import type { Spinner } from '../render/spinner.js'
import type { Exchange } from '../runtime/open-exchange.js'
import type { EventSink } from './event-sink.js'
import { seedStore, type NflMarketsFound } from './nfl-lookup.js'
import { runStreamSession, type StreamSummary } from './stream-session.js'

/** What a live `nfl` command shows, driven by the session. */
export interface NflView {
  /** The markets are subscribed: show the current state (from REST until the stream updates it). */
  ready(): void
  /** A market changed (the store already has the change). */
  update(event: MarketEvent): void
  /** The run is over: write anything still pending before the summary. */
  finish(): void
  /** Something else was written to the terminal (a notice or an error). */
  interrupted(): void
}

export interface NflSessionOptions {
  exchange: Exchange
  config: NeuralConfig
  /** Stop after this long. */
  durationMs?: number
  /** Where connection notices, problems, records and the summary go (JSON or human). */
  sink: EventSink
  spinner: Spinner
  /** Aborted by Ctrl-C / SIGTERM. */
  signal?: AbortSignal
  /** Publish a status file for `neural status`. */
  status?: { command: string; args: string[] }
}

export async function runNflSession(options: NflSessionOptions & { found: NflMarketsFound; createView: (markets: NflMarkets) => NflView }): Promise<StreamSummary> {
  const { sink: base, found } = options
  let view: NflView | undefined
  const sink: EventSink = {
    event: (e) => {
      if (e.type === 'connection') {
        base.event(e)
        // Our own close at the end prints nothing; after it, the final frame must still replace the last one.
        if (!(e.state === 'disconnected' && e.reason === 'closed by client')) view?.interrupted()
      } else {
        view?.update(e)
      }
    },
    problem: (e) => {
      base.problem(e)
      view?.interrupted()
    },
    record: (value, human) => base.record(value, human),
    summary: (value) => {
      view?.finish()
      base.summary(value)
    },
  }
  return runStreamSession({
    exchange: options.exchange,
    config: options.config,
    targets: found.targets,
    channels: ['ticker', 'trade'],
    durationMs: options.durationMs,
    sink,
    spinner: options.spinner,
    signal: options.signal,
    status: options.status,
    onStream: (stream) => {
      seedStore(stream.store, found.markets, found.readAt)
      view = options.createView(new NflMarkets(stream.store, found.markets))
    },
    onSubscribed: () => view?.ready(),
  })
}
