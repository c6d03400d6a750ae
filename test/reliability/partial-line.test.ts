/**
 * `neural stream` (NDJSON and human output) into a pipe that is full (a slow reader, or none yet),
 * then Ctrl-C: the process exits 130 within the shutdown deadline, and what the reader gets ends on a
 * line boundary, every line whole. A 48 KiB write into a full pipe used to be taken in part; the exit
 * dropped the rest and the last line was cut mid-object (`{"type":"ticker","t`), or for human output
 * mid-price (`… tick   bid   0.5`).
 *
 * stdout is a FIFO (made with mkfifo), as with a shell's `|`: not Node's stdio pipe, which is a socketpair.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { closeSync, constants, mkdtempSync, openSync, readSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect } from 'chai'
import { listProcesses } from '../../src/runtime/status-registry.js'
import { startSimulator, type Simulator } from '../../src/sim/index.js'
import { cleanEnv, TSX } from '../cli/run-cli.js'
import { waitFor } from './helpers.js'

const NEURAL = fileURLToPath(new URL('../runtime/fixtures/neural.ts', import.meta.url))

/** The read end of a FIFO, opened without blocking; reads what is there, `bytes` at most. */
class FifoReader {
  private readonly fd: number
  private readonly parts: Buffer[] = []
  ended = false
  constructor(file: string) {
    this.fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK)
  }

  get received(): number {
    return this.parts.reduce((n, p) => n + p.length, 0)
  }

  read(bytes: number): void {
    if (this.ended) return
    const buf = Buffer.alloc(bytes)
    try {
      const n = readSync(this.fd, buf, 0, bytes, null)
      if (n === 0) this.ended = true
      else this.parts.push(buf.subarray(0, n))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error
    }
  }

  text(): string {
    return Buffer.concat(this.parts).toString()
  }

  close(): void {
    closeSync(this.fd)
  }
}

/** Every line human output may hold here, whole: events, warnings and the summary (NO_COLOR). */
const HUMAN_LINE = new RegExp('^(\\[sim\\] )?(' + [
  String.raw`\d\d:\d\d:\d\d\.\d{3}  \S+ +  (tick   bid +\S+  ask +\S+  last +\S+  vol \S+  oi \S+|trade  (YES|NO ) \S+ @ +\S+ \(no \S+\)|book   yes \S+  no \S+  bid +\S+  ask +\S+  levels \d+/\d+(  seq \d+)?)`,
  String.raw`warning: \S+ (data arrives [\d.]+ s after its exchange time \(lag\)|has had no data for [\d.]+ s, longer than usual \(stale\))`,
  String.raw`[\d,]+ messages? in [\d.]+ s \([\d.]+/s\), [\d,]+ markets?, [\d,]+ reconnects?(, [\d,]+ output lines? dropped \(stdout too slow\))?`,
].join('|') + ')$')

/** The lines of `text` that are not whole: for NDJSON, not JSON; for human output, not one of its formats. */
function brokenLines(text: string, json: boolean): string[] {
  return text.split('\n').slice(0, -1).filter((line) => {
    if (!json) return !HUMAN_LINE.test(line)
    try {
      JSON.parse(line)
      return false
    } catch {
      return true
    }
  })
}

describe('stream into a full pipe, stopped by SIGINT', function () {
  this.timeout(60_000)
  let tmp: string
  let sim: Simulator | undefined
  let child: ChildProcess | undefined
  let reader: FifoReader | undefined
  let timer: NodeJS.Timeout | undefined

  beforeEach(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'neural-partial-line-'))
  })
  afterEach(async () => {
    clearInterval(timer)
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    child = undefined
    reader?.close()
    reader = undefined
    await sim?.close()
    sim = undefined
    rmSync(tmp, { recursive: true, force: true })
  })

  for (const json of [true, false]) for (const slowReader of [true, false]) {
    it(`leaves the reader whole lines only (${json ? '--json' : 'human output'}, ${slowReader ? 'a reader taking 4 KB every 50 ms' : 'a pipe nobody reads until the end'})`, async () => {
      sim = await startSimulator({ seed: 3, ratePerSec: 5000 })
      const fifo = path.join(tmp, 'out')
      execFileSync('mkfifo', [fifo])
      reader = new FifoReader(fifo)
      // A reader is there, so opening the write end does not block; the child gets it as its stdout.
      const out = openSync(fifo, 'w')
      const runtimeDir = path.join(tmp, 'run')
      try {
        const args = ['stream', 'KXNFLGAME*', '--channels', 'ticker,trade,orderbook', '--env', 'sim', '--api-url', sim.apiUrl, '--ws-url', sim.wsUrl, ...(json ? ['--json'] : [])]
        child = spawn(process.execPath, ['--import', TSX, NEURAL, ...args], { env: cleanEnv({ NO_COLOR: '1', NEURAL_RUNTIME_DIR: runtimeDir }), stdio: ['ignore', out, 'pipe'] })
      } finally {
        closeSync(out)
      }
      const c = child
      let stderr = ''
      c.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
      const exited = new Promise<number | null>((resolve) => c.on('close', (code) => resolve(code)))
      if (slowReader) timer = setInterval(() => reader!.read(4096), 50)
      // Far more than the pipe holds (64 KiB), and than a slow reader took meanwhile.
      const messages = async () => (await listProcesses({ dir: runtimeDir })).find((p) => p.pid === c.pid)?.messages ?? 0
      await waitFor(async () => (await messages()) >= 3000, 30_000, '3,000 messages received')
      c.kill('SIGINT')
      const code = await Promise.race([exited, new Promise<string>((resolve) => setTimeout(() => resolve('still running 5 s after SIGINT'), 5000))])
      expect(code, stderr).to.equal(130)
      clearInterval(timer)
      await waitFor(() => {
        reader!.read(64 * 1024)
        return reader!.ended
      }, 10_000, 'the end of the output')

      const text = reader.text()
      expect(text.length).to.be.greaterThan(0)
      expect(text.slice(-200), 'the output ends on a line boundary').to.match(json ? /\}\n$/ : /\n$/)
      expect(brokenLines(text, json)).to.deep.equal([])
    })
  }
})
