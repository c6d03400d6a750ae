/**
 * The dashboard's HTTP server: the page, its scripts (the charting library included, read from the
 * installed package so nothing comes from a CDN) and the Server-Sent Events feed. Every request needs
 * the session's random token (`?token=`): a page that shows positions must not be readable by any
 * other local user or by a web page that guesses the port. Read-only: there is no route that acts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { AddressInfo } from 'node:net'
import { NeuralError } from '../errors.js'
import type { DashboardHub, DashboardRecord } from './hub.js'

export interface DashboardServerOptions {
  hub: DashboardHub
  /** @default '127.0.0.1' */
  host?: string
  /** 0 = any free port. @default 0 */
  port?: number
  /** How often a frame of coalesced updates goes out. @default 100 */
  frameMs?: number
  /** A browser whose socket holds more than this many unsent bytes skips frames until it drains. @default 1 MiB */
  maxBufferedBytes?: number
  /** @default 32 random bytes, base64url */
  token?: string
}

export interface DashboardServer {
  /** `http://HOST:PORT/?token=…`, to print and to open. */
  readonly url: string
  readonly port: number
  readonly token: string
  /** Browsers connected to /events now. */
  clients(): number
  close(): Promise<void>
}

interface Asset {
  file: string
  type: string
}

const pageDir = fileURLToPath(new URL('../../web/dashboard/', import.meta.url))
const uplotDir = dirname(createRequire(import.meta.url).resolve('uplot'))

const ASSETS: Record<string, Asset> = {
  '/': { file: join(pageDir, 'index.html'), type: 'text/html; charset=utf-8' },
  '/app.js': { file: join(pageDir, 'app.js'), type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: join(pageDir, 'app.css'), type: 'text/css; charset=utf-8' },
  '/uplot.js': { file: join(uplotDir, 'uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  '/uplot.css': { file: join(uplotDir, 'uPlot.min.css'), type: 'text/css; charset=utf-8' },
}

/** The files that make the page, with their sizes (the README states the total). */
export async function pageWeight(): Promise<{ file: string; bytes: number }[]> {
  return Promise.all(Object.values(ASSETS).map(async (a) => ({ file: a.file, bytes: (await readFile(a.file)).length })))
}

export async function startDashboardServer(options: DashboardServerOptions): Promise<DashboardServer> {
  const { hub } = options
  const host = options.host ?? '127.0.0.1'
  const token = options.token ?? randomBytes(32).toString('base64url')
  const frameMs = options.frameMs ?? 100
  const maxBuffered = options.maxBufferedBytes ?? 1024 * 1024
  const expected = Buffer.from(token)
  const cache = new Map<string, Buffer>()
  const streams = new Set<ServerResponse>()

  const authorised = (url: URL) => {
    const given = Buffer.from(url.searchParams.get('token') ?? '')
    return given.length === expected.length && timingSafeEqual(given, expected)
  }

  const asset = async (path: string): Promise<Buffer | undefined> => {
    const a = ASSETS[path]
    if (!a) return undefined
    let body = cache.get(path)
    if (!body) {
      const raw = await readFile(a.file)
      // Scripts and styles are fetched with the token too, so the page's own URLs carry it.
      body = path === '/' ? Buffer.from(raw.toString('utf8').replaceAll('__TOKEN__', token)) : raw
      cache.set(path, body)
    }
    return body
  }

  const send = (res: ServerResponse, records: DashboardRecord[]) => {
    let chunk = ''
    for (const r of records) chunk += `data: ${JSON.stringify(r)}\n\n`
    if (chunk) res.write(chunk)
  }

  const openEvents = (req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' })
    res.write(': neural dashboard\n\n')
    send(res, hub.snapshot())
    streams.add(res)
    let behind = false
    const unsubscribe = hub.onFrame((records) => {
      if (res.writableLength > maxBuffered) {
        // A browser that cannot keep up gets the state again when it drains, not an ever-growing queue.
        if (!behind) {
          behind = true
          res.once('drain', () => {
            behind = false
            send(res, hub.snapshot())
          })
        }
        return
      }
      if (!behind) send(res, records)
    })
    req.on('close', () => {
      unsubscribe()
      streams.delete(res)
    })
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid')
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'read-only: only GET\n')
    if (!authorised(url)) return reply(res, 401, 'missing or wrong token: open the URL that neural dashboard printed\n')
    if (url.pathname === '/events') return openEvents(req, res)
    asset(url.pathname).then(
      (body) => {
        if (!body) return reply(res, 404, 'not found\n')
        res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': ASSETS[url.pathname]!.type, 'content-length': body.length, 'cache-control': 'no-store' })
        res.end(req.method === 'HEAD' ? undefined : body)
      },
      (error: Error) => reply(res, 500, `${error.message}\n`),
    )
  })

  const frames = setInterval(() => hub.flush(), frameMs)
  frames.unref()
  // Proxies and browsers close an SSE socket that is silent for long; a comment line keeps it open.
  const keepAlive = setInterval(() => {
    for (const res of streams) res.write(': keep-alive\n\n')
  }, 15_000)
  keepAlive.unref()

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new NeuralError('input', 'DASHBOARD_LISTEN', `cannot serve the dashboard on ${host}:${options.port ?? 0}: ${error.code ?? error.message}`, { cause: error })),
    )
    server.listen(options.port ?? 0, host, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  const urlHost = host.includes(':') ? `[${host}]` : host
  return {
    url: `http://${urlHost}:${port}/?token=${token}`,
    port,
    token,
    clients: () => streams.size,
    async close() {
      clearInterval(frames)
      clearInterval(keepAlive)
      hub.flush()
      for (const res of streams) res.end()
      streams.clear()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

const SECURITY_HEADERS = {
  // The token is in the URL: never send it on as a referrer, and run only the page's own scripts.
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
}

function reply(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' })
  res.end(text)
}
