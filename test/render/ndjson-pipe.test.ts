/**
 * The NDJSON writer on a pipe: writes of whole lines of at most PIPE_BUF bytes, each handed over
 * once the stream has taken the last, so a write the OS has not taken when the process exits is
 * lost whole, never in part (test/reliability/partial-line.test.ts runs it into a real FIFO).
 */
import { expect } from 'chai'
import type { Tick } from '../../src/core/types.js'
import { createNdjsonWriter, PIPE_BUF } from '../../src/render/ndjson.js'
import { holdingPipe } from './holding-pipe.js'


const tick = (i: number): Tick => ({ type: 'ticker', ticker: 'KXNFLGAME-25SEP04DALPHI-PHI', yesBid: 0.55, volume: i, lastUpdate: 1, receivedAt: 2 })
const volumes = (text: string) => text.split('\n').slice(0, -1).map((l) => (JSON.parse(l) as Tick).volume)

describe('ndjson writer on a pipe', () => {
  it('writes a chunk as writes of whole lines of at most PIPE_BUF bytes, in order', async () => {
    const p = holdingPipe()
    const writer = createNdjsonWriter({ stream: p.stream, onClosed: () => undefined, atomicWriteBytes: PIPE_BUF })
    for (let i = 0; i < 2000; i++) writer.event(tick(i))
    await writer.flush()
    expect(p.writes.length).to.be.greaterThan(40)
    expect(p.writes.filter((w) => w.length > PIPE_BUF || !w.endsWith('\n'))).to.deep.equal([])
    expect(volumes(p.writes.join(''))).to.deep.equal([...Array(2000).keys()])
  })

  it('hands over the next write only once the stream has taken the one it holds', async () => {
    const p = holdingPipe()
    const writer = createNdjsonWriter({ stream: p.stream, onClosed: () => undefined, atomicWriteBytes: PIPE_BUF })
    p.holding = true
    for (let i = 0; i < 2000; i++) writer.event(tick(i))
    await new Promise((resolve) => setImmediate(resolve))
    await new Promise((resolve) => setImmediate(resolve))
    // One write of at most PIPE_BUF bytes is in the stream; the rest waits in the writer.
    expect({ writes: p.writes.length, held: p.held(), inStream: p.stream.writableLength <= PIPE_BUF }).to.deep.equal({ writes: 1, held: 1, inStream: true })
    const flushed = writer.flush()
    p.release()
    expect(await flushed).to.equal(true)
    expect(volumes(p.writes.join(''))).to.deep.equal([...Array(2000).keys()])
  })

  it('writes a line longer than PIPE_BUF alone', async () => {
    const p = holdingPipe()
    const writer = createNdjsonWriter({ stream: p.stream, onClosed: () => undefined, atomicWriteBytes: PIPE_BUF })
    const long = { type: 'note', text: 'x'.repeat(10_000) }
    writer.write({ type: 'note', text: 'before' })
    writer.write(long)
    writer.write({ type: 'note', text: 'after' })
    await writer.flush()
    expect(p.writes).to.deep.equal(['{"type":"note","text":"before"}\n', JSON.stringify(long) + '\n', '{"type":"note","text":"after"}\n'])
  })

  it('drops and counts lines, not parts of them, while the pipe holds a write', async () => {
    const p = holdingPipe()
    const writer = createNdjsonWriter({ stream: p.stream, onClosed: () => undefined, atomicWriteBytes: PIPE_BUF, maxBufferedBytes: 1000 })
    writer.event(tick(0))
    await new Promise((resolve) => setImmediate(resolve))
    p.holding = true
    writer.event(tick(1))
    await new Promise((resolve) => setImmediate(resolve))
    for (let i = 2; i < 100; i++) writer.event(tick(i))
    const dropped = writer.dropped
    p.release()
    await writer.flush()
    const lines = p.writes.join('').split('\n').slice(0, -1).map((l) => JSON.parse(l) as { type: string; volume?: number; lines?: number })
    expect(dropped).to.be.greaterThan(0)
    expect(lines.find((l) => l.type === 'dropped')).to.deep.equal({ type: 'dropped', lines: dropped })
    expect(lines.filter((l) => l.type === 'ticker')).to.have.length(100 - dropped)
  })
})
