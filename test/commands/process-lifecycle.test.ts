/**
 * How a `neural` process ends (issue 14): when the reader of its output goes away, on Ctrl-C and
 * SIGTERM at every stage (also while the first connection is still being retried, which with an
 * unbounded retry policy never ends by itself), and what it says when a pipe hides a failure.
 * These are about the process (pipes, signals, exit codes), so they spawn the built binary.
 */
import { expect } from 'chai'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { startSimulator, type Simulator } from '../../src/sim/index.js'
import { ensureBuilt, jsonLines, limited, Neural, ROOT, signalClockEnv, signalToExitMs, tempDir, type RunResult } from './helpers.js'
import { closedPort } from '../support/ports.js'


/** A port whose every TCP connection is dropped at once (a handshake that never opens), counting them. */
async function droppingServer(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let connections = 0
  const server = createServer((socket) => {
    connections++
    socket.destroy()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return { port, connections: () => connections, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

/** Resolves with the result, or rejects if the child has not exited `withinMs` after the call. */
async function exitWithin(neural: Neural, withinMs: number, what: string): Promise<RunResult> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still running ${withinMs} ms later; stderr:\n${neural.stderr.slice(-1000)}`)), withinMs)
  })
  try {
    return await Promise.race([neural.done, late])
  } finally {
    clearTimeout(timer)
  }
}

describe('neural process lifecycle', function () {
  this.timeout(60_000)
  const tmp = tempDir()
  const runtimeDir = join(tmp.dir, 'run')
  const children: Neural[] = []
  let sim: Simulator
  let deadPort: number
  const start = (args: string[], env?: NodeJS.ProcessEnv) => {
    const n = new Neural(args, { runtimeDir, timeoutMs: 40_000, env })
    children.push(n)
    return n
  }
  let clockFiles = 0
  /** A child that times how long it takes from seeing a signal to its exit (signalClockEnv), and the file it writes that to. */
  const startClocked = (args: string[]) => {
    const clockFile = join(tmp.dir, `signal-clock-${++clockFiles}.json`)
    return { n: start(args, signalClockEnv(clockFile)), clockFile }
  }
  /**
   * Gone within a second of seeing the signal (SHUTDOWN_DEADLINE_MS is 900), by the child's clock;
   * this process only waits, with room for a starved machine and against a child that never ends.
   */
  const exitAfterSignal = async (n: Neural, clockFile: string, what: string) => {
    const r = await exitWithin(n, 10_000, what)
    expect(signalToExitMs(clockFile), `${what}: ms from the signal to the exit, by the child's clock`).to.be.below(1_000)
    return r
  }
  const simArgs = () => ['--env', 'sim', '--api-url', sim.apiUrl, '--ws-url', sim.wsUrl]
  const deadArgs = () => ['--api-url', `http://127.0.0.1:${deadPort}/trade-api/v2`, '--ws-url', `ws://127.0.0.1:${deadPort}/trade-api/ws/v2`, '--retry-attempts', '0', '--retry-delay', '0.05']

  before(async function () {
    this.timeout(120_000)
    await ensureBuilt()
    sim = await startSimulator({ seed: 5, ratePerSec: 2000 })
    deadPort = await closedPort()
  })

  afterEach(() => {
    for (const n of children.splice(0)) if (n.child.exitCode === null && n.child.signalCode === null) n.child.kill('SIGKILL')
  })

  after(async () => {
    await sim?.close()
    tmp.remove()
  })

  describe('human output into a pipe that closes', () => {
    const cases: [string, string[]][] = [
      ['stream', ['stream', 'KXNFLGAME*']],
      ['nfl game', ['nfl', 'game', '25SEP04DALPHI']],
      ['nfl team', ['nfl', 'team', 'PHI']],
      ['run-strategy --hook paper', ['run-strategy', join(ROOT, 'strategies', 'arb.ts'), '--hook', 'paper', '--report-every', '0.2']],
    ]
    it('ends each command cleanly (exit 0) once the reader has gone away', async () => {
      await limited(2, cases.map(([name, args]) => async () => {
        const n = start([...args, ...simArgs()])
        await n.until(() => n.stdout.includes('\n'), 20_000, `${name}: a first line`)
        // The reader goes away, as `| head -1` does after its line.
        n.child.stdout!.destroy()
        const r = await exitWithin(n, 10_000, name)
        expect({ name, code: r.code, signal: r.signal }).to.deep.equal({ name, code: 0, signal: null })
        expect(r.stderr, name).to.not.match(/EPIPE|Error:/)
      }))
    })
  })

  describe('Ctrl-C and SIGTERM while the first connection is being retried (unbounded retry)', () => {
    for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
      it(`stream: ${signal} ends the run within a second with exit ${code} and its summary`, async () => {
        const { n, clockFile } = startClocked(['stream', 'KXNFLGAME-25SEP04DALPHI-PHI', '--json', ...deadArgs()])
        await n.until(() => (n.stdout.match(/"state":"reconnecting"/g) ?? []).length >= 2, 20_000, 'two reconnect attempts')
        n.child.kill(signal)
        const r = await exitAfterSignal(n, clockFile, `stream after ${signal}`)
        expect(r.code).to.equal(code)
        expect(jsonLines(r.stdout).at(-1)).to.include({ type: 'summary', events: 0 })
      })
    }

    it('stream (human): Ctrl-C ends it within a second with 130 and prints the summary', async () => {
      const { n, clockFile } = startClocked(['stream', 'KXNFLGAME-25SEP04DALPHI-PHI', ...deadArgs()])
      // The human notice of a second attempt: the exchange is hard to reach.
      await n.until(() => /reconnecting/.test(n.stderr), 20_000, 'a reconnecting notice')
      n.child.kill('SIGINT')
      const r = await exitAfterSignal(n, clockFile, 'stream after SIGINT')
      expect(r.code).to.equal(130)
      expect(r.stdout).to.match(/^0 messages in \d+\.\d s/m)
    })

    it('run-strategy: SIGINT ends it within a second with 130 and its summary', async () => {
      // run-strategy prints no connection events: count its attempts at a server that drops each one.
      const dropping = await droppingServer()
      try {
        const { n, clockFile } = startClocked(['run-strategy', join(ROOT, 'strategies', 'arb.ts'), '--json', '--api-url', `http://127.0.0.1:${dropping.port}/trade-api/v2`, '--ws-url', `ws://127.0.0.1:${dropping.port}/trade-api/ws/v2`, '--retry-attempts', '0', '--retry-delay', '0.05'])
        await n.until(() => dropping.connections() >= 2, 20_000, 'a retried first connect')
        n.child.kill('SIGINT')
        const r = await exitAfterSignal(n, clockFile, 'run-strategy after SIGINT')
        expect(r.code).to.equal(130)
        expect(jsonLines(r.stdout).at(-1)).to.include({ type: 'summary' })
      } finally {
        await dropping.close()
      }
    })

    it('nfl game: SIGTERM ends it within a second with 143', async () => {
      // The REST lookup of the game fails first against a dead port, so the exchange is the simulator and the socket is dead.
      const { n, clockFile } = startClocked(['nfl', 'game', '25SEP04DALPHI', '--json', '--env', 'sim', '--api-url', sim.apiUrl, '--ws-url', `ws://127.0.0.1:${deadPort}/trade-api/ws/v2`, '--retry-attempts', '0', '--retry-delay', '0.05'])
      await n.until(() => /"state":"reconnecting"/.test(n.stdout), 20_000, 'a reconnect attempt')
      n.child.kill('SIGTERM')
      const r = await exitAfterSignal(n, clockFile, 'nfl game after SIGTERM')
      expect(r.code).to.equal(143)
    })
  })

  describe('a failure hidden by a pipe', () => {
    it('--json whose reader goes away before any connection opened exits 1 with the connect error on stderr', async () => {
      const n = start(['stream', 'KXNFLGAME-25SEP04DALPHI-PHI', '--json', ...deadArgs()])
      // Like `| head -5`: five lines (all connection attempts), then the reader is gone.
      await n.until(() => n.lines().length >= 5, 20_000, 'five lines')
      n.child.stdout!.destroy()
      const r = await exitWithin(n, 5_000, 'stream after its reader went away')
      expect(r.code).to.equal(1)
      const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'))
      expect(errors).to.have.length(1)
      expect(errors[0]).to.match(/^error: output closed before a connection opened: could not connect to ws:\/\/127\.0\.0\.1:\d+\/trade-api\/ws\/v2: .*ECONNREFUSED/)
    })
  })
})
