/**
 * `neural stream` end to end: the built binary against simulators on port 0, output checked line by
 * line. Independent runs start together in `before` hooks (each takes 1–3 s of wall time). Two runs
 * whose subject is flags → output (--channels, --count) run the command in this process instead.
 */
import { expect } from 'chai'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { spawn } from 'node:child_process'
import Stream from '../../src/commands/stream.js'
import { startSimulator, type Simulator } from '../../src/sim/index.js'
import { runCommand, type CommandResult } from '../support/run-command.js'
import { BIN, cliEnv, ensureBuilt, jsonLines, linesOf, Neural, ROOT, runNeural, tempDir, type RunResult } from './helpers.js'

const TICK_FIELDS = ['type', 'ticker', 'yesBid', 'yesAsk', 'yesBidSize', 'yesAskSize', 'yesPrice', 'noPrice', 'volume', 'openInterest', 'lastUpdate', 'receivedAt']
/** Fields a tick may lack when the exchange does not know them (an empty side, no trade yet). */
const TICK_OPTIONAL = new Set(['yesBid', 'yesAsk', 'yesBidSize', 'yesAskSize', 'yesPrice', 'noPrice', 'volume', 'openInterest'])
const TRADE_FIELDS = ['type', 'ticker', 'tradeId', 'side', 'quantity', 'price', 'noPrice', 'isBlockTrade', 'ts', 'receivedAt']
const BOOK_FIELDS = ['type', 'ticker', 'yes', 'no', 'yesBid', 'yesAsk', 'noBid', 'noAsk', 'seq', 'ts']
const MARKET_TYPES = new Set(['ticker', 'trade', 'book', 'lifecycle', 'fill'])

/** A price as the CLI prints it: a number of dollars in [0, 1] with at most four decimals. */
function priceUnits(value: unknown, what: string): number {
  expect(value, what).to.be.a('number')
  const units = Math.round((value as number) * 10_000)
  expect(units / 10_000, `${what} has more than 4 decimals: ${value}`).to.equal(value)
  expect(units, what).to.be.within(0, 10_000)
  return units
}

const isMarketEvent = (l: Record<string, unknown>) => MARKET_TYPES.has(l.type as string)

describe('neural stream', function () {
  this.timeout(30_000)
  const tmp = tempDir()
  const runtimeDir = join(tmp.dir, 'run')
  let fast: Simulator
  let json: RunResult
  /** json's stdout, parsed once. */
  let lines: Record<string, unknown>[]
  let human: RunResult
  let book: CommandResult
  let counted: CommandResult
  let nflGame: string[]

  before(async function () {
    this.timeout(60_000)
    await ensureBuilt()
    // A busy exchange, so that every one of the 32 winner markets ticks within two seconds.
    fast = await startSimulator({ seed: 3, ratePerSec: 2000 })
    nflGame = fast.world.markets().filter((m) => m.ticker.startsWith('KXNFLGAME-') && !fast.world.past.has(m.ticker)).map((m) => m.ticker).sort()
    const external = ['--env', 'sim', '--api-url', fast.apiUrl, '--ws-url', fast.wsUrl]
    const here = (argv: string[]) => runCommand(Stream, argv, { id: 'stream', env: { NEURAL_RUNTIME_DIR: runtimeDir } })
    const binary = Promise.all([
      runNeural(['stream', 'KXNFLGAME*', ...external, '--json', '--duration', '2.5'], { runtimeDir }),
      runNeural(['stream', 'KXNFLGAME*', '--env', 'sim', '--duration', '1.5'], { runtimeDir }),
    ])
    try {
      book = await here(['KXNFLGAME-25SEP04DALPHI*', ...external, '--channels', 'orderbook', '--json', '--duration', '1.5'])
      counted = await here(['KXNFLGAME*', '--env', 'sim', '--json', '--count', '5'])
    } finally {
      ;[json, human] = await binary
    }
    lines = jsonLines(json.stdout)
  })

  after(async () => {
    await fast?.close()
    tmp.remove()
  })

  describe('--json', () => {
    it('exits 0 with nothing on stderr', () => {
      expect(json.stderr).to.equal('')
      expect(json.code).to.equal(0)
    })

    it('writes only JSON objects with a type on stdout, and ends with exactly one summary', () => {
      for (const l of lines) expect(l.type).to.be.oneOf(['connection', 'ticker', 'trade', 'summary'])
      expect(lines.filter((l) => l.type === 'summary').length).to.equal(1)
      expect(lines.at(-1)!.type).to.equal('summary')
    })

    it('sends ticker events for every one of the 32 KXNFLGAME markets and no other market', () => {
      expect(nflGame.length).to.equal(32)
      const ticked = [...new Set(lines.filter((l) => l.type === 'ticker').map((l) => l.ticker as string))].sort()
      expect(ticked).to.deep.equal(nflGame)
      const traded = new Set(lines.filter((l) => l.type === 'trade').map((l) => l.ticker as string))
      for (const t of traded) expect(nflGame).to.include(t)
    })

    it('gives each ticker event exactly the documented fields, prices to 4 decimals and noPrice = 1 − yesPrice', () => {
      const ticks = lines.filter((l) => l.type === 'ticker')
      const seen = new Set<string>()
      for (const t of ticks) {
        const keys = Object.keys(t)
        for (const k of keys) seen.add(k)
        expect(keys.filter((k) => !TICK_FIELDS.includes(k)), 'extra fields').to.deep.equal([])
        expect(TICK_FIELDS.filter((k) => !keys.includes(k) && !TICK_OPTIONAL.has(k)), 'missing fields').to.deep.equal([])
        for (const k of ['yesBid', 'yesAsk']) if (k in t) priceUnits(t[k], `${t.ticker} ${k}`)
        if ('yesPrice' in t || 'noPrice' in t) {
          expect(priceUnits(t.yesPrice, 'yesPrice') + priceUnits(t.noPrice, 'noPrice'), `${t.ticker} yesPrice + noPrice`).to.equal(10_000)
        }
        for (const k of ['volume', 'openInterest']) if (k in t) expect(t[k]).to.be.a('number').and.at.least(0)
        expect(t.lastUpdate).to.be.a('number')
        expect(t.receivedAt).to.be.a('number').and.at.least(t.lastUpdate as number)
      }
      // The simulator knows every value, so every field is there in this run.
      expect([...seen].sort()).to.deep.equal([...TICK_FIELDS].sort())
    })

    it('gives each trade event exactly the documented fields, and the prices and sizes the exchange traded', () => {
      const trades = lines.filter((l) => l.type === 'trade')
      expect(trades.length).to.be.greaterThan(0)
      const byId = new Map(fast.world.trades().map((t) => [t.tradeId, t]))
      for (const t of trades) {
        expect(Object.keys(t).sort()).to.deep.equal([...TRADE_FIELDS].sort())
        expect(t.side).to.be.oneOf(['yes', 'no'])
        expect(priceUnits(t.price, 'price') + priceUnits(t.noPrice, 'noPrice')).to.equal(10_000)
        const truth = byId.get(t.tradeId as string)
        expect(truth, `trade ${t.tradeId} is not one the exchange made`).to.not.equal(undefined)
        expect({ ticker: t.ticker, price: t.price, quantity: t.quantity, side: t.side }).to.deep.equal({
          ticker: truth!.ticker,
          price: truth!.yesPrice / 10_000,
          quantity: truth!.count / 100,
          side: truth!.takerSide,
        })
      }
    })

    it('counts in the summary exactly the market events it printed', () => {
      const summary = lines.at(-1)!
      expect(Object.keys(summary).sort()).to.deep.equal(['durationMs', 'events', 'gaps', 'malformed', 'markets', 'messages', 'ratePerSec', 'reconnects', 'rejectedFrames', 'type', 'unknownTypes'])
      expect(summary.events).to.equal(lines.filter(isMarketEvent).length)
      expect(summary.markets).to.equal(32)
      expect(summary).to.deep.include({ reconnects: 0, malformed: 0, unknownTypes: 0, gaps: 0 })
      expect(summary.messages).to.be.at.least(summary.events as number)
      expect(summary.durationMs).to.be.at.least(2500)
    })
  })

  describe('human output (not a terminal, NO_COLOR)', () => {
    it('exits 0 with nothing on stderr', () => {
      expect(human.stderr).to.equal('')
      expect(human.code).to.equal(0)
    })

    it('prints one aligned line per event with the [sim] marker, then the summary line', () => {
      const lines = linesOf(human.stdout)
      const data = lines.slice(0, -1)
      expect(data.length).to.be.greaterThan(5)
      const shape = /^\[sim\] \d\d:\d\d:\d\d\.\d{3} {2}(KXNFLGAME-\S+ +) {2}(tick |trade) {2}\S/
      const columns = new Set<number>()
      for (const line of data) {
        const m = shape.exec(line)
        expect(m, `unexpected line: ${line}`).to.not.equal(null)
        columns.add(line.indexOf(m![2]!, 20))
      }
      // The event kind starts in the same column on every line.
      expect(columns.size).to.equal(1)
      expect(lines.at(-1)).to.match(/^\[sim\] [\d,]+ messages in \d+\.\d s \(\d+\.\d\/s\), \d+ markets?, 0 reconnects$/)
    })

    it('writes no ANSI escape anywhere', () => {
      expect(human.stdout + human.stderr).to.not.match(/\u001b\[/)
    })
  })

  describe('--channels orderbook', () => {
    it('streams book events, and only book events, for the two markets of the event', () => {
      expect(book.code).to.equal(0)
      const lines = jsonLines(book.stdout)
      const books = lines.filter(isMarketEvent)
      expect(new Set(books.map((b) => b.type))).to.deep.equal(new Set(['book']))
      expect([...new Set(books.map((b) => b.ticker))].sort()).to.deep.equal(['KXNFLGAME-25SEP04DALPHI-DAL', 'KXNFLGAME-25SEP04DALPHI-PHI'])
      expect(lines.at(-1)).to.deep.include({ type: 'summary', events: books.length, gaps: 0 })
    })

    it('gives each book its bids best first and the quotes that follow from them', () => {
      const books = jsonLines(book.stdout).filter((l) => l.type === 'book')
      for (const b of books) {
        const yes = b.yes as [number, number][]
        const no = b.no as [number, number][]
        // A side with no bids (a requote passes through one, as a real book can be) has no quotes from it:
        // no yesBid/noAsk without yes bids, no noBid/yesAsk without no bids. exchangeTs: the time of the
        // last delta, absent on a book that is still its snapshot.
        const absent = [...(yes.length ? [] : ['yesBid', 'noAsk']), ...(no.length ? [] : ['noBid', 'yesAsk'])]
        expect(Object.keys(b).filter((k) => k !== 'exchangeTs').sort()).to.deep.equal(BOOK_FIELDS.filter((k) => !absent.includes(k)).sort())
        for (const side of [yes, no]) {
          const prices = side.map(([p]) => priceUnits(p, 'level price'))
          expect(prices).to.deep.equal([...prices].sort((x, y) => y - x))
          for (const [, q] of side) expect(q).to.be.greaterThan(0)
        }
        if (yes.length) {
          expect(priceUnits(b.yesBid, 'yesBid')).to.equal(Math.round(yes[0]![0] * 10_000))
          expect(priceUnits(b.noAsk, 'noAsk')).to.equal(10_000 - Math.round(yes[0]![0] * 10_000))
        }
        if (no.length) {
          expect(priceUnits(b.noBid, 'noBid')).to.equal(Math.round(no[0]![0] * 10_000))
          expect(priceUnits(b.yesAsk, 'yesAsk')).to.equal(10_000 - Math.round(no[0]![0] * 10_000))
        }
      }
    })
  })

  describe('--count 5', () => {
    it('stops after exactly 5 market events and exits 0', () => {
      expect(counted.code).to.equal(0)
      const lines = jsonLines(counted.stdout)
      expect(lines.filter(isMarketEvent).length).to.equal(5)
      expect(lines.at(-1)).to.deep.include({ type: 'summary', events: 5 })
    })
  })

  describe('when the reader goes away (| head -5)', () => {
    it('prints 5 lines, exits 0 and writes no stack trace', async () => {
      const errFile = join(tmp.dir, 'epipe.err')
      const codeFile = join(tmp.dir, 'epipe.code')
      // pipefail off: the pipeline's status is head's, so neural's own code is taken from PIPESTATUS.
      const script = `set +o pipefail; node ${JSON.stringify(BIN)} stream 'KXNFLGAME*' --env sim --json 2>${JSON.stringify(errFile)} | head -5; echo "\${PIPESTATUS[0]}" > ${JSON.stringify(codeFile)}`
      const child = spawn('bash', ['-c', script], { cwd: ROOT, env: cliEnv(runtimeDir), stdio: ['ignore', 'pipe', 'pipe'] })
      let stdout = ''
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000)
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
      clearTimeout(killer)
      expect(code).to.equal(0)
      expect(jsonLines(stdout).length).to.equal(5)
      expect(readFileSync(codeFile, 'utf8').trim()).to.equal('0')
      expect(readFileSync(errFile, 'utf8')).to.equal('')
    })
  })

  describe('--record, stopped by a signal', () => {
    const cases = [
      { signal: 'SIGINT' as const, exit: 130, json: true },
      { signal: 'SIGTERM' as const, exit: 143, json: false },
    ]
    const runs = new Map<string, { result: RunResult; file: string; printedBefore: number; tradeIdsBefore: string[] }>()

    before(async function () {
      this.timeout(30_000)
      await Promise.all(
        cases.map(async (c) => {
          const file = join(tmp.dir, `record-${c.signal}.ndjson`)
          const neural = new Neural(['stream', 'KXNFLGAME*', '--env', 'sim', '--record', file, ...(c.json ? ['--json'] : [])], { runtimeDir })
          const marketLines = () => neural.lines().filter((l) => (c.json ? /^\{"type":"(ticker|trade)"/.test(l) : / {2}(tick |trade) {2}/.test(l)))
          await neural.until(() => marketLines().length >= 10, 10_000, '10 market events')
          const printed = marketLines()
          neural.child.kill(c.signal)
          const result = await neural.done
          const tradeIdsBefore = c.json ? printed.map((l) => JSON.parse(l)).filter((e) => e.type === 'trade').map((e) => e.tradeId as string) : []
          runs.set(c.signal, { result, file, printedBefore: printed.length, tradeIdsBefore })
        }),
      )
    })

    for (const c of cases) {
      describe(c.signal, () => {
        it(`exits ${c.exit} after printing the summary`, () => {
          const { result } = runs.get(c.signal)!
          expect(result.code).to.equal(c.exit)
          const last = linesOf(result.stdout).at(-1)!
          if (c.json) expect(JSON.parse(last)).to.deep.include({ type: 'summary' })
          else expect(last).to.match(/^\[sim\] [\d,]+ messages in /)
          expect(result.stderr).to.equal('')
        })

        it('leaves a record file of mode 0600: a header, then one {receivedAt, frame} object per line', () => {
          const { file, result } = runs.get(c.signal)!
          expect(statSync(file).mode & 0o777).to.equal(0o600)
          const lines = linesOf(readFileSync(file, 'utf8'))
          expect(JSON.parse(lines[0]!)).to.deep.include({ type: 'neural-record', version: 1, targets: ['KXNFLGAME*'], channels: ['ticker', 'trade'], environment: 'sim' })
          for (const line of lines.slice(1)) {
            const entry = JSON.parse(line)
            expect(Object.keys(entry)).to.deep.equal(['receivedAt', 'frame'])
            expect(entry.receivedAt).to.be.a('number')
            expect(() => JSON.parse(entry.frame)).to.not.throw()
          }
          if (c.json) expect(JSON.parse(linesOf(result.stdout).at(-1)!).recordedFrames).to.equal(lines.length - 1)
        })

        it('has recorded at least as many frames as market events were printed before the signal, none missing', () => {
          const { file, printedBefore, tradeIdsBefore } = runs.get(c.signal)!
          const frames = linesOf(readFileSync(file, 'utf8')).slice(1).map((l) => JSON.parse(JSON.parse(l).frame))
          const dataFrames = frames.filter((f) => f.type === 'ticker' || f.type === 'trade')
          expect(dataFrames.length).to.be.at.least(printedBefore)
          const recordedIds = new Set(frames.filter((f) => f.type === 'trade').map((f) => f.msg.trade_id))
          for (const id of tradeIdsBefore) expect(recordedIds.has(id), `trade ${id} printed but not recorded`).to.equal(true)
        })
      })
    }
  })
})
