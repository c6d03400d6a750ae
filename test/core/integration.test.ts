/**
 * The streaming core against the exchange simulator (src/sim): real REST and WebSocket on port 0,
 * with the simulator's faults (drops, sequence gaps, garbage, command errors, silence, refused auth).
 */
import { expect } from 'chai'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSigner } from '../../src/auth/signer.js'
import { readRecord, Recorder } from '../../src/core/recorder.js'
import { RestClient } from '../../src/core/rest-client.js'
import { MarketStream, type MarketStreamOptions } from '../../src/core/stream.js'
import type { Book, ConnectionEvent } from '../../src/core/types.js'
import type { NeuralError } from '../../src/errors.js'
import { startSimulator, type SimOptions, type Simulator } from '../../src/sim/index.js'
import { waitFor } from './helpers.js'
import { testRsaKey } from '../support/rsa-keys.js'

const FAST = { attempts: 0, baseDelayMs: 20, maxDelayMs: 100, jitter: 'none' as const }
const { privateKey, publicKey } = testRsaKey()
const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
const signer = createSigner('integration-key', privateKey)

describe('core against the simulator', function () {
  this.timeout(10_000)
  let sim: Simulator | undefined
  let stream: MarketStream | undefined

  async function setup(simOptions: SimOptions, streamOptions: Partial<MarketStreamOptions> = {}): Promise<{ sim: Simulator; stream: MarketStream }> {
    sim = await startSimulator({ seed: 7, ratePerSec: 400, speed: 5, publicKeys: [publicPem], ...simOptions })
    stream = new MarketStream({ wsUrl: sim.wsUrl, apiUrl: sim.apiUrl, signer, timeoutMs: 2000, retry: FAST, batchSize: 10, batchPauseMs: 0, refreshMs: 0, channels: ['ticker', 'trade', 'orderbook'], ...streamOptions })
    return { sim, stream }
  }

  afterEach(async () => {
    await stream?.close()
    await sim?.close()
    stream = undefined
    sim = undefined
  })

  /**
   * Pause the world and compare every streamed book with the REST book, until frames still in flight
   * have landed (equal) or 3 s have passed (then the difference is shown). A wrong book never converges.
   */
  async function expectBooksMatchRest(s: MarketStream, simulator: Simulator, tickers: string[]): Promise<void> {
    simulator.pause()
    await waitFor(() => tickers.every((t) => s.books.get(t)?.valid === true), 3000, 'valid books')
    const rest = new RestClient({ apiUrl: simulator.apiUrl, maxRequestsPerSec: 1000 })
    const expected = new Map<string, { yes: unknown; no: unknown }>()
    for (const t of tickers) {
      const book = await rest.getOrderbook(t)
      expected.set(t, { yes: book.yes, no: book.no })
    }
    const actual = (t: string) => {
      const book = s.books.get(t)!.toBook()
      return { yes: book.yes, no: book.no }
    }
    const deadline = Date.now() + 3000
    while (Date.now() < deadline && !tickers.every((t) => JSON.stringify(actual(t)) === JSON.stringify(expected.get(t)))) {
      await new Promise((r) => setTimeout(r, 10))
    }
    for (const t of tickers) expect({ ticker: t, ...actual(t) }).to.deep.equal({ ticker: t, ...expected.get(t) })
  }

  it('resolves a series through REST, streams all its markets, and keeps books equal to the exchange', async () => {
    const { sim, stream } = await setup({})
    let ticks = 0
    stream.on('tick', () => ticks++)
    await stream.start()
    const r = await stream.subscribe(['KXNFLGAME*'])
    expect(r.tickers.length).to.equal(32)
    expect(r.unknown).to.deep.equal([])
    await waitFor(() => ticks > 50, 5000, 'ticks')
    expect(stream.subscriptions().filter((x) => x.channel === 'orderbook').flatMap((x) => x.tickers).length).to.equal(32)
    await expectBooksMatchRest(stream, sim, r.tickers)
    expect(stream.stats().malformed).to.equal(0)
  })

  it('reports an unknown ticker and subscribes the others', async () => {
    const { stream } = await setup({})
    await stream.start()
    const r = await stream.subscribe(['KXNFLGAME-25SEP04DALPHI-PHI', 'KXNFLGAME-25SEP04DALPHI-XXX', 'KXNFLGAME-25SEP04DALPHI-DAL'])
    expect(r.tickers).to.deep.equal(['KXNFLGAME-25SEP04DALPHI-PHI', 'KXNFLGAME-25SEP04DALPHI-DAL'])
    expect(r.unknown.map((u) => u.ticker)).to.deep.equal(['KXNFLGAME-25SEP04DALPHI-XXX'])
    expect(r.unknown[0].message).to.match(/^market_not_found \(code 16\)/)
  })

  it('re-snapshots after sequence gaps so books still equal the exchange', async () => {
    const { sim, stream } = await setup({ faults: { seqGapEvery: 7 } })
    const gaps: unknown[] = []
    stream.on('gap', (g) => gaps.push(g))
    await stream.start()
    const r = await stream.subscribe(['KXNFLGAME-25SEP04DALPHI*', 'KXNFLGAME-25SEP05KCLAC*'])
    await waitFor(() => gaps.length >= 2, 5000, 'gaps')
    await expectBooksMatchRest(stream, sim, r.tickers)
  })

  it('restores its subscriptions after the exchange drops the connection, without duplicates', async () => {
    const { stream } = await setup({ faults: { dropEverySec: 1 } }, { channels: ['ticker', 'orderbook'] })
    const states: ConnectionEvent[] = []
    stream.on('connection', (e) => states.push(e))
    await stream.start()
    await stream.subscribe(['KXNFLGAME-25SEP04DALPHI*', 'KXNFLGAME-25SEP05KCLAC*'])
    await waitFor(() => stream!.stats().reconnects >= 1, 3000, 'a reconnect')
    // One batch of four markets on two channels, and lifecycle for all markets (to follow the wildcards).
    await waitFor(() => stream!.subscriptions().length === 3, 2000, 'restored subscriptions')
    const server = await stream.listServerSubscriptions()
    expect(server.map((x) => x.channel).sort()).to.deep.equal(['lifecycle', 'orderbook', 'ticker'])
    expect(stream.subscriptions().find((x) => x.channel === 'orderbook')?.tickers.length).to.equal(4)
    expect(states.some((e) => e.state === 'reconnecting')).to.equal(true)
    const before = stream.stats().messages
    await waitFor(() => stream!.stats().messages > before + 20, 3000, 'data after the reconnect')
  })

  it('counts the garbage frames and keeps streaming', async () => {
    const { stream } = await setup({ faults: { malformedEvery: 5 } }, { channels: ['ticker'] })
    const errors: NeuralError[] = []
    stream.on('error', (e) => errors.push(e))
    await stream.start()
    await stream.subscribe(['KXNFLGAME*'])
    await waitFor(() => stream!.stats().malformed >= 10, 5000, 'malformed frames')
    const ticks = stream.stats().messages
    await waitFor(() => stream!.stats().messages > ticks + 10, 3000, 'more data')
    expect(errors.length).to.equal(1)
    expect(errors[0].kind).to.equal('protocol')
  })

  it('subscribes everything although the exchange fails every third command', async () => {
    const { stream } = await setup({ faults: { errorEvery: 3 } }, { batchSize: 4 })
    await stream.start()
    const r = await stream.subscribe(['KXNFLGAME*'])
    expect(r.tickers.length).to.equal(32)
    expect(r.unknown).to.deep.equal([])
    const covered = (channel: string) => new Set(stream!.subscriptions().filter((x) => x.channel === channel).flatMap((x) => x.tickers)).size
    expect([covered('ticker'), covered('trade'), covered('orderbook')]).to.deep.equal([32, 32, 32])
  })

  it('notices an exchange that goes silent and reconnects', async () => {
    const { stream } = await setup({ faults: { silentAfterSec: 0.3 } }, { timeoutMs: 400, channels: ['ticker'] })
    const states: ConnectionEvent[] = []
    stream.on('connection', (e) => states.push(e))
    await stream.start()
    await stream.subscribe(['KXNFLGAME-25SEP04DALPHI*'])
    await waitFor(() => stream!.stats().reconnects >= 1, 3000, 'reconnect after silence')
    expect(states.find((e) => e.state === 'disconnected')?.reason).to.match(/^no data or ping from the exchange/)
  })

  it('fails with one auth error when the exchange refuses the key', async () => {
    const { stream } = await setup({ faults: { refuseAuth: true } })
    const states: ConnectionEvent[] = []
    stream.on('connection', (e) => states.push(e))
    const error = await stream.start().then(() => undefined, (e: NeuralError) => e)
    expect(error?.kind).to.equal('auth')
    expect(states.filter((e) => e.state === 'connecting').length).to.equal(2)
    expect(states.at(-1)?.state).to.equal('failed')
  })

  it('reports the orderbook channel as needing a key on an unsigned connection, and streams the rest', async () => {
    const { stream } = await setup({}, { signer: undefined })
    const errors: NeuralError[] = []
    let ticks = 0
    stream.on('error', (e) => errors.push(e))
    stream.on('tick', () => ticks++)
    await stream.start()
    const r = await stream.subscribe(['KXNFLGAME-25SEP04DALPHI*'])
    expect(r.tickers.length).to.equal(2)
    await waitFor(() => ticks > 3, 3000, 'ticks')
    expect(errors.map((e) => e.code)).to.deep.equal(['AUTH_REQUIRED'])
  })

  it('replays a recording into the same books as the live stream', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'neural-int-'))
    try {
      const { sim, stream } = await setup({ faults: { seqGapEvery: 11 } }, { channels: ['orderbook', 'ticker'] })
      const file = join(dir, 'rec.ndjson')
      const recorder = new Recorder(file, { flushIntervalMs: 0 })
      stream.on('frame', (raw, at) => recorder.write(raw, at))
      await stream.start()
      const r = await stream.subscribe(['KXNFLGAME-25SEP04DALPHI*'])
      await waitFor(() => stream!.stats().gaps >= 1, 5000, 'a gap')
      await expectBooksMatchRest(stream, sim, r.tickers)
      recorder.flushSync()
      recorder.close()
      const replay = new MarketStream({ wsUrl: sim.wsUrl, channels: ['orderbook', 'ticker'] })
      const replayed: Book[] = []
      replay.on('book', (b) => replayed.push(b))
      let frames = 0
      for await (const f of readRecord(file)) {
        replay.ingest(f.frame, f.receivedAt)
        frames++
      }
      expect(frames).to.equal(stream.stats().messages)
      for (const t of r.tickers) {
        const live = stream.books.get(t)!.toBook()
        const again = replay.books.get(t)!.toBook()
        expect([again.yes, again.no]).to.deep.equal([live.yes, live.no])
      }
      expect(replay.stats().gaps).to.equal(stream.stats().gaps)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
