import { expect } from 'chai'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readRecord, Recorder, type RecordedFrame } from '../../src/core/recorder.js'
import type { NeuralError } from '../../src/errors.js'

async function all(file: string): Promise<RecordedFrame[]> {
  const out: RecordedFrame[] = []
  for await (const f of readRecord(file)) out.push(f)
  return out
}

describe('recorder', function () {
  this.timeout(10_000)
  let dir: string
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'neural-rec-'))
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('writes a header and one valid JSON line per frame after flushSync', () => {
    const file = join(dir, 'a.ndjson')
    const r = new Recorder(file, { now: () => 1000, flushIntervalMs: 0 })
    r.write('{"type":"ticker","msg":{"market_ticker":"A-B-C"}}', 1001)
    r.write('not json \n with a newline and "quotes"', 1002)
    r.flushSync()
    const lines = readFileSync(file, 'utf8').split('\n')
    expect(lines.at(-1)).to.equal('')
    expect(lines.slice(0, -1).map((l) => JSON.parse(l))).to.deep.equal([
      { type: 'neural-record', version: 1, startedAt: 1000 },
      { receivedAt: 1001, frame: '{"type":"ticker","msg":{"market_ticker":"A-B-C"}}' },
      { receivedAt: 1002, frame: 'not json \n with a newline and "quotes"' },
    ])
    r.close()
  })

  it('creates the file with mode 0600', () => {
    const file = join(dir, 'b.ndjson')
    writeFileSync(file, 'old', { mode: 0o644 })
    new Recorder(file, { flushIntervalMs: 0 }).close()
    expect(statSync(file).mode & 0o777).to.equal(0o600)
  })

  it('buffers until the threshold', () => {
    const file = join(dir, 'c.ndjson')
    const r = new Recorder(file, { bufferBytes: 100, flushIntervalMs: 0 })
    const size = () => readFileSync(file, 'utf8').split('\n').length - 1
    r.write('x', 1)
    expect(size()).to.equal(1)
    r.write('y'.repeat(100), 2)
    expect(size()).to.equal(3)
    r.close()
  })

  it('reads back what it wrote, in order', async () => {
    const file = join(dir, 'd.ndjson')
    const r = new Recorder(file, { flushIntervalMs: 0 })
    for (let i = 0; i < 100; i++) r.write(`{"n":${i}}`, i)
    r.close()
    const frames = await all(file)
    expect(frames.length).to.equal(100)
    expect(frames[99]).to.deep.equal({ receivedAt: 99, frame: '{"n":99}' })
  })

  it('skips a torn last line but rejects a bad line in the middle', async () => {
    const file = join(dir, 'e.ndjson')
    const header = '{"type":"neural-record","version":1,"startedAt":1}\n'
    writeFileSync(file, header + '{"receivedAt":1,"frame":"a"}\n{"receivedAt":2,"fra')
    expect(await all(file)).to.deep.equal([{ receivedAt: 1, frame: 'a' }])
    writeFileSync(file, header + '{"receivedAt":1,"fra\n{"receivedAt":2,"frame":"b"}\n')
    const error = await all(file).then(() => undefined, (e: NeuralError) => e)
    expect(error?.message).to.equal(`${file}:2: line is not valid JSON`)
  })

  it('rejects a file that is not a record', async () => {
    const file = join(dir, 'f.ndjson')
    writeFileSync(file, '{"hello":1}\n')
    const error = await all(file).then(() => undefined, (e: NeuralError) => e)
    expect(error?.kind).to.equal('input')
    expect(error?.code).to.equal('BAD_RECORD')
  })

  it('leaves a complete file when a process flushes from its SIGTERM handler', async () => {
    const file = join(dir, 'g.ndjson')
    const script = `
      import { Recorder } from ${JSON.stringify(new URL('../../src/core/recorder.ts', import.meta.url).pathname)}
      const r = new Recorder(${JSON.stringify(file)}, { bufferBytes: 1 << 20, flushIntervalMs: 0 })
      process.on('SIGTERM', () => { r.flushSync(); process.exit(0) })
      let n = 0
      const t = setInterval(() => { for (let i = 0; i < 50; i++) r.write('{"n":' + n++ + '}', n); if (n === 500) process.stdout.write('500\\n') }, 1)
    `
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()))
    child.kill('SIGTERM')
    const code = await new Promise<number | null>((r) => child.once('exit', r))
    expect(code).to.equal(0)
    const lines = readFileSync(file, 'utf8').split('\n')
    expect(lines.at(-1)).to.equal('')
    const parsed = lines.slice(1, -1).map((l) => JSON.parse(l) as RecordedFrame)
    expect(parsed.length).to.be.at.least(500)
    // Nothing is missing: frames 0..N-1 are all there, in order.
    expect(parsed.every((f, i) => f.frame === `{"n":${i}}`)).to.equal(true)
  })
})
