/**
 * Issue 13, "never lose a market silently": a link that stalls right after a reconnect, an outage
 * longer than the old default retry budget, and a hostile server that sends book frames on
 * subscription ids we never asked for.
 */
import { expect } from 'chai'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { WebSocketServer, type WebSocket } from 'ws'
import { createMarketStream } from '../../src/app/stream-session.js'
import { loadConfig } from '../../src/config/load.js'
import { MarketStream } from '../../src/core/stream.js'
import type { Book, ConnectionEvent } from '../../src/core/types.js'
import { startSimulator, type Simulator } from '../../src/sim/index.js'
import { tempDir } from '../commands/helpers.js'
import { FaultProxy } from './fault-proxy.js'
import { startSession, waitFor, type RunningSession } from './helpers.js'

describe('never lose a market silently', function () {
  this.timeout(30_000)
  let sim: Simulator | undefined
  let proxy: FaultProxy | undefined
  let session: RunningSession | undefined
  let stream: MarketStream | undefined
  const tmp = tempDir('neural-market-loss-')

  afterEach(async () => {
    await session?.stop().catch(() => undefined)
    await stream?.close()
    await proxy?.close()
    await sim?.close()
    session = undefined
    stream = undefined
    proxy = undefined
    sim = undefined
  })

  after(() => tmp.remove())

  describe('when the link stalls right after a reconnect', () => {
    // Named markets (their subscribe is the first command after the reconnect), and an event wildcard
    // (two markets, and the lifecycle channel that follows the wildcard goes first).
    const cases = [
      { name: 'named markets', targets: ['KXNFLGAME-25SEP04DALPHI-DAL', 'KXNFLGAME-25SEP04DALPHI-PHI'], channels: ['ticker'] },
      { name: 'a wildcard', targets: ['KXNFLGAME-25SEP04DALPHI*'], channels: ['lifecycle', 'ticker'] },
    ]
    for (const c of cases) it(`keeps every market wanted, asks again on the next connection, and streams it again (${c.name})`, async () => {
      sim = await startSimulator({ seed: 13, ratePerSec: 400, speed: 5 })
      proxy = await new FaultProxy(sim.port).start()
      session = await startSession(sim, { targets: c.targets, channels: ['ticker'], timeoutMs: 1500, wsUrl: proxy.wsUrl })
      const s = session
      const tickers = s.stream.watched().sort()
      expect(tickers).to.have.length(2)
      const connected = () => s.events.filter((e): e is ConnectionEvent => e.type === 'connection' && e.state === 'connected').length
      // The reconnect's upgrade succeeds, then nothing moves: the subscribe replies never come.
      proxy.stallNext = true
      const opensBefore = connected()
      proxy.dropAll()
      await waitFor(() => proxy!.stalled === 1 && connected() >= opensBefore + 1, 8000, 'the stalled connection to open')
      // Liveness ends the stalled connection; the next one must subscribe everything again.
      await waitFor(() => connected() >= opensBefore + 2, 10_000, 'a connection after the stalled one')
      const covered = () => new Set(s.stream.subscriptions().filter((x) => x.channel === 'ticker').flatMap((x) => x.tickers)).size
      await waitFor(() => covered() === 2, 8000, 'both markets subscribed again')
      expect(s.stream.watched().sort()).to.deep.equal(tickers)
      const server = await s.stream.listServerSubscriptions()
      expect(server.map((x) => x.channel).sort()).to.deep.equal(c.channels)
      const seen = new Set<string>()
      const since = s.events.length
      await waitFor(() => {
        for (const e of s.events.slice(since)) if (e.type === 'ticker') seen.add(e.ticker)
        return seen.size === 2
      }, 8000, 'ticks of both markets after the stall')
      // A missing reply is no verdict: no market was called unknown, no channel refused.
      expect(s.problems.filter((p) => p.code === 'UNKNOWN_MARKET' || p.code.startsWith('WS_'))).to.deep.equal([])
    })
  })

  describe('when the exchange is unreachable for more than ten attempts', () => {
    it('keeps trying with the default settings and connects when it is back', async () => {
      sim = await startSimulator({ seed: 13, ratePerSec: 50 })
      proxy = await new FaultProxy(sim.port).start()
      // Only the pacing is shortened (rc file); the attempt limit is the default.
      const dir = join(tmp.dir, 'rc')
      const { mkdirSync } = await import('node:fs')
      mkdirSync(dir, { recursive: true })
      writeFileSync(join(dir, '.neuralrc.json'), JSON.stringify({ retryDelayMs: 5, retryMaxDelayMs: 20 }))
      const { config } = await loadConfig({ env: {}, cwd: dir })
      proxy.refuseNext = 15
      stream = createMarketStream({ apiUrl: sim.apiUrl, wsUrl: proxy.wsUrl, simulated: true, close: async () => undefined }, { ...config, environment: 'sim' }, ['ticker'])
      const failed: ConnectionEvent[] = []
      stream.on('connection', (e) => {
        if (e.state === 'failed') failed.push(e)
      })
      stream.on('error', () => undefined)
      await stream.start()
      expect(proxy.accepted).to.be.at.least(16)
      expect(failed).to.deep.equal([])
      expect(stream.stats().connected).to.equal(true)
    })
  })

  describe('when a hostile server sends book frames that are not ours', () => {
    let wss: WebSocketServer | undefined
    afterEach(async () => {
      for (const c of wss?.clients ?? []) c.terminate()
      await new Promise<void>((resolve) => (wss ? wss.close(() => resolve()) : resolve()))
      wss = undefined
    })

    it('applies only frames on our own subscription for the market it covers, with seq, and counts the rest', async () => {
      const ours = 'KXTEST-26JAN01-A'
      const other = 'KXTEST-26JAN01-B'
      const snapshot = (sid: number, seq: number, ticker: string, yes: string, no: string) =>
        JSON.stringify({ type: 'orderbook_snapshot', sid, seq, msg: { market_ticker: ticker, market_id: 'm', yes_dollars_fp: [[yes, '100.00']], no_dollars_fp: [[no, '50.00']] } })
      const delta = (sid: number, seq: number | undefined, ticker: string, price: string, change: string) =>
        JSON.stringify({ type: 'orderbook_delta', sid, ...(seq === undefined ? {} : { seq }), msg: { market_ticker: ticker, market_id: 'm', side: 'yes', price_dollars: price, delta_fp: change } })
      wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
      await new Promise<void>((resolve) => wss!.once('listening', () => resolve()))
      let socket: WebSocket | undefined
      wss.on('connection', (ws) => {
        socket = ws
        ws.on('message', (data) => {
          const cmd = JSON.parse(data.toString()) as { id: number; cmd: string }
          if (cmd.cmd !== 'subscribe') return
          ws.send(JSON.stringify({ id: cmd.id, type: 'subscribed', msg: { channel: 'orderbook_delta', sid: 1 } }))
          ws.send(snapshot(1, 1, ours, '0.4000', '0.5000'))
        })
      })
      const port = (wss.address() as { port: number }).port
      stream = new MarketStream({ wsUrl: `ws://127.0.0.1:${port}/trade-api/ws/v2`, channels: ['orderbook'], timeoutMs: 5000 })
      stream.on('error', () => undefined)
      const books: Book[] = []
      stream.on('book', (b) => books.push(b))
      await stream.start()
      const result = await stream.subscribe([ours])
      expect(result.tickers).to.deep.equal([ours])
      await waitFor(() => books.length === 1, 3000, 'the snapshot')
      // The attack: a delta on a sid we never subscribed, a snapshot on a foreign sid replacing our
      // book with 0.99/0.99, a delta without seq, and a frame on our sid for a market it does not cover.
      socket!.send(delta(99, 1, ours, '0.4500', '500.00'))
      socket!.send(snapshot(42, 1, ours, '0.9900', '0.9900'))
      socket!.send(delta(1, undefined, ours, '0.4600', '700.00'))
      socket!.send(delta(1, 2, other, '0.3000', '10.00'))
      // Then a good delta (seq 2 on our sid): it must apply to the untouched book, with no gap.
      socket!.send(delta(1, 2, ours, '0.4000', '25.00'))
      await waitFor(() => books.length === 2, 3000, 'the good delta')
      const book = stream.books.get(ours)!.toBook()
      expect(book.yes).to.deep.equal([[0.4, 125]])
      expect(book.no).to.deep.equal([[0.5, 50]])
      expect(stream.books.get(other)).to.equal(undefined)
      expect(stream.stats().rejectedFrames).to.equal(4)
      expect(stream.stats().gaps).to.equal(0)
    })
  })
})
