import { spawn } from 'node:child_process'
import { PassThrough, Writable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { expect } from 'chai'
import type { Book, Tick } from '../../src/core/types.js'
import { createNdjsonWriter } from '../../src/render/ndjson.js'

const flood = fileURLToPath(new URL('./fixtures/ndjson-flood.ts', import.meta.url))

function collect(): { stream: PassThrough; writes: string[] } {
  const stream = new PassThrough()
  const writes: string[] = []
  stream.on('data', (chunk: Buffer) => writes.push(chunk.toString()))
  return { stream, writes }
}

describe('ndjson writer', () => {
  it('writes one JSON object per line', async () => {
    const { stream, writes } = collect()
    const writer = createNdjsonWriter({ stream, onClosed: () => undefined })
    writer.write({ type: 'trade', ticker: 'A', price: 0.56 })
    writer.write({ type: 'trade', ticker: 'B', price: 0.44 })
    await writer.flush()
    expect(writes.join('')).to.equal('{"type":"trade","ticker":"A","price":0.56}\n{"type":"trade","ticker":"B","price":0.44}\n')
  })

  it('batches the events of one turn of the event loop into one write', async () => {
    const { stream, writes } = collect()
    const writer = createNdjsonWriter({ stream, onClosed: () => undefined })
    for (let i = 0; i < 100; i++) writer.write({ i })
    await new Promise((resolve) => setImmediate(resolve))
    await new Promise((resolve) => setImmediate(resolve))
    expect(writes).to.have.length(1)
    expect(writes[0]!.split('\n')).to.have.length(101)
  })

  it('writes market events as the lines JSON.stringify makes, in order with other records', async () => {
    const { stream, writes } = collect()
    const writer = createNdjsonWriter({ stream, onClosed: () => undefined })
    const tick: Tick = { type: 'ticker', ticker: 'KXNFLGAME-25SEP04DALPHI-PHI', yesBid: 0.55, yesAsk: 0.57, lastUpdate: 1_757_016_930_000, receivedAt: 1_757_016_930_250 }
    const book: Book = { type: 'book', ticker: 'KXNFLGAME-25SEP04DALPHI-PHI', yes: [[0.55, 300]], no: [[0.43, 120.5]], yesBid: 0.55, yesAsk: 0.57, noBid: 0.43, noAsk: 0.45, seq: 9, ts: 1_757_016_930_251 }
    writer.event(tick)
    writer.write({ type: 'lag', ticker: 'X', lagMs: 12_000, ts: 1 })
    writer.event(book)
    await writer.flush()
    expect(writes.join('')).to.equal(`${JSON.stringify(tick)}\n{"type":"lag","ticker":"X","lagMs":12000,"ts":1}\n${JSON.stringify(book)}\n`)
  })

  it('writes a turn of the event loop in one write, or in chunks of 48 KiB when it has more', async () => {
    const { stream, writes } = collect()
    const writer = createNdjsonWriter({ stream, onClosed: () => undefined })
    const tick = (i: number): Tick => ({ type: 'ticker', ticker: 'KXNFLGAME-25SEP04DALPHI-PHI', yesBid: 0.55, volume: i, lastUpdate: 1, receivedAt: 2 })
    for (let i = 0; i < 10; i++) writer.event(tick(i))
    await new Promise((resolve) => setImmediate(resolve))
    await new Promise((resolve) => setImmediate(resolve))
    expect(writes).to.have.length(1)
    // About 100 bytes a line: 2,000 lines are four chunks and a rest.
    for (let i = 0; i < 2000; i++) writer.event(tick(i))
    await writer.flush()
    expect(writes.slice(1).map((w) => w.length >= 48 * 1024)).to.deep.equal([true, true, true, true, false])
    expect(writes.join('').split('\n').slice(0, -1).map((l) => (JSON.parse(l) as Tick).volume)).to.deep.equal([...Array(10).keys(), ...Array(2000).keys()])
  })

  it('drops and counts lines while a full pipe holds more than the bound, keeps summaries, and says how many were dropped once it drains', async () => {
    const chunks: string[] = []
    let full = true
    const stream = new Writable({
      highWaterMark: 1,
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk.toString())
        // The reader stops reading after the first chunk, until told to go on.
        if (!full || chunks.length === 1) cb()
        else release = cb
      },
    })
    let release: (() => void) | undefined
    const writer = createNdjsonWriter({ stream, onClosed: () => undefined, maxBufferedBytes: 1000 })
    const tick = (i: number): Tick => ({ type: 'ticker', ticker: 'KXNFLGAME-25SEP04DALPHI-PHI', volume: i, lastUpdate: 1, receivedAt: 2 })
    writer.event(tick(0))
    await new Promise((resolve) => setImmediate(resolve))
    writer.event(tick(1))
    await new Promise((resolve) => setImmediate(resolve))
    // The pipe is full now: 98 or 99 bytes a line, so 10 fit under the bound and the rest are dropped.
    for (let i = 2; i < 100; i++) writer.event(tick(i))
    writer.write({ type: 'summary', messages: 100 })
    expect(writer.dropped).to.equal(98 - 10)
    full = false
    release!()
    await writer.flush()
    const lines = chunks.join('').split('\n').slice(0, -1).map((l) => JSON.parse(l) as { type: string; volume?: number; lines?: number })
    expect(lines.map((l) => l.volume ?? l.type)).to.deep.equal([0, 1, 'dropped', ...Array.from({ length: 10 }, (_, i) => i + 2), 'summary'])
    expect(lines[2]).to.deep.equal({ type: 'dropped', lines: 88 })
  })

  it('stops and calls onClosed once when the reader is gone', async () => {
    let closedCalls = 0
    const stream = new Writable({
      write(_chunk, _enc, cb) {
        cb(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))
      },
    })
    const writer = createNdjsonWriter({ stream, onClosed: () => closedCalls++ })
    writer.write({ a: 1 })
    await new Promise((resolve) => stream.once('error', resolve))
    writer.write({ a: 2 })
    await writer.flush()
    expect(closedCalls).to.equal(1)
    expect(writer.closed).to.equal(true)
  })

  it('exits 0 without a stack trace when piped into head -1', async () => {
    const child = spawn('bash', ['-c', `set -o pipefail; node --import tsx ${JSON.stringify(flood)} | head -1`], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(stderr).to.equal('')
    expect(code).to.equal(0)
    expect(JSON.parse(stdout)).to.deep.equal({ type: 'ticker', ticker: 'KXNFLGAME-25SEP04DALPHI-PHI', yesBid: 0.55, seq: 0 })
  })
})
