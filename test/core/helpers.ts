/**
 * Test servers on 127.0.0.1 port 0: a small Kalshi-like WebSocket server that answers the
 * subscription commands with exact Kalshi frames, and can misbehave on demand.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'

export async function waitFor(pred: () => boolean, timeoutMs = 2000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

export interface ReceivedCommand {
  conn: number
  id: number
  cmd: string
  params?: Record<string, unknown>
}

export interface FakeKalshiOptions {
  /** Answer every handshake with this HTTP status instead of upgrading. */
  handshakeStatus?: number
  /** Don't answer client pings (a dead peer that keeps the TCP connection). */
  autoPong?: boolean
  /** Markets that the server refuses with error 16 (market_ticker named). */
  unknownMarkets?: string[]
  /** Send an orderbook_snapshot after each orderbook_delta subscription. @default true */
  snapshots?: boolean
  /** Ignore all commands (never reply). */
  mute?: boolean
  /** Refuse a subscribe of more markets than this with error 26 (subscription market limit). */
  marketLimit?: number
  /** Answer this many subscribe commands with error 27 (too many requests) first. */
  rateLimitSubscribes?: number
}

interface Sub {
  channel: string
  tickers: Set<string>
  conn: number
  seq: number
}

export class FakeKalshi {
  readonly http: Server
  readonly wss: WebSocketServer
  url = ''
  readonly handshakes: IncomingHttpHeaders[] = []
  readonly sockets: WebSocket[] = []
  readonly commands: ReceivedCommand[] = []
  readonly subs = new Map<number, Sub>()
  private nextSid = 1
  options: FakeKalshiOptions

  constructor(options: FakeKalshiOptions = {}) {
    this.options = options
    this.http = createServer()
    this.wss = new WebSocketServer({ noServer: true, autoPong: options.autoPong ?? true })
    this.http.on('upgrade', (req, socket, head) => {
      this.handshakes.push(req.headers)
      const status = this.options.handshakeStatus
      if (status) {
        socket.end(`HTTP/1.1 ${status} Refused\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`)
        return
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws))
    })
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.http.listen(0, '127.0.0.1', r))
    this.url = `ws://127.0.0.1:${(this.http.address() as AddressInfo).port}/trade-api/ws/v2`
    return this
  }

  get connectionCount(): number {
    return this.sockets.length
  }

  /** The socket of the latest connection. */
  get socket(): WebSocket {
    return this.sockets[this.sockets.length - 1]
  }

  /** Active subscriptions on the latest connection, per channel and ticker. */
  activeOn(conn = this.sockets.length - 1): { channel: string; ticker: string; sid: number }[] {
    const out: { channel: string; ticker: string; sid: number }[] = []
    for (const [sid, s] of this.subs) if (s.conn === conn) for (const t of s.tickers.size ? s.tickers : ['*']) out.push({ channel: s.channel, ticker: t, sid })
    return out
  }

  sidFor(channel: string, ticker: string, conn = this.sockets.length - 1): number | undefined {
    for (const [sid, s] of this.subs) if (s.conn === conn && s.channel === channel && s.tickers.has(ticker)) return sid
    return undefined
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  }

  /** Send a sequenced frame on a sid, using (and advancing) its sequence. */
  sendSeq(sid: number, type: string, msg: Record<string, unknown>, seqOverride?: number): void {
    const s = this.subs.get(sid)
    if (!s) throw new Error(`no sid ${sid}`)
    const seq = seqOverride ?? ++s.seq
    if (seqOverride !== undefined) s.seq = seqOverride
    this.send({ type, sid, seq, msg })
  }

  dropAll(): void {
    for (const ws of this.sockets) ws.terminate()
  }

  async close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate()
    this.wss.close()
    await new Promise<void>((r) => this.http.close(() => r()))
    this.http.closeAllConnections?.()
  }

  private onConnection(ws: WebSocket): void {
    const conn = this.sockets.length
    this.sockets.push(ws)
    ws.on('message', (data) => {
      if (this.options.mute) return
      let c: { id: number; cmd: string; params?: Record<string, unknown> }
      try {
        c = JSON.parse(data.toString())
      } catch {
        ws.send(JSON.stringify({ id: 0, type: 'error', msg: { code: 1, msg: 'Unable to process message' } }))
        return
      }
      this.commands.push({ conn, id: c.id, cmd: c.cmd, params: c.params })
      this.handle(ws, conn, c)
    })
  }

  private handle(ws: WebSocket, conn: number, c: { id: number; cmd: string; params?: Record<string, unknown> }): void {
    const reply = (o: unknown): void => ws.send(JSON.stringify(o))
    const p = c.params ?? {}
    if (c.cmd === 'subscribe') {
      const channels = p.channels as string[]
      const tickers = (p.market_tickers as string[] | undefined) ?? []
      if (this.options.rateLimitSubscribes) {
        this.options.rateLimitSubscribes--
        reply({ id: c.id, type: 'error', msg: { code: 27, msg: 'Too many requests' } })
        return
      }
      if (this.options.marketLimit !== undefined && tickers.length > this.options.marketLimit) {
        reply({ id: c.id, type: 'error', msg: { code: 26, msg: 'Subscription market limit exceeded' } })
        return
      }
      const bad = tickers.filter((t) => this.options.unknownMarkets?.includes(t))
      for (const t of bad) reply({ id: c.id, type: 'error', msg: { code: 16, msg: 'Market not found', market_ticker: t } })
      const good = tickers.filter((t) => !bad.includes(t))
      if (tickers.length > 0 && good.length === 0) return
      for (const channel of channels) {
        const sid = this.nextSid++
        this.subs.set(sid, { channel, tickers: new Set(good), conn, seq: 0 })
        reply({ id: c.id, type: 'subscribed', msg: { channel, sid } })
        if (channel === 'orderbook_delta' && this.options.snapshots !== false) {
          for (const t of good) this.sendSnapshotOn(ws, sid, t)
        }
      }
    } else if (c.cmd === 'unsubscribe') {
      for (const sid of p.sids as number[]) {
        const s = this.subs.get(sid)
        if (!s || s.conn !== conn) {
          reply({ id: c.id, type: 'error', msg: { code: 7, msg: 'Unknown subscription ID' } })
          continue
        }
        this.subs.delete(sid)
        reply({ id: c.id, sid, seq: s.seq + 1, type: 'unsubscribed' })
      }
    } else if (c.cmd === 'update_subscription') {
      const sids = p.sids as number[]
      if (!Array.isArray(sids) || sids.length !== 1) {
        reply({ id: c.id, type: 'error', msg: { code: 12, msg: 'Exactly one subscription ID is required' } })
        return
      }
      const s = this.subs.get(sids[0])
      if (!s) {
        reply({ id: c.id, type: 'error', msg: { code: 7, msg: 'Unknown subscription ID' } })
        return
      }
      const tickers = p.market_tickers as string[]
      if (p.action === 'add_markets') for (const t of tickers) s.tickers.add(t)
      else if (p.action === 'delete_markets') for (const t of tickers) s.tickers.delete(t)
      else {
        reply({ id: c.id, type: 'error', msg: { code: 13, msg: 'Unsupported action' } })
        return
      }
      reply({ id: c.id, sid: sids[0], seq: ++s.seq, type: 'ok', msg: { market_tickers: [...s.tickers] } })
    } else if (c.cmd === 'list_subscriptions') {
      reply({ id: c.id, type: 'ok', msg: [...this.subs].filter(([, s]) => s.conn === conn).map(([sid, s]) => ({ channel: s.channel, sid })) })
    } else {
      reply({ id: c.id, type: 'error', msg: { code: 5, msg: 'Unknown command' } })
    }
  }

  /** The book every snapshot starts from: yes bids 0.55×100, 0.54×50; no bids 0.44×80, 0.40×10. */
  sendSnapshotOn(ws: WebSocket, sid: number, ticker: string): void {
    const s = this.subs.get(sid)
    if (!s) return
    ws.send(
      JSON.stringify({
        type: 'orderbook_snapshot',
        sid,
        seq: ++s.seq,
        msg: {
          market_ticker: ticker,
          market_id: `id-${ticker}`,
          yes_dollars_fp: [
            ['0.5500', '100.00'],
            ['0.5400', '50.00'],
          ],
          no_dollars_fp: [
            ['0.4400', '80.00'],
            ['0.4000', '10.00'],
          ],
        },
      }),
    )
  }
}

export function tickerFrame(ticker: string, priceDollars: string, sid = 1, ts = 1_757_000_000): string {
  return JSON.stringify({
    type: 'ticker',
    sid,
    msg: { market_ticker: ticker, market_id: `id-${ticker}`, price_dollars: priceDollars, yes_bid_dollars: '0.5500', yes_ask_dollars: '0.5600', volume_fp: '1000.00', open_interest_fp: '500.00', ts },
  })
}
