/**
 * Issue 7, stream side: the `neural stream` loop against an exchange that drops connections, loses
 * order-book messages, goes silent, refuses the key, answers with errors and sends garbage.
 */
import { expect } from 'chai'
import { join } from 'node:path'
import { listProcesses } from '../../src/runtime/status-registry.js'
import { malformedFrame } from '../../src/sim/faults.js'
import { startSimulator, type SimOptions, type Simulator } from '../../src/sim/index.js'
import type { ConnectionEvent } from '../../src/core/types.js'
import { CountingProxy, ensureBuilt, jsonLines, linesOf, runNeural, tempDir } from '../commands/helpers.js'
import { BookDiscipline, expectBooksEqualWorld, settle, startSession, waitFor, type RunningSession } from './helpers.js'

describe('stream reliability', function () {
  this.timeout(30_000)
  let sim: Simulator | undefined
  let session: RunningSession | undefined
  const tmp = tempDir('neural-reliability-')

  async function simulator(options: SimOptions): Promise<Simulator> {
    sim = await startSimulator({ seed: 11, ratePerSec: 400, speed: 5, ...options })
    return sim
  }

  afterEach(async () => {
    await session?.stop().catch(() => undefined)
    await sim?.close()
    session = undefined
    sim = undefined
  })

  after(() => tmp.remove())

  const winners = (s: Simulator) => s.world.markets().filter((m) => m.ticker.startsWith('KXNFLGAME-') && !s.world.past.has(m.ticker)).map((m) => m.ticker)

  it('writes the summary before it waits for the socket to close (a stop by signal has a deadline)', async () => {
    const s = await simulator({})
    session = await startSession(s, { targets: winners(s).slice(0, 2), channels: ['ticker'] })
    // A close that hangs until released, as one may on a loaded machine or a dying network.
    const held: (() => void)[] = []
    const close = session.stream.close.bind(session.stream)
    session.stream.close = () => new Promise<void>((resolve) => held.push(() => void close().then(resolve)))
    const done = session.stop()
    try {
      await waitFor(() => session!.summaries.length === 1, 10_000, 'the summary')
      expect(held.length, 'the socket close still pending').to.be.greaterThan(0)
    } finally {
      for (const release of held) release()
    }
    expect((await done).type).to.equal('summary')
  })

  describe('when the exchange drops the connection every 2 s', () => {
    const previousDir = process.env.NEURAL_RUNTIME_DIR
    before(() => (process.env.NEURAL_RUNTIME_DIR = join(tmp.dir, 'run')))
    after(() => {
      if (previousDir === undefined) delete process.env.NEURAL_RUNTIME_DIR
      else process.env.NEURAL_RUNTIME_DIR = previousDir
    })

    it('reconnects each time, restores every subscription once, and rebuilds every book exactly', async function () {
      this.timeout(40_000)
      const s = await simulator({ faults: { dropEverySec: 2 } })
      const tickers = winners(s)
      session = await startSession(s, { targets: ['KXNFLGAME*'], channels: ['ticker', 'orderbook'], status: true })
      const discipline = new BookDiscipline(session)
      const stream = session.stream
      const covered = (channel: string) => new Set(stream.subscriptions().filter((x) => x.channel === channel).flatMap((x) => x.tickers)).size
      let verified = 0
      let interrupted = 0
      for (let drop = 1; drop <= 5; drop++) {
        await waitFor(() => stream.stats().reconnects >= drop, 5000, `reconnect ${drop}`)
        const reconnects = stream.stats().reconnects
        await waitFor(() => covered('ticker') === 32 && covered('orderbook') === 32 && tickers.every((t) => stream.books.get(t)?.valid), 3000, `subscriptions and books restored after drop ${drop}`)
        try {
          // The exchange, asked directly: one ticker, one orderbook and one lifecycle (to follow the wildcard) subscription, no duplicates.
          const server = await stream.listServerSubscriptions()
          expect(server.map((x) => x.channel).sort()).to.deep.equal(['lifecycle', 'orderbook', 'ticker'])
          s.pause()
          await settle(session)
          if (stream.stats().reconnects !== reconnects) throw new Error('dropped during the check')
          expectBooksEqualWorld(session, s, tickers)
          verified++
        } catch (error) {
          // The next drop may land in the middle of a check on a loaded machine; only that excuses a failed check.
          if (stream.stats().reconnects === reconnects) throw error
          interrupted++
        } finally {
          s.resume()
        }
      }
      expect(verified, `${interrupted} checks cut short by a drop`).to.be.at.least(4)
      expect(discipline.violations).to.deep.equal([])
      // Every drop made every book stale, and each came back through a snapshot. A drop that lands
      // while a market still waits for its snapshot from the previous one is recovered from once.
      expect(discipline.recovered.length).to.be.at.least(32 * (verified - 1))
      // neural status reads the process's status file: it reports the reconnects.
      const reconnects = stream.stats().reconnects
      await waitFor(async () => (await listProcesses()).find((p) => p.pid === process.pid)?.reconnects === reconnects, 3000, 'the status file to show the reconnects')
      const summary = await session.stop()
      // The exchange keeps dropping every 2 s: one more drop may land between the status check and stop().
      expect(summary.reconnects).to.be.at.least(Math.max(reconnects, 5))
      const reconnecting = session.events.filter((e): e is ConnectionEvent => e.type === 'connection' && e.state === 'reconnecting')
      // Each reconnect was announced; a drop just before stop() is announced without its reconnect.
      expect(reconnecting.length).to.be.within(summary.reconnects, summary.reconnects + 1)
    })
  })

  describe('when order-book messages are lost (sequence gaps)', () => {
    it('re-snapshots, emits no book event between a gap and the fresh snapshot, and ends equal to the exchange', async () => {
      const s = await simulator({ faults: { seqGapEvery: 6 } })
      const targets = ['KXNFLGAME-25SEP04DALPHI*', 'KXNFLGAME-25SEP05KCLAC*']
      session = await startSession(s, { targets, channels: ['orderbook'] })
      const discipline = new BookDiscipline(session)
      const stream = session.stream
      await waitFor(() => stream.stats().gaps >= 3 && discipline.recovered.length >= 1, 8000, 'three gaps and a re-snapshot')
      s.pause()
      await settle(session)
      await waitFor(() => discipline.stale.size === 0, 3000, 'every broken book re-snapshotted')
      await settle(session)
      const tickers = stream.watched()
      expect(tickers.length).to.equal(4)
      expectBooksEqualWorld(session, s, tickers)
      expect(discipline.violations).to.deep.equal([])
      const summary = await session.stop()
      expect(summary.gaps).to.be.at.least(3)
      expect(summary.reconnects).to.equal(0)
    })
  })

  describe('when the exchange goes silent', () => {
    it('declares the connection dead within the timeout and reconnects', async () => {
      const s = await simulator({ faults: { silentAfterSec: 0.5 } })
      session = await startSession(s, { targets: ['KXNFLGAME*'], channels: ['ticker'], timeoutMs: 1000 })
      const connections = () => session!.events.filter((e): e is ConnectionEvent => e.type === 'connection')
      await waitFor(() => connections().some((e) => e.state === 'connected' && e.connection === 2), 6000, 'a second connection')
      const drop = connections().find((e) => e.state === 'disconnected')!
      expect(drop.reason).to.match(/^no data or ping from the exchange for \d+ ms \(timeout 1000 ms\)$/)
      // Silence is noticed after the timeout and within one liveness check (timeout / 4) of it.
      const lastFrameBefore = session.frames.filter((f) => f.at <= drop.ts).at(-1)!.at
      // (500 ms of slack for timers on a loaded machine.)
      expect(drop.ts - lastFrameBefore).to.be.within(1000, 1000 + 250 + 500)
      const framesBefore = session.frames.length
      await waitFor(() => session!.frames.length > framesBefore + 5, 3000, 'data on the new connection')
      expect(session.stream.stats().reconnects).to.be.at.least(1)
    })
  })

  describe('when the exchange answers with errors (errorEvery 3)', () => {
    it('backs off, reports the WebSocket error and the REST 429 by name, and still delivers every market', async () => {
      const s = await simulator({ faults: { errorEvery: 3 } })
      // Two requests now make the stream's first REST call (resolving KXNFLGAME*) the third: a 429.
      for (let i = 0; i < 2; i++) expect((await fetch(`${s.apiUrl}/exchange/status`)).status).to.equal(200)
      // Batches of 8 make the third command on the connection a subscribe, which gets error 1.
      session = await startSession(s, { targets: ['KXNFLGAME*'], channels: ['ticker'], batchSize: 8 })
      const stream = session.stream
      expect(session.problems.map((p) => `${p.kind} ${p.code}`).sort()).to.deep.equal(['protocol WS_UNABLE_TO_PROCESS', 'rate_limit RATE_LIMITED'])
      expect(session.problems.find((p) => p.code === 'RATE_LIMITED')!.message).to.match(/^the exchange is rate limiting requests \(HTTP 429 on GET \/markets\); retrying in \d+ ms$/)
      expect(session.problems.find((p) => p.code === 'WS_UNABLE_TO_PROCESS')!.message).to.match(/^the exchange answered subscribe with unable_to_process \(code 1\): .*; retrying in \d+ ms$/)
      expect(stream.watched().length).to.equal(32)
      expect(new Set(stream.subscriptions().filter((x) => x.channel === 'ticker').flatMap((x) => x.tickers)).size).to.equal(32)
      const before = session.events.filter((e) => e.type === 'ticker').length
      await waitFor(() => session!.events.filter((e) => e.type === 'ticker').length >= before + 20, 5000, 'ticks after the errors')
    })
  })

  describe('when the exchange sends malformed frames', () => {
    it('counts every one in the summary and keeps streaming', async () => {
      const s = await simulator({ faults: { malformedEvery: 5 } })
      session = await startSession(s, { targets: ['KXNFLGAME*'], channels: ['ticker', 'trade'] })
      const garbage = new Set([malformedFrame(0), malformedFrame(1)])
      const isGarbage = (f: { raw: string }) => garbage.has(f.raw)
      await waitFor(() => session!.frames.filter(isGarbage).length >= 6, 8000, 'six malformed frames')
      // Nothing in flight when the summary is taken, so frames and counters can be compared exactly.
      s.pause()
      await settle(session)
      const summary = await session.stop()
      const sent = session.frames.filter(isGarbage).length
      expect(summary.malformed).to.equal(sent)
      expect(summary.unknownTypes).to.equal(0)
      // Market events went on after the first bad frame: every frame that is neither garbage nor a reply became one.
      const firstBad = session.frames.findIndex(isGarbage)
      const dataAfter = session.frames.slice(firstBad).filter((f) => /^\{"type":"(ticker|trade)"/.test(f.raw) && !isGarbage(f)).length
      expect(dataAfter).to.be.greaterThan(10)
      expect(summary.events).to.equal(session.frames.filter((f) => /^\{"type":"(ticker|trade)"/.test(f.raw) && !isGarbage(f)).length)
      // Reported once (rate-limited), not once per frame.
      expect(session.problems.map((p) => p.code)).to.deep.equal(['MALFORMED_FRAME'])
    })
  })

  describe('when the exchange refuses the key (CLI)', () => {
    let proxy: CountingProxy | undefined
    after(async () => proxy?.close())

    it('prints one clear error, exits 3 and tries the handshake at most twice', async () => {
      await ensureBuilt()
      const s = await simulator({ faults: { refuseAuth: true } })
      proxy = await new CountingProxy(s.port).start()
      const r = await runNeural(['stream', 'KXNFLGAME*', '--env', 'sim', '--api-url', proxy.apiUrl, '--ws-url', proxy.wsUrl], { runtimeDir: join(tmp.dir, 'run-cli') })
      expect(r.code).to.equal(3)
      expect(linesOf(r.stderr)).to.deep.equal(['error: the exchange refused the API key at the WebSocket handshake (HTTP 401); check the key id and private key'])
      expect(r.stdout).to.equal('')
      expect(proxy.upgrades).to.be.within(1, 2)
    })

    it('under --json ends with one error line after the connection events', async () => {
      const s = await simulator({ faults: { refuseAuth: true } })
      const r = await runNeural(['stream', 'KXNFLGAME*', '--env', 'sim', '--api-url', s.apiUrl, '--ws-url', s.wsUrl, '--json'], { runtimeDir: join(tmp.dir, 'run-cli') })
      expect(r.code).to.equal(3)
      const lines = jsonLines(r.stdout)
      expect(lines.filter((l) => l.type === 'error')).to.deep.equal([{ type: 'error', kind: 'auth', code: 'AUTH_REJECTED', message: 'the exchange refused the API key at the WebSocket handshake (HTTP 401); check the key id and private key' }])
      expect(lines.at(-1)!.type).to.equal('error')
      expect(lines.filter((l) => l.type === 'connection' && l.state === 'connecting').length).to.equal(2)
    })
  })
})
