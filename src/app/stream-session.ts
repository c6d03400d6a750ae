/**
 * The `neural stream` loop, outside oclif: connect, resolve and subscribe, hand every event to a
 * sink, optionally record raw frames, publish status, and stop on duration, count, abort or failure.
 */
import { MarketStream, type ChannelName, type SubscribeResult } from '../core/stream.js'
import type { HealthOptions } from '../core/health.js'
import type { HistoryKeeping } from '../core/market-store.js'
import { Recorder } from '../core/recorder.js'
import { GameFeed } from '../nfl/game-feed.js'
import { liveDataFrame } from '../nfl/live-data-record.js'
import { parseTargets } from '../core/targets.js'
import type { ConnectionEvent, LagEvent, MarketEvent, StaleEvent } from '../core/types.js'
import type { NeuralConfig } from '../config/types.js'
import { NeuralError } from '../errors.js'
import type { Exchange } from '../runtime/open-exchange.js'
import { FeedLoop } from './feed-loop.js'
import { startGameFeed } from './game-feeds.js'
import type { Spinner } from '../render/spinner.js'
import type { EventSink } from '../render/event-sink.js'
import type { BusPublishSettings, BusRelay } from '../bus/bus-relay.js'
import type { MarketFeed } from '../core/market-feed.js'

export interface StreamSessionOptions {
  /** Where the data comes from, unless `feed` is given. */
  exchange?: Exchange
  /** Read this instead of the exchange (a BusFeed: `neural stream --source`). */
  feed?: MarketFeed
  /** Also put every event on the NATS bus (`neural stream --publish`). */
  publish?: BusPublishSettings
  config: NeuralConfig
  targets: string[]
  channels: ChannelName[]
  /** Stop after this long. */
  durationMs?: number
  /** Stop after this many market events. */
  count?: number
  /** Write every raw frame here (NDJSON, readable by `run-strategy --replay`). */
  recordFile?: string
  /**
   * When the record file cannot be written (a full disk): 'stop' ends the run with its summary and
   * the RECORD_WRITE error (exit 1); 'continue' reports RECORD_WRITE once and streams on without
   * recording. Either way the file stays valid up to its last complete line. @default 'stop'
   */
  onRecordError?: 'stop' | 'continue'
  /** When a market counts as lagging or stale (defaults in src/core/health.ts). */
  health?: HealthOptions
  /**
   * Which markets' price history the store keeps: 'all' (the default) for views that draw it (the
   * NFL game panel), 'on-read' where nothing may read it (a ring pushed at every tick and trade of
   * every market otherwise). See MarketStore.
   */
  history?: HistoryKeeping
  sink: EventSink
  spinner: Spinner
  /** Aborted by Ctrl-C / SIGTERM. */
  signal?: AbortSignal
  /** Publish a status file for `neural status`; off in library use. */
  status?: { command: string; args: string[] }
  /** Called with the stream once it exists (e.g. to attach a publisher). */
  onStream?: (stream: MarketFeed) => void
  /** With a bus feed: report once if nothing arrives this long after subscribing. @default 5000 */
  busQuietMs?: number
  /** Called once the targets are subscribed (after the spinner's last line), before the run waits for its end. */
  onSubscribed?: (result: SubscribeResult) => void
}

export interface StreamSummary {
  type: 'summary'
  messages: number
  events: number
  durationMs: number
  ratePerSec: number
  reconnects: number
  markets: number
  malformed: number
  unknownTypes: number
  gaps: number
  /** Book frames refused (not from a subscription of ours, or a delta without seq). */
  rejectedFrames: number
  recordFile?: string
  recordedFrames?: number
  /** Output lines dropped because the reader of stdout was too slow (present when any were). */
  droppedLines?: number
}

/** Builds a MarketStream from resolved config; commands and strategies share it. */
export function createMarketStream(exchange: Exchange, config: NeuralConfig, channels: ChannelName[], health?: HealthOptions, history?: HistoryKeeping): MarketStream {
  return new MarketStream({
    wsUrl: exchange.wsUrl,
    apiUrl: exchange.apiUrl,
    signer: exchange.signer,
    timeoutMs: config.websocketTimeoutMs,
    retry: { attempts: config.retryAttempts, baseDelayMs: config.retryDelayMs, maxDelayMs: config.retryMaxDelayMs, jitter: 'full' },
    batchSize: config.subscriptionBatchSize,
    channels,
    health,
    history,
  })
}

export async function runStreamSession(options: StreamSessionOptions): Promise<StreamSummary> {
  const { sink, spinner } = options
  // A malformed target is refused before anything is sent.
  // Bus filters ('*' included) are checked by the feed before it connects.
  if (!options.feed?.bus) parseTargets(options.targets)
  if (options.feed?.bus && options.recordFile) throw new NeuralError('input', 'RECORD_NEEDS_EXCHANGE', '--record keeps raw exchange frames, which the bus does not carry: record on the publishing machine')
  const startedAt = Date.now()
  const stream: MarketFeed = options.feed ?? createMarketStream(options.exchange ?? noFeed(), options.config, options.channels, options.health, options.history)
  options.onStream?.(stream)
  let events = 0
  let fatal: NeuralError | undefined
  let failed = false
  let relay: BusRelay | undefined
  let quietTimer: NodeJS.Timeout | undefined
  let gameFeed: GameFeed | undefined

  const loop: FeedLoop = new FeedLoop({
    feed: stream,
    targets: options.targets,
    spinner,
    signal: options.signal,
    durationMs: options.durationMs,
    connectTimeoutMs: options.config.websocketTimeoutMs,
    connectingTo: options.exchange?.wsUrl,
    subscribing: `resolving ${options.targets.join(' ')}`,
    subscribed: (result) => (stream.bus ? stream.bus.describe() : `subscribed to ${result.tickers.length} market${result.tickers.length === 1 ? '' : 's'}`),
    beforeStart: async (untilStopped) => {
      if (!options.publish) return
      spinner.start(`connecting to ${options.publish.url}`)
      // The NATS client loads only for --publish.
      const { openBusRelay } = await import('../bus/bus-relay.js')
      relay = await untilStopped(openBusRelay(options.publish, { connection: onConnection, error: onError }))
      relay.attach(stream)
      spinner.succeed(`publishing to ${options.publish.url}${options.publish.jetstream ? ` (JetStream stream ${options.publish.jetstream.stream})` : ''}`)
    },
    onSubscribed: (result) => {
      if (result.tickers.length === 0 && !stream.bus) {
        // One line for one mistake: the reason is in the error itself, not in a problem line before it.
        const why = result.unknown.length > 0 ? ` (the exchange knows no market ${result.unknown.map((u) => u.ticker).join(', ')}; market tickers look like KXNFLGAME-25SEP04DALPHI-PHI)` : ''
        throw new NeuralError('input', 'NO_MARKETS', `no market to stream among ${options.targets.join(' ')}${why}`)
      }
      for (const unknown of result.unknown) sink.problem({ kind: 'input', code: 'UNKNOWN_MARKET', message: `${unknown.ticker}: ${unknown.message}` })
      options.onSubscribed?.(result)
      if (recorder && options.exchange && !stream.bus) gameFeed = recordLiveData(recorder, options.exchange, result.tickers, sink)
      if (stream.bus) {
        // A bus with no publisher is silent, and silence reads as a hang: say what is missing, once.
        const quietMs = options.busQuietMs ?? BUS_QUIET_MS
        quietTimer = setTimeout(() => {
          if (events === 0 && !loop.stopped) sink.problem({ kind: 'network', code: 'BUS_QUIET', message: `nothing received from ${stream.bus!.url} in ${quietMs / 1000} s: is a \`neural stream --publish ${stream.bus!.url}\` running? (still listening)` })
        }, quietMs)
      }
    },
    status: options.status && { ...options.status, environment: options.config.environment, startedAt, extra: () => ({ bus: relay?.status() ?? stream.bus?.status() }) },
  })

  const onRecordError = (error: NeuralError) => {
    if ((options.onRecordError ?? 'stop') === 'continue') {
      sink.problem(error)
      return
    }
    // Reported once, by the command, as the reason the run stopped.
    fatal ??= error
    loop.stop()
  }
  const recorder = options.recordFile ? openRecorder(options.recordFile, options, onRecordError) : undefined
  // Nothing streamed yet: a record file that cannot take its first line ends the run before it connects.
  if (recorder?.error && fatal === recorder.error) throw fatal

  const onEvent = (event: MarketEvent) => {
    // Frames keep arriving while the connection closes: --count 5 means 5, and nothing prints after the end.
    if (loop.stopped) return
    sink.event(event)
    events++
    if (options.count !== undefined && events >= options.count) loop.stop()
  }
  if (recorder) stream.on('frame', (raw, receivedAt) => recorder.write(raw, receivedAt))
  stream.on('tick', onEvent)
  stream.on('trade', onEvent)
  stream.on('book', onEvent)
  stream.on('lifecycle', onEvent)
  stream.on('fill', onEvent)
  // Health warnings are the stream's own events: in-band under --json, a warning line otherwise.
  stream.on('lag', (e: LagEvent) => {
    if (!loop.stopped) sink.record(e, `warning: ${e.ticker} data arrives ${seconds(e.lagMs)} after its exchange time (lag)`)
  })
  stream.on('stale', (e: StaleEvent) => {
    if (!loop.stopped) sink.record(e, `warning: ${e.ticker} has had no data for ${seconds(e.silentMs)}, longer than usual (stale)`)
  })
  // The bus publisher's connection and errors are reported as the exchange's are.
  let everConnected = false
  let lastDisconnect: string | undefined
  /** The summary, once written: nothing is reported after it. */
  let written: StreamSummary | undefined
  function onConnection(event: ConnectionEvent): void {
    if (written) return
    if (event.state === 'connected') everConnected = true
    if (event.state === 'disconnected' && !event.byClient) lastDisconnect = event.reason
    if (event.state !== 'connecting' || !spinner.enabled) sink.event(event)
    if (event.state === 'failed') {
      failed = true
      loop.stop()
    }
  }
  stream.on('connection', onConnection)
  function onError(error: NeuralError): void {
    if (written) return
    // The connection emits 'failed' and then the error that ended it.
    if (failed || error.kind === 'auth' || error.kind === 'config') fatal ??= error
    // The error that ends the stream is reported once, by the command, as the reason it stopped.
    if (failed && fatal === error) return
    sink.problem(error)
  }
  stream.on('error', onError)

  // A stop from outside (Ctrl-C, SIGTERM, closed output) writes the summary at once, from the abort
  // itself: the process then has a deadline to exit (cli/shutdown.ts), and what the run does before
  // its summary otherwise (the loop unwinding, the status file removed) could outlast it on a loaded
  // machine and take the summary with it. Registered before the loop's own abort listener.
  options.signal?.addEventListener('abort', () => {
    writeSummary()
  }, { once: true })

  try {
    const { failure } = await loop.run()
    if (failure !== undefined) fatal ??= failure instanceof NeuralError ? failure : new NeuralError('network', 'STREAM', (failure as Error)?.message ?? String(failure), { cause: failure })
  } finally {
    if (quietTimer) clearTimeout(quietTimer)
    gameFeed?.stop()
  }
  const summary = writeSummary()
  await stream.close()
  // After the feed: what it emitted while closing is still published.
  await relay?.close()
  await loop.statusRemoved()
  if (fatal) throw fatal
  return summary

  /** The summary, written once: at the abort, or once the loop has returned. */
  function writeSummary(): StreamSummary {
    if (written) return written
    // Nothing prints after the summary: events still arriving are not handled.
    loop.stop()
    const stats = stream.stats()
    // The summary is written before the socket and the bus close, not after: a stop by signal has a
    // deadline, and on a loaded machine the closes alone could outlast it. The record ends here too,
    // so it holds exactly the frames the summary counts.
    recorder?.close()
    const durationMs = Date.now() - startedAt
    const summary: StreamSummary = {
      type: 'summary',
      messages: stats.messages,
      events,
      durationMs,
      ratePerSec: durationMs > 0 ? Math.round((stats.messages / durationMs) * 10_000) / 10 : 0,
      reconnects: stats.reconnects,
      markets: stats.markets,
      malformed: stats.malformed,
      unknownTypes: stats.unknownTypes,
      gaps: stats.gaps,
      rejectedFrames: stats.rejectedFrames,
      ...(recorder ? { recordFile: recorder.file, recordedFrames: recorder.writtenFrames } : {}),
    }
    const droppedLines = sink.droppedLines?.() ?? 0
    if (droppedLines > 0) summary.droppedLines = droppedLines
    if (failed) fatal ??= new NeuralError('network', 'CONNECTION_FAILED', 'could not stay connected to the exchange')
    // The reader of stdout went away before any data could flow (`--json | head -5` with no network):
    // the run did not succeed, and exit 0 would hide why.
    if (options.signal?.reason === 'output-closed' && !everConnected && !options.feed?.bus) {
      fatal ??= new NeuralError('network', 'CONNECT_FAILED', `output closed before a connection opened${lastDisconnect ? `: ${lastDisconnect}` : ''}`)
    }
    // A run that never connected in its --duration still says what it did (a scheduled run's log).
    if (!fatal || events > 0 || fatal.code === 'CONNECT_FAILED') sink.summary(summary)
    // Nothing follows the summary: our own close is not news.
    written = summary
    return summary
  }
}

/** The record file, or one clear line on why it cannot be written (a missing directory, no permission). */
function openRecorder(file: string, options: StreamSessionOptions, onError: (error: NeuralError) => void): Recorder {
  try {
    return new Recorder(file, { header: { targets: options.targets, channels: options.channels, environment: options.config.environment }, onError })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException)?.code
    const why = code === 'ENOENT' ? 'its directory does not exist' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (error as Error)?.message
    throw new NeuralError('input', 'RECORD_UNWRITABLE', `--record ${file}: cannot write it (${why})`, { cause: error })
  }
}

/** How long a bus may stay silent before `stream --source` says that nothing is publishing. */
const BUS_QUIET_MS = 5000

function noFeed(): never {
  throw new NeuralError('internal', 'NO_FEED', 'runStreamSession needs an exchange or a feed')
}

/**
 * While recording, keep the live game data of the NFL games among the recorded markets in the same
 * file (see src/nfl/live-data-record.ts), so a replay delivers the game with the prices.
 */
function recordLiveData(recorder: Recorder, exchange: Exchange, tickers: readonly string[], sink: EventSink): GameFeed | undefined {
  return startGameFeed(exchange, tickers, {
    onState: (state, _previous, live) => recorder.write(liveDataFrame(state.game, live), state.updatedAt),
    onProblem: (e) => sink.problem(e),
  })
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`
}
