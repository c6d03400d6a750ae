/**
 * `neural nfl team <TEAM>`: every open market of the team's games, live: a table redrawn on a
 * terminal, one row per change off a terminal, one market object per change under --json.
 */
import type { MarketState } from '../core/market-store.js'
import { RestClient } from '../core/rest-client.js'
import type { NflMarkets } from '../nfl/game-summary.js'
import { describeTeam, type Team, type TeamCode } from '../nfl/teams.js'
import { parseNflTicker, type NflMarketKind } from '../nfl/tickers.js'
import { formatTeamMarketHeader, formatTeamMarketRow } from '../render/game-panel.js'
import type { EventSink } from '../render/event-sink.js'
import { simulatedPrefix } from '../render/human.js'
import { FRAME_INTERVAL_MS, TerminalFrame, Throttle, changeKey, systemClock, type LiveMode, type TimerClock } from '../render/nfl-live-output.js'
import { findTeamMarkets, type NflRest } from './nfl-lookup.js'
import { runNflSession, type NflSessionOptions, type NflView } from './nfl-session.js'
import type { StreamSummary } from './stream-session.js'

/** What `nfl team --json` prints per market update; these field names are the JSON contract. */
export interface MarketRecord {
  type: 'market'
  ticker: string
  /** Canonical game id, "25SEP04DALPHI". */
  game: string
  market: NflMarketKind
  /** Winner and spread markets: the team the market is about. */
  team?: TeamCode
  /** Spread and total markets: the number in the ticker. */
  line?: number
  yesBid?: number
  yesAsk?: number
  yesPrice?: number
  volume?: number
  /** Epoch ms of the market's latest update. */
  lastUpdate: number
}

/** The record of one NFL market's state; undefined for a ticker that is not an NFL game market. */
export function marketRecord(state: Readonly<MarketState>): MarketRecord | undefined {
  const p = parseNflTicker(state.ticker)
  if (!p || p.level !== 'market') return undefined
  return {
    type: 'market', ticker: state.ticker, game: p.gameId, market: p.kind, team: p.team, line: p.line,
    yesBid: state.yesBid, yesAsk: state.yesAsk, yesPrice: state.yesPrice, volume: state.volume, lastUpdate: state.lastUpdate,
  }
}

export interface TeamViewOptions {
  team: Team
  mode: LiveMode
  /** Market records go here in 'lines' and 'json' modes. */
  sink: EventSink
  /** The terminal in 'tty' mode, and where the table header goes in 'lines' mode. @default process.stdout */
  out?: { write(text: string): unknown; columns?: number }
  /** At most one redraw per this interval ('tty' mode). @default 100 */
  throttleMs?: number
  clock?: TimerClock
  /**
   * The data is the simulator's: on a terminal the table's title starts with `[sim]`; off a
   * terminal its header and every row do. @default false
   */
  simulated?: boolean
}

export interface NflTeamOptions extends NflSessionOptions, Omit<TeamViewOptions, 'sink' | 'clock' | 'simulated'> {
  /** @default a RestClient on the exchange's REST URL */
  rest?: NflRest
}

export function createTeamView(markets: NflMarkets, options: TeamViewOptions): NflView {
  const { team, mode, sink } = options
  const out = options.out ?? process.stdout
  const frame = new TerminalFrame(out)
  const marker = options.simulated ? simulatedPrefix() : ''
  /** Per ticker, the last record written, without its update time (an update that changes nothing shown is skipped). */
  const lastKeys = new Map<string, string>()
  let ready = false
  const write = (state: Readonly<MarketState>) => {
    const record = marketRecord(state)
    if (!record) return
    const key = changeKey(record)
    if (lastKeys.get(state.ticker) === key) return
    lastKeys.set(state.ticker, key)
    sink.record(record, `${marker}${formatTeamMarketRow(state)}`)
  }
  const draw = () => {
    const states = markets.getTeamMarkets(team.code)
    const games = new Set(states.map((s) => parseNflTicker(s.ticker)?.gameId))
    const title = `${marker}${describeTeam(team)}: ${games.size} game${games.size === 1 ? '' : 's'}, ${states.length} market${states.length === 1 ? '' : 's'}`
    frame.draw([title, formatTeamMarketHeader(), ...states.map(formatTeamMarketRow)].join('\n'))
  }
  const throttle = new Throttle(draw, options.throttleMs ?? FRAME_INTERVAL_MS, options.clock ?? systemClock)
  return {
    ready() {
      ready = true
      if (mode === 'tty') return throttle.run()
      if (mode === 'lines') out.write(`${marker}${formatTeamMarketHeader()}\n`)
      for (const state of markets.getTeamMarkets(team.code)) write(state)
    },
    update(event) {
      if (!ready) return
      if (mode === 'tty') return throttle.request()
      const state = 'ticker' in event ? markets.getMarketData(event.ticker) : undefined
      if (state) write(state)
    },
    finish() {
      throttle.flush()
      throttle.cancel()
    },
    interrupted() {
      frame.release()
    },
  }
}

/** Find the team's games over REST (input error when none is open), then show their markets live until the end of the run. */
export async function runNflTeam(options: NflTeamOptions): Promise<StreamSummary> {
  const rest = options.rest ?? new RestClient({ apiUrl: options.exchange.apiUrl, signer: options.exchange.signer })
  const found = await findTeamMarkets(rest, options.team)
  return runNflSession({ ...options, found, createView: (markets) => createTeamView(markets, { ...options, simulated: options.exchange.simulated }) })
}
