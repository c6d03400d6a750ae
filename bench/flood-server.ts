/**
 * The benchmark's data server, run as its own process by run.ts (fork, IPC for control).
 *
 * It speaks just enough of Kalshi's WebSocket protocol for a client to subscribe (subscribe →
 * subscribed per channel, orderbook_snapshot per market with seq 1, unsubscribe), then sends data
 * frames on command to one named client (`?client=NAME` in the URL): exactly N of them, either unpaced (as fast as the socket drains) or paced at
 * R frames per second. Frames come from a looping script recorded from the simulator's world
 * (flood-script.ts) and carry the right sid, a seq per orderbook sid, and "sent_at_ms", stamped
 * per frame as it is built, like the sim's benchTimestamps.
 *
 * Why not the simulator itself: its generator counts market updates (≈2.2 frames each) on a 5 ms
 * timer and has no unpaced mode, so it can neither send exactly N frames nor outrun a bare client.
 * Data frames are written to the socket as pre-framed bytes, one write per batch of frames rather than
 * a ws.send (header buffer, write) per frame, so that one server core outpaces even the bare-ws
 * baseline (it took ≈490k frames/s in the full run with the server far from busy).
 */
import { createServer } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { WebSocketServer, type WebSocket } from 'ws'
import type { FloodCommand, FloodReply } from './control.js'
import { buildFloodScript, type DataChannel, type FloodScript } from './flood-script.js'
import { hostNowMs } from './latency.js'

const { values: args } = parseArgs({
  options: {
    markets: { type: 'string', default: '500' },
    seed: { type: 'string', default: '1' },
    updates: { type: 'string', default: '20000' },
    // The legacy integer twins too (see flood-script.ts): for the pmxt-core peer row.
    'legacy-wire': { type: 'boolean', default: false },
  },
})

/** Frames per socket write when unpaced: ≈100 KB, big enough that the write cost is noise. */
const UNPACED_BATCH = 256
const PACE_TICK_MS = 1

interface SidState { sid: number; seq: number }

class Connection {
  readonly subs: Record<DataChannel, Map<string, SidState>> = { ticker: new Map(), trade: new Map(), orderbook_delta: new Map() }
  cursor = 0
  private nextSid = 1

  constructor(readonly ws: WebSocket, readonly socket: Socket, private readonly script: FloodScript) {}

  handle(text: string): void {
    let cmd: { id?: number; cmd?: string; params?: { channels?: string[]; market_tickers?: string[]; sids?: number[] } }
    try {
      cmd = JSON.parse(text)
    } catch {
      this.ws.send(JSON.stringify({ type: 'error', msg: { code: 1, msg: 'Unable to process message' } }))
      return
    }
    const id = cmd.id
    if (cmd.cmd === 'subscribe') {
      const channels = cmd.params?.channels ?? []
      const tickers = cmd.params?.market_tickers ?? this.script.tickers
      for (const channel of channels) {
        if (channel !== 'ticker' && channel !== 'trade' && channel !== 'orderbook_delta') {
          this.ws.send(JSON.stringify({ id, type: 'error', msg: { code: 8, msg: 'Unknown channel name' } }))
          continue
        }
        const state: SidState = { sid: this.nextSid++, seq: 0 }
        for (const t of tickers) this.subs[channel].set(t, state)
        this.ws.send(JSON.stringify({ id, type: 'subscribed', msg: { channel, sid: state.sid } }))
        if (channel === 'orderbook_delta') {
          for (const t of tickers) {
            const body = this.script.snapshots.get(t)
            if (body) this.ws.send(`{"type":"orderbook_snapshot","sid":${state.sid},"seq":${++state.seq},"sent_at_ms":${stamp()},"msg":${body}}`)
          }
        }
      }
      return
    }
    if (cmd.cmd === 'unsubscribe') {
      for (const sid of cmd.params?.sids ?? []) {
        for (const map of Object.values(this.subs)) for (const [t, s] of map) if (s.sid === sid) map.delete(t)
        this.ws.send(JSON.stringify({ id, sid, type: 'unsubscribed' }))
      }
      return
    }
    this.ws.send(JSON.stringify({ id, type: 'error', msg: { code: 5, msg: 'Unknown command' } }))
  }

  /** The next `n` subscribed frames of the script as WebSocket frames, in one latin1 string (all ASCII). */
  build(n: number): string {
    const frames = this.script.frames
    let out = ''
    let built = 0
    let skipped = 0
    while (built < n) {
      const f = frames[this.cursor]!
      this.cursor = this.cursor + 1 === frames.length ? 0 : this.cursor + 1
      const sub = this.subs[f.channel].get(f.ticker)
      if (!sub) {
        if (++skipped > frames.length) throw new Error('the client is subscribed to none of the script\'s markets')
        continue
      }
      const seq = f.channel === 'orderbook_delta' ? `,"seq":${++sub.seq}` : ''
      const json = `{"type":"${f.channel}","sid":${sub.sid}${seq},"sent_at_ms":${stamp()},"msg":${f.body}}`
      out += frameHeader(json.length) + json
      built++
    }
    return out
  }
}

const stamp = hostNowMs

/** Server-to-client text frame header (FIN, opcode 1, unmasked) as latin1 characters. */
function frameHeader(length: number): string {
  if (length < 126) return String.fromCharCode(0x81, length)
  if (length < 65536) return String.fromCharCode(0x81, 126, length >> 8, length & 255)
  throw new Error(`frame of ${length} bytes: the script has no such frames`)
}

function write(socket: Socket, text: string): boolean {
  return socket.write(Buffer.from(text, 'latin1'))
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

async function flood(conn: Connection, count: number, ratePerSec: number | undefined, end = false): Promise<FloodReply> {
  const started = performance.now()
  let sent = 0
  if (ratePerSec === undefined) {
    while (sent < count) {
      const n = Math.min(UNPACED_BATCH, count - sent)
      const ok = write(conn.socket, conn.build(n))
      sent += n
      if (!ok) await new Promise<void>((resolve) => conn.socket.once('drain', resolve))
    }
  } else {
    // Frames due by now are sent in one write each millisecond: the same batching a real feed has.
    while (sent < count) {
      const due = Math.min(count, Math.floor(((performance.now() - started) * ratePerSec) / 1000))
      if (due > sent) {
        write(conn.socket, conn.build(due - sent))
        sent = due
      }
      if (sent < count) await sleep(PACE_TICK_MS)
    }
  }
  if (end) {
    const json = `{"type":"bench_end","sent":${count}}`
    write(conn.socket, frameHeader(json.length) + json)
  }
  const elapsedMs = performance.now() - started
  return { type: 'flooded', sent, elapsedMs, achievedPerSec: Math.round((sent * 1000) / Math.max(elapsedMs, 1e-3)) }
}

async function main(): Promise<void> {
  const script = buildFloodScript({ markets: Number(args.markets), seed: Number(args.seed), updates: Number(args.updates), legacy: args['legacy-wire'] })
  for (const f of script.frames) if (!/^[\x20-\x7e]*$/.test(f.body)) throw new Error('script frame is not ASCII; the latin1 framing would corrupt it')
  /** By the `client` query parameter of the WebSocket URL: two clients can wait side by side and take turns. */
  const connections = new Map<string, Connection>()
  const server = createServer((_req, res) => res.writeHead(404).end())
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false })
  server.on('upgrade', (req, socket, head) => {
    const name = new URL(req.url ?? '/', 'http://localhost').searchParams.get('client') ?? ''
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conn = new Connection(ws, socket as Socket, script)
      connections.get(name)?.ws.terminate()
      connections.set(name, conn)
      ;(socket as Socket).setNoDelay(true)
      ws.on('message', (data) => conn.handle(data.toString()))
      ws.on('error', () => ws.terminate())
      ws.on('close', () => {
        if (connections.get(name) === conn) connections.delete(name)
      })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const send = (m: FloodReply) => process.send?.(m)
  const listening: FloodReply = { type: 'listening', wsUrl: `ws://127.0.0.1:${port}/trade-api/ws/v2`, markets: script.tickers.length, cycleFrames: script.frames.length }
  process.stdout.write(JSON.stringify(listening) + '\n')
  send(listening)

  let busy = Promise.resolve()
  process.on('message', (m: FloodCommand) => {
    if (m.cmd === 'stop') {
      for (const c of connections.values()) c.ws.terminate()
      server.close()
      process.exit(0)
    }
    if (m.cmd === 'flood') {
      busy = busy.then(async () => {
        const conn = connections.get(m.client)
        if (!conn) {
          send({ type: 'failed', message: `no client "${m.client}" is connected` })
          return
        }
        try {
          send(await flood(conn, m.count, m.ratePerSec, m.end))
        } catch (error) {
          send({ type: 'failed', message: (error as Error).message })
        }
      })
    }
  })
  // The orchestrator went away: never outlive it.
  process.on('disconnect', () => process.exit(0))
}

main().catch((error: unknown) => {
  process.send?.({ type: 'failed', message: (error as Error).message } satisfies FloodReply)
  console.error(error)
  process.exit(1)
})
