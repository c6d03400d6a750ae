import { PassThrough, Writable } from 'node:stream'
import { expect } from 'chai'
import type { Book, Tick } from '../../src/core/types.js'
import { humanSink } from '../../src/render/event-sink.js'
import { HumanFormatter } from '../../src/render/human.js'
import { HumanWriter } from '../../src/render/human-writer.js'
import { PIPE_BUF } from '../../src/render/line-sender.js'
import { holdingPipe } from './holding-pipe.js'

const T0 = Date.UTC(2025, 8, 4, 20, 15, 30, 250)
const ESC = '\u001b['
const book = (ticker: string, seq: number, yesBid: number): Book => ({ type: 'book', ticker, yes: [[yesBid, 100]], no: [[0.4, 50]], yesBid, yesAsk: 0.6, noBid: 0.4, noAsk: 1 - yesBid, seq, ts: T0 + seq })
const tick = (ticker: string, yesBid: number): Tick => ({ type: 'ticker', ticker, yesBid, yesAsk: 0.6, lastUpdate: T0, receivedAt: T0 })
const turn = () => new Promise((resolve) => setImmediate(resolve))

function collect(): { out: PassThrough; writes: string[] } {
  const out = new PassThrough()
  const writes: string[] = []
  out.on('data', (chunk: Buffer) => writes.push(chunk.toString()))
  return { out, writes }
}


/** The volume of each tick line, in order. */
const volumes = (text: string) => [...text.matchAll(/vol (\d+)/g)].map((m) => Number(m[1]))

describe('human writer', () => {
  const formatter = () => new HumanFormatter({ colorLevel: 0, utc: true, tickerWidth: 4 })

  it('writes the lines of one turn of the event loop in one write', async () => {
    const { out, writes } = collect()
    const writer = new HumanWriter({ formatter: formatter(), out })
    for (let i = 0; i < 50; i++) writer.event(tick('A', 0.5))
    writer.line('warning: A has had no data for 31.0 s, longer than usual (stale)')
    await turn()
    await turn()
    expect(writes).to.have.length(1)
    expect(writes[0]!.split('\n')).to.have.length(52)
  })

  it("shows a market's book once per write, with its last state, where its last update came; ticks, trades and other lines all stay", async () => {
    const { out, writes } = collect()
    const writer = new HumanWriter({ formatter: formatter(), out })
    writer.event(book('A', 1, 0.51))
    writer.event(tick('A', 0.51))
    writer.event(book('B', 1, 0.3))
    writer.line('warning: B data arrives 12.0 s after its exchange time (lag)')
    writer.event(book('A', 2, 0.52))
    writer.event(book('A', 3, 0.53))
    await turn()
    await turn()
    expect(writes.join('')).to.equal([
      '20:15:30.250  A     tick   bid   0.51  ask   0.60  last      —  vol —  oi —',
      '20:15:30.251  B     book   yes 0.30×100  no 0.40×50  bid   0.30  ask   0.60  levels 1/1  seq 1',
      'warning: B data arrives 12.0 s after its exchange time (lag)',
      '20:15:30.253  A     book   yes 0.53×100  no 0.40×50  bid   0.53  ask   0.60  levels 1/1  seq 3',
      '',
    ].join('\n'))
  })

  it('loses no book across writes: each write shows the book as it was then, the last one its last state', async () => {
    const { out, writes } = collect()
    const writer = new HumanWriter({ formatter: formatter(), out })
    writer.event(book('A', 1, 0.51))
    await turn()
    writer.event(book('A', 2, 0.52))
    writer.event(book('A', 3, 0.53))
    await turn()
    writer.event(book('A', 4, 0.54))
    await turn()
    expect(writes.map((w) => /seq (\d+)/.exec(w)![1])).to.deep.equal(['1', '3', '4'])
  })

  it('colours a coalesced book against the price shown before it, and keeps the [sim] mark', async () => {
    const { out, writes } = collect()
    const writer = new HumanWriter({ formatter: new HumanFormatter({ colorLevel: 1, utc: true, simulated: true }), out })
    writer.event(book('A', 1, 0.55))
    await turn()
    // Up to 0.56, then down to 0.54 within one write: only 0.54 is shown, red against the 0.55 shown before.
    writer.event(book('A', 2, 0.56))
    writer.event(book('A', 3, 0.54))
    await turn()
    expect(writes[1]!.startsWith(`${ESC}35m[sim]${ESC}39m `)).to.equal(true)
    expect(writes[1]).to.include(`bid ${ESC}31m  0.54${ESC}39m`)
  })

  it('writes what is pending before the summary line', () => {
    const { out, writes } = collect()
    const sink = humanSink({ simulated: false, out: out as unknown as NodeJS.WriteStream, err: new PassThrough() as unknown as NodeJS.WriteStream })
    sink.event(tick('KXNFLGAME-25SEP04DALPHI-PHI', 0.5))
    sink.event(book('KXNFLGAME-25SEP04DALPHI-PHI', 1, 0.5))
    sink.summary({ type: 'summary', messages: 2, durationMs: 1000, reconnects: 0, markets: 1 })
    const lines = writes.join('').split('\n')
    expect(lines.map((l) => /(tick|book)  |messages in/.exec(l)?.[0])).to.deep.equal(['tick  ', 'book  ', 'messages in', undefined])
  })

  it('stops writing once the reader has gone away (EPIPE), without throwing', async () => {
    let writes = 0
    const out = new Writable({
      write(_chunk, _enc, cb) {
        writes++
        cb(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))
      },
    })
    const writer = new HumanWriter({ formatter: formatter(), out })
    writer.event(tick('A', 0.5))
    await new Promise((resolve) => out.once('error', resolve))
    writer.event(tick('A', 0.51))
    writer.line('warning: more')
    writer.flush()
    await turn()
    expect(writes).to.equal(1)
  })

  it('drops and counts lines while the stream holds more than the bound, warning once', async () => {
    const writes: string[] = []
    // A reader that takes nothing after the first chunk: it stays in the stream's buffer.
    const out = new Writable({ write: (chunk: Buffer) => void writes.push(chunk.toString()) })
    let warnings = 0
    const writer = new HumanWriter({ formatter: formatter(), out, maxBufferedBytes: 10, onFirstDrop: () => warnings++ })
    writer.event(tick('A', 0.5))
    await turn()
    writer.event(tick('A', 0.5))
    writer.event(book('A', 1, 0.5))
    writer.event(book('A', 2, 0.5))
    await turn()
    writer.event(tick('A', 0.5))
    await turn()
    expect({ dropped: writer.dropped, warnings, writes: writes.length }).to.deep.equal({ dropped: 3, warnings: 1, writes: 1 })
  })

  describe('on a pipe', () => {
    const numbered = (i: number): Tick => ({ ...tick('KXNFLGAME-25SEP04DALPHI-PHI', 0.5), volume: i })

    it('writes a turn as writes of whole lines of at most PIPE_BUF bytes, in order', async () => {
      const p = holdingPipe()
      const writer = new HumanWriter({ formatter: formatter(), out: p.stream, atomicWriteBytes: PIPE_BUF })
      for (let i = 0; i < 500; i++) writer.event(numbered(i))
      await turn()
      expect(p.writes.length).to.be.greaterThan(10)
      expect(p.writes.filter((w) => Buffer.byteLength(w) > PIPE_BUF || !w.endsWith('\n'))).to.deep.equal([])
      expect(volumes(p.writes.join(''))).to.deep.equal([...Array(500).keys()])
    })

    it('hands over the next write only once the stream has taken the one it holds, then all that waits at once', async () => {
      const p = holdingPipe()
      const writer = new HumanWriter({ formatter: formatter(), out: p.stream, atomicWriteBytes: PIPE_BUF })
      p.holding = true
      for (let i = 0; i < 500; i++) writer.event(numbered(i))
      await turn()
      for (let i = 500; i < 600; i++) writer.event(numbered(i))
      await turn()
      // One write of at most PIPE_BUF bytes is in the stream; the rest waits in the writer.
      expect({ writes: p.writes.length, held: p.held(), inStream: p.stream.writableLength <= PIPE_BUF }).to.deep.equal({ writes: 1, held: 1, inStream: true })
      p.release()
      // Taken in the callbacks of the writes, not a turn later: nothing is left once the stream is empty.
      expect({ inStream: p.stream.writableLength, lines: volumes(p.writes.join('')) }).to.deep.equal({ inStream: 0, lines: [...Array(600).keys()] })
    })

    it('writes the summary after the lines waiting for a full pipe, never before them', async () => {
      const p = holdingPipe()
      const sink = humanSink({ simulated: false, out: p.stream as unknown as NodeJS.WriteStream, err: new PassThrough() as unknown as NodeJS.WriteStream })
      sink.event(numbered(0))
      await turn()
      p.holding = true
      sink.event(numbered(1))
      await turn()
      sink.event(numbered(2))
      sink.summary({ type: 'summary', messages: 3, durationMs: 1000, reconnects: 0, markets: 1 })
      expect(p.writes.join('')).to.not.include('messages in')
      p.release()
      const lines = p.writes.join('').split('\n')
      expect(lines.map((l) => /vol \d+|messages in/.exec(l)?.[0])).to.deep.equal(['vol 0', 'vol 1', 'vol 2', 'messages in', undefined])
    })

    it('drops and counts whole lines while the pipe holds a write and more than the bound waits, warning once, and keeps the summary', async () => {
      const p = holdingPipe()
      const err = new PassThrough()
      let warnings = ''
      err.on('data', (d: Buffer) => (warnings += d.toString()))
      const sink = humanSink({ simulated: false, out: p.stream as unknown as NodeJS.WriteStream, err: err as unknown as NodeJS.WriteStream, maxBufferedBytes: 200 })
      p.holding = true
      for (let i = 0; i < 5; i++) {
        sink.event(numbered(i))
        await turn()
      }
      const dropped = sink.droppedLines!()
      sink.summary({ type: 'summary', messages: 5, durationMs: 1000, reconnects: 0, markets: 1, droppedLines: dropped })
      p.release()
      const lines = p.writes.join('').split('\n').slice(0, -1)
      expect(dropped).to.be.greaterThan(0)
      expect(volumes(lines.join('\n'))).to.deep.equal([...Array(5 - dropped).keys()])
      expect(lines.at(-1)).to.match(new RegExp(`messages in .*, ${dropped} output lines? dropped`))
      expect(warnings.split('\n').filter(Boolean)).to.have.length(1)
    })
  })
})
