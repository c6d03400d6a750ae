/**
 * The peer: pmxt-core's Kalshi client (the version in package.json), in its own process, on the same
 * trade and orderbook frames as ours (it has no ticker channel). Run by plain node, like the others.
 *
 * It is driven through its exchange class: `watchOrderBooks` for every market (one subscribe, resolved
 * once every book has its snapshot) and `watchTrades` for each. After that nothing of ours runs per
 * frame but one listener on its socket that looks for the flood server's `bench_end` frame (a length
 * check per frame): pmxt parses every frame, keeps each book sorted and builds each trade, as it
 * does for its users. A loop awaiting `watchOrderBook` per update is left out: each such call sends
 * the exchange another subscribe command, which is not what is measured here.
 *
 * The frames carry the legacy integer twins (the flood server's --legacy-wire), as Kalshi sent them
 * for a while: pmxt reads a delta's price and size, and a trade's, only from those.
 */
import { performance } from 'node:perf_hooks'
import { generateKeyPairSync } from 'node:crypto'
import { parseArgs } from 'node:util'
import { KalshiExchange } from 'pmxt-core/dist/exchanges/kalshi/index.js'
import type WebSocket from 'ws'
import type { ClientCommand } from './control.js'
import { CountWindow } from './count-window.js'
import { runChild, sendToParent as send } from './ipc.js'
import { LatencyRecorder } from './latency.js'
import { RssSampler } from './rss.js'
import { benchTickers } from './tickers.js'

const { values: args } = parseArgs({
  options: {
    mode: { type: 'string', default: 'stream' },
    'ws-url': { type: 'string' },
    markets: { type: 'string', default: '500' },
  },
})

const END = Buffer.from('"bench_end"')

async function streamMode(): Promise<void> {
  const setupStart = performance.now()
  const rss = new RssSampler()
  const tickers = benchTickers(Number(args.markets))
  // pmxt signs its handshake; the flood server does not check it, so any key will do.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  // pmxt logs every connect and every subscription on stdout.
  console.log = () => undefined
  const exchange = new KalshiExchange({
    credentials: { apiKey: 'bench', privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
    websocket: { wsUrl: args['ws-url']!, watchTimeoutMs: 120_000 },
  } as ConstructorParameters<typeof KalshiExchange>[0])
  rss.markIdle()
  await exchange.watchOrderBooks(tickers)
  // Each resolves at its market's next trade; the ones still waiting are dropped at the end.
  for (const t of tickers) exchange.watchTrades(t).catch(() => undefined)

  let frames = 0
  const countWindow = new CountWindow(new LatencyRecorder(1))
  const socket = (exchange as unknown as { ws: { ws: WebSocket } }).ws.ws
  socket.on('message', (data: Buffer) => {
    if (data.length < 64 && data.includes(END)) {
      frames += (JSON.parse(data.toString()) as { sent: number }).sent
      countWindow.complete()
    }
  })
  process.on('message', (m: ClientCommand) => {
    if (m.cmd === 'stop') {
      socket.terminate()
      process.exit(0)
    }
    if (m.cmd === 'memory') void send({ type: 'memory', ...rss.figures(), books: tickers.length, frames })
    if (m.cmd !== 'expect') return
    socket.prependOnceListener('message', () => countWindow.start())
    countWindow.arm(m, () => frames)
  })
  await send({ type: 'ready', markets: tickers.length, setupMs: performance.now() - setupStart })
}

if (args.mode !== 'stream') throw new Error(`client-pmxt has no mode "${args.mode}"`)
runChild(streamMode, true)
