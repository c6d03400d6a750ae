/**
 * `neural backtest` over a store filled from the simulator's past week: the P&L is exactly what
 * the fills, fees and settlements add up to, runs are identical, and every sample strategy runs.
 */
import { expect } from 'chai'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RestClient } from '../../src/core/rest-client.js'
import { runBacktest, type BacktestDetail } from '../../src/history/backtest.js'
import { downloadHistory, resolveHistoryMarkets } from '../../src/history/download.js'
import { FeeSchedules } from '../../src/core/fees.js'
import { equityChart, formatBacktest, htmlReport } from '../../src/history/report.js'
import { HistoryStore } from '../../src/history/store.js'
import { startSimulator } from '../../src/sim/index.js'
import { loadStrategies } from '../../src/strategy/loader.js'

const GAMES = ['25AUG28PHIDAL', '25AUG31BUFBAL', '25AUG31INDMIA', '25SEP01CHIMIN', '25AUG31LAHOU']

describe('backtest: a strategy over stored history', function () {
  this.timeout(120_000)
  let dir: string
  let store: HistoryStore
  const sample = (name: string) => loadStrategies([`strategies/${name}.ts`])
  const run = async (name: string, games = GAMES) => runBacktest({ store, strategies: await sample(name), fees: new FeeSchedules(), selection: { games } })

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'neural-backtest-'))
    const sim = await startSimulator({ ratePerSec: 20 })
    try {
      const client = new RestClient({ apiUrl: sim.apiUrl, maxRequestsPerSec: 500 })
      store = await HistoryStore.open(join(dir, 'h.duckdb'))
      const markets = await resolveHistoryMarkets(['nfl', ...GAMES], client)
      await downloadHistory({ client, store, markets })
    } finally {
      await sim.close()
    }
  })
  after(() => {
    store?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  let momentum: BacktestDetail

  it('momentum: P&L is exactly buys, sales, fees and settlement payouts added up, per game and in total', async () => {
    momentum = await run('momentum')
    const r = momentum.report
    expect(r.strategy).to.equal('momentum')
    expect(r.games.map((g) => g.game)).to.deep.equal([...GAMES].sort())
    expect(momentum.fills.length, 'momentum trades on this week').to.be.greaterThan(3)
    // Independently: cash in minus cash out, in units.
    const byGame = new Map<string, number>()
    const gameOf = (ticker: string) => ticker.split('-')[1]!
    const add = (ticker: string, units: number) => byGame.set(gameOf(ticker), (byGame.get(gameOf(ticker)) ?? 0) + units)
    for (const f of momentum.fills) add(f.ticker, (f.action === 'sell' ? 1 : -1) * f.priceUnits * f.contracts - f.feeUnits)
    for (const s of momentum.settlements) {
      expect(s.payoutUnits).to.equal((s.result === 'yes' ? s.yes : s.no) * 10_000)
      add(s.ticker, s.payoutUnits)
    }
    expect(momentum.unsettled, 'every market settled, so P&L is all realised').to.deep.equal([])
    for (const g of r.games) expect(Math.round(g.pnlDollars * 10_000), g.game).to.equal(byGame.get(g.game) ?? 0)
    const total = [...byGame.values()].reduce((a, b) => a + b, 0)
    expect(Math.round(r.total.pnlDollars * 10_000)).to.equal(total)
    expect(r.total.fills).to.equal(momentum.fills.length)
    expect(Math.round(r.total.feesDollars * 10_000)).to.equal(momentum.fills.reduce((s, f) => s + f.feeUnits, 0))
    // Every buy is a taker fill at the reconstructed ask, with Kalshi's fee rounded up to the cent.
    for (const f of momentum.fills) {
      const p = f.priceUnits / 10_000
      expect(f.feeUnits).to.equal(Math.ceil(0.07 * f.contracts * p * (1 - p) * 100 - 1e-9) * 100)
    }
  })

  it('the equity curve ends at the total P&L, and drawdown and exposure follow from it', () => {
    const last = momentum.curve.at(-1)!
    expect(last.equityUnits / 10_000).to.equal(momentum.report.total.pnlDollars)
    let peak = 0
    let dd = 0
    for (const p of momentum.curve) { peak = Math.max(peak, p.equityUnits); dd = Math.max(dd, peak - p.equityUnits) }
    expect(momentum.report.total.maxDrawdownDollars).to.equal(dd / 10_000)
    const bought = momentum.fills.filter((f) => f.action === 'buy').reduce((s, f) => s + f.priceUnits * f.contracts, 0)
    expect(momentum.report.total.exposureDollars).to.be.greaterThan(0).and.at.most(bought / 10_000)
  })

  it('two runs on the same store give identical JSON', async () => {
    const again = await run('momentum')
    expect(JSON.stringify(again.report)).to.equal(JSON.stringify(momentum.report))
  })

  it('quotes come only from finished candles: no fill is ever at a price the market had not shown before the signal', async () => {
    const candles = await store.candles(momentum.fills.map((f) => f.ticker), 1)
    for (const f of momentum.fills) {
      const seen = candles.filter((c) => c.ticker === f.ticker && c.endPeriodTs * 1000 <= f.ts)
      expect(seen.length, `a finished candle before ${f.ticker} at ${f.ts}`).to.be.greaterThan(0)
      const q = seen.at(-1)!
      expect(f.priceUnits).to.equal(f.side === 'yes' ? q.yesAsk!.close : 10_000 - q.yesBid!.close)
    }
  })

  for (const name of ['mean-reversion', 'arb']) {
    it(`${name} runs through the same engine and reports every game`, async () => {
      const d = await run(name)
      expect(d.report.type).to.equal('backtest')
      expect(d.report.strategy).to.equal(name)
      expect(d.report.games).to.have.length(GAMES.length)
      expect(d.events).to.be.greaterThan(1000)
    })
  }

  it('selects by series and date range, and by event ticker', async () => {
    const bySeries = await runBacktest({ store, strategies: await sample('momentum'), fees: new FeeSchedules(), selection: { series: 'KXNFLGAME', fromMs: Date.parse('2025-08-31T00:00:00Z'), toMs: Date.parse('2025-08-31T23:59:59Z') } })
    const games = bySeries.report.games.map((g) => g.game)
    // The window picks the games (each then played whole): the Sunday ones, not the Thursday or Monday games.
    expect(games).to.include('25AUG31BUFBAL')
    expect(games).to.not.include('25AUG28PHIDAL')
    expect(games).to.not.include('25SEP01CHIMIN')
    expect(bySeries.fills.every((f) => games.some((g) => f.ticker.includes(g)))).to.equal(true)
    const one = await run('momentum', ['KXNFLGAME-25AUG28PHIDAL'])
    expect(one.report.games.map((g) => g.game)).to.deep.equal(['25AUG28PHIDAL'])
  })

  it('refuses a game that is not stored, and a selection that is missing, with one-line input errors', async () => {
    await run('momentum', ['25SEP07KCBUF']).then(() => expect.fail('ran'), (e) => expect(e.code).to.equal('NO_HISTORY'))
    await runBacktest({ store, strategies: await sample('momentum'), fees: new FeeSchedules(), selection: {} }).then(() => expect.fail('ran'), (e) => expect(e.code).to.equal('BAD_SELECTION'))
  })

  it('renders the table, a terminal equity curve and a self-contained HTML page', () => {
    const text = formatBacktest(momentum.report)
    for (const g of GAMES) expect(text).to.include(g)
    expect(equityChart(momentum.curve).split('\n')).to.have.length(9)
    const html = htmlReport(momentum)
    expect(html).to.match(/<polyline [^>]*points="[\d., ]+"/)
    expect(html).to.not.match(/(src|href)=/)
    for (const g of GAMES) expect(html).to.include(`<td>${g}</td>`)
  })

  it('stopped by its signal mid-run: the report covers the history before the stop, and says where that was', async () => {
    const stop = new AbortController()
    let ticks = 0
    const [loaded] = await sample('momentum')
    const inner = loaded!.strategy
    // Aborts on its 200th tick, as Ctrl-C would arrive during a long backtest.
    const strategy = { ...inner, onTick: (t: never, ctx: never) => { if (++ticks === 200) stop.abort('SIGINT'); return inner.onTick!.call(inner, t, ctx) } }
    const partial = await runBacktest({ store, strategies: [{ ...loaded!, strategy }], fees: new FeeSchedules(), selection: { games: GAMES }, signal: stop.signal })
    expect(ticks).to.equal(200)
    expect(partial.report.interruptedAtMs).to.be.a('number')
    expect(partial.events).to.be.greaterThan(0).and.lessThan(momentum.events)
    // Everything the report holds happened before the stop; the complete run agrees with it up to there.
    expect(partial.fills.every((f) => f.ts <= partial.report.interruptedAtMs!)).to.equal(true)
    expect(partial.fills).to.deep.equal(momentum.fills.slice(0, partial.fills.length))
    expect(partial.report.games.map((g) => g.game)).to.deep.equal([...GAMES].sort())
    expect(formatBacktest(partial.report).split('\n')[0]).to.equal(`Backtest of momentum (interrupted: history before ${new Date(partial.report.interruptedAtMs!).toISOString()})`)
    expect(htmlReport(partial)).to.include('<p><b>Interrupted</b>: history before ')
    expect(momentum.report).to.not.have.property('interruptedAtMs')
  })
})
