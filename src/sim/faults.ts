/** Deliberate misbehaviour, so clients can be tested against the failures real exchanges produce. */

export interface SimFaults {
  /** Terminate every WebSocket connection this often (seconds), like a network drop. */
  dropEverySec?: number
  /** Every Nth orderbook delta per sid is not sent but still applied to the book, and seq skips its number: a lost message. */
  seqGapEvery?: number
  /** After every Nth data frame per connection send an extra malformed frame (alternately bad JSON and wrong field types). */
  malformedEvery?: number
  /** Every Nth WebSocket command per connection gets an error reply; every Nth REST request gets a 429. */
  errorEvery?: number
  /** Refuse every signed handshake and signed REST call with 401. */
  refuseAuth?: boolean
  /** After this many seconds on a connection, send nothing more (no data, no pings, no replies) but keep it open. */
  silentAfterSec?: number
}

/** True on the Nth, 2Nth, ... call for a counter already incremented. */
export function isNth(count: number, every: number | undefined): boolean {
  return every !== undefined && every > 0 && count % every === 0
}

const MALFORMED_FRAMES = [
  '{"type":"ticker","sid":1,"msg":{"market_ticker":"KXNFLGAME-25SEP04DALPHI-PHI","yes_bid_dollars":"0.5',
  '{"type":"ticker","sid":"one","msg":{"market_ticker":42,"yes_bid_dollars":0.55,"yes_ask_dollars":null,"ts":"later"}}',
]

export function malformedFrame(n: number): string {
  return MALFORMED_FRAMES[n % MALFORMED_FRAMES.length]!
}

/** REST-side faults and the optional rate limit: decides whether a request gets a 429 instead of an answer. */
export class RestFaults {
  private requests = 0
  private tokens: number
  private lastRefillMs = Date.now()

  constructor(private readonly errorEvery: number | undefined, private readonly ratePerSec: number) {
    this.tokens = ratePerSec
  }

  /** A refusal message when this request should be answered 429, else undefined. */
  admit(): string | undefined {
    this.requests++
    if (isNth(this.requests, this.errorEvery)) return 'too many requests (simulated fault)'
    if (this.ratePerSec <= 0) return undefined
    const now = Date.now()
    this.tokens = Math.min(this.ratePerSec, this.tokens + ((now - this.lastRefillMs) / 1000) * this.ratePerSec)
    this.lastRefillMs = now
    if (this.tokens < 1) return `rate limit of ${this.ratePerSec} requests per second exceeded`
    this.tokens -= 1
    return undefined
  }
}
