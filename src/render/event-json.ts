/**
 * The `--json` line of a market event, written as bytes straight into the writer's buffer: the hot
 * path of `neural stream --json`. On the benchmark's events (books of ~13 levels, ticks, trades;
 * ~240 bytes a line) JSON.stringify and a join took 1.48 µs per event and these writers 0.42 µs,
 * written to /dev/null (same process, same events, on the 2-core benchmark machine): no
 * intermediate strings, small numbers and prices copied from tables, constant text stored eight bytes at
 * a time.
 *
 * The output is exactly JSON.stringify's for the same object: the same fields in the same order,
 * a field whose value is undefined left out, numbers as JavaScript prints them (prices are checked
 * to be exact ten-thousandths before the shortcut is taken), strings escaped by JSON.stringify when
 * they hold anything but printable ASCII. The field order is the order in which the core builds
 * each event (src/core/wire.ts, src/core/order-book.ts; the bus decoder follows it), listed in
 * the *_FIELDS constants, which the compiler checks against src/core/types.ts and the tests check
 * against JSON.stringify (test/render/event-json.test.ts).
 *
 * Connection events are written by JSON.stringify: their fields come in more than one order (they
 * are built with spreads) and there are a handful per run.
 */
import type { Book, ConnectionEvent, Fill, Level, Lifecycle, MarketEvent, Tick, Trade } from '../core/types.js'

/** Fields in output order, per type: every field of the type, so a new one cannot be forgotten. */
export const TICK_FIELDS = ['type', 'ticker', 'yesBid', 'yesAsk', 'yesPrice', 'noPrice', 'volume', 'openInterest', 'lastUpdate', 'receivedAt', 'yesBidSize', 'yesAskSize'] as const satisfies readonly (keyof Tick)[]
export const TRADE_FIELDS = ['type', 'ticker', 'tradeId', 'side', 'quantity', 'price', 'noPrice', 'ts', 'receivedAt', 'isBlockTrade'] as const satisfies readonly (keyof Trade)[]
export const BOOK_FIELDS = ['type', 'ticker', 'yes', 'no', 'yesBid', 'yesAsk', 'noBid', 'noAsk', 'seq', 'ts', 'exchangeTs'] as const satisfies readonly (keyof Book)[]
export const LIFECYCLE_FIELDS = ['type', 'ticker', 'event', 'openTs', 'closeTs', 'determinationTs', 'settledTs', 'result', 'receivedAt', 'settlementValue'] as const satisfies readonly (keyof Lifecycle)[]
export const FILL_FIELDS = ['type', 'ticker', 'tradeId', 'orderId', 'side', 'action', 'isTaker', 'price', 'quantity', 'ts', 'receivedAt', 'feeDollars'] as const satisfies readonly (keyof Fill)[]

type Unlisted<T, L extends readonly (keyof T)[]> = Exclude<keyof T, L[number]>
// Each is `true` only while its list names every field of its type.
const listed: [Unlisted<Tick, typeof TICK_FIELDS>, Unlisted<Trade, typeof TRADE_FIELDS>, Unlisted<Book, typeof BOOK_FIELDS>, Unlisted<Lifecycle, typeof LIFECYCLE_FIELDS>, Unlisted<Fill, typeof FILL_FIELDS>] extends [never, never, never, never, never] ? true : never = true
void listed

/**
 * Constant text as 8-byte words, each written with one DataView store (a third of the time of
 * copying bytes): printable ASCII, so no word is a NaN whose bits a store could change.
 */
interface Words { w0: number; w1: number; w2: number; w3: number; count: number; length: number }
function ascii(text: string): Words {
  if (text.length > 32) throw new Error(`longer than four words: ${text}`)
  const bytes = new Uint8Array(32)
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x20 || c > 0x7e) throw new Error(`not printable ASCII: ${text}`)
    bytes[i] = c
  }
  const view = new DataView(bytes.buffer)
  const word = (i: number) => view.getFloat64(8 * i, true)
  return { w0: word(0), w1: word(1), w2: word(2), w3: word(3), count: Math.ceil(text.length / 8), length: text.length }
}
/** The constant text: each type's opening and each field's `,"name":`. */
const K = {
  ticker: ascii('{"type":"ticker","ticker":'),
  trade: ascii('{"type":"trade","ticker":'),
  book: ascii('{"type":"book","ticker":'),
  lifecycle: ascii('{"type":"lifecycle","ticker":'),
  fill: ascii('{"type":"fill","ticker":'),
  yesBid: ascii(',"yesBid":'),
  yesAsk: ascii(',"yesAsk":'),
  yesPrice: ascii(',"yesPrice":'),
  noPrice: ascii(',"noPrice":'),
  volume: ascii(',"volume":'),
  openInterest: ascii(',"openInterest":'),
  lastUpdate: ascii(',"lastUpdate":'),
  receivedAt: ascii(',"receivedAt":'),
  yesBidSize: ascii(',"yesBidSize":'),
  yesAskSize: ascii(',"yesAskSize":'),
  tradeId: ascii(',"tradeId":'),
  side: ascii(',"side":'),
  quantity: ascii(',"quantity":'),
  price: ascii(',"price":'),
  ts: ascii(',"ts":'),
  isBlockTrade: ascii(',"isBlockTrade":'),
  yes: ascii(',"yes":['),
  no: ascii('],"no":['),
  noBid: ascii(',"noBid":'),
  noAsk: ascii(',"noAsk":'),
  seq: ascii(',"seq":'),
  exchangeTs: ascii(',"exchangeTs":'),
  event: ascii(',"event":'),
  openTs: ascii(',"openTs":'),
  closeTs: ascii(',"closeTs":'),
  determinationTs: ascii(',"determinationTs":'),
  settledTs: ascii(',"settledTs":'),
  result: ascii(',"result":'),
  settlementValue: ascii(',"settlementValue":'),
  orderId: ascii(',"orderId":'),
  action: ascii(',"action":'),
  isTaker: ascii(',"isTaker":'),
  feeDollars: ascii(',"feeDollars":'),
  true: ascii('true'),
  false: ascii('false'),
}

const INITIAL_BYTES = 64 * 1024
/** A chunk's worth: leaves room for the next line (its upper bound) in a buffer of INITIAL_BYTES. */
const CHUNK_BYTES = 48 * 1024
/** Room for a number: JavaScript prints any double in at most 25 characters (-0.0000012345678901234567). */
const NUMBER_BYTES = 32
/** Most bytes of the fixed parts of a line of each type (keys, punctuation, booleans), with room to spare. */
const FIXED_BYTES = 256
/** Most bytes of a string: every UTF-16 unit escaped (\\u001f) or three bytes of UTF-8, and the quotes. */
function stringBytes(s: string): number {
  if (typeof s !== 'string') throw NOT_PLAIN
  return 6 * s.length + 2
}
/** Most bytes of a book side: `,[` `,` `]` and two numbers per level. */
function levelBytes(levels: readonly Level[]): number {
  if (!Array.isArray(levels)) throw NOT_PLAIN
  return levels.length * (4 + 2 * NUMBER_BYTES)
}

/** Word stores may write up to this many bytes past the end of what they write (later writes cover them). */
const OVERSHOOT = 16

const viewOf = (buf: Buffer): DataView => new DataView(buf.buffer, buf.byteOffset, buf.length)

/** Thrown by the writers when a value is not of its field's type: the line is then made by JSON.stringify. */
const NOT_PLAIN = new Error('not a plain event')

/**
 * NDJSON lines as bytes, handed over as one Buffer per flush (a chunk of 48 KiB at most, unless the
 * stream is not taking them). A handed-over Buffer is the stream's until it is given back with
 * release(): the next lines go to a spare one, or a new one.
 */
export class LineBuffer {
  private buf: Buffer = Buffer.allocUnsafe(INITIAL_BYTES)
  private view = viewOf(this.buf)
  private spare: Buffer | undefined
  /** Bytes written since the last take(). */
  pos = 0

  /** True once a chunk's worth is written: time to hand it to the stream. */
  get full(): boolean {
    return this.pos >= CHUNK_BYTES
  }

  /** Everything written since the last take(), or undefined when nothing was. */
  take(): Buffer | undefined {
    if (this.pos === 0) return undefined
    const chunk = this.buf.subarray(0, this.pos)
    this.buf = this.spare ?? Buffer.allocUnsafe(INITIAL_BYTES)
    this.spare = undefined
    this.view = viewOf(this.buf)
    this.pos = 0
    return chunk
  }

  /**
   * A chunk from take() that the stream is done with (the OS has its bytes), to be written over:
   * a new 64 KiB buffer per chunk cost 5% of stream --json's CPU in the benchmark.
   */
  release(chunk: Buffer): void {
    if (chunk.byteOffset === 0 && chunk.buffer.byteLength === INITIAL_BYTES) this.spare = Buffer.from(chunk.buffer)
  }

  /** Forget what was written after `pos` (a line that is dropped after all). */
  rewind(pos: number): void {
    this.pos = pos
  }

  /** Text of any kind, as UTF-8. */
  text(text: string): void {
    this.room(text.length * 3)
    this.pos += this.buf.write(text, this.pos, 'utf8')
  }

  newline(): void {
    this.room(1)
    this.buf[this.pos++] = 10
  }

  /** A market event's line, without the newline: as JSON.stringify(e) would make it. */
  event(e: MarketEvent | ConnectionEvent): void {
    const start = this.pos
    try {
      switch (e.type) {
        case 'ticker':
          this.room(OVERSHOOT + FIXED_BYTES + 10 * NUMBER_BYTES + stringBytes(e.ticker))
          this.pos = tick(this.buf, this.view, start, e)
          return
        case 'trade':
          this.room(OVERSHOOT + FIXED_BYTES + 6 * NUMBER_BYTES + stringBytes(e.ticker) + stringBytes(e.tradeId ?? '') + stringBytes(e.side))
          this.pos = trade(this.buf, this.view, start, e)
          return
        case 'book':
          this.room(OVERSHOOT + FIXED_BYTES + 7 * NUMBER_BYTES + stringBytes(e.ticker) + levelBytes(e.yes) + levelBytes(e.no))
          this.pos = book(this.buf, this.view, start, e)
          return
        case 'lifecycle':
          this.room(OVERSHOOT + FIXED_BYTES + 6 * NUMBER_BYTES + stringBytes(e.ticker) + stringBytes(e.event) + stringBytes(e.result ?? ''))
          this.pos = lifecycle(this.buf, this.view, start, e)
          return
        case 'fill':
          this.room(OVERSHOOT + FIXED_BYTES + 5 * NUMBER_BYTES + stringBytes(e.ticker) + stringBytes(e.tradeId ?? '') + stringBytes(e.orderId ?? '') + stringBytes(e.side ?? '') + stringBytes(e.action))
          this.pos = fill(this.buf, this.view, start, e)
          return
      }
    } catch (error) {
      // A value of an unexpected type (undefined where a string should be, a level of three numbers...): no shortcut.
      if (error !== NOT_PLAIN && !(error instanceof TypeError)) throw error
    }
    this.pos = start
    this.text(JSON.stringify(e))
  }

  /** Make room for `n` more bytes. */
  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n))
    this.buf.copy(bigger, 0, 0, this.pos)
    this.buf = bigger
    this.view = viewOf(bigger)
  }
}

// The writers below take the buffer and a position, with room made for the whole line, and return
// the position after what they wrote: kept in a local, the position costs nothing per byte.

function tick(buf: Buffer, view: DataView, p: number, t: Tick): number {
  p = key(view, p, K.ticker)
  p = string(buf, p, t.ticker)
  if (t.yesBid !== undefined) p = price(buf, view, key(view, p, K.yesBid), t.yesBid)
  if (t.yesAsk !== undefined) p = price(buf, view, key(view, p, K.yesAsk), t.yesAsk)
  if (t.yesPrice !== undefined) p = price(buf, view, key(view, p, K.yesPrice), t.yesPrice)
  if (t.noPrice !== undefined) p = price(buf, view, key(view, p, K.noPrice), t.noPrice)
  if (t.volume !== undefined) p = number(buf, view, key(view, p, K.volume), t.volume)
  if (t.openInterest !== undefined) p = number(buf, view, key(view, p, K.openInterest), t.openInterest)
  p = number(buf, view, key(view, p, K.lastUpdate), t.lastUpdate)
  p = number(buf, view, key(view, p, K.receivedAt), t.receivedAt)
  if (t.yesBidSize !== undefined) p = number(buf, view, key(view, p, K.yesBidSize), t.yesBidSize)
  if (t.yesAskSize !== undefined) p = number(buf, view, key(view, p, K.yesAskSize), t.yesAskSize)
  buf[p++] = 125 // }
  return p
}

function trade(buf: Buffer, view: DataView, p: number, t: Trade): number {
  p = key(view, p, K.trade)
  p = string(buf, p, t.ticker)
  if (t.tradeId !== undefined) p = string(buf, key(view, p, K.tradeId), t.tradeId)
  p = string(buf, key(view, p, K.side), t.side)
  p = number(buf, view, key(view, p, K.quantity), t.quantity)
  p = price(buf, view, key(view, p, K.price), t.price)
  p = price(buf, view, key(view, p, K.noPrice), t.noPrice)
  p = number(buf, view, key(view, p, K.ts), t.ts)
  p = number(buf, view, key(view, p, K.receivedAt), t.receivedAt)
  if (t.isBlockTrade !== undefined) p = boolean(view, key(view, p, K.isBlockTrade), t.isBlockTrade)
  buf[p++] = 125
  return p
}

function book(buf: Buffer, view: DataView, p: number, b: Book): number {
  p = key(view, p, K.book)
  p = string(buf, p, b.ticker)
  p = levels(buf, view, key(view, p, K.yes), b.yes)
  p = levels(buf, view, key(view, p, K.no), b.no)
  buf[p++] = 93 // ]
  if (b.yesBid !== undefined) p = price(buf, view, key(view, p, K.yesBid), b.yesBid)
  if (b.yesAsk !== undefined) p = price(buf, view, key(view, p, K.yesAsk), b.yesAsk)
  if (b.noBid !== undefined) p = price(buf, view, key(view, p, K.noBid), b.noBid)
  if (b.noAsk !== undefined) p = price(buf, view, key(view, p, K.noAsk), b.noAsk)
  if (b.seq !== undefined) p = number(buf, view, key(view, p, K.seq), b.seq)
  p = number(buf, view, key(view, p, K.ts), b.ts)
  if (b.exchangeTs !== undefined) p = number(buf, view, key(view, p, K.exchangeTs), b.exchangeTs)
  buf[p++] = 125
  return p
}

function lifecycle(buf: Buffer, view: DataView, p: number, l: Lifecycle): number {
  p = key(view, p, K.lifecycle)
  p = string(buf, p, l.ticker)
  p = string(buf, key(view, p, K.event), l.event)
  if (l.openTs !== undefined) p = number(buf, view, key(view, p, K.openTs), l.openTs)
  if (l.closeTs !== undefined) p = number(buf, view, key(view, p, K.closeTs), l.closeTs)
  if (l.determinationTs !== undefined) p = number(buf, view, key(view, p, K.determinationTs), l.determinationTs)
  if (l.settledTs !== undefined) p = number(buf, view, key(view, p, K.settledTs), l.settledTs)
  if (l.result !== undefined) p = string(buf, key(view, p, K.result), l.result)
  p = number(buf, view, key(view, p, K.receivedAt), l.receivedAt)
  if (l.settlementValue !== undefined) p = price(buf, view, key(view, p, K.settlementValue), l.settlementValue)
  buf[p++] = 125
  return p
}

function fill(buf: Buffer, view: DataView, p: number, f: Fill): number {
  p = key(view, p, K.fill)
  p = string(buf, p, f.ticker)
  if (f.tradeId !== undefined) p = string(buf, key(view, p, K.tradeId), f.tradeId)
  if (f.orderId !== undefined) p = string(buf, key(view, p, K.orderId), f.orderId)
  if (f.side !== undefined) p = string(buf, key(view, p, K.side), f.side)
  p = string(buf, key(view, p, K.action), f.action)
  if (f.isTaker !== undefined) p = boolean(view, key(view, p, K.isTaker), f.isTaker)
  p = price(buf, view, key(view, p, K.price), f.price)
  p = number(buf, view, key(view, p, K.quantity), f.quantity)
  p = number(buf, view, key(view, p, K.ts), f.ts)
  p = number(buf, view, key(view, p, K.receivedAt), f.receivedAt)
  if (f.feeDollars !== undefined) p = number(buf, view, key(view, p, K.feeDollars), f.feeDollars)
  buf[p++] = 125
  return p
}

/** `[[p,q],[p,q]...` without the closing bracket (the key brought the opening one). */
function levels(buf: Buffer, view: DataView, p: number, levels: readonly Level[]): number {
  if (!Array.isArray(levels)) throw NOT_PLAIN
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!
    if (!Array.isArray(level) || level.length !== 2) throw NOT_PLAIN
    if (i > 0) buf[p++] = 44 // ,
    buf[p++] = 91 // [
    p = price(buf, view, p, level[0])
    buf[p++] = 44
    p = number(buf, view, p, level[1])
    buf[p++] = 93 // ]
  }
  return p
}

function key(view: DataView, p: number, k: Words): number {
  // Unrolled: at most four words, and each call site always takes the same branches.
  view.setFloat64(p, k.w0, true)
  if (k.count > 1) {
    view.setFloat64(p + 8, k.w1, true)
    if (k.count > 2) {
      view.setFloat64(p + 16, k.w2, true)
      if (k.count > 3) view.setFloat64(p + 24, k.w3, true)
    }
  }
  return p + k.length
}

function boolean(view: DataView, p: number, b: boolean): number {
  if (b === true) return key(view, p, K.true)
  if (b === false) return key(view, p, K.false)
  throw NOT_PLAIN
}

/** A JSON string: printable ASCII is copied as is, anything else is left to JSON.stringify. */
function string(buf: Buffer, p: number, s: string): number {
  if (typeof s !== 'string') throw NOT_PLAIN
  const start = p
  buf[p++] = 34 // "
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x20 || c === 0x22 || c === 0x5c || c > 0x7e) return start + buf.write(JSON.stringify(s), start, 'utf8')
    buf[p++] = c
  }
  buf[p++] = 34
  return p
}

/** A price that is a whole number of ten-thousandths of a dollar (as the core holds every price) comes from a table of how JavaScript prints each. */
function price(buf: Buffer, view: DataView, p: number, dollars: number): number {
  const units = Math.round(dollars * 10_000)
  if (!(units >= 0 && units <= 10_000 && units / 10_000 === dollars)) return otherNumber(buf, p, dollars)
  // Whole cents (most prices) from a table of 101 words rather than the 10,001 of the full one.
  if (units % 100 === 0) {
    view.setFloat64(p, CENTS.words[units / 100]!, true)
    return p + CENTS.lengths[units / 100]!
  }
  const table = prices ?? priceTable()
  view.setFloat64(p, table.words[units]!, true)
  return p + table.lengths[units]!
}

/** How JavaScript prints each whole-cent price from 0 to 1. */
const CENTS = (() => {
  const words = new Float64Array(101)
  const lengths = new Uint8Array(101)
  for (let cents = 0; cents <= 100; cents++) {
    const text = ascii(String((cents * 100) / 10_000))
    words[cents] = text.w0
    lengths[cents] = text.length
  }
  return { words, lengths }
})()

let prices: { words: Float64Array; lengths: Uint8Array } | undefined

/** How JavaScript prints units / 10000 for every price from 0 to 1 ("0.0005" at most: one word each), built on first use. */
function priceTable(): { words: Float64Array; lengths: Uint8Array } {
  const words = new Float64Array(10_001)
  const lengths = new Uint8Array(10_001)
  for (let units = 0; units <= 10_000; units++) {
    const text = ascii(String(units / 10_000))
    words[units] = text.w0
    lengths[units] = text.length
  }
  return (prices = { words, lengths })
}

/** Whole numbers (counts, epoch milliseconds, seq) digit by digit; anything else as JavaScript prints it. */
function number(buf: Buffer, view: DataView, p: number, n: number): number {
  if (!(n >= 0 && n <= Number.MAX_SAFE_INTEGER && Math.floor(n) === n)) return otherNumber(buf, p, n)
  if (n < 1000) {
    view.setUint32(p, SMALL.words[n]!, true)
    return p + SMALL.lengths[n]!
  }
  if (n < 1_000_000_000) return digits(buf, p, n | 0, 0)
  // Epoch milliseconds: the events of one read share their receive time, and exchange times repeat.
  if (n === recent[0]) return copyRecent(buf, view, p, 0)
  if (n === recent[1]) return copyRecent(buf, view, p, 1)
  // Beyond 2^31 the digits come in two parts, each within the fast integer range.
  const high = Math.floor(n / 1_000_000_000)
  const end = digits(buf, digits(buf, p, high, 0), n - high * 1_000_000_000, 9)
  const slot = nextRecent
  nextRecent = 1 - slot
  recent[slot] = n
  recentLengths[slot] = end - p
  for (let i = p, to = slot * 16; i < end; i++) recentText[to++] = buf[i]!
  return end
}

/** The digits of 0..999 as four-byte words (quantities are mostly this small): a 4 KiB table instead of a loop per digit. */
const SMALL = (() => {
  const words = new Uint32Array(1000)
  const lengths = new Uint8Array(1000)
  for (let n = 0; n < 1000; n++) {
    const text = String(n)
    let word = 0
    for (let i = 0; i < text.length; i++) word |= text.charCodeAt(i) << (8 * i)
    words[n] = word >>> 0
    lengths[n] = text.length
  }
  return { words, lengths }
})()

/** The last two large numbers written, and their digits (16 bytes, two words, each). */
const recent = new Float64Array([-1, -1])
const recentLengths = new Uint8Array(2)
const recentText = new Uint8Array(32)
const recentView = new DataView(recentText.buffer)
let nextRecent = 0

function copyRecent(buf: Buffer, view: DataView, p: number, slot: number): number {
  // Digits and zeros only: neither word is a NaN.
  view.setFloat64(p, recentView.getFloat64(16 * slot, true), true)
  view.setFloat64(p + 8, recentView.getFloat64(16 * slot + 8, true), true)
  return p + recentLengths[slot]!
}

/** Writes the decimal digits of 0 ≤ n < 10^9 at `p`, left-padded with zeros to `width`. */
function digits(buf: Buffer, p: number, n: number, width: number): number {
  // Kept in int32 throughout: a division by 10 is then a multiplication (a double crept in once and tripled the cost).
  let rest = n | 0
  let count = rest < 10 ? 1 : rest < 100 ? 2 : rest < 1000 ? 3 : rest < 10_000 ? 4 : rest < 100_000 ? 5 : rest < 1_000_000 ? 6 : rest < 10_000_000 ? 7 : rest < 100_000_000 ? 8 : 9
  if (count < width) count = width
  for (let d = count - 1; d >= 0; d--) {
    const next = (rest / 10) | 0
    buf[p + d] = 48 + rest - next * 10
    rest = next
  }
  return p + count
}

/** A number as JSON.stringify prints it (null for NaN and ±Infinity). */
function otherNumber(buf: Buffer, p: number, n: number): number {
  if (typeof n !== 'number') throw NOT_PLAIN
  return p + buf.write(Number.isFinite(n) ? String(n) : 'null', p, 'latin1')
}

