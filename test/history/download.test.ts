/**
 * `neural history`'s downloader against the simulator on 127.0.0.1 port 0: what it stores equals
 * what the simulator generated, a second run asks for nothing, an interrupted run resumed ends
 * with exactly the store of an uninterrupted one, and 429s are backed off.
 */
import { expect } from 'chai'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RestClient } from '../../src/core/rest-client.js'
import { downloadHistory, resolveHistoryMarkets } from '../../src/history/download.js'
import { HistoryStore } from '../../src/history/store.js'
import { startSimulator, type Simulator } from '../../src/sim/index.js'

// One game behind the simulator's historical cutoff (Thursday) and one after it (Sunday).
const TARGETS = ['KXNFLGAME-25AUG28PHIDAL*', 'KXNFLTOTAL-25AUG31BUFBAL*']

describe('history: downloading into the store', function () {
  this.timeout(120_000)
  let sim: Simulator
  let dir: string
  let n = 0
  const file = () => join(dir, `h${++n}.duckdb`)
  const client = (s = sim) => new RestClient({ apiUrl: s.apiUrl, maxRequestsPerSec: 500, retry: { attempts: 6, baseDelayMs: 5, maxDelayMs: 50, jitter: 'none' } })

  /** Download TARGETS into `path` (opening and closing the store), optionally stopping after `stopAfter` requests. */
  async function download(path: string, options: { stopAfter?: number; s?: Simulator; pageLimit?: number } = {}) {
    const c = client(options.s)
    const store = await HistoryStore.open(path)
    try {
      const markets = await resolveHistoryMarkets(TARGETS, c)
      const abort = new AbortController()
      const summary = await downloadHistory({
        client: c, store, markets, signal: abort.signal, tradePageLimit: options.pageLimit,
        onProgress: (p) => { if (options.stopAfter !== undefined && p.requests >= options.stopAfter) abort.abort() },
      })
      const cursors = (await Promise.all(markets.map((m) => store.getSync(m.ticker, 'trades')))).filter((x) => x.window?.cursor).length
      return { summary, requests: c.requests, dump: await store.dump(), cursors }
    } finally {
      store.close()
    }
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'neural-history-'))
    sim = await startSimulator({ ratePerSec: 20 })
  })
  after(async () => {
    await sim?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  let full: Awaited<ReturnType<typeof download>>
  let fullFile: string

  it('stores every trade the simulator generated for the markets, and their candles', async () => {
    fullFile = file()
    full = await download(fullFile)
    const tickers = sim.world.markets().filter((m) => TARGETS.some((t) => m.ticker.startsWith(t.slice(0, -1)))).map((m) => m.ticker)
    expect(tickers).to.have.length(4)
    const generated = tickers.reduce((s, t) => s + sim.world.past.market(t)!.trades.length, 0)
    expect(full.summary).to.deep.include({ type: 'history', markets: 4, trades: generated, newTrades: generated, db: fullFile })
    expect(full.summary.candles).to.be.greaterThan(4 * 200)
    // Stored values are the generated ones, trade by trade.
    const store = await HistoryStore.open(fullFile)
    try {
      const stored = await store.trades(tickers)
      const byId = new Map(tickers.flatMap((t) => sim.world.past.market(t)!.trades).map((t) => [t.tradeId, t]))
      for (const t of stored) {
        const g = byId.get(t.tradeId)!
        expect([t.ticker, t.yesPriceUnits, t.countUnits, t.takerSide, t.createdMs]).to.deep.equal([g.ticker, g.yesPrice, g.count, g.takerSide, g.tsMs])
      }
    } finally {
      store.close()
    }
  })

  it('a second run downloads nothing new and asks only for the market list and the cutoff', async () => {
    const store = await HistoryStore.open(fullFile)
    const c = client()
    try {
      const markets = await resolveHistoryMarkets(TARGETS, c)
      const before = c.requests
      const summary = await downloadHistory({ client: c, store, markets })
      expect(summary).to.deep.include({ markets: 4, trades: full.summary.trades, candles: full.summary.candles, newTrades: 0 })
      expect(c.requests - before).to.equal(1) // GET /historical/cutoff
      expect(await store.dump()).to.equal(full.dump)
    } finally {
      store.close()
    }
  })

  // Pages of 40 trades: a market's trades take several pages, so some stops fall inside a window (resumed by its cursor).
  for (const stopAfter of [4, 6, 9, 14, 22]) {
    it(`interrupted after ${stopAfter} requests and run again, ends with exactly the uninterrupted store`, async () => {
      const path = file()
      const first = await download(path, { stopAfter, pageLimit: 40 })
      expect(first.dump).to.not.equal(full.dump)
      if (stopAfter === 6) expect(first.cursors, 'a window left half done with its cursor').to.equal(1)
      const second = await download(path, { pageLimit: 40 })
      expect(second.dump).to.equal(full.dump)
      expect(second.summary.newTrades).to.equal(full.summary.trades - first.summary.trades)
    })
  }

  it('resumes against a restarted simulator (same seed) to the same store', async () => {
    const path = file()
    await download(path, { stopAfter: 5 })
    const other = await startSimulator({ ratePerSec: 20 })
    try {
      expect((await download(path, { s: other })).dump).to.equal(full.dump)
    } finally {
      await other.close()
    }
  })

  it('backs off HTTP 429 and still stores everything once', async () => {
    const limited = await startSimulator({ ratePerSec: 20, faults: { errorEvery: 3 } })
    try {
      const got = await download(file(), { s: limited })
      expect(got.dump).to.equal(full.dump)
    } finally {
      await limited.close()
    }
  })

  it('--from/--to keep exactly the trades of that span, and widening it later fetches only the rest', async () => {
    const ticker = 'KXNFLTOTAL-25AUG31BUFBAL-41'
    const trades = sim.world.past.market(ticker)!.trades
    const fromMs = trades[Math.floor(trades.length / 3)]!.tsMs
    const toMs = trades[Math.floor((2 * trades.length) / 3)]!.tsMs
    const c = client()
    const store = await HistoryStore.open(file())
    try {
      const markets = await resolveHistoryMarkets([ticker], c)
      const narrow = await downloadHistory({ client: c, store, markets, fromMs, toMs })
      // Kalshi filters by whole seconds: the span is widened to them.
      const inSpan = trades.filter((t) => t.tsMs >= Math.floor(fromMs / 1000) * 1000 && t.tsMs < (Math.floor(toMs / 1000) + 1) * 1000)
      expect(narrow.trades).to.equal(inSpan.length)
      const wide = await downloadHistory({ client: c, store, markets })
      expect(wide.trades).to.equal(trades.length)
      expect(wide.newTrades).to.equal(trades.length - inSpan.length)
    } finally {
      store.close()
    }
  })

  // Windows that leave gaps between them (BUFBAL crosses midnight UTC; PHIDAL is on the historical tier,
  // candles one market at a time): whatever came before, a run without dates fills every gap.
  const at = (iso: string) => Date.parse(iso)
  const gappy: Array<[string, Array<[number | undefined, number | undefined]>]> = [
    ['--to 2025-08-29, then --from 2025-09-01', [[undefined, at('2025-08-29T23:59:59.999Z')], [at('2025-09-01T00:00:00Z'), undefined]]],
    ['three windows with an hour missing inside each game', [
      [undefined, at('2025-08-29T01:00:00Z')], [at('2025-08-29T02:00:00Z'), at('2025-09-01T00:00:00Z')], [at('2025-09-01T01:00:00Z'), undefined],
    ]],
    ['the later window first', [[at('2025-09-01T01:00:00Z'), undefined], [undefined, at('2025-08-29T01:00:00Z')], [at('2025-08-29T02:00:00Z'), at('2025-09-01T00:00:00Z')]]],
  ]
  for (const [name, windows] of gappy) {
    it(`after ${name}, a run without dates stores exactly what a clean run does, and the next asks for nothing`, async () => {
      const c = client()
      const store = await HistoryStore.open(file())
      try {
        const markets = await resolveHistoryMarkets(TARGETS, c)
        for (const [fromMs, toMs] of windows) await downloadHistory({ client: c, store, markets, fromMs, toMs })
        const filled = await downloadHistory({ client: c, store, markets })
        expect(filled).to.deep.include({ trades: full.summary.trades, candles: full.summary.candles })
        expect(await store.dump()).to.equal(full.dump)
        const before = c.requests
        expect((await downloadHistory({ client: c, store, markets })).newTrades).to.equal(0)
        expect(c.requests - before, 'only GET /historical/cutoff').to.equal(1)
      } finally {
        store.close()
      }
    })
  }

  it('pages trades with small pages and a resume cursor: nothing twice, nothing missing', async () => {
    // 7 trades a page forces dozens of cursor pages for one market.
    const c = client()
    {
      const ticker = 'KXNFLGAME-25AUG28PHIDAL-PHI'
      const { getTradesPage } = await import('../../src/history/api.js')
      const seen: string[] = []
      let cursor: string | undefined
      do {
        const page = await getTradesPage(c, { ticker, limit: 7, cursor, historical: true })
        seen.push(...page.trades.map((t) => t.tradeId))
        cursor = page.cursor || undefined
      } while (cursor)
      expect(new Set(seen).size).to.equal(seen.length)
      expect(seen.length).to.equal(sim.world.past.market(ticker)!.trades.length)
    }
  })
})
