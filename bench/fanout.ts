/**
 * The bus fan-out case: one publisher, four consumers on a nats-server of our own (127.0.0.1, free
 * port), ticks timed publisher → consumer handler. Skipped, and said so, when nats-server is absent.
 */
import { spawn, spawnSync } from 'node:child_process'
import { createConnection, createServer } from 'node:net'
import { measureFanout, type FanoutBenchResult } from '../src/bus/fanout-bench.js'

export interface FanoutFigures extends FanoutBenchResult {
  server: string
}

function natsServerBin(): string | undefined {
  const bin = process.env.NATS_SERVER_BIN ?? 'nats-server'
  return spawnSync(bin, ['--version']).status === 0 ? bin : undefined
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })
}

async function untilAccepting(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port })
      socket.once('data', () => { socket.destroy(); resolve(true) })
      socket.once('error', () => resolve(false))
    })
    if (ok) return
    if (Date.now() > deadline) throw new Error(`nats-server did not start on port ${port}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

export async function fanoutFigures(consumers: number, messages: number): Promise<FanoutFigures | { skipped: string }> {
  const bin = natsServerBin()
  if (!bin) return { skipped: 'nats-server not installed (apt-get install nats-server)' }
  const port = await freePort()
  const server = spawn(bin, ['-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' })
  try {
    await untilAccepting(port, 10_000)
    const version = spawnSync(bin, ['--version']).stdout.toString().trim()
    const result = await measureFanout({ url: `nats://127.0.0.1:${port}`, consumers, messages, markets: 500, timeoutMs: 120_000 })
    return { ...result, server: version }
  } finally {
    server.kill('SIGTERM')
  }
}
