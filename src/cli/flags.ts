/** Parsing of flag values shared by streaming commands. */
import type { ChannelName } from '../core/stream.js'
import { WIRE_CHANNELS } from '../core/stream.js'
import { inputError } from '../errors.js'
import { MAX_TIMER_DELAY_MS } from '../config/schema.js'
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

/**
 * Flags in seconds that are not waited for here (a retention limit handed to NATS), so they may
 * exceed what a timer can wait.
 */
const NOT_TIMERS = new Set(['jetstream-max-age'])

/**
 * Seconds (may be fractional; the flag's text or a number) → ms; undefined passes through. A flag
 * that becomes a timer's delay is at most MAX_TIMER_DELAY_MS: Node fires a longer one after 1 ms.
 */
export function secondsToMs(flag: string, value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined
  const seconds = typeof value === 'number' ? value : /^\s*(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(value) ? Number(value) : NaN
  // The user's own text in the message ("got 10s"), not what Number() made of it ("got NaN").
  const given = typeof value === 'string' ? JSON.stringify(value) : value
  if (Number.isNaN(seconds) || seconds <= 0) throw inputError('BAD_DURATION', `--${flag}: expected a positive number of seconds (e.g. --${flag} 10), got ${given}`)
  const ms = Math.round(seconds * 1000)
  if (!NOT_TIMERS.has(flag) && !(ms <= MAX_TIMER_DELAY_MS)) {
    throw inputError('BAD_DURATION', `--${flag}: at most ${MAX_TIMER_DELAY_MS / 1000} seconds (about 24.8 days, the longest wait Node.js timers take), got ${given}`)
  }
  if (!Number.isFinite(ms)) throw inputError('BAD_DURATION', `--${flag}: expected a finite number of seconds, got ${given}`)
  return ms
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
