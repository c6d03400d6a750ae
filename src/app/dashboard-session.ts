/**
 * The `neural dashboard` loop, outside oclif: a stream session over the targets (every event into the
 * hub, and each NFL game's summary once per frame), a strategy session beside it when strategies are
 * given (signals, orders and the paper portfolio into the hub), and the HTTP server that shows the
 * hub to browsers. Both sessions stop together: on duration, on abort, or when either fails.
 */
import type { NeuralConfig } from '../config/types.js'
import type { ChannelName } from '../core/stream.js'
import type { MarketEvent } from '../core/types.js'
import { DashboardHub, type DashboardRecord } from '../dashboard/hub.js'
import { startDashboardServer, type DashboardServer } from '../dashboard/server.js'
import { NeuralError } from '../errors.js'
import { GameFeed } from '../nfl/game-feed.js'
import { scoreEvent, scoreOrStatusChanged } from '../nfl/game-state.js'
import { NflMarkets } from '../nfl/game-summary.js'
import { parseNflTicker } from '../nfl/tickers.js'
import { quietSpinner, type Spinner } from '../render/spinner.js'
import type { Exchange } from '../runtime/open-exchange.js'
import type { SummaryEvent } from '../strategy/events.js'
import type { EventSink } from '../render/event-sink.js'
import type { MarketFeed } from '../core/market-feed.js'
import { notConnectedError } from './feed-loop.js'
import { startGameFeed } from './game-feeds.js'
import { runStrategySession } from './strategy-session.js'
import { runStreamSession, type StreamSummary } from './stream-session.js'

/** Hooks a dashboard may run: it shows, it never places an order. */
export const DASHBOARD_HOOKS = ['log', 'paper'] as const

export interface DashboardSessionOptions {
  config: NeuralConfig
  /** Markets for the board and the market view. */
  targets: string[]
  strategies: string[]
  /** Type-check `.ts` strategies before they run (--typecheck). @default false */
  typecheck?: boolean
  hook: string
  params?: string[]
  startingCashDollars?: number
  /** The exchange both sessions read (opened once by the caller), unless `feed` is given. */
  exchange?: Exchange
  /** Read the NATS bus instead: one feed for the board, one for the strategies. */
  feed?: (channels: ChannelName[]) => MarketFeed
  host?: string
  port?: number
  frameMs?: number
  /** Length of the whole run, connecting included; not subscribed by then: CONNECT_FAILED (as stream). */
  durationMs?: number
  /** Called once the page is being served. */
  onListening: (server: DashboardServer) => void
  /** Connection notices and problems (stderr in human mode). */
  sink: EventSink
  spinner: Spinner
  signal?: AbortSignal
  status?: { command: string; args: string[] }
  cwd?: string
}

export interface DashboardSummary {
  stream: StreamSummary
  strategies?: SummaryEvent
  /** Records the hub took in and frames it sent to browsers. */
  records: number
  frames: number
}

const CHANNELS: ChannelName[] = ['ticker', 'trade', 'orderbook', 'lifecycle']

export async function runDashboardSession(options: DashboardSessionOptions): Promise<DashboardSummary> {
  if (!(DASHBOARD_HOOKS as readonly string[]).includes(options.hook)) {
    throw new NeuralError('input', 'HOOK', `--hook ${options.hook}: the dashboard only shows, it never places orders; use log or paper here, and run-strategy for the others`)
  }
  const hub = new DashboardHub()
  const server = await startDashboardServer({ hub, host: options.host, port: options.port, frameMs: options.frameMs })
  const stop = new AbortController()
  const abort = () => stop.abort()
  options.signal?.addEventListener('abort', abort, { once: true })
  if (options.signal?.aborted) stop.abort()
  let gameFeed: GameFeed | undefined
  let subscribed = false
  let connected = false
  let lastConnectError: string | undefined
  let notConnected: NeuralError | undefined
  const { durationMs } = options
  // From the start (the page is served from the start, unlike stream's data window): a board that
  // never connects must still end, and say why.
  const timer = durationMs === undefined ? undefined : setTimeout(() => {
    if (!subscribed && !stop.signal.aborted) notConnected = notConnectedError(durationMs, { connected, lastError: lastConnectError })
    abort()
  }, durationMs)
  try {
    options.onListening(server)
    const games = new Set<string>()
    let nfl: NflMarkets | undefined
    hub.onBeforeFlush(() => {
      for (const game of games) {
        const summary = nfl?.getGameSummary(game)
        if (summary) hub.publish(summary as unknown as DashboardRecord)
      }
      games.clear()
    })
    // Every event asks which game it belongs to: parse each ticker once.
    const gameOf = new Map<string, string | null>()
    const sink: EventSink = {
      event: (e) => {
        if (e.type !== 'connection') {
          const ticker = (e as MarketEvent).ticker
          let game = gameOf.get(ticker)
          if (game === undefined) {
            const p = parseNflTicker(ticker)
            game = p?.level === 'market' ? p.gameId : null
            gameOf.set(ticker, game)
          }
          if (game) games.add(game)
        }
        hub.publish(e as unknown as DashboardRecord)
        if (e.type === 'connection') {
          if (e.state === 'connected') connected = true
          if ((e.state === 'disconnected' || e.state === 'reconnecting') && !e.byClient && e.reason) lastConnectError = e.reason
          options.sink.event(e)
        }
      },
      problem: (e) => {
        hub.publish({ type: 'error', kind: e.kind, code: e.code, message: e.message, ts: Date.now() })
        options.sink.problem(e)
      },
      record: (value) => hub.publish(value as DashboardRecord),
      summary: (value) => hub.publish(value as unknown as DashboardRecord),
    }
    const streamRun = runStreamSession({
      exchange: options.exchange,
      feed: options.feed?.(CHANNELS),
      config: options.config,
      targets: options.targets,
      channels: CHANNELS,
      sink,
      spinner: options.spinner,
      signal: stop.signal,
      status: options.status,
      onStream: (stream) => {
        nfl = new NflMarkets(stream.store)
      },
      onSubscribed: (result) => {
        subscribed = true
        // Score, clock and status beside the prices, from Kalshi's live data (not on the bus).
        if (!options.exchange) return
        gameFeed = startGameFeed(options.exchange, result.tickers, {
          onState: (state, previous) => {
            nfl?.setGameState(state)
            games.add(state.game)
            if (previous && scoreOrStatusChanged(previous, state)) hub.publish(scoreEvent(previous, state) as unknown as DashboardRecord)
          },
          onProblem: sink.problem,
        })
      },
    })
    const strategyRun = options.strategies.length === 0
      ? undefined
      : runStrategySession({
        files: options.strategies,
        typecheck: options.typecheck,
        config: options.config,
        hook: options.hook,
        live: false,
        params: options.params ?? [],
        // The equity curve: one portfolio point a second.
        reportEveryMs: options.hook === 'paper' ? 1000 : undefined,
        startingCashDollars: options.startingCashDollars,
        exchange: options.exchange ? async () => options.exchange! : undefined,
        feed: options.feed,
        onEngineEvent: (event) => hub.publish(event as unknown as DashboardRecord),
        onProblem: sink.problem,
        // The strategy session runs beside the stream session, whose spinner already tells the story.
        spinner: quietSpinner(),
        signal: stop.signal,
        cwd: options.cwd,
      })
    // Whichever ends first (failure, or the stream's own end) ends the other; both are awaited.
    const [stream, strategies] = await Promise.allSettled([streamRun.finally(abort), strategyRun?.finally(abort)])
    if (strategies.status === 'fulfilled' && strategies.value) hub.publish(strategies.value.summary as unknown as DashboardRecord)
    if (stream.status === 'rejected') throw stream.reason
    if (strategies.status === 'rejected') throw strategies.reason
    if (strategies.value?.failure) throw strategies.value.failure
    if (notConnected) throw notConnected
    return { stream: stream.value, strategies: strategies.value?.summary, records: hub.received, frames: hub.frames }
  } finally {
    gameFeed?.stop()
    if (timer) clearTimeout(timer)
    options.signal?.removeEventListener('abort', abort)
    await server.close()
  }
}

