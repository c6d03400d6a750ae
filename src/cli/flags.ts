/** Parsing of flag values shared by streaming commands. */
import type { ChannelName } from '../core/stream.js'
import { WIRE_CHANNELS } from '../core/stream.js'
import { inputError } from '../errors.js'
import { Flags } from '@oclif/core'
import { DEFAULT_LIVE_DATA_INTERVAL_MS, MIN_LIVE_DATA_INTERVAL_MS } from '../nfl/game-feed.js'

/** "ticker,trade,orderbook" → channel names, each checked. */
export function parseChannels(text: string): ChannelName[] {
  const names = text.split(',').map((s) => s.trim()).filter(Boolean)
  if (names.length === 0) throw inputError('BAD_CHANNELS', `--channels: give at least one of ${Object.keys(WIRE_CHANNELS).join(', ')}`)
  for (const name of names) {
    if (!(name in WIRE_CHANNELS)) throw inputError('BAD_CHANNELS', `--channels: unknown channel "${name}" (use ${Object.keys(WIRE_CHANNELS).join(', ')}, e.g. --channels ticker,trade)`)
  }
  return [...new Set(names)] as ChannelName[]
}

/** Seconds (may be fractional; the flag's text or a number) → ms; undefined passes through. */
export function secondsToMs(flag: string, value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined
  const seconds = typeof value === 'number' ? value : /^\s*(\d+\.?\d*|\.\d+)\s*$/.test(value) ? Number(value) : NaN
  // The user's own text in the message ("got 10s"), not what Number() made of it ("got NaN").
  if (!Number.isFinite(seconds) || seconds <= 0) throw inputError('BAD_DURATION', `--${flag}: expected a positive number of seconds (e.g. --${flag} 10), got ${typeof value === 'string' ? JSON.stringify(value) : value}`)
  return Math.round(seconds * 1000)
}

export function positiveInteger(flag: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined
  if (!Number.isInteger(value) || value < 1) throw inputError('BAD_COUNT', `--${flag}: expected a whole number ≥ 1 (e.g. --${flag} 100), got ${value}`)
  return value
}

/** `--live-data-interval`: seconds between live game data reads (one batch request each). */
export const liveDataIntervalFlag = Flags.string({ description: `seconds between reads of live game data (score, clock), at least ${MIN_LIVE_DATA_INTERVAL_MS / 1000}; one request each [default: ${DEFAULT_LIVE_DATA_INTERVAL_MS / 1000}]` })

export function liveDataInterval(value: string | undefined): number | undefined {
  const ms = secondsToMs('live-data-interval', value)
  if (ms !== undefined && ms < MIN_LIVE_DATA_INTERVAL_MS) {
    throw inputError('BAD_INTERVAL', `--live-data-interval: at least ${MIN_LIVE_DATA_INTERVAL_MS / 1000} s, to stay well inside Kalshi's REST read limit (got ${value})`)
  }
  return ms
}
