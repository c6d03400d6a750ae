/**
 * The byte reader (src/core/frame-scan.ts) against its definition: on any input, parseFrame of the
 * socket's bytes must give exactly what JSON.parse's path gives for the same bytes. Checked on
 * Kalshi's own frames (test/fixtures/kalshi) and on tens of thousands of seeded random mutations of
 * them; and the reader must actually take the frames of a busy stream, or the equality says nothing.
 */
import { expect } from 'chai'
import { deepStrictEqual } from 'node:assert'
import { readFileSync } from 'node:fs'
import { scanFrame } from '../../src/core/frame-scan.js'
import { createRandom as random } from '../../src/sim/random.js'
import { parseFrame, parseParsed } from '../../src/core/wire.js'

const FIXTURES = new URL('../fixtures/kalshi/', import.meta.url)
const lines = (file: string): string[] => readFileSync(new URL(file, FIXTURES), 'utf8').trim().split('\n')
const KALSHI = [...lines('asyncapi-examples.jsonl'), ...lines('recorded-frames.jsonl')]
const AT = 1_800_000_000_000

/** The simulator's current-generation frames (bench and sim write these shapes), and older or rarer forms. */
const MORE = [
  '{"type":"orderbook_delta","sid":3,"seq":501,"sent_at_ms":1,"msg":{"market_ticker":"KXSIMBENCH-25SEP07-E001-M00057","market_id":"4ffc1149-8f51-4eb9-a50c-c55745f78bc2","price_dollars":"0.1800","delta_fp":"26.00","side":"no","ts":"2026-12-06T18:21:21.484Z","ts_ms":1796581281484}}',
  '{"type":"ticker","sid":1,"sent_at_ms":1,"msg":{"market_id":"4ffc1149-8f51-4eb9-a50c-c55745f78bc2","market_ticker":"KXSIMBENCH-25SEP07-E001-M00057","price_dollars":"0.0000","yes_bid_dollars":"0.8000","yes_ask_dollars":"0.8200","volume_fp":"0.00","open_interest_fp":"0.00","dollar_volume":0,"dollar_open_interest":0,"yes_bid_size_fp":"182.00","yes_ask_size_fp":"148.00","last_trade_size_fp":"0.00","ts":1796581281,"ts_ms":1796581281484,"time":"2026-12-06T18:21:21.484Z"}}',
  '{"type":"trade","sid":2,"msg":{"trade_id":"d91bc706-ee49-470d-82d8-11418bda6fed","market_ticker":"KXNFLGAME-25SEP04DALPHI-PHI","yes_price_dollars":"0.3600","no_price_dollars":"0.6400","count_fp":"136.00","taker_outcome_side":"no","taker_book_side":"ask","is_block_trade":false,"ts":1669149841,"ts_ms":1669149841000}}',
  '{"type":"trade","sid":2,"seq":9,"msg":{"market_ticker":"KXNFLGAME-25SEP04DALPHI-DAL","yes_price":36,"no_price":64,"count":136,"taker_side":"yes","ts":1669149841}}',
  '{"type":"ticker","sid":1,"msg":{"market_ticker":"FED-23DEC-T3.00","price":48,"yes_bid":47,"yes_ask":49,"volume":3000,"open_interest":1200,"ts":1669149841}}',
  '{"type":"orderbook_delta","sid":2,"seq":3,"msg":{"market_ticker":"FED-23DEC-T3.00","price_dollars":"0.960","delta_fp":"-54.00","side":"yes","ts":"2022-11-22T20:44:01Z"}}',
  ' { "type" : "ticker" , "sid" : 1 , "msg" : { "market_ticker" : "A-B-1" , "price_dollars" : "0.5600" , "ts_ms" : 1 } } ',
  '{"msg":{"market_ticker":"A-B-1","price_dollars":"0.5600","delta_fp":"-1.00","side":"yes"},"seq":4,"sid":2,"type":"orderbook_delta"}',
  '{"type":"subscribed","id":1,"msg":{"channel":"ticker","sid":1}}',
  '{"type":"orderbook_snapshot","sid":1,"seq":1,"msg":{"market_ticker":"A-B-1","yes_dollars_fp":[["0.5000","10.00"]],"no_dollars_fp":[]}}',
]
const CORPUS = [...KALSHI, ...MORE]

function same(bytes: Buffer): void {
  const fast = parseFrame(bytes, AT)
  const slow = parseParsed(bytes, AT)
  try {
    deepStrictEqual(fast, slow)
  } catch {
    throw new Error(`the byte reader and JSON.parse disagree on ${JSON.stringify(bytes.toString('latin1'))}:\n  bytes: ${JSON.stringify(fast)}\n  JSON.parse: ${JSON.stringify(slow)}`)
  }
}

/** Bytes that matter to a JSON reader, and a few that break UTF-8. */
const ALPHABET = [...'"\\{}[],: \n\t\r0123456789-.eE+antfulsr"'].map((c) => c.charCodeAt(0)).concat([0x00, 0x1f, 0x7f, 0x80, 0xc3, 0xa9, 0xff, 0xef])
/** Values a field may be given in place of its own. */
const VALUES = ['null', 'true', 'false', '0', '-0', '1e3', '-1', '1.5', '12345678901234567890', '"0.5"', '"abc"', '""', '"-1.00"', '"-0.0000"', '"1.23456"', '"0.56000"', '" 0.5"', '"5."', '"."', '"1234567890.00"', '"\\u0030.5"', '"é"', '[1]', '{}', '"yes"', '"no"', '"bid"', '"ask"', '"2022-11-22T20:44:01Z"', '1669149841', '1669149841000.5']

function mutate(text: string, r: () => number): Buffer {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!
  let b = Buffer.from(text)
  const rounds = 1 + Math.floor(r() * 3)
  for (let n = 0; n < rounds; n++) {
    const at = Math.floor(r() * (b.length + 1))
    switch (Math.floor(r() * 8)) {
      case 0: // one byte changed
        if (at < b.length) b[at] = pick(ALPHABET)
        break
      case 1: // one byte removed
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)])
        break
      case 2: // one byte added
        b = Buffer.concat([b.subarray(0, at), Buffer.from([pick(ALPHABET)]), b.subarray(at)])
        break
      case 3: // cut short
        b = b.subarray(0, at)
        break
      default: {
        // A field's value replaced, the field removed or repeated (JSON.parse keeps the last), or a key renamed.
        const s = b.toString('latin1')
        const fields = [...s.matchAll(/"([a-z_]+)":("[^"]*"|[^,{}\]]+)/g)]
        if (fields.length === 0) break
        const f = pick(fields)
        const end = f.index + f[0].length
        const way = Math.floor(r() * 4)
        const next = way === 0 ? `"${f[1]}":${pick(VALUES)}`
          : way === 1 ? ''
            : way === 2 ? `${f[0]},"${f[1]}":${pick(VALUES)}`
              : `"${f[1]!.slice(0, -1)}":${f[2]}`
        let rest = s.slice(end)
        let head = s.slice(0, f.index)
        if (next === '') {
          if (rest.startsWith(',')) rest = rest.slice(1)
          else if (head.endsWith(',')) head = head.slice(0, -1)
        }
        b = Buffer.from(head + next + rest, 'latin1')
      }
    }
  }
  return b
}

describe('frame-scan: the byte reader against JSON.parse', () => {
  it('reads every Kalshi frame of the fixtures, and the simulator\'s, exactly as JSON.parse does', () => {
    for (const text of CORPUS) same(Buffer.from(text))
  })

  it('takes the ticker, trade and delta frames of the current and older generations (else the equality above would test nothing)', () => {
    const taken = CORPUS.filter((t) => /"type":\s*"(ticker|trade|orderbook_delta)"/.test(t))
    expect(taken.length).to.be.greaterThan(8)
    for (const text of taken) expect(scanFrame(Buffer.from(text)), text).to.equal(true)
    // Nested values are JSON.parse's to read.
    expect(scanFrame(Buffer.from(CORPUS.find((t) => t.includes('orderbook_snapshot'))!))).to.equal(false)
  })

  it('agrees with JSON.parse on 40,000 seeded mutations of those frames, taking a good share of them itself', () => {
    const r = random(0x5eed)
    let taken = 0
    const N = 40_000
    for (let i = 0; i < N; i++) {
      const bytes = mutate(CORPUS[i % CORPUS.length]!, r)
      same(bytes)
      if (scanFrame(bytes)) taken++
    }
    // Many mutations break the JSON; a quarter or more must still go through the reader's own path.
    expect(taken).to.be.greaterThan(N / 4)
  })

  it('reads frames in any key order, with whitespace, and after frames of other shapes, alike', () => {
    const shapes = CORPUS.slice()
    const r = random(7)
    for (let i = 0; i < 2000; i++) {
      const text = shapes[Math.floor(r() * shapes.length)]!
      const o = JSON.parse(text) as Record<string, unknown>
      // Keys in a random order, at both levels.
      const shuffle = (x: Record<string, unknown>) => Object.fromEntries(Object.entries(x).sort(() => r() - 0.5))
      const m = o.msg && typeof o.msg === 'object' && !Array.isArray(o.msg) ? shuffle(o.msg as Record<string, unknown>) : o.msg
      const shuffled = shuffle({ ...o, msg: m })
      same(Buffer.from(JSON.stringify(shuffled, null, r() < 0.3 ? 2 : undefined)))
      same(Buffer.from(text))
    }
  })

  it('keeps one string per market ticker, and two tickers that share a slot of its table stay apart', () => {
    // The table's slot as in frame-scan.ts (the length, then a 31-hash of the last 12 bytes): find a colliding pair.
    const slot = (t: string) => [...t.slice(-12)].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) | 0, t.length) & 8191
    const first = 'KXNFLSPREAD-25SEP04DALPHI-AAAA'
    const letters = (n: number) => [0, 1, 2, 3].map((k) => String.fromCharCode(65 + (Math.floor(n / 26 ** k) % 26))).join('')
    let other = ''
    for (let n = 1; n < 26 ** 4 && other === ''; n++) if (slot(`KXNFLSPREAD-25SEP04DALPHI-${letters(n)}`) === slot(first)) other = `KXNFLSPREAD-25SEP04DALPHI-${letters(n)}`
    expect(other, 'a ticker in the same slot').to.not.equal('')
    const frame = (t: string) => Buffer.from(`{"type":"ticker","sid":1,"msg":{"market_ticker":"${t}","price_dollars":"0.5000"}}`)
    for (const t of [first, other, first, first, other, 'KXNFLGAME-25SEP04DALPHI-DAL', 'É-1']) {
      expect(parseFrame(frame(t), AT)).to.have.nested.property('tick.ticker', t)
      same(frame(t))
    }
  })

  it('gives up on what it does not read, leaving it to JSON.parse: escapes, a second msg, a nested value, other types', () => {
    const give = [
      '{"type":"ticker","sid":1,"msg":{"market_ticker":"A-\\u0042-1","price_dollars":"0.5600"}}',
      '{"type":"ticker","sid":1,"msg":{"market_ticker":"A-B-1"},"msg":{"market_ticker":"A-B-2"}}',
      '{"type":"ticker","sid":1,"msg":{"market_ticker":"A-B-1","extra":{"a":1}}}',
      '{"type":"ticker","sid":[1],"msg":{"market_ticker":"A-B-1"}}',
      '{"type":"ticker","sid":1,"msg":{"market_ticker":"A-B-1"}}x',
      '{"type":"ticker","sid":01,"msg":{"market_ticker":"A-B-1"}}',
      '\ufeff{"type":"ticker","sid":1,"msg":{"market_ticker":"A-B-1"}}',
    ]
    for (const text of give) {
      expect(scanFrame(Buffer.from(text)), text).to.equal(false)
      same(Buffer.from(text))
    }
    expect(parseFrame(Buffer.from(give[0]!), AT)).to.deep.include({ kind: 'tick' })
    expect(parseFrame(Buffer.from(give[1]!), AT)).to.have.nested.property('tick.ticker', 'A-B-2')
    expect(parseFrame(Buffer.from(give[4]!), AT)).to.deep.equal({ kind: 'malformed', reason: 'not JSON' })
  })
})
