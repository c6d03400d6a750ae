/**
 * The baseline, in its own process: a bare `ws` client that subscribes to the same markets and
 * channels as ours and only JSON.parses each message. Same server, same load, same modes as
 * client-neural.ts; its figures are the ceiling our client is compared against.
 *
 * With --keep-latest it also keeps each market's latest message in a Map in a throughput window: the
 * baseline issue 18 states its strategy-path target against ("ws + JSON.parse + Map"), the least
 * state a client that answers "what is this market at now" can hold. Without, it is the stricter
 * parse-only ceiling. run.ts runs the Map client in throughput windows only; a latency window parses
 * and reads the clock, whichever the flag.
 *
 * Run by plain node (no tsx: see plain.ts), and with nothing but the parse in its per-frame path in
 * a throughput window: it does not count frames, the flood server ends the window with a
 * `bench_end` frame that says how many it sent. Only a latency window reads the clock per frame.
 */
import { readFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import WebSocket from 'ws'
import { createSigner } from '../src/auth/signer.js'
import type { ClientCommand } from './control.js'
import { runChild, sendToParent as send } from './ipc.js'
import { hostNowMs, LatencyRecorder } from './latency.js'
import { CountWindow } from './count-window.js'
import { RssSampler } from './rss.js'
import { benchTickers } from './tickers.js'

const { values: args } = parseArgs({
  options: {
    mode: { type: 'string', default: 'stream' },
    'ws-url': { type: 'string' },
    markets: { type: 'string', default: '500' },
    'key-file': { type: 'string' },
    'keep-latest': { type: 'boolean', default: false },
  },
})

const WIRE_CHANNELS = ['ticker', 'trade', 'orderbook_delta']

interface Envelope { type?: string; sent_at_ms?: number; sent?: number; msg?: { market_ticker?: string } }

/** The frame the flood server sends after the last of a window's frames (see FloodCommand). */
const END = 'bench_end'

/**
 * Open a socket (signed when a key is given), subscribe everything in one command, resolve when every
 * snapshot is in. The clock starts before the key is read and imported, as in client-neural.ts, and
 * stops at the last snapshot: `connectMs` to the open socket, `subscribeMs` from there to that snapshot.
 */
async function open(): Promise<{ ws: WebSocket; connectMs: number; subscribeMs: number }> {
  const tickers = benchTickers(Number(args.markets))
  const t0 = performance.now()
  const keyFile = args['key-file']
  const headers = keyFile ? { ...createSigner('neural-bench', readFileSync(keyFile, 'utf8'))('GET', new URL(args['ws-url']!).pathname) } : {}
  const ws = new WebSocket(args['ws-url']!, { headers, perMessageDeflate: false })
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  const t1 = performance.now()
  let subscribed = 0
  let snapshots = 0
  let t2 = 0
  // A listener for the subscription only, replaced once every snapshot is in.
  let setup: (data: WebSocket.RawData) => void = () => undefined
  await new Promise<void>((resolve) => {
    setup = (data) => {
      const o = JSON.parse(data.toString()) as Envelope
      if (o.type === 'subscribed') subscribed++
      else if (o.type === 'orderbook_snapshot') snapshots++
      else if (o.type === 'error') throw new Error(`the server refused: ${JSON.stringify(o)}`)
      if (subscribed === WIRE_CHANNELS.length && snapshots === tickers.length) {
        t2 = performance.now()
        resolve()
      }
    }
    ws.on('message', setup)
    // The parameters ours sends (src/core/subscriptions.ts), so that the server sends both clients the
    // same frames: with send_initial_snapshot, a ticker per market as well as its book snapshot.
    ws.send(JSON.stringify({ id: 1, cmd: 'subscribe', params: { channels: WIRE_CHANNELS, market_tickers: tickers, send_initial_snapshot: true, use_yes_price: false } }))
  })
  ws.off('message', setup)
  return { ws, connectMs: t1 - t0, subscribeMs: t2 - t1 }
}

async function streamMode(): Promise<void> {
  const setupStart = performance.now()
  const rss = new RssSampler()
  rss.markIdle()
  /** Data frames handled, as the end frames report them. */
  let frames = 0
  const recorder = new LatencyRecorder(1 << 20)
  const countWindow = new CountWindow(recorder)
  const end = (o: Envelope) => {
    frames += o.sent!
    countWindow.complete()
  }
  const latest = new Map<string, Envelope['msg']>()
  // The whole of the baseline's work per frame.
  const parseOnly = (data: WebSocket.RawData) => {
    const o = JSON.parse(data.toString()) as Envelope
    if (o.type === END) end(o)
  }
  const parseAndKeep = (data: WebSocket.RawData) => {
    const o = JSON.parse(data.toString()) as Envelope
    const ticker = o.msg?.market_ticker
    if (ticker !== undefined) latest.set(ticker, o.msg)
    else if (o.type === END) end(o)
  }
  const parse = args['keep-latest'] ? parseAndKeep : parseOnly
  // The same, with the time from "sent_at_ms" to here read for ticks and trades.
  const timed = (data: WebSocket.RawData) => {
    const o = JSON.parse(data.toString()) as Envelope
    if (o.type === 'ticker' || o.type === 'trade') recorder.add(hostNowMs() - o.sent_at_ms!)
    else if (o.type === END) end(o)
  }
  const { ws } = await open()
  let listener = parse
  ws.on('message', listener)
  ws.once('close', () => process.exit(0))
  process.on('message', (m: ClientCommand) => {
    if (m.cmd === 'stop') {
      ws.terminate()
      process.exit(0)
    }
    if (m.cmd === 'memory') void send({ type: 'memory', ...rss.figures(), books: 0, frames })
    if (m.cmd !== 'expect') return
    ws.off('message', listener)
    listener = m.latency ? timed : parse
    ws.on('message', listener)
    // The first frame of the window starts the clock; the socket's own listener runs before ours.
    ws.prependOnceListener('message', () => countWindow.start())
    countWindow.arm(m, () => frames)
  })
  await send({ type: 'ready', markets: Number(args.markets), setupMs: performance.now() - setupStart })
}

async function connectMode(): Promise<void> {
  const { ws, connectMs, subscribeMs } = await open()
  await send({ type: 'connected', connectMs, subscribeMs, totalMs: connectMs + subscribeMs, markets: Number(args.markets) })
  ws.terminate()
}

const modes: Record<string, () => Promise<void>> = { stream: streamMode, connect: connectMode }
runChild(modes[args.mode!] ?? (() => Promise.reject(new Error(`unknown mode ${args.mode}`))), args.mode === 'stream')
