/**
 * Live game data in a record file (`neural stream --record`): each change of a game's live data is
 * kept as one line among the WebSocket frames, `{"receivedAt": ms, "frame": "{\"type\":\"neural_live_data\",...}"}`,
 * holding Kalshi's live-data entry as read (type, details, milestone_id) and the game id. The type
 * name is ours, so it can never be mistaken for a Kalshi frame; replay turns it back into the same
 * GameState at the same time.
 */
import { parseLiveData, type LiveData } from '../core/live-data.js'
import { gameStateFromLiveData, type GameState } from './game-state.js'
import { parseGameId } from './tickers.js'

export const LIVE_DATA_FRAME_TYPE = 'neural_live_data'
const PREFIX = `{"type":"${LIVE_DATA_FRAME_TYPE}"`

export function liveDataFrame(gameId: string, live: LiveData): string {
  return JSON.stringify({ type: LIVE_DATA_FRAME_TYPE, game: gameId, live_data: { type: live.type, details: live.details, milestone_id: live.milestoneId } })
}

/** Whether a recorded frame is one of ours (cheap: no parse). */
export function isLiveDataFrame(frame: string): boolean {
  return frame.startsWith(PREFIX)
}

/** The game state a recorded live-data frame stands for, read at `receivedAt`. Throws on a malformed frame. */
export function gameStateFromFrame(frame: string, receivedAt: number): GameState {
  const o = JSON.parse(frame) as { game?: unknown; live_data?: unknown }
  if (typeof o.game !== 'string') throw new Error('live-data frame without a game')
  return gameStateFromLiveData(parseLiveData(o.live_data), parseGameId(o.game), receivedAt)
}
