import { spawn } from 'node:child_process'
import { PassThrough, Writable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { expect } from 'chai'
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
