/**
 * Order books for strategies that take them (`books: true` and onBook): the feed must be asked for
 * the orderbook channel, and each book must reach onBook, whether the strategy runs in-process or in
 * a worker thread of its own (run-strategy's way), on a replay as live.
 */
import { expect } from 'chai'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runStrategySession, type StrategySessionResult } from '../../src/app/strategy-session.js'
import { MarketStore } from '../../src/core/market-store.js'
import { Recorder } from '../../src/core/recorder.js'
import { quietSpinner } from '../../src/render/spinner.js'
import type { EngineEvent } from '../../src/strategy/events.js'
import { loadStrategies, unloadStrategies } from '../../src/strategy/loader.js'
import { strategyMarkets } from '../../src/strategy/markets.js'
import { book, harness, tick } from './helpers.js'

const PROBE = 'test/fixtures/strategies/book-probe.ts'
const PHI = 'KXNFLGAME-25SEP04DALPHI-PHI'
const DAL = 'KXNFLGAME-25SEP04DALPHI-DAL'

describe('order books for strategies that take them', function () {
  this.timeout(30_000)

  for (const isolated of [false, true]) {
    it(`asks the feed for books of the markets of a strategy with books: true and onBook (${isolated ? 'in a worker thread' : 'in-process'})`, async () => {
      const strategies = await loadStrategies([PROBE], { isolated })
      try {
        expect(strategies[0]!.worker !== undefined).to.equal(isolated)
        expect(strategyMarkets(strategies.map((s) => s.strategy))).to.deep.equal({ markets: ['KXNFLGAME*'], books: ['KXNFLGAME*'] })
        const h = harness([], { strategies, store: new MarketStore() })
        expect(h.engine.subscriptions()).to.deep.equal({ markets: ['KXNFLGAME*'], books: ['KXNFLGAME*'] })
      } finally {
        await unloadStrategies(strategies)
      }
    })
  }

  async function runBooks(isolated: boolean): Promise<{ logs: string[]; books: number }> {
    const strategies = await loadStrategies([PROBE], { isolated })
    const h = harness([], { strategies, store: new MarketStore(), clock: 'replay' })
    try {
      await h.engine.start()
      h.feed(tick(PHI, { yesBid: 0.55, yesAsk: 0.57 }, 1_000))
      await h.engine.settle()
      h.feed(book(PHI, [[0.55, 10], [0.54, 3]], [[0.43, 7]], 2_000))
      await h.engine.settle()
      // Two books in one turn of the event loop (one batch for a worker): both reach onBook, in order.
      h.feed(book(DAL, [[0.41, 2]], [[0.57, 5]], 3_000), book(PHI, [[0.56, 1]], [[0.43, 7]], 4_000))
      await h.engine.settle()
      // Not one of its markets: the store has it, onBook does not see it.
      h.feed(book('KXNFLSPREAD-25SEP04DALPHI-PHI3', [[0.5, 1]], [[0.45, 1]], 5_000))
      await h.engine.settle()
      expect(h.of('error')).to.deep.equal([])
    } finally {
      await h.engine.stop()
    }
    return { logs: h.of('log').map((e) => e.message), books: h.engine.summary().strategies[0]!.books }
  }

  it('delivers each book of its markets to onBook in a worker exactly as in-process, on replay', async () => {
    const inProcess = await runBooks(false)
    expect(inProcess).to.deep.equal({
      logs: [
        `book ${PHI} yes 0.55x10 0.54x3 no 0.43x7 store ask=0.57 @2000`,
        `book ${DAL} yes 0.41x2 no 0.57x5 store ask=0.43 @3000`,
        `book ${PHI} yes 0.56x1 no 0.43x7 store ask=0.57 @4000`,
      ],
      books: 3,
    })
    expect(await runBooks(true)).to.deep.equal(inProcess)
  })
})

describe('run-strategy session: a replay with order book frames', function () {
  this.timeout(30_000)
  let dir: string
  const RECORD = () => join(dir, 'books.ndjson')

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'neural-books-'))
    const rec = new Recorder(RECORD(), { flushIntervalMs: 0, header: { targets: ['KXNFLGAME*'], channels: ['ticker', 'trade', 'orderbook'] } })
    const at = (s: number) => 1_757_030_400_000 + s * 1000
    rec.write(JSON.stringify({ type: 'ticker', sid: 1, msg: { market_ticker: PHI, yes_bid_dollars: '0.5500', yes_ask_dollars: '0.5700', price_dollars: '0.5600', ts: at(1) / 1000 } }), at(1))
    rec.write(JSON.stringify({ type: 'orderbook_snapshot', sid: 2, seq: 1, msg: { market_ticker: PHI, yes: [[55, 10]], no: [[43, 7]] } }), at(2))
    rec.write(JSON.stringify({ type: 'orderbook_delta', sid: 2, seq: 2, msg: { market_ticker: PHI, price: 56, delta: 4, side: 'yes' } }), at(3))
    rec.close()
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('delivers the books to onBook of a strategy file and counts them in the summary', async () => {
    const events: EngineEvent[] = []
    const abort = new AbortController()
    let result: StrategySessionResult | undefined
    try {
      result = await runStrategySession({
        files: [PROBE], config: { environment: 'sim', strategyParams: {} } as never, hook: 'log', live: false, params: [],
        replay: { file: RECORD() },
        onEngineEvent: (e) => events.push(e),
        onProblem: (e) => { throw e },
        spinner: quietSpinner(),
        signal: abort.signal,
      })
      expect(events.filter((e) => e.type === 'error')).to.deep.equal([])
      expect(events.flatMap((e) => (e.type === 'log' ? [e.message] : []))).to.deep.equal([
        `book ${PHI} yes 0.55x10 no 0.43x7 store ask=0.57 @1757030402000`,
        `book ${PHI} yes 0.56x4 0.55x10 no 0.43x7 store ask=0.57 @1757030403000`,
      ])
      expect(result.summary.strategies).to.have.length(1)
      // Not `slow`: a loaded machine may make any call slow.
      expect(result.summary.strategies[0]).to.include({ name: 'book-probe', ticks: 1, trades: 0, books: 2, signals: 0, errors: 0, conflated: 0 })
    } finally {
      abort.abort('test over')
      await result?.stopped
    }
  })
})
