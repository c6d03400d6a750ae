/**
 * `neural backtest --from/--to` picks games, it does not cut them: the games of the selection with a
 * stored trade or candlestick in the window, each played whole (readBacktestHistory). On a store of the
 * simulator's past week, KXNFLGAME only.
 */
import { expect } from 'chai'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FeeSchedules } from '../../src/core/fees.js'
import { RestClient } from '../../src/core/rest-client.js'
import { gameOf, playBacktest, readStoredHistory, type BacktestSelection } from '../../src/history/backtest.js'
import { parseDateFlag } from '../../src/history/dates.js'
import { downloadHistory, resolveHistoryMarkets } from '../../src/history/download.js'
import { HistoryStore } from '../../src/history/store.js'
import { startSimulator } from '../../src/sim/index.js'
import { loadStrategies } from '../../src/strategy/loader.js'

/** The games with a trade on 2025-08-31 UTC: the Sunday games, BUFBAL from 23:24 on (its game ends after midnight). */
const SUNDAY = ['25AUG31ATLTB', '25AUG31BUFBAL', '25AUG31CLECIN', '25AUG31DENTEN', '25AUG31GBDET', '25AUG31INDMIA', '25AUG31JACCAR',
  '25AUG31LAHOU', '25AUG31NELV', '25AUG31NOARI', '25AUG31NYJPIT', '25AUG31SEASF', '25AUG31WASNYG']

describe('backtest: --from/--to pick the games, each played whole', function () {
  this.timeout(120_000)
  let dir: string
  let dbFile: string
  const day = (date: string) => ({ fromMs: parseDateFlag('from', date), toMs: parseDateFlag('to', date) })
  /** The games a selection plays, in order. */
  const gamesOf = async (selection: BacktestSelection) => [...new Set((await readStoredHistory(dbFile, selection)).markets.map((m) => gameOf(m.eventTicker)))].sort()
  const play = async (selection: BacktestSelection) => playBacktest(await readStoredHistory(dbFile, selection), {
    strategies: await loadStrategies(['strategies/momentum.ts']), fees: new FeeSchedules(), params: ['rises=2'],
  })

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'neural-backtest-window-'))
    dbFile = join(dir, 'h.duckdb')
    const sim = await startSimulator({ ratePerSec: 20 })
    try {
      const client = new RestClient({ apiUrl: sim.apiUrl, maxRequestsPerSec: 500 })
      const store = await HistoryStore.open(dbFile)
      try {
        await downloadHistory({ client, store, markets: await resolveHistoryMarkets(['KXNFLGAME*'], client) })
      } finally {
        store.close()
      }
    } finally {
      await sim.close()
    }
  })
  after(() => { if (dir) rmSync(dir, { recursive: true, force: true }) })

  it('a one-day window selects exactly the games with a trade or candlestick that day', async () => {
    expect(await gamesOf({ series: 'KXNFLGAME', ...day('2025-08-31') })).to.deep.equal(SUNDAY)
    expect(await gamesOf({ series: 'KXNFLGAME', ...day('2025-09-01') })).to.deep.equal(['25AUG31BUFBAL', '25SEP01CHIMIN'])
    expect(await gamesOf({ series: 'KXNFLGAME', toMs: Date.parse('2025-08-29T00:00:00Z') })).to.deep.equal(['25AUG28PHIDAL'])
  })

  it('the report lists only those games, and a game crossing midnight UTC is played to its end, as when named alone', async () => {
    const sunday = await play({ series: 'KXNFLGAME', ...day('2025-08-31') })
    expect(sunday.report.games.map((g) => g.game)).to.deep.equal(SUNDAY)
    const alone = await play({ games: ['25AUG31BUFBAL'] })
    const row = alone.report.games[0]!
    expect(row.fills, 'BUFBAL trades after midnight UTC').to.be.greaterThan(1)
    expect(sunday.report.games.find((g) => g.game === '25AUG31BUFBAL')).to.deep.equal(row)
    expect(sunday.fills.filter((f) => f.ticker.includes('BUFBAL'))).to.deep.equal(alone.fills)
  })

  it('with --game, keeps the named games that have history in the window', async () => {
    const named = { games: ['25AUG28PHIDAL', '25AUG31-BUFBAL', 'KXNFLGAME-25SEP01CHIMIN'], ...day('2025-09-01') }
    expect(await gamesOf(named)).to.deep.equal(['25AUG31BUFBAL', '25SEP01CHIMIN'])
  })

  it('a window without any stored trade or candlestick of the selection is NO_HISTORY, saying so', async () => {
    const error = await readStoredHistory(dbFile, { series: 'KXNFLGAME', ...day('2025-08-20') }).then(() => undefined, (e: Error & { code?: string }) => e)
    expect(error?.code).to.equal('NO_HISTORY')
    expect(error?.message).to.equal('no stored game of series KXNFLGAME has a trade or candlestick between 2025-08-20T00:00:00.000Z and 2025-08-20T23:59:59.999Z (--from/--to pick the games to play)')
  })

  it('without a window every stored game of the selection is played', async () => {
    const all = await gamesOf({ series: 'KXNFLGAME' })
    expect(all).to.include.members([...SUNDAY, '25AUG28PHIDAL', '25SEP01CHIMIN'])
  })
})
