/**
 * Human output: one aligned line per event, prices coloured against the previous value for the same
 * market (up green, down red), and a summary line. Colour is decided by the caller (see color.ts).
 */
import { Chalk, type ChalkInstance } from 'chalk'
import type { Book, ConnectionEvent, Fill, Lifecycle, MarketEvent, Tick, Trade } from '../core/types.js'

export interface HumanFormatOptions {
  /** chalk level: 0 turns colour off. */
  colorLevel: 0 | 1 | 2 | 3
  /** Prefix every line with a marker saying the data comes from the simulator. */
  simulated?: boolean
  /** Width tickers are padded to (longer ones widen the column from then on). @default 30 */
  tickerWidth?: number
  /** Show times in UTC rather than local time (tests). @default false */
  utc?: boolean
}

/** What a stream summary shows; fields match the stream's final `--json` summary. */
export interface SummaryView {
  messages: number
  durationMs: number
  reconnects: number
  markets: number
  /** Messages per second over the run; computed from messages and durationMs when absent. */
  ratePerSec?: number
  /** Output lines dropped because stdout was not read fast enough. */
  droppedLines?: number
}

export const SIMULATED_MARKER = '[sim]'

/**
 * What starts a human line of simulated data: the marker and a space, magenta with colour on. Every
 * command marks its lines from the simulator with it (README, "Commands", says which lines).
 */
export function simulatedPrefix(c?: ChalkInstance): string {
  return `${c ? c.magenta(SIMULATED_MARKER) : SIMULATED_MARKER} `
}

/** The last price shown per field of one market. */
interface Previous { bid?: number; ask?: number; last?: number; trade?: number }

/** "0.56" for whole cents, "0.5625" for Kalshi's sub-cent ticks. */
export function formatPrice(dollars: number | undefined): string {
  if (dollars === undefined || !Number.isFinite(dollars)) return '—'
  const units = Math.round(dollars * 10_000)
  return units % 100 === 0 ? (units / 10_000).toFixed(2) : (units / 10_000).toFixed(4)
}

/**
 * Built on first use: an Intl formatter loads ICU's number data, which cost 7.5 MB of RSS and tens of
 * milliseconds (measured on Node 20) in every command that imports this module, for the rare count
 * the fast path below does not print itself.
 */
let countFormat: Intl.NumberFormat | undefined

/**
 * 1234567 → "1,234,567"; fractional contracts keep two decimals (as toLocaleString('en-US') rounds
 * them). Number#toLocaleString builds a formatter on every call: it was 72% of the CPU of human
 * output in a profile, so counts that JavaScript prints with at most two decimals are grouped here.
 */
export function formatCount(count: number | undefined): string {
  if (count === undefined || !Number.isFinite(count)) return '—'
  const m = PLAIN_COUNT.exec(String(count))
  if (!m || Object.is(count, -0)) return (countFormat ??= new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 })).format(count)
  const whole = m[2]!
  let grouped = whole.length > 3 ? whole.slice(0, whole.length % 3 || 3) : whole
  for (let i = grouped.length; i < whole.length; i += 3) grouped += ',' + whole.slice(i, i + 3)
  return m[1]! + grouped + (m[3] ?? '')
}

/** Sign, whole digits and up to two decimals, as String() prints a count (no exponent). */
const PLAIN_COUNT = /^(-?)(\d+)(\.\d{1,2})?$/

export class HumanFormatter {
  private readonly c: ChalkInstance
  private readonly simulated: boolean
  private readonly utc: boolean
  private tickerWidth: number
  /** Previous value per ticker and field, for the up/down colour. */
  private readonly previous = new Map<string, Previous>()

  constructor(options: HumanFormatOptions) {
    this.c = new Chalk({ level: options.colorLevel })
    this.simulated = options.simulated ?? false
    this.utc = options.utc ?? false
    this.tickerWidth = options.tickerWidth ?? 30
  }

  /** One line for an event (no trailing newline). */
  format(event: MarketEvent | ConnectionEvent): string {
    switch (event.type) {
      case 'ticker':
        return this.line(event.receivedAt, event.ticker, 'tick', this.tick(event))
      case 'trade':
        return this.line(event.ts, event.ticker, 'trade', this.trade(event))
      case 'book':
        return this.line(event.ts, event.ticker, 'book', this.book(event))
      case 'lifecycle':
        return this.line(event.receivedAt, event.ticker, 'life', this.lifecycle(event))
      case 'fill':
        return this.line(event.receivedAt, event.ticker, 'fill', this.fill(event))
      case 'connection':
        return this.connection(event)
    }
  }

  /** The end-of-run line: "1,234 messages in 12.0 s (102.8/s), 14 markets, 1 reconnect". */
  summary(view: SummaryView): string {
    const seconds = view.durationMs / 1000
    const rate = view.ratePerSec ?? (seconds > 0 ? view.messages / seconds : 0)
    const plural = (n: number, word: string) => `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`
    const text = `${plural(view.messages, 'message')} in ${seconds.toFixed(1)} s (${rate.toFixed(1)}/s), ${plural(view.markets, 'market')}, ${plural(view.reconnects, 'reconnect')}${view.droppedLines ? `, ${plural(view.droppedLines, 'output line')} dropped (stdout too slow)` : ''}`
    return this.marker() + this.c.bold(text)
  }

  private tick(t: Tick): string {
    const previous = this.previousOf(t.ticker)
    return `bid ${this.priceColored(previous, 'bid', t.yesBid)}  ask ${this.priceColored(previous, 'ask', t.yesAsk)}  last ${this.priceColored(previous, 'last', t.yesPrice)}  vol ${formatCount(t.volume)}  oi ${formatCount(t.openInterest)}`
  }

  private trade(t: Trade): string {
    const side = t.side === 'yes' ? this.c.green('YES') : this.c.red('NO ')
    return `${side} ${formatCount(t.quantity)} @ ${this.priceColored(this.previousOf(t.ticker), 'trade', t.price)} (no ${formatPrice(t.noPrice)})`
  }

  private book(b: Book): string {
    const top = (levels: Book['yes']) => (levels[0] ? `${formatPrice(levels[0][0])}×${formatCount(levels[0][1])}` : '—')
    const seq = b.seq === undefined ? '' : `  seq ${b.seq}`
    const previous = this.previousOf(b.ticker)
    return `yes ${top(b.yes)}  no ${top(b.no)}  bid ${this.priceColored(previous, 'bid', b.yesBid)}  ask ${this.priceColored(previous, 'ask', b.yesAsk)}  levels ${b.yes.length}/${b.no.length}${seq}`
  }

  private lifecycle(l: Lifecycle): string {
    const result = l.result ? ` result ${l.result}` : ''
    return `${this.c.cyan(l.event)}${result}`
  }

  private fill(f: Fill): string {
    const taker = f.isTaker === undefined ? '' : f.isTaker ? ' taker' : ' maker'
    return `${f.action || 'fill'}${f.side ? ` ${f.side}` : ''} ${formatCount(f.quantity)} @ ${formatPrice(f.price)}${taker}`
  }

  private connection(e: ConnectionEvent): string {
    const colour = e.state === 'connected' ? this.c.green : e.state === 'failed' ? this.c.red : this.c.yellow
    const parts: string[] = [colour(e.state)]
    if (e.url) parts.push(e.url)
    if (e.attempt !== undefined) parts.push(`attempt ${e.attempt}`)
    if (e.connection !== undefined && e.connection > 1) parts.push(`connection ${e.connection}`)
    if (e.delayMs !== undefined) parts.push(`in ${(e.delayMs / 1000).toFixed(1)} s`)
    if (e.handshakeMs !== undefined) parts.push(`handshake ${e.handshakeMs} ms`)
    if (e.reason) parts.push(`(${e.reason})`)
    return `${this.marker()}${this.c.dim(this.time(e.ts))}  ${this.c.bold('connection')} ${parts.join(' ')}`
  }

  private line(ts: number, ticker: string, kind: string, body: string): string {
    if (ticker.length > this.tickerWidth) this.tickerWidth = ticker.length
    return `${this.marker()}${this.c.dim(this.time(ts))}  ${this.c.bold(ticker.padEnd(this.tickerWidth))}  ${kind.padEnd(5)}  ${body}`
  }

  private marker(): string {
    return this.simulated ? simulatedPrefix(this.c) : ''
  }

  private time(ts: number): string {
    const d = new Date(ts)
    if (this.utc) return d.toISOString().slice(11, 23)
    const pad = (n: number, w = 2) => String(n).padStart(w, '0')
    return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
  }

  /** The market's previous prices (one lookup per line: a key per field cost 8% of human output's CPU). */
  private previousOf(ticker: string): Previous {
    let previous = this.previous.get(ticker)
    if (!previous) this.previous.set(ticker, (previous = {}))
    return previous
  }

  /** A price, green if up and red if down against the previous value of the same field for the same market. */
  private priceColored(previous: Previous, field: keyof Previous, dollars: number | undefined): string {
    const text = formatPrice(dollars).padStart(6)
    if (dollars === undefined) return text
    const before = previous[field]
    previous[field] = dollars
    if (before === undefined || before === dollars) return text
    return dollars > before ? this.c.green(text) : this.c.red(text)
  }
}
