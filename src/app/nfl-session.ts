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
import type { EventSink } from '../render/event-sink.js'
import { seedStore, type NflMarketsFound } from './nfl-lookup.js'
import { runStreamSession, type StreamSummary } from './stream-session.js'
import { RestClient } from '../core/rest-client.js'
import { GameFeed, type LiveDataRest } from '../nfl/game-feed.js'
import type { GameState } from '../nfl/game-state.js'
import type { NflGame } from '../nfl/tickers.js'

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
  /** A game's live state changed (NflMarkets already has it); `previous` is undefined on the first read. */
  game?(state: GameState, previous: GameState | undefined): void
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
  /** Live game data: read every this often (ms). @default DEFAULT_LIVE_DATA_INTERVAL_MS */
  liveDataIntervalMs?: number
  /** Where live data is read. @default a RestClient on the exchange's REST URL */
  liveDataRest?: LiveDataRest
}

export async function runNflSession(options: NflSessionOptions & { found: NflMarketsFound; /** Games whose live data to read (none: no reads). */ games?: readonly NflGame[]; createView: (markets: NflMarkets) => NflView }): Promise<StreamSummary> {
  const { sink: base, found } = options
  let view: NflView | undefined
  let feed: GameFeed | undefined
  const sink: EventSink = {
    event: (e) => {
      if (e.type === 'connection') {
        base.event(e)
        // Our own close at the end prints nothing; after it, the final frame must still replace the last one.
        if (!(e.state === 'disconnected' && e.byClient === true)) view?.interrupted()
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
      // The summary is the last line: a read of live data still on its way when the run ends (the
      // feed stops after the stream) printed a whole panel after it, off a terminal, in one run out
      // of two. With the view gone, neither that nor market events still arriving reach the output.
      feed?.stop()
      view?.finish()
      view = undefined
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
      const markets = new NflMarkets(stream.store, found.markets)
      view = options.createView(markets)
      if (!options.games?.length) return
      feed = new GameFeed({
        rest: options.liveDataRest ?? new RestClient({ apiUrl: options.exchange.apiUrl, signer: options.exchange.signer }),
        games: options.games,
        intervalMs: options.liveDataIntervalMs,
        onState: (state, previous) => {
          markets.setGameState(state)
          view?.game?.(state, previous)
        },
        onProblem: (e) => sink.problem(e),
      })
      // Not awaited: the markets stream while the milestones are looked up.
      void feed.start()
    },
    onSubscribed: () => view?.ready(),
  }).finally(() => feed?.stop())
}
