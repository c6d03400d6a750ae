/**
 * Issue 13: `neural stream --record` on a disk that fills up. The child runs under a file size limit
 * (ulimit -f), so the kernel takes part of a write and then refuses with EFBIG, as a full disk does
 * with ENOSPC: the torn write is real.
 */
import { spawn } from 'node:child_process'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from 'chai'
import { readRecord } from '../../src/core/recorder.js'
import { BIN, ROOT, cliEnv, ensureBuilt, jsonLines, tempDir, type RunResult } from '../commands/helpers.js'

/** 128 blocks of 512 bytes: the header and a few hundred frames fit, the rest does not. */
const LIMIT_BLOCKS = 128

function runLimited(args: string[], runtimeDir: string, timeoutMs = 25_000): Promise<RunResult> {
  // `exec` keeps the limit for node itself; the pipes to this process are not files and are not limited.
  const child = spawn('sh', ['-c', `ulimit -f ${LIMIT_BLOCKS} && exec "$0" "$@"`, process.execPath, BIN, ...args], {
    cwd: ROOT,
    env: cliEnv(runtimeDir),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  return new Promise((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(killer)
      resolve({ code, signal, stdout, stderr })
    }),
  )
}

async function framesIn(file: string): Promise<number> {
  let n = 0
  for await (const _ of readRecord(file)) n++
  return n
}

/** Every line of the file is complete JSON (the last one included). */
function expectWholeLines(file: string): void {
  const text = readFileSync(file, 'utf8')
  expect(text.endsWith('\n'), 'the file ends with a complete line').to.equal(true)
  for (const line of text.slice(0, -1).split('\n')) expect(() => JSON.parse(line)).to.not.throw()
}

describe('--record on a full disk', function () {
  this.timeout(40_000)
  const tmp = tempDir('neural-record-full-')
  before(() => ensureBuilt())
  after(() => tmp.remove())

  it('stops with a summary and one RECORD_WRITE error, and leaves a file valid to its last complete line (default)', async () => {
    const file = join(tmp.dir, 'stop.ndjson')
    const r = await runLimited(['stream', 'KXNFLGAME*', '--env', 'sim', '--record', file, '--json', '--duration', '20'], join(tmp.dir, 'run'))
    expect(r.stderr, 'no stack trace').to.not.match(/^\s+at /m)
    expect(r.code).to.equal(1)
    const lines = jsonLines(r.stdout)
    const errors = lines.filter((l) => l.type === 'error')
    expect(errors).to.have.length(1)
    expect(errors[0]).to.include({ kind: 'io', code: 'RECORD_WRITE' })
    expect(errors[0].message).to.match(/^cannot write the record file .*stop\.ndjson: the file size limit was reached; it holds \d+ frames up to its last complete line$/)
    const summary = lines.find((l) => l.type === 'summary')!
    expect(summary, 'a summary before the error').to.not.equal(undefined)
    expect(lines.indexOf(summary)).to.be.below(lines.indexOf(errors[0]))
    expect(statSync(file).size).to.be.at.most(LIMIT_BLOCKS * 512)
    expectWholeLines(file)
    expect(summary.recordedFrames).to.be.greaterThan(0)
    expect(await framesIn(file)).to.equal(summary.recordedFrames)
    // Stopped at the failure, not at --duration.
    expect(summary.durationMs as number).to.be.below(20_000)
  })

  it('with --on-record-error continue reports RECORD_WRITE once and streams on without recording', async () => {
    const file = join(tmp.dir, 'continue.ndjson')
    const r = await runLimited(['stream', 'KXNFLGAME*', '--env', 'sim', '--record', file, '--json', '--duration', '4', '--on-record-error', 'continue'], join(tmp.dir, 'run'))
    expect(r.stderr, 'no stack trace').to.not.match(/^\s+at /m)
    expect(r.code).to.equal(0)
    const lines = jsonLines(r.stdout)
    const errors = lines.filter((l) => l.type === 'error')
    expect(errors.map((e) => `${e.kind} ${e.code}`)).to.deep.equal(['io RECORD_WRITE'])
    // Market events went on after the error, to the end of --duration.
    const at = lines.indexOf(errors[0])
    expect(lines.slice(at).filter((l) => l.type === 'ticker' || l.type === 'trade').length).to.be.greaterThan(10)
    const summary = lines.at(-1)!
    expect(summary.type).to.equal('summary')
    expect(summary.durationMs as number).to.be.at.least(4000)
    expectWholeLines(file)
    expect(await framesIn(file)).to.equal(summary.recordedFrames)
  })
})
