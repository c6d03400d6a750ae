/**
 * A strict reader of flat JSON frames, straight from the socket's bytes: `{..., "msg": {...}}` whose
 * values are strings, numbers, true, false and null, and nothing nested but `msg`. It keeps where
 * each field wire.ts asks for lies in the Buffer and builds no strings and no objects; the readers
 * below turn a field into what the decoders need (price units, an integer, a side) without a
 * string in between.
 *
 * It gives up (scanFrame returns false) on anything else: an escape or a control character in a
 * string, an array, another nested object, a second `msg`, input that is not JSON. wire.ts then
 * decodes the frame with JSON.parse, which stays the definition: every frame this reader takes must
 * decode exactly as JSON.parse would have it (test/core/frame-scan.test.ts, on Kalshi's own frames
 * and on random mutations of them).
 *
 * Why: JSON.parse of the frame's text was about a third of the benchmark client's CPU (half of the
 * strategy path's without the socket), most of it building strings and properties nobody reads
 * (market_id, time, dollar_volume); the decimal strings it did build were parsed again into integers.
 * Read from bytes, a frame costs ~1.1 us against ~1.9 us for the text and its JSON.parse (README,
 * "Where the strategy path's time goes").
 */

/** The fields of `msg` a reader can ask for (what parseTick, parseTrade and parseDelta read). */
export const FIELDS = [
  'market_ticker', 'price_dollars', 'price', 'volume_fp', 'volume', 'open_interest_fp', 'open_interest',
  'yes_bid_dollars', 'yes_bid', 'yes_ask_dollars', 'yes_ask', 'yes_bid_size_fp', 'yes_ask_size_fp',
  'ts_ms', 'ts', 'side', 'delta_fp', 'delta', 'yes_price_dollars', 'yes_price', 'no_price_dollars', 'no_price',
  'count_fp', 'count', 'taker_outcome_side', 'taker_book_side', 'taker_side', 'trade_id', 'is_block_trade',
] as const

/** Field numbers, by name: F.price_dollars is the index of 'price_dollars' in FIELDS. */
export const F = Object.fromEntries(FIELDS.map((name, id) => [name, id])) as { readonly [K in (typeof FIELDS)[number]]: number }

/** Top-level fields: the envelope. */
export const TYPE = FIELDS.length
export const SID = TYPE + 1
export const SEQ = TYPE + 2
const MSG = TYPE + 3
const TOP = ['type', 'sid', 'seq', 'msg']

/** What a field held; ABSENT when the frame did not have it. */
export const ABSENT = 0
export const STRING = 1
export const NUMBER = 2
export const TRUE = 3
export const FALSE = 4
export const NULL = 5

const SLOTS = MSG + 1
/** Per field: its kind, and where its value lies (a string's content without the quotes). */
const kinds = new Uint8Array(SLOTS)
const starts = new Int32Array(SLOTS)
const ends = new Int32Array(SLOTS)
const NO_BYTES = Buffer.alloc(0)
/** The frame being read; let go by release() (a socket's Buffer is a view of its whole read). */
let bytes: Buffer = NO_BYTES

// Keys are found without making a string: their length and first and last bytes index an
// open-addressed table, and a hit is compared byte by byte.
const TABLE_SIZE = 256
const MASK = TABLE_SIZE - 1
const msgTable = new Int16Array(TABLE_SIZE).fill(-1)
const topTable = new Int16Array(TABLE_SIZE).fill(-1)
const keyBytes: Uint8Array[] = [...FIELDS, ...TOP].map((k) => Buffer.from(k, 'latin1'))

function hashOf(length: number, first: number, last: number): number {
  return (length * 7 + first * 3 + last) & MASK
}

function fill(table: Int16Array, first: number, count: number): void {
  for (let id = first; id < first + count; id++) {
    const key = keyBytes[id]!
    let slot = hashOf(key.length, key[0]!, key[key.length - 1]!)
    while (table[slot] !== -1) slot = (slot + 1) & MASK
    table[slot] = id
  }
}
fill(msgTable, 0, FIELDS.length)
fill(topTable, TYPE, TOP.length)

/** Whether `b` holds `word` at `at` (bytes past its end hold nothing). */
function sameBytes(b: Uint8Array, at: number, word: Uint8Array): boolean {
  for (let j = 0; j < word.length; j++) if (b[at + j] !== word[j]) return false
  return true
}

function lookup(table: Int16Array, b: Uint8Array, start: number, end: number): number {
  if (end === start) return -1
  let slot = hashOf(end - start, b[start]!, b[end - 1]!)
  for (;;) {
    const id = table[slot]!
    if (id === -1) return -1
    const key = keyBytes[id]!
    if (key.length === end - start && sameBytes(b, start, key)) return id
    slot = (slot + 1) & MASK
  }
}

// The token just read: one object, so the hot functions return a single number (the position after
// the token, or -1) and allocate nothing.
const token = { start: 0, end: 0, kind: 0 }

function skipSpace(b: Uint8Array, i: number): number {
  for (;;) {
    const c = b[i]!
    if (c > 32 || (c !== 32 && c !== 10 && c !== 13 && c !== 9)) return i
    i++
  }
}

/**
 * Bytes that end or spoil a string: the quote, the backslash (an escape, which JSON.parse must
 * decode) and control characters (not allowed in JSON strings). One table load per byte.
 */
const SPECIAL = new Uint8Array(256)
for (let c = 0; c < 32; c++) SPECIAL[c] = 1
SPECIAL[34] = 1
SPECIAL[92] = 1

/** A string at the quote at `i`: the position after its closing quote, or -1 (an escape, a control character, no end). */
function scanString(b: Uint8Array, i: number): number {
  const n = b.length
  let j = i + 1
  while (j < n && SPECIAL[b[j]!] === 0) j++
  if (b[j] !== 34) return -1
  token.start = i + 1
  token.end = j
  return j + 1
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 48 && c <= 57
}

/** A number by RFC 8259's grammar. */
function scanNumber(b: Uint8Array, i: number): number {
  const start = i
  if (b[i] === 45) i++
  if (b[i] === 48) i++
  else if (isDigit(b[i])) while (isDigit(b[i])) i++
  else return -1
  if (b[i] === 46) {
    i++
    if (!isDigit(b[i])) return -1
    while (isDigit(b[i])) i++
  }
  if (b[i] === 101 || b[i] === 69) {
    i++
    if (b[i] === 43 || b[i] === 45) i++
    if (!isDigit(b[i])) return -1
    while (isDigit(b[i])) i++
  }
  token.start = start
  token.end = i
  return i
}

function scanLiteral(b: Uint8Array, i: number, word: Uint8Array, kind: number): number {
  if (!sameBytes(b, i, word)) return -1
  token.kind = kind
  token.start = i
  token.end = i + word.length
  return i + word.length
}
const TRUE_BYTES = Buffer.from('true')
const FALSE_BYTES = Buffer.from('false')
const NULL_BYTES = Buffer.from('null')

/** A string, number, true, false or null; an object or an array gives up. */
function scanScalar(b: Uint8Array, i: number): number {
  const c = b[i]
  if (c === 34) {
    token.kind = STRING
    return scanString(b, i)
  }
  if (c === 45 || isDigit(c)) {
    token.kind = NUMBER
    return scanNumber(b, i)
  }
  if (c === 116) return scanLiteral(b, i, TRUE_BYTES, TRUE)
  if (c === 102) return scanLiteral(b, i, FALSE_BYTES, FALSE)
  if (c === 110) return scanLiteral(b, i, NULL_BYTES, NULL)
  return -1
}

function keep(id: number): void {
  // A repeated key takes its last value, as in JSON.parse.
  kinds[id] = token.kind
  starts[id] = token.start
  ends[id] = token.end
}

// Kalshi writes each message type's keys in one order, so the key at each position is most likely
// the one the last frame of its type had there (V8's JSON.parse makes the same bet). A key that
// matches the remembered bytes, closing quote included, is known in one pass with no lookup; any
// other is scanned, looked up and remembered. A shape is one such list of keys: the envelope up to
// its type, the rest of the envelope per type, and `msg` per type.
const MAX_KEYS = 32
const SHAPE_ENVELOPE = 0
/** The types this reader decodes; `frameType()` gives one of these, or OTHER. */
export const TICKER = 1
export const TRADE = 2
export const DELTA = 3
export const OTHER = 4
/** Type names by type: their lengths differ, so the length picks the one to compare. */
const TYPE_NAMES = [Buffer.alloc(0), Buffer.from('ticker'), Buffer.from('trade'), Buffer.from('orderbook_delta')]
/** Once its type is read, the rest of an envelope has a shape of its own (a delta's has seq, a ticker's not). */
const SHAPE_ENVELOPE_OF = 4
const SHAPES = SHAPE_ENVELOPE_OF + OTHER + 1
const expectedKey: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(SHAPES * MAX_KEYS).fill(undefined)
const expectedId = new Int16Array(SHAPES * MAX_KEYS)
let type = OTHER

/** The key at the quote at `i`: the position after it, its field number in `keyId`. `slot` is its place in a shape, or -1. */
function scanKeyAt(b: Uint8Array, i: number, table: Int16Array, slot: number): number {
  const expected = slot >= 0 ? expectedKey[slot] : undefined
  if (expected !== undefined) {
    // Written out rather than sameBytes: this runs for every key of every frame, and the call cost
    // ~3% of ingest (measured side by side).
    const n = expected.length
    let j = 0
    while (j < n && b[i + 1 + j] === expected[j]) j++
    if (j === n && b[i + 1 + n] === 34) {
      keyId = expectedId[slot]!
      return i + n + 2
    }
  }
  const end = scanString(b, i)
  if (end < 0) return -1
  keyId = lookup(table, b, token.start, token.end)
  if (slot >= 0) {
    expectedKey[slot] = new Uint8Array(b.subarray(token.start, token.end))
    expectedId[slot] = keyId
  }
  return end
}
/** The field number of the key scanKeyAt just read, -1 for one nobody reads. */
let keyId = -1

function typeOf(start: number, end: number): number {
  const n = end - start
  const t = n === 6 ? TICKER : n === 5 ? TRADE : n === 15 ? DELTA : OTHER
  return t !== OTHER && sameBytes(bytes, start, TYPE_NAMES[t]!) ? t : OTHER
}

/** `{ key: scalar, ... }` at `i`, keeping the fields `table` knows; the envelope's `msg` holds one object. */
function scanObject(b: Uint8Array, i: number, table: Int16Array, shape: number): number {
  i = skipSpace(b, i + 1)
  if (b[i] === 125) return i + 1
  for (let k = 0; ; k++) {
    if (b[i] !== 34) return -1
    const keyShape = shape === SHAPE_ENVELOPE && type !== OTHER ? SHAPE_ENVELOPE_OF + type : shape
    i = scanKeyAt(b, i, table, k < MAX_KEYS ? keyShape * MAX_KEYS + k : -1)
    if (i < 0) return -1
    const id = keyId
    // Whitespace is looked for only where the expected byte is not (Kalshi's frames have none).
    if (b[i] !== 58) {
      i = skipSpace(b, i)
      if (b[i] !== 58) return -1
    }
    i = skipSpace(b, i + 1)
    if (id === MSG) {
      // A second msg would replace the first whole, which the slots cannot say.
      if (kinds[MSG] !== ABSENT || b[i] !== 123) return -1
      kinds[MSG] = NULL
      i = scanObject(b, i, msgTable, type)
    } else {
      i = scanScalar(b, i)
      if (id >= 0 && i >= 0) {
        keep(id)
        if (id === TYPE) type = token.kind === STRING ? typeOf(token.start, token.end) : OTHER
      }
    }
    if (i < 0) return -1
    let c = b[i]
    if (c !== 44 && c !== 125) {
      i = skipSpace(b, i)
      c = b[i]
    }
    if (c === 125) return i + 1
    if (c !== 44) return -1
    i++
    if (b[i] !== 34) i = skipSpace(b, i)
  }
}

/**
 * Read one frame. True when it is a flat frame with a `msg` object and a string `type`; the readers
 * below then answer for its fields (until the next call).
 */
export function scanFrame(b: Buffer): boolean {
  kinds.fill(ABSENT)
  bytes = b
  type = OTHER
  let i = skipSpace(b, 0)
  if (b[i] !== 123) return false
  i = scanObject(b, i, topTable, SHAPE_ENVELOPE)
  return i >= 0 && skipSpace(b, i) === b.length && kinds[MSG] !== ABSENT && kinds[TYPE] === STRING
}

/** Forget the frame, once its fields are read. */
export function release(): void {
  bytes = NO_BYTES
}

/** The frame's type (the last `type` key's, as JSON.parse would keep): TICKER, TRADE, DELTA or OTHER. */
export function frameType(): number {
  return type
}

export function kindOf(id: number): number {
  return kinds[id]!
}

/** Whether a string field's content is exactly `text` (ASCII). */
export function stringIs(id: number, text: Uint8Array): boolean {
  if (kinds[id] !== STRING) return false
  return ends[id]! - starts[id]! === text.length && sameBytes(bytes, starts[id]!, text)
}

/** A string field as JSON.parse gives it (the frame holds no escapes), or undefined for another kind. */
export function stringOf(id: number): string | undefined {
  if (kinds[id] !== STRING) return undefined
  const start = starts[id]!
  const end = ends[id]!
  for (let j = start; j < end; j++) if (bytes[j]! >= 0x80) return bytes.toString('utf8', start, end)
  return bytes.toString('latin1', start, end)
}

// Market tickers repeat on every frame of their market: keeping one string per ticker, found again by
// its bytes, spares making a string per frame (Buffer#toString's argument handling cost more than the
// copy) and, downstream, hashing each new string in every Map it is looked up in (store, books,
// health, routes, the strategies' own). A direct-mapped table: a colliding ticker replaces the one
// in its slot, so memory stays bounded whatever comes.
const INTERN_SLOTS = 8192
const interned: (string | undefined)[] = new Array<string | undefined>(INTERN_SLOTS).fill(undefined)

/** A string field as stringOf gives it, and for the same ASCII bytes (up to 64) the same string object as last time. */
export function internedOf(id: number): string | undefined {
  if (kinds[id] !== STRING) return undefined
  const start = starts[id]!
  const end = ends[id]!
  if (end - start > 64) return stringOf(id)
  // The slot from the length and the last bytes, where tickers differ (a ticker that shares them
  // with another only takes its slot); the comparison below decides.
  let h = end - start
  for (let j = Math.max(start, end - 12); j < end; j++) h = (Math.imul(h, 31) + bytes[j]!) | 0
  const slot = h & (INTERN_SLOTS - 1)
  const known = interned[slot]
  if (known !== undefined && known.length === end - start) {
    // A kept string is ASCII, so equal bytes mean equal text.
    let j = 0
    while (j < known.length && known.charCodeAt(j) === bytes[start + j]) j++
    if (j === known.length) return known
  }
  // Not ASCII: UTF-8, for stringOf.
  for (let j = start; j < end; j++) if (bytes[j]! >= 0x80) return stringOf(id)
  const text = bytes.toString('latin1', start, end)
  interned[slot] = text
  return text
}

/** A number field's value, the double JSON.parse gives (plain digits are read by hand). */
export function numberOf(id: number): number {
  const start = starts[id]!
  const end = ends[id]!
  if (end - start <= 15) {
    let v = 0
    let j = start
    for (; j < end; j++) {
      const c = bytes[j]!
      if (c < 48 || c > 57) break
      v = v * 10 + (c - 48)
    }
    if (j === end) return v
  }
  return Number(bytes.toString('latin1', start, end))
}

const POW10 = [1, 10, 100, 1000, 10000, 100000]

/**
 * A string field in the canonical decimal form ("0.5600", "-67.00": a sign, 1-9 digits, a point and
 * at most `decimals` digits) as an integer of 10^-decimals, exactly as wire.ts's decimalToUnits
 * reads it; undefined for any other content (the caller gives up: decimalToUnits would go on to
 * parseScaled, which is not copied here).
 */
export function decimalOf(id: number, decimals: number): number | undefined {
  const end = ends[id]!
  const negative = bytes[starts[id]!] === 45
  const first = negative ? starts[id]! + 1 : starts[id]!
  let i = first
  let whole = 0
  while (i < end) {
    const c = bytes[i]!
    if (c < 48 || c > 57) break
    whole = whole * 10 + (c - 48)
    i++
  }
  if (i === first || i - first > 9) return undefined
  let frac = 0
  let digits = 0
  if (i < end) {
    if (bytes[i] !== 46) return undefined
    i++
    while (i < end) {
      const c = bytes[i]!
      if (c < 48 || c > 57 || digits === decimals) return undefined
      frac = frac * 10 + (c - 48)
      digits++
      i++
    }
  }
  const v = whole * POW10[decimals]! + frac * POW10[decimals - digits]!
  return negative ? -v : v
}

/** A field as JSON.parse gives it: undefined when absent. */
export function valueOf(id: number): string | number | boolean | null | undefined {
  switch (kinds[id]) {
    case ABSENT:
      return undefined
    case STRING:
      return stringOf(id)
    case NUMBER:
      return numberOf(id)
    case TRUE:
      return true
    case FALSE:
      return false
    default:
      return null
  }
}
