/**
 * `neural nfl game <GAME>`: every market of one game, live, as the game panel (redrawn on a
 * terminal) or as one game summary per change (human panels off a terminal, NDJSON under --json).
 */
import { RestClient } from '../core/rest-client.js'
import type { GameSummary, NflMarkets } from '../nfl/game-summary.js'
import { formatScoreLine, scoreEvent, scoreMarkText, scoreOrStatusChanged } from '../nfl/game-state.js'
import type { NflGame } from '../nfl/tickers.js'
import { renderGamePanel } from '../render/game-panel.js'
import { simulatedPrefix } from '../render/human.js'
import type { EventSink } from '../render/event-sink.js'
import { FRAME_INTERVAL_MS, TerminalFrame, Throttle, changeKey, systemClock, type LiveMode, type TimerClock } from '../render/nfl-live-output.js'
import { findGameMarkets, type NflRest } from './nfl-lookup.js'
import { runNflSession, type NflSessionOptions, type NflView } from './nfl-session.js'
import type { StreamSummary } from './stream-session.js'

/** A scoring change stays marked in the panel this long. */
const SCORE_MARK_MS = 15_000

export interface GameViewOptions {
  game: NflGame
  mode: LiveMode
  /** Records (summaries) go here in 'lines' and 'json' modes. */
  sink: EventSink
  /** The terminal, in 'tty' mode. @default process.stdout */
  out?: { write(text: string): unknown; columns?: number }
  /** Colour in the panel. @default chalk's terminal detection (see renderGamePanel) */
  color?: boolean
  /** At most one output per this interval. @default 100 */
  throttleMs?: number
  clock?: TimerClock
  /** The data is the simulator's: the panel's header and each score line start with `[sim]`. @default false */
  simulated?: boolean
}

export interface NflGameOptions extends NflSessionOptions, Omit<GameViewOptions, 'sink' | 'clock' | 'simulated'> {
  /** @default a RestClient on the exchange's REST URL */
  rest?: NflRest
}

export function createGameView(markets: NflMarkets, options: GameViewOptions): NflView {
  const { game, mode, sink } = options
  const frame = new TerminalFrame(options.out ?? process.stdout)
  let lastKey: string | undefined
  let ready = false
  let mark: { text: string; untilMs: number } | undefined
  /** Win probability when the last game state was read: the "before" of the next score. */
  let probabilityAtLastState: { away: number; home: number } | undefined
  const clock = options.clock ?? systemClock
  const scoreMark = () => (mark && clock.now() < mark.untilMs ? { text: mark.text } : undefined)
  const panel = (summary: GameSummary) => renderGamePanel(summary, { history: markets.getWinProbabilityHistory(game), color: options.color, scoreMark: scoreMark(), simulated: options.simulated })
  const show = () => {
    const summary = markets.getGameSummary(game)
    if (!summary) return
    if (mode === 'tty') {
      frame.draw(panel(summary))
      return
    }
    const key = changeKey(summary)
    if (key === lastKey) return
    lastKey = key
    // Off a terminal each panel is followed by a blank line, so successive panels stay apart.
    sink.record(summary, mode === 'lines' ? `${panel(summary)}\n` : '')
  }
  const throttle = new Throttle(show, options.throttleMs ?? FRAME_INTERVAL_MS, clock)
  return {
    game(state, previous) {
      const now = markets.getGameWinProbability(game)
      if (previous && scoreOrStatusChanged(previous, state)) {
        const event = scoreEvent(previous, state, probabilityAtLastState, now && { away: now.away, home: now.home })
        const text = scoreMarkText(event)
        mark = { text, untilMs: clock.now() + SCORE_MARK_MS }
        // On a terminal the mark shows in the redrawn panel; elsewhere the score is its own record.
        if (mode !== 'tty') {
          throttle.flush()
          sink.record(event, `${options.simulated ? simulatedPrefix() : ''}SCORE ${text}  ${formatScoreLine(state)}`)
        }
      }
      probabilityAtLastState = now && { away: now.away, home: now.home }
      if (ready) throttle.request()
    },
    ready() {
      ready = true
      throttle.run()
    },
    update() {
      if (ready) throttle.request()
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

/** Find the game's markets over REST (input error when it has none), then show them live until the end of the run. */
export async function runNflGame(options: NflGameOptions): Promise<StreamSummary> {
  const rest = options.rest ?? new RestClient({ apiUrl: options.exchange.apiUrl, signer: options.exchange.signer })
  const found = await findGameMarkets(rest, options.game)
  return runNflSession({ ...options, found, games: [options.game], createView: (markets) => createGameView(markets, { ...options, simulated: options.exchange.simulated }) })
}
