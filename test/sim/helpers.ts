import { constants, sign, type KeyObject } from 'node:crypto'
import WebSocket from 'ws'
import { testRsaKey } from '../support/rsa-keys.js'

/** Test-side plumbing: a plain ws client and hand-rolled signing, deliberately independent of neural's own client and signer. */

export interface KeyPair { publicPem: string; privateKey: KeyObject }

/** The test process's key of this name (one per name per process: test/support/rsa-keys.ts). */
export function newKeyPair(name = 'default'): KeyPair {
  const { publicPem, privateKey } = testRsaKey(name)
  return { publicPem, privateKey }
}

export function signHeaders(key: KeyObject, method: string, path: string, keyId = 'test-key', timestampMs = Date.now()): Record<string, string> {
  const ts = String(timestampMs)
  const signature = sign('sha256', Buffer.from(ts + method + path), { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }).toString('base64')
  return { 'KALSHI-ACCESS-KEY': keyId, 'KALSHI-ACCESS-TIMESTAMP': ts, 'KALSHI-ACCESS-SIGNATURE': signature }
}

export type Frame = { raw: string; json?: any }

export class TestClient {
  readonly frames: Frame[] = []
  readonly pings: string[] = []
  private waiters: Array<() => void> = []
  closeCode: number | undefined
  private nextId = 1

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const raw = data.toString()
      let json: any
      try { json = JSON.parse(raw) } catch { json = undefined }
      this.frames.push({ raw, json })
      this.wake()
    })
    ws.on('ping', (d) => { this.pings.push(d.toString()); this.wake() })
    ws.on('close', (code) => { this.closeCode = code; this.wake() })
  }

  private wake(): void {
    const w = this.waiters
    this.waiters = []
    for (const f of w) f()
  }

  send(body: unknown): void {
    const id = (body as { id?: unknown })?.id
    if (typeof id === 'number' && id >= this.nextId) this.nextId = id + 1
    this.ws.send(typeof body === 'string' ? body : JSON.stringify(body))
  }

  /** Send a command with a fresh id and wait for the first reply carrying that id. */
  async command(cmd: string, params?: unknown): Promise<any> {
    const id = this.nextId++
    this.send(params === undefined ? { id, cmd } : { id, cmd, params })
    return (await this.waitFor((f) => f.json?.id === id)).json
  }

  /** All replies with this id, once at least `count` have arrived. */
  async replies(id: number, count: number): Promise<any[]> {
    await this.until(() => this.frames.filter((f) => f.json?.id === id).length >= count)
    return this.frames.filter((f) => f.json?.id === id).map((f) => f.json)
  }

  async waitFor(pred: (f: Frame) => boolean, timeoutMs = 3000, from = 0): Promise<Frame> {
    let found: Frame | undefined
    await this.until(() => (found = this.frames.slice(from).find(pred)) !== undefined, timeoutMs)
    return found!
  }

  async until(cond: () => boolean, timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!cond()) {
      const left = deadline - Date.now()
      if (left <= 0) throw new Error('timed out waiting for condition')
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 50))
        this.waiters.push(() => { clearTimeout(t); resolve() })
      })
    }
  }

  data(type: string): any[] {
    return this.frames.filter((f) => f.json?.type === type).map((f) => f.json)
  }

  close(): void {
    this.ws.terminate()
  }
}

export async function connect(url: string, headers?: Record<string, string>): Promise<TestClient> {
  const ws = new WebSocket(url, { headers })
  const client = new TestClient(ws)
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  return client
}

/** Resolves with the HTTP status of a refused handshake. */
export function handshakeStatus(url: string, headers?: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers })
    ws.once('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0); ws.terminate() })
    ws.once('open', () => { ws.terminate(); resolve(101) })
    ws.once('error', (e) => reject(e))
  })
}

export async function getJson(url: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const res = await fetch(url, init)
  return { status: res.status, body: await res.json() }
}

export const DOLLARS = /^\d\.\d{4}$/
export const COUNT = /^\d+\.\d{2}$/
