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
import { closeSync, constants, mkdirSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { expect } from 'chai'
import { listProcesses } from '../../src/runtime/status-registry.js'
import { startSimulator, type Simulator } from '../../src/sim/index.js'
import { BIN, cliEnv, ensureBuilt } from '../commands/helpers.js'
import { waitFor } from './helpers.js'

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

interface Outcome {
  /** Exit code, or what went wrong with the exit. */
  code: number | string | null
  stderr: string
  /** Everything the reader got. */
  text: string
}

describe('stream into a full pipe, stopped by SIGINT', function () {
  this.timeout(60_000)
  let tmp: string
  let sim: Simulator | undefined
  const children: ChildProcess[] = []
  const readers: FifoReader[] = []
  const timers: NodeJS.Timeout[] = []
  const outcomes = new Map<string, Promise<Outcome>>()
  const name = (json: boolean, slowReader: boolean) =>
    `${json ? '--json' : 'human output'}, ${slowReader ? 'a reader taking 4 KB every 50 ms' : 'a pipe nobody reads until the end'}`

  /** One `neural stream` (the built binary) into its own FIFO, until SIGINT and the end of what it wrote. */
  async function run(json: boolean, slowReader: boolean, dir: string): Promise<Outcome> {
    const fifo = path.join(dir, 'out')
    execFileSync('mkfifo', [fifo])
    const reader = new FifoReader(fifo)
    readers.push(reader)
    // A reader is there, so opening the write end does not block; the child gets it as its stdout.
    const out = openSync(fifo, 'w')
    const runtimeDir = path.join(dir, 'run')
    let c: ChildProcess
    try {
      const args = ['stream', 'KXNFLGAME*', '--channels', 'ticker,trade,orderbook', '--env', 'sim', '--api-url', sim!.apiUrl, '--ws-url', sim!.wsUrl, ...(json ? ['--json'] : [])]
      c = spawn(process.execPath, [BIN, ...args], { env: cliEnv(runtimeDir), stdio: ['ignore', out, 'pipe'] })
      children.push(c)
    } finally {
      closeSync(out)
    }
    let stderr = ''
    c.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
    const exited = new Promise<number | null>((resolve) => c.on('close', (code) => resolve(code)))
    const timer = slowReader ? setInterval(() => reader.read(4096), 50) : undefined
    if (timer) timers.push(timer)
    // Far more than the pipe holds (64 KiB), and than a slow reader took meanwhile. The status file
    // is rewritten once a second, so polling it every 10 ms only cost CPU.
    const messages = async () => (await listProcesses({ dir: runtimeDir })).find((p) => p.pid === c.pid)?.messages ?? 0
    let checked = 0
    await waitFor(async () => Date.now() - checked >= 100 && ((checked = Date.now()), (await messages()) >= 3000), 30_000, `3,000 messages received (${name(json, slowReader)})`)
    c.kill('SIGINT')
    const code = await Promise.race([exited, new Promise<string>((resolve) => setTimeout(() => resolve('still running 5 s after SIGINT'), 5000))])
    clearInterval(timer)
    if (code !== 130) return { code, stderr, text: reader.text() }
    await waitFor(() => {
      reader.read(64 * 1024)
      return reader.ended
    }, 10_000, 'the end of the output')
    return { code, stderr, text: reader.text() }
  }

  before(async () => {
    await ensureBuilt()
    tmp = mkdtempSync(path.join(tmpdir(), 'neural-partial-line-'))
    sim = await startSimulator({ seed: 3, ratePerSec: 5000 })
    // The four runs at once against one simulator: each has its own FIFO and runtime dir, and run one
    // after another they spent most of their time (and the simulator's CPU) waiting on status files.
    for (const json of [true, false]) for (const slowReader of [true, false]) {
      const dir = path.join(tmp, `${json ? 'json' : 'human'}-${slowReader ? 'slow' : 'unread'}`)
      mkdirSync(dir)
      const outcome = run(json, slowReader, dir)
      outcome.catch(() => undefined) // reported by its own test
      outcomes.set(name(json, slowReader), outcome)
    }
  })

  after(async () => {
    for (const t of timers) clearInterval(t)
    await Promise.all(children.map((c) => {
      if (c.exitCode !== null || c.signalCode !== null) return undefined
      const closed = new Promise((resolve) => c.once('close', resolve))
      c.kill('SIGKILL')
      return closed
    }))
    for (const r of readers) r.close()
    await sim?.close()
    if (tmp) rmSync(tmp, { recursive: true, force: true })
  })

  for (const json of [true, false]) for (const slowReader of [true, false]) {
    it(`leaves the reader whole lines only (${name(json, slowReader)})`, async () => {
      const { code, stderr, text } = await outcomes.get(name(json, slowReader))!
      expect(code, stderr).to.equal(130)
      expect(text.length).to.be.greaterThan(0)
      expect(text.slice(-200), 'the output ends on a line boundary').to.match(json ? /\}\n$/ : /\n$/)
      expect(brokenLines(text, json)).to.deep.equal([])
    })
  }
})
