import { expect } from 'chai'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Book, ConnectionEvent, MarketEvent, Tick } from '../../src/core/types.js'
import { startSimulator, type Simulator } from '../../src/sim/index.js'
import type { SignalEvent, SummaryEvent } from '../../src/strategy/events.js'
import { connect } from 'nats'
import RunStrategy from '../../src/commands/run-strategy.js'
import Status from '../../src/commands/status.js'
import Stream from '../../src/commands/stream.js'
import { runCommand, type CommandResult } from '../support/run-command.js'
import { ensureBuilt, Neural, type Exit } from './cli-process.js'
import { freePort, NatsServer, natsServerAvailable, waitFor } from './nats-server.js'

type Line = (MarketEvent | ConnectionEvent | { type: 'summary' | 'error'; [k: string]: unknown }) & { type: string }

const MARKET_TYPES = new Set(['ticker', 'trade', 'book', 'lifecycle', 'fill'])
/** Week one of the simulated NFL: 16 games, two markets each. */
const NFL_MARKETS = 32

const marketEvents = (lines: Line[]) => lines.filter((l): l is MarketEvent => MARKET_TYPES.has(l.type))

function byMarket<T extends { ticker: string }>(events: T[]): Map<string, T[]> {
  const m = new Map<string, T[]>()
  for (const e of events) m.set(e.ticker, [...(m.get(e.ticker) ?? []), e])
  return m
}

/** A book's levels in integer units ([price 1/10000 $, count 1/100]), as the simulator keeps them. */
function units(book: Pick<Book, 'yes' | 'no'>) {
  const side = (levels: Book['yes']) => levels.map(([p, q]) => [Math.round(p * 10_000), Math.round(q * 100)])
  return { yes: side(book.yes), no: side(book.no) }
}

describe('neural stream --publish / --source and run-strategy --source over NATS', function () {
  this.timeout(30_000)
  let nats: NatsServer
  let sim: Simulator
  let runtime: string
  const children: Neural[] = []

  const neural = (...args: string[]) => {
    const n = new Neural(args, runtime)
    children.push(n)
    return n
  }
  const exchange = () => ['--env', 'sim', '--api-url', sim.apiUrl, '--ws-url', sim.wsUrl]
  const publisher = () => neural('stream', 'KXNFLGAME*', ...exchange(), '--publish', nats.url, '--channels', 'ticker,trade,orderbook', '--snapshot-every', '1', '--json')
  const statusFile = (n: Neural) => join(runtime, `${n.pid}.json`)
  /** Subscribed: the status file is written once the subscriptions are in place. */
  const subscribed = (n: Neural) => waitFor(() => existsSync(statusFile(n)) || n.exit !== undefined, `pid ${n.pid} to subscribe`)
  const events = (n: Neural) => marketEvents(n.json<Line>())

  before(async function () {
    if (!natsServerAvailable()) {
      console.warn('    skipped: /usr/sbin/nats-server is missing (apt-get install nats-server)')
      this.skip()
    }
    await ensureBuilt()
    runtime = mkdtempSync(join(tmpdir(), 'neural-bus-cli-'))
    nats = await new NatsServer(true).start()
    // Crossed books every 100 ms, so arb has something to find within a short run.
    sim = await startSimulator({ seed: 3, ratePerSec: 100, moveEveryMs: 100 })
  })

  after(async () => {
    for (const c of children) if (!c.exit) c.child.kill('SIGKILL')
    await Promise.all(children.map((c) => c.exited))
    await sim?.close()
    await nats?.dispose()
    if (runtime) rmSync(runtime, { recursive: true, force: true })
  })

  describe('with a publisher running', () => {
    let p: Neural
    let consumers: Neural[]

    before(async () => {
      // Subscribed before the publisher starts, so that they see its first snapshot of every market.
      consumers = [1, 2].map(() => neural('stream', '--source', nats.url, 'KXNFLGAME*', '--json', '--count', '300'))
      await Promise.all(consumers.map(subscribed))
      p = publisher()
      await p.until(() => events(p).filter((e) => e.type === 'book').length >= 200, 'the publisher to stream books', 15_000)
    })

    after(async () => {
      sim.resume()
      await p?.stop()
    })

    it('two consumer processes receive the publisher’s events, the same and in the same order per market', async () => {
      const exits = await Promise.all(consumers.map((c) => c.exited))
      expect(exits).to.deep.equal([{ code: 0, signal: null }, { code: 0, signal: null }])

      const [first, second] = consumers.map(events)
      expect(first).to.have.length(300)
      expect(second).to.deep.equal(first)
      // Ticks and trades are the publisher's own --json objects; per market, the consumers got its first ones.
      const received = byMarket(first.filter((e) => e.type !== 'book'))
      const published = () => byMarket(events(p).filter((e) => e.type !== 'book'))
      // The publisher keeps running: wait until its stdout has caught up with what the consumers got.
      await p.until(() => [...received].every(([ticker, list]) => (published().get(ticker)?.length ?? 0) >= list.length), 'the publisher to print what the consumers received')
      for (const [ticker, list] of received) {
        expect(list, ticker).to.deep.equal(published().get(ticker)!.slice(0, list.length))
      }
      // Books start from the publisher's first snapshot (bus seq 1) and follow contiguously.
      for (const [ticker, books] of byMarket(first.filter((e): e is Book => e.type === 'book'))) {
        expect(books.map((b) => b.seq), ticker).to.deep.equal(books.map((_, i) => i + 1))
      }
      const summary = consumers[0].json<Line>().at(-1) as unknown as { type: string; events: number }
      expect([summary.type, summary.events]).to.deep.equal(['summary', 300])
    })

    it('a human stream --source marks its lines [sim] under --env sim, as run-strategy does, and not otherwise', async () => {
      // The built binary under --env sim; the same command without it, run in this process.
      const source = ['--source', nats.url, 'KXNFLGAME*', '--channels', 'ticker', '--count', '5']
      const sim = neural('stream', ...source, '--env', 'sim')
      const plain = await runCommand(Stream, source, { id: 'stream', env: { NEURAL_RUNTIME_DIR: runtime } })
      expect(await sim.exited).to.deep.equal({ code: 0, signal: null })
      expect(plain.code, plain.stderr).to.equal(0)
      const lines = (n: { stdout: string }) => n.stdout.trimEnd().split('\n')
      // Five ticks, then the summary line (its count is of every message read, also those not shown).
      expect(lines(sim).map((l) => /^\[sim\] \d\d:\d\d:\d\d\.\d{3}  KXNFLGAME-\S+ +tick  /.test(l) || /^\[sim\] \d+ messages in /.test(l)), sim.stdout).to.deep.equal(Array(6).fill(true))
      expect(lines(plain).map((l) => /^\d\d:\d\d:\d\d\.\d{3}  KXNFLGAME-\S+ +tick  /.test(l) || /^\d+ messages in /.test(l)), plain.stdout).to.deep.equal(Array(6).fill(true))
    })

    it('run-strategy --source runs arb on the bus’s ticks and reports signals and a summary as live', async () => {
      // Runs until its first fill is printed (not for a fixed time, which a loaded machine can eat up
      // before arb sees a crossed book), then Ctrl-C: the summary must still come out.
      const r = neural('run-strategy', 'strategies/arb.ts', '--source', nats.url, '--hook', 'paper', '--json', '--no-typecheck')
      await r.until(() => r.json<{ type: string; status?: string }>().some((l) => l.type === 'order' && l.status === 'filled'), 'a paper fill', 20_000)
      expect(await r.stop('SIGINT')).to.deep.equal({ code: 130, signal: null })
      const lines = r.json<{ type: string }>()
      const signals = lines.filter((l): l is SignalEvent => l.type === 'signal')
      const summary = lines.at(-1) as SummaryEvent
      expect(signals.length).to.be.above(0)
      expect(summary).to.include({ type: 'summary', signals: signals.length })
      expect(summary.hooks).to.deep.equal(['paper'])
      expect(summary.strategies.map((s) => s.name)).to.deep.equal(['arb'])
      expect(summary.strategies[0].ticks).to.be.above(0)
      expect(summary.pnl?.fills).to.equal(lines.filter((l) => l.type === 'order' && (l as { status?: string }).status === 'filled').length)
      // Every limit is a price the publisher streamed: yes at a tick's yes ask, no at 1 − its yes bid.
      const ticks = events(p).filter((e): e is Tick => e.type === 'ticker')
      for (const s of signals) {
        const limit = Math.round(s.limitPrice! * 10_000)
        const matching = ticks.filter((t) => t.ticker === s.ticker && (s.side === 'yes' ? Math.round(t.yesAsk! * 10_000) : 10_000 - Math.round(t.yesBid! * 10_000)) === limit)
        expect(matching, `${s.side} ${s.ticker} @ ${s.limitPrice}`).to.not.be.empty
      }
    })

    it('publisher and consumer report a NATS restart, reconnect, and keep streaming', async () => {
      const c = neural('stream', '--source', nats.url, 'KXNFLGAME*', '--channels', 'ticker,orderbook', '--json')
      await subscribed(c)
      await c.until(() => events(c).length > 0, 'events before the restart')
      await nats.stop()
      await nats.start()
      const natsEvents = (n: Neural) => n.json<Line>().filter((l): l is ConnectionEvent => l.type === 'connection' && l.url === nats.url)
      const recovered = (n: Neural) => natsEvents(n).some((e) => e.state === 'connected' && e.connection === 2)
      await c.until(() => recovered(c), 'the consumer to reconnect', 10_000)
      await p.until(() => recovered(p), 'the publisher to reconnect', 10_000)
      const reconnectedAt = c.json<Line>().findIndex((l) => l.type === 'connection' && l.state === 'connected' && l.connection === 2)
      const after = () => marketEvents(c.json<Line>().slice(reconnectedAt))
      await c.until(() => after().some((e) => e.type === 'ticker') && after().some((e) => e.type === 'book'), 'ticks and books after the reconnect', 10_000)
      for (const n of [c, p]) expect(natsEvents(n).map((e) => e.state)).to.include.members(['disconnected', 'reconnecting'])
      await c.stop()
      const summary = c.json<Line>().at(-1) as unknown as { type: string; reconnects: number }
      expect([summary.type, summary.reconnects]).to.deep.equal(['summary', 1])
    })

    describe('and a consumer that joined late', () => {
      // One consumer for the three: it joins while the publisher streams, status shows it, and it lives through the publisher's restart.
      let c: Neural

      before(async () => {
        c = neural('stream', '--source', nats.url, 'KXNFLGAME*', '--channels', 'ticker,orderbook', '--json')
        await subscribed(c)
      })

      after(async () => {
        await c?.stop()
      })

      it('a consumer that joins late rebuilds every book exactly as the simulator holds it', async () => {
        const books = () => events(c).filter((e): e is Book => e.type === 'book')
        await c.until(() => new Set(books().map((e) => e.ticker)).size === NFL_MARKETS, 'a book of every market', 10_000)
        sim.pause()
        try {
          const latest = () => {
            const m = new Map<string, Book>()
            for (const b of books()) m.set(b.ticker, b)
            return m
          }
          const mismatched = () => [...latest()].filter(([ticker, book]) => JSON.stringify(units(book)) !== JSON.stringify(sim.world.book(ticker)))
          // Deltas already in flight and the next periodic snapshot settle it; a wrong rebuild never does.
          await c.until(() => mismatched().length === 0, 'the consumer’s books to equal the simulator’s', 5000).catch((error) => {
            throw new Error(`${(error as Error).message}\nmismatched: ${mismatched().map(([t]) => t).join(' ')}`)
          })
          expect(latest().size).to.equal(NFL_MARKETS)
        } finally {
          sim.resume()
        }
      })

      it('status --json shows the bus connection of the publisher and of a consumer', async () => {
        const bus = (n: Neural) => (JSON.parse(readFileSync(statusFile(n), 'utf8')) as { bus?: { published?: number; received?: number } }).bus
        // Status files are rewritten every second.
        await waitFor(() => (bus(c)?.received ?? 0) > 0 && (bus(p)?.published ?? 0) > 0, 'both status files to count messages')
        // --json from the built binary, the human report from the command run in this process.
        const status = neural('status', '--json', ...exchange())
        const human = await runCommand(Status, exchange(), { id: 'status', env: { NEURAL_RUNTIME_DIR: runtime } })
        expect(await status.exited).to.deep.equal({ code: 0, signal: null })
        expect([human.code, human.stderr]).to.deep.equal([0, ''])
        const escaped = nats.url.replace(/[.]/g, '\\.')
        expect(human.stdout).to.match(new RegExp(`\\n  ${p.pid} +stream KXNFLGAME\\* .*\\n {10}bus ${escaped} connected, [\\d,]+ published\\n`))
        expect(human.stdout).to.match(new RegExp(`\\n  ${c.pid} +stream KXNFLGAME\\* .*\\n {10}bus ${escaped} connected, [\\d,]+ received\\n`))
        const processes = (JSON.parse(status.stdout) as { processes: { pid: number; command: string; bus?: Record<string, unknown> }[] }).processes
        const of = (n: Neural) => processes.find((x) => x.pid === n.pid)
        expect(of(p)?.command).to.equal('stream')
        expect(of(p)?.bus).to.include({ url: nats.url, connected: true })
        expect(of(p)?.bus?.published).to.be.a('number').above(0)
        expect(of(c)?.bus).to.include({ url: nats.url, connected: true })
        expect(of(c)?.bus?.received).to.be.a('number').above(0)
      })

      it('a consumer survives a publisher restart and rebuilds books only from the new publisher’s snapshots', async () => {
        const booked = () => new Set(events(c).filter((e) => e.type === 'book').map((e) => e.ticker)).size
        await c.until(() => booked() === NFL_MARKETS, 'a book of every market from the first publisher')
        await p.stop('SIGKILL')
        p = publisher()
        const books = () => byMarket(events(c).filter((e): e is Book => e.type === 'book'))
        const restarted = (seqs: number[]) => seqs.some((s, i) => i > 0 && s === 1)
        await c.until(() => [...books().values()].filter((b) => restarted(b.map((x) => x.seq!))).length === NFL_MARKETS, 'a fresh snapshot of every market', 10_000)
        const lastBookAt = events(c).length
        await c.until(() => events(c).slice(lastBookAt).some((e) => e.type === 'ticker'), 'ticks from the new publisher')
        // Still running until stopped: Ctrl-C's exit code, after a summary.
        expect(await c.stop()).to.deep.equal({ code: 130, signal: null })
        const lines = c.json<Line>()
        expect(lines.filter((l) => l.type === 'error')).to.deep.equal([])
        expect(lines.at(-1)?.type).to.equal('summary')
        // Per market: contiguous bus seqs, then exactly one restart at the new publisher's snapshot (seq 1).
        for (const [ticker, list] of books()) {
          const seqs = list.map((b) => b.seq!)
          const breaks = seqs.flatMap((s, i) => (i > 0 && s !== seqs[i - 1] + 1 ? [s] : []))
          expect(breaks, ticker).to.deep.equal([1])
        }
      })
    })
  })

  it('publishing into JetStream with limits stores every book, and a consumer replays them after the publisher is gone', async () => {
    const p = neural('stream', 'KXNFLGAME*', ...exchange(), '--publish', nats.url, '--jetstream', 'NEURAL_CLI', '--jetstream-max-msgs', '100000', '--jetstream-max-age', '600', '--channels', 'orderbook', '--snapshot-every', '60', '--duration', '1.5', '--json')
    expect(await p.exited).to.deep.equal({ code: 0, signal: null })
    const nc = await connect({ servers: nats.url })
    const info = await (await nc.jetstreamManager()).streams.info('NEURAL_CLI')
    await nc.close()
    expect([info.config.subjects, info.config.max_msgs, info.config.max_age]).to.deep.equal([['neural.>'], 100_000, 600e9])
    const published = events(p) as Book[]
    const c = neural('stream', '--source', nats.url, '--jetstream', 'NEURAL_CLI', 'KXNFLGAME*', '--json', '--count', String(published.length))
    expect(await c.exited).to.deep.equal({ code: 0, signal: null })
    // The same books, market by market (bus seqs are the publisher's own numbering, not Kalshi's).
    const levels = (books: Book[]) => new Map([...byMarket(books)].map(([t, list]) => [t, list.map((b) => [b.yes, b.no])]))
    expect(levels(events(c) as Book[])).to.deep.equal(levels(published))
  })

  describe('bad bus urls', () => {
    const oneLine = (s: string) => s.trimEnd().split('\n')
    type Run = CommandResult & { signal?: NodeJS.Signals | null }
    /** One run of the built binary per test (a real exit code, stdout and stderr); the others in this process. */
    const binary = async (...args: string[]): Promise<Run> => {
      const n = neural(...args)
      const { code, signal }: Exit = await n.exited
      return { code: code ?? -1, signal, stdout: n.stdout, stderr: n.stderr }
    }
    const inProcess = (Cmd: typeof Stream | typeof RunStrategy, argv: string[]): Promise<Run> =>
      runCommand(Cmd, argv, { id: Cmd === Stream ? 'stream' : 'run-strategy', env: { NEURAL_RUNTIME_DIR: runtime } })

    it('a malformed --publish or --source url is an input error: exit 2, one line', async () => {
      const spawned = binary('run-strategy', 'strategies/arb.ts', '--source', 'nats://')
      const runs = [
        await inProcess(Stream, ['KXNFLGAME*', ...exchange(), '--publish', 'nats//127.0.0.1:4222']),
        await inProcess(Stream, ['--source', 'http://127.0.0.1:4222', 'KXNFLGAME*']),
        await spawned,
      ]
      expect(runs[2].signal).to.equal(null)
      for (const r of runs) {
        expect(r.code, r.stderr).to.equal(2)
        expect(oneLine(r.stderr)).to.have.length(1)
        expect(r.stderr).to.match(/^error: bad NATS url "[^"]*": expected nats:\/\/host:port/)
        expect(r.stdout).to.equal('')
      }
    })

    it('an unreachable NATS server is a network error: exit 1, one line', async () => {
      const url = `nats://127.0.0.1:${await freePort()}`
      const spawned = binary('stream', '--source', url, '*')
      const runs = [
        await inProcess(Stream, ['KXNFLGAME*', ...exchange(), '--publish', url]),
        await spawned,
        // The type check is not what this is about (and would build a TypeScript program in this process).
        await inProcess(RunStrategy, ['strategies/arb.ts', '--source', url, '--no-typecheck']),
      ]
      expect(runs[1].signal).to.equal(null)
      for (const r of runs) {
        expect(r.code, r.stderr).to.equal(1)
        expect(oneLine(r.stderr)).to.deep.equal([`error: cannot connect to NATS at ${url}: CONNECTION_REFUSED`])
      }
      expect(runs[0].stdout + runs[1].stdout).to.equal('')
    })
  })
})
