/**
 * A TCP proxy on 127.0.0.1 (port 0) in front of the simulator's WebSocket, with the faults a real
 * network has: connections refused (closed at once), a link that stalls right after the WebSocket
 * upgrade (the handshake passes, then nothing moves either way), every link cut at once, and a
 * delay on everything the exchange sends (a throttled link).
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net'

export class FaultProxy {
  readonly server: Server
  port = 0
  /** Connections accepted (refused ones included). */
  accepted = 0
  /** Close this many next connections at once, before any byte moves. */
  refuseNext = 0
  /** Let the next connection's upgrade through, then stall it (one connection, then back to normal). */
  stallNext = false
  /** Connections stalled so far. */
  stalled = 0
  /** Hold every chunk from the exchange this long before passing it on. */
  delayMs = 0
  private readonly sockets = new Set<Socket>()
  private readonly timers = new Set<NodeJS.Timeout>()

  constructor(private readonly targetPort: number) {
    this.server = createServer((client) => this.accept(client))
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/trade-api/ws/v2`
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    this.port = (this.server.address() as { port: number }).port
    return this
  }

  /** Cut every open link (both sides), as a network failure would. */
  dropAll(): void {
    for (const s of this.sockets) s.destroy()
    this.sockets.clear()
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    this.dropAll()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private accept(client: Socket): void {
    this.accepted++
    client.on('error', () => undefined)
    if (this.refuseNext > 0) {
      this.refuseNext--
      client.destroy()
      return
    }
    const stall = this.stallNext
    if (stall) {
      this.stallNext = false
      this.stalled++
    }
    const upstream = createConnection({ host: '127.0.0.1', port: this.targetPort })
    upstream.on('error', () => undefined)
    this.sockets.add(client)
    this.sockets.add(upstream)
    // Stalling: the upgrade response goes through, then nothing in either direction (sockets stay open).
    let frozen = false
    let head = ''
    client.on('data', (chunk: Buffer) => {
      if (!frozen) upstream.write(chunk)
    })
    upstream.on('data', (chunk: Buffer) => {
      if (frozen) return
      let out = chunk
      if (stall) {
        head += chunk.toString('latin1')
        const end = head.indexOf('\r\n\r\n')
        if (end !== -1) {
          frozen = true
          const keep = chunk.length - (head.length - (end + 4))
          out = chunk.subarray(0, Math.max(0, keep))
        }
      }
      this.toClient(client, out)
    })
    const end = (): void => {
      client.destroy()
      upstream.destroy()
      this.sockets.delete(client)
      this.sockets.delete(upstream)
    }
    client.on('close', end)
    upstream.on('close', end)
  }

  private toClient(client: Socket, chunk: Buffer): void {
    if (this.delayMs <= 0) {
      client.write(chunk)
      return
    }
    const t = setTimeout(() => {
      this.timers.delete(t)
      if (!client.destroyed) client.write(chunk)
    }, this.delayMs)
    this.timers.add(t)
  }
}
