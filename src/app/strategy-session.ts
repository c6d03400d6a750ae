/**
 * The `neural run-strategy` loop, outside oclif: load strategies, build the hooks, feed the engine
 * from a live stream or a record file (the same ingest path either way), print what it reports,
 * and stop on duration, abort or feed failure with a summary (and P&L when a paper/live hook ran).
 */
import { Console } from 'node:console'
import { access } from 'node:fs/promises'
import { FeeSchedules } from '../core/fees.js'
import { RestClient } from '../core/rest-client.js'
import { MarketStream, type ChannelName } from '../core/stream.js'
import { readRecord } from '../core/recorder.js'
import { sleep } from '../core/backoff.js'
import type { MarketEvent } from '../core/types.js'
import type { NeuralConfig } from '../config/types.js'
import { NeuralError } from '../errors.js'
import type { Exchange } from '../runtime/open-exchange.js'
import { StrategyEngine } from '../strategy/engine.js'
import type { EngineEvent, SummaryEvent } from '../strategy/events.js'
import { createHook } from '../strategy/hooks/create-hook.js'
import { loadStrategies, unloadStrategies, type LoadedStrategy } from '../strategy/loader.js'
import type { Spinner } from '../render/spinner.js'
import { createMarketStream } from './stream-session.js'
import { keepYoungGenerationSmall } from '../core/young-generation.js'
import type { MarketFeed } from '../core/market-feed.js'
import { strategyMarkets } from '../strategy/markets.js'
import { replayLockstep } from '../strategy/replay.js'
import { GameFeed } from '../nfl/game-feed.js'
import { gameStateFromFrame, isLiveDataFrame } from '../nfl/live-data-record.js'
import { loadFeeSchedules, restOutcome } from './fee-setup.js'
import { FeedLoop } from './feed-loop.js'
import { startGameFeed } from './game-feeds.js'

export interface StrategySessionOptions {
  files: string[]
  config: NeuralConfig
  /** --hook: log, paper, exec:<cmd>, module:<file>, kalshi */
  hook: string
  live: boolean
  params: string[]
  reportEveryMs?: number
  durationMs?: number
  /** Paper hook's starting cash. */
  startingCashDollars?: number
  /** Live feed (absent on replay). */
  exchange?: () => Promise<Exchange>
  replay?: { file: string; speed?: number }
  /**
   * Read this feed (made for the channels the strategies need) instead of the exchange: a BusFeed for
   * `--source`. The exchange is then not opened (and the kalshi hook is refused).
   */
  feed?: (channels: ChannelName[]) => MarketFeed
  /** Engine events (signals, orders, errors, portfolio). */
  onEngineEvent: (event: EngineEvent) => void
  /** Feed trouble that does not end the run. */
  onProblem: (error: NeuralError) => void
  onLoaded?: (strategies: LoadedStrategy[]) => void
  spinner: Spinner
  signal?: AbortSignal
  status?: { command: string; args: string[] }
  cwd?: string
  /** --on-strategy-fault: when a strategy has to be terminated, go on without it (default) or stop the run. */
  onStrategyFault?: 'continue' | 'stop'
  /** Type-check `.ts` strategies against neural's types before any runs (--typecheck). @default false */
  typecheck?: boolean
  /**
   * --stuck-after: a handler still pending this long is reported hung, and a strategy whose thread
   * runs synchronous code this long is terminated. @default 5000
   */
  stuckAfterMs?: number
}

export interface StrategySessionResult {
  summary: SummaryEvent
  /** What ended the feed early, if anything (the summary is still complete up to it). */
  failure?: NeuralError
  /**
   * Settles when the strategies' threads and the hooks have stopped: with the summary, except after
   * an abort whose stop ran past URGENT_SUMMARY_MS (the summary then came first).
   */
  stopped: Promise<void>
}

export async function runStrategySession(options: StrategySessionOptions): Promise<StrategySessionResult> {
  // Checked before anything loads, so a mistyped path is one error line, not an empty run's summary
  // first, and costs no strategy thread or type check.
  if (options.replay) await requireRecordFile(options.replay.file)
  const strategies = await loadStrategies(options.files, { cwd: options.cwd, isolated: true, typecheck: options.typecheck })
  try {
    return await runLoaded(strategies, options)
  } catch (error) {
    // Refused before the engine took the workers (a hook without --live, no risk limits, no
    // exchange): they would live on in a process that goes on (a library user's, a test's).
    await unloadStrategies(strategies)
    throw error
  }
}

async function runLoaded(strategies: LoadedStrategy[], options: StrategySessionOptions): Promise<StrategySessionResult> {
  for (const s of strategies) for (const w of s.warnings) options.onProblem(new NeuralError('strategy', 'STRATEGY_WARNING', `${s.strategy.name}: ${w}`))
  options.onLoaded?.(strategies)
  const replaying = options.replay !== undefined
  // Fills on the bus are the publisher's account's, not those of the orders this process would place.
  if (options.feed && !replaying && options.hook === 'kalshi') throw new NeuralError('input', 'BAD_BUS_FLAGS', '--hook kalshi needs the fills of its own orders, which only its own exchange connection carries: run it without --source')
  const exchange = replaying || options.feed ? undefined : await options.exchange!()
  const hookConfig = exchange ? { ...options.config, apiUrl: exchange.apiUrl } : options.config
  // Money hooks (paper, kalshi) charge Kalshi's fees and settle positions: they need the series' fee
  // settings, the lifecycle channel, and (paper) a market's REST result at the end.
  const money = options.hook === 'paper' || options.hook === 'kalshi'
  const fees = new FeeSchedules()
  const rest = exchange ? new RestClient({ apiUrl: exchange.apiUrl, signer: exchange.signer }) : undefined
  // Not after Ctrl-C / SIGTERM: the process must exit within a second (src/cli/shutdown.ts), and a
  // REST round trip per held market would cost the summary; positions are left open instead.
  const outcomeOf = rest ? (ticker: string) => (options.signal?.aborted ? Promise.resolve(undefined) : restOutcome(rest, ticker)) : undefined
  const hook = await createHook(options.hook, { config: hookConfig, live: options.live, signer: exchange?.signer, cwd: options.cwd, startingCashDollars: options.startingCashDollars, fees, outcomeOf })
  const restoreConsole = options.hook.startsWith('module:') ? consoleToStderr() : undefined

  const wanted = strategyMarkets(strategies.map((s) => s.strategy))
  const channels: ChannelName[] = ['ticker', 'trade']
  if (wanted.books.length > 0) channels.push('orderbook')
  if (options.hook === 'kalshi') channels.push('fill')
  if (money) channels.push('lifecycle')
  // Every strategy runs in a worker with a store of its own: nothing reads this store's history.
  const replayStream = replaying ? MarketStream.forReplay({ channels, history: 'on-read' }) : undefined
  // The strategy runner lives for hours with the state of every market it watches: its RSS should not
  // carry a young generation grown by its own start-up (young-generation.ts). Not for `neural stream`,
  // whose output allocates per event: there the cap cost ~15% of its CPU (json) and ~20% (human).
  if (!replayStream && !options.feed) keepYoungGenerationSmall()
  const stream: MarketFeed = replayStream ?? (options.feed ? options.feed(channels) : createMarketStream(exchange!, options.config, channels, undefined, 'on-read'))

  const engine = new StrategyEngine({
    strategies,
    store: stream.store,
    clock: replaying ? 'replay' : 'live',
    params: options.params,
    rcParams: options.config.strategyParams,
    hooks: [hook],
    reportEveryMs: options.reportEveryMs,
    hangAfterMs: options.stuckAfterMs,
    isolation: options.stuckAfterMs === undefined ? undefined : { terminateAfterMs: options.stuckAfterMs },
    onStrategyGone: (name, why) => {
      if (options.onStrategyFault !== 'stop') return
      failure ??= new NeuralError('strategy', 'STRATEGY_TERMINATED', `strategy ${name} ${why}; the run stops (--on-strategy-fault stop)`)
      stop.abort()
    },
  })
  engine.onEvent(options.onEngineEvent)
  const dispatch = (event: MarketEvent) => engine.dispatch(event)
  stream.on('tick', dispatch)
  stream.on('trade', dispatch)
  // Only when a strategy asked for books: building one per delta for nobody is the feed's largest cost.
  if (wanted.books.length > 0) stream.on('book', dispatch)
  stream.on('fill', dispatch)
  if (money) {
    stream.on('lifecycle', dispatch)
    stream.on('event_fee_update', (update) => fees.applyUpdate(update))
  }
  let failure: NeuralError | undefined
  let failed = false
  stream.on('connection', (e) => {
    if (e.state === 'failed') failed = true
  })
  stream.on('error', (error: NeuralError) => {
    if (failed || error.kind === 'auth') failure ??= error
    options.onProblem(error)
  })

  // Stopped by the caller (Ctrl-C, SIGTERM, closed output) or by a strategy fault under --on-strategy-fault stop.
  const stop = new AbortController()
  const runSignal = options.signal ? AbortSignal.any([stop.signal, options.signal]) : stop.signal
  // The summary's deadline counts from the signal, not from when the feed loop has unwound.
  let abortedAt = options.signal?.aborted ? performance.now() : undefined
  options.signal?.addEventListener('abort', () => { abortedAt ??= performance.now() }, { once: true })
  let gameFeed: GameFeed | undefined
  const loop = new FeedLoop({
    feed: stream,
    targets: wanted.markets,
    spinner: options.spinner,
    signal: runSignal,
    durationMs: options.durationMs,
    connectTimeoutMs: options.config.websocketTimeoutMs,
    connectingTo: exchange?.wsUrl,
    subscribed: (result) => `${strategies.length} strateg${strategies.length === 1 ? 'y' : 'ies'} ${stream.bus ? stream.bus.describe() : `on ${result.tickers.length} market${result.tickers.length === 1 ? '' : 's'}`}`,
    onSubscribed: async (result) => {
      for (const u of result.unknown) options.onProblem(new NeuralError('input', 'UNKNOWN_MARKET', `${u.ticker}: ${u.message}`))
      // Until a series' settings arrive (a few ms), its fills pay the default taker rate.
      if (money && rest) await loadFeeSchedules(rest, result.tickers, fees, options.onProblem)
      if (!exchange && engine.wantsGames()) {
        options.onProblem(new NeuralError('strategy', 'STRATEGY_WARNING', 'onGame gets no game states from --source: live game data is read from the exchange (run without --source, or replay a record)'))
      }
      // Live game data for the NFL games among the subscribed markets, only when a strategy has onGame.
      if (exchange && engine.wantsGames()) gameFeed = startGameFeed(exchange, result.tickers, { onState: (state) => engine.dispatchGame(state), onProblem: options.onProblem })
    },
    status: options.status && { ...options.status, environment: options.config.environment },
  })
  try {
    await engine.start()
    if (options.replay) {
      await replay(options.replay.file, options.replay.speed, replayStream!, engine, runSignal)
    } else {
      const { failure: startFailure } = await loop.run()
      if (startFailure !== undefined) failure ??= startFailure instanceof NeuralError ? startFailure : new NeuralError('network', 'FEED', (startFailure as Error)?.message ?? String(startFailure), { cause: startFailure })
    }
  } catch (error) {
    // Stopped on purpose (Ctrl-C, SIGTERM, closed output): not a failure of the run.
    if (!runSignal.aborted) failure ??= error instanceof NeuralError ? error : new NeuralError('network', 'FEED', (error as Error)?.message ?? String(error), { cause: error })
  } finally {
    gameFeed?.stop()
  }
  // Urgent only when stopped from outside (Ctrl-C, SIGTERM, closed output): the process must then exit within a second.
  const urgent = options.signal?.aborted === true
  // Together: the engine drops events from the moment stop() is called, so nothing needs the socket
  // closed first, and its close handshake (up to 250 ms) need not come before the summary.
  const ending = Promise.all([stream.close(), engine.stop({ urgent }), loop.statusRemoved()]).then(([, summary]) => summary)
  const stopped = ending.then(() => undefined, () => undefined).finally(() => restoreConsole?.())
  if (!urgent) return { summary: await ending, failure, stopped }
  return { summary: await summaryWithin(ending, engine, options.onEngineEvent, abortedAt! + URGENT_SUMMARY_MS), failure, stopped }
}

/**
 * After Ctrl-C / SIGTERM the process exits SHUTDOWN_DEADLINE_MS (900 ms) after the signal, summary
 * or not (src/cli/shutdown.ts); stdout still needs a moment after the summary. On a loaded machine
 * a strategy thread or a hook can take longer than this to stop.
 */
const URGENT_SUMMARY_MS = 500

/** The stop's summary, or, if it is not ready by `deadline` (performance.now() time), the counts reported so far. */
async function summaryWithin(ending: Promise<SummaryEvent>, engine: StrategyEngine, onEvent: (event: EngineEvent) => void, deadline: number): Promise<SummaryEvent> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), Math.max(0, deadline - performance.now())) })
  try {
    const summary = await Promise.race([ending, late])
    if (summary) return summary
  } finally {
    clearTimeout(timer)
  }
  // The stop goes on in the background (StrategySessionResult.stopped); the process is about to exit anyway.
  onEvent({ type: 'error', code: 'STOP_TIMEOUT', message: `the strategies and hooks had not stopped ${URGENT_SUMMARY_MS} ms after the signal: the summary holds what they had reported by then`, ts: Date.now() })
  return engine.summary()
}

/** Feed a record file through the same ingest path as live frames; each event is fully handled before the next. */
async function replay(file: string, speed: number | undefined, stream: MarketStream, engine: StrategyEngine, signal: AbortSignal): Promise<void> {
  let frames = 0
  await requireRecordFile(file)
  try {
    frames = await replayLockstep(paced(readRecord(file), speed, signal), ({ frame, receivedAt }) => {
      // Live game data recorded beside the frames goes to onGame at its recorded time.
      if (isLiveDataFrame(frame)) engine.dispatchGame(gameStateFromFrame(frame, receivedAt))
      else stream.ingest(frame, receivedAt)
    }, engine, signal)
  } catch (error) {
    if (error instanceof NeuralError) throw error
    throw new NeuralError('input', 'BAD_RECORD', `${file}: not a neural record file (${(error as Error)?.message ?? error})`, { cause: error })
  }
  if (frames === 0) throw new NeuralError('input', 'EMPTY_RECORD', `${file}: no frames to replay (record one with: neural stream 'KXNFLGAME*' --record ${file})`)
}

/** The record's frames, at `speed` times the recorded pace (as fast as possible without a speed). */
async function* paced<T extends { receivedAt: number }>(frames: AsyncIterable<T>, speed: number | undefined, signal: AbortSignal): AsyncGenerator<T> {
  let previousAt: number | undefined
  for await (const f of frames) {
    if (signal.aborted) return
    if (speed && previousAt !== undefined && f.receivedAt > previousAt) await sleep((f.receivedAt - previousAt) / speed, signal).catch(() => undefined)
    previousAt = f.receivedAt
    yield f
  }
}

async function requireRecordFile(file: string): Promise<void> {
  await access(file).catch(() => {
    throw new NeuralError('input', 'RECORD_NOT_FOUND', `${file}: no such record file (record one with: neural stream 'KXNFLGAME*' --record ${file})`)
  })
}

/**
 * A `module:` hook runs on this thread, where its console.log would land in our stdout, between the
 * NDJSON lines of --json or the signal lines for people. Its prints are diagnostics, as a strategy's
 * are (a strategy thread's stdout goes to stderr): every console method writes to stderr until the
 * run has stopped. Our own output never goes through the console.
 */
function consoleToStderr(): () => void {
  const global = console as unknown as Record<string, unknown>
  const saved = { ...global }
  const toStderr = new Console({ stdout: process.stderr, stderr: process.stderr })
  for (const [name, method] of Object.entries(toStderr)) {
    if (typeof method === 'function') global[name] = method
  }
  // For a process that goes on after the run (a library user's, a test's).
  return () => Object.assign(global, saved)
}
