/**
 * Issue 13: the reader of stdout stops reading (`neural stream --json | slow-consumer`). The output
 * waiting for the pipe is bounded (lines beyond it are dropped and counted), and Ctrl-C still ends the
 * run at once with its summary on stderr. Resident memory is printed for the record, not asserted:
 * a few MB of lines do not stand out from the heap's own growth.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { expect } from 'chai'
import { listProcesses } from '../../src/runtime/status-registry.js'
import { startSimulator, type Simulator } from '../../src/sim/index.js'
import { BIN, ROOT, cliEnv, ensureBuilt, tempDir } from '../commands/helpers.js'
import { waitFor } from './helpers.js'

/** Resident memory of a process in MB (Linux). */
function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) / 1024 : NaN
}

describe('a reader of stdout that stops reading', function () {
  this.timeout(60_000)
  const tmp = tempDir('neural-slow-reader-')
  const runtimeDir = join(tmp.dir, 'run')
  let sim: Simulator | undefined
  let child: ChildProcessByStdio<null, Readable, Readable> | undefined
  const previousDir = process.env.NEURAL_RUNTIME_DIR

  before(async () => {
    await ensureBuilt()
    process.env.NEURAL_RUNTIME_DIR = runtimeDir
  })
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    child = undefined
    await sim?.close()
    sim = undefined
  })
  after(() => {
    if (previousDir === undefined) delete process.env.NEURAL_RUNTIME_DIR
    else process.env.NEURAL_RUNTIME_DIR = previousDir
    tmp.remove()
  })

  for (const json of [true, false]) {
    it(`bounds the output waiting for the pipe (drops and counts), and ends on SIGINT with a summary on stderr (${json ? '--json' : 'human'})`, async () => {
      sim = await startSimulator({ seed: 5, ratePerSec: 9000, speed: 5 })
      const args = ['stream', 'KXNFLGAME*', '--env', 'sim', '--api-url', sim.apiUrl, '--ws-url', sim.wsUrl, '--channels', 'ticker,trade,orderbook', ...(json ? ['--json'] : [])]
      // stdout is a pipe that nobody reads: it fills (64 KiB) and then takes nothing more.
      const c = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: cliEnv(runtimeDir), stdio: ['ignore', 'pipe', 'pipe'] })
      child = c
      let stderr = ''
      c.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => c.on('close', (code, signal) => resolve({ code, signal })))
      const messages = async () => (await listProcesses()).find((p) => p.pid === c.pid)?.messages ?? 0
      // Far more output than the bound (1 MiB) while the pipe is full.
      await waitFor(async () => (await messages()) >= 6000, 30_000, '6,000 messages received')
      const rssBefore = rssMb(c.pid!)
      await waitFor(async () => (await messages()) >= 18_000, 40_000, '18,000 messages received')
      const rssAfter = rssMb(c.pid!)
      const sentAt = Date.now()
      c.kill('SIGINT')
      const end = await Promise.race([exited, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 8000))])
      expect(end, 'the process ended within 8 s of SIGINT').to.not.equal(undefined)
      expect(end!.code).to.equal(130)
      expect(Date.now() - sentAt).to.be.below(8000)
      const lines = stderr.split('\n').filter(Boolean)
      if (json) {
        const summary = JSON.parse(lines.at(-1)!) as { type: string; droppedLines?: number; messages: number }
        expect(summary.type).to.equal('summary')
        expect(summary.droppedLines).to.be.greaterThan(0)
        expect(summary.messages).to.be.at.least(18_000)
      } else {
        expect(lines[0]).to.equal('warning: stdout is not being read fast enough; dropping output lines (counted in the summary)')
        expect(lines.at(-1)).to.match(/^(\[sim\] )?[\d,]+ messages in [\d.]+ s \([\d.]+\/s\), \d+ markets, \d+ reconnects?, [\d,]+ output lines dropped \(stdout too slow\)$/)
      }
      console.log(`      resident memory ${rssBefore.toFixed(0)} MB at 6,000 messages, ${rssAfter.toFixed(0)} MB at 18,000`)
    })
  }
})
