/**
 * A real nats-server for the bus tests: started on a free 127.0.0.1 port (optionally with JetStream
 * in a temp dir), awaited until it accepts connections, stopped (and restarted on the same port) by the test.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { unassignedPort } from '../support/ports.js'

export const NATS_SERVER_BIN = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server'

export function natsServerAvailable(): boolean {
  return existsSync(NATS_SERVER_BIN)
}

/**
 * A free port that stays the test's: the server is stopped and started again on it, and a port from
 * listen(0) could meanwhile go to any other test's server (test/support/ports.ts).
 */
export function freePort(): Promise<number> {
  return unassignedPort()
}

/**
 * Poll until `check` is true; fails with `what` after timeoutMs. The deadline only bounds a failure,
 * so it is long: a loaded 2-core machine took over 5 s to deliver one message after a reconnect.
 */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 20_000, stepMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, stepMs))
  }
}

/** True once a TCP client gets the server's INFO line. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    const finish = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(500, () => finish(false))
    socket.once('data', (d) => finish(d.toString().startsWith('INFO')))
    socket.once('error', () => finish(false))
  })
}

/** Servers still running: killed when the test process exits, so a hung or killed run leaves no server behind. */
const running = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

export class NatsServer {
  private child?: ChildProcess
  private storeDir?: string
  port = 0
  /** Server log (stderr), for failure messages. */
  log = ''

  constructor(private readonly jetstream = false) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`
  }

  /** Start (first time on a free port; again on the same port and store after stop()). */
  async start(): Promise<this> {
    if (this.port === 0) this.port = await freePort()
    if (this.jetstream && !this.storeDir) this.storeDir = await mkdtemp(join(tmpdir(), 'neural-nats-'))
    const args = ['-a', '127.0.0.1', '-p', String(this.port)]
    if (this.jetstream) args.push('-js', '-sd', this.storeDir!)
    const child = spawn(NATS_SERVER_BIN, args, { stdio: ['ignore', 'ignore', 'pipe'] })
    this.child = child
    running.add(child)
    child.stderr!.on('data', (d) => (this.log += d.toString()))
    let exited = false
    child.once('exit', () => {
      exited = true
      running.delete(child)
    })
    const deadline = Date.now() + 5000
    while (!(await accepts(this.port))) {
      if (exited) throw new Error(`nats-server exited at start:\n${this.log}`)
      if (Date.now() > deadline) throw new Error(`nats-server did not accept connections on ${this.port}:\n${this.log}`)
      await new Promise((r) => setTimeout(r, 20))
    }
    return this
  }

  /** Stop the process (SIGTERM, then SIGKILL) and wait for it to exit. */
  async stop(): Promise<void> {
    const child = this.child
    this.child = undefined
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000)
      child.once('exit', () => {
        clearTimeout(timer)
        resolve()
      })
      child.kill('SIGTERM')
    })
  }

  /** Stop and remove the JetStream store. */
  async dispose(): Promise<void> {
    await this.stop()
    if (this.storeDir) await rm(this.storeDir, { recursive: true, force: true })
    this.storeDir = undefined
  }
}
