import type { MarketEvent } from '../core/types.js'

/**
 * Where strategy time comes from. `live`: the wall clock. `replay`: the time of the event being
 * handled, so the same events replayed twice give the same signals, timestamps and P&L.
 */
export type ClockMode = 'live' | 'replay'

export interface Clock {
  now(): number
}

/** The exchange time an event carries, epoch ms (receive time for lifecycle events, which carry none). */
export function eventTime(event: MarketEvent): number {
  switch (event.type) {
    case 'ticker': return event.lastUpdate
    case 'trade': return event.ts
    case 'book': return event.ts
    case 'fill': return event.ts
    case 'lifecycle': return event.receivedAt
  }
}

/**
 * A clock that reads the time of the current event in replay mode and the wall clock live.
 * `advance` is called with each event's time as it is handled.
 */
export class EventClock implements Clock {
  private current: number

  constructor(readonly mode: ClockMode, start = 0) {
    this.current = start
  }

  advance(ts: number): void {
    if (Number.isFinite(ts)) this.current = ts
  }

  now(): number {
    return this.mode === 'live' ? Date.now() : this.current
  }
}
