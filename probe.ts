import { startSimulator } from './src/sim/index.js'
import { RestClient } from './src/core/rest-client.js'
import { HistoryStore } from './src/history/store.js'
import { downloadHistory, resolveHistoryMarkets } from './src/history/download.js'
import { runBacktest } from './src/history/backtest.js'
import { kalshiFeeDollars } from './src/history/fees.js'
import { loadStrategies } from './src/strategy/loader.js'
import { equityChart, formatBacktest } from './src/history/report.js'
const sim = await startSimulator({ port: 0 })
const file = `/tmp/h-${process.pid}.duckdb`
try {
  const client = new RestClient({ apiUrl: sim.apiUrl, maxRequestsPerSec: 200 })
  let t0 = Date.now()
  const store = await HistoryStore.open(file)
  const markets = await resolveHistoryMarkets(['KXNFLGAME*'], client)
  console.log(JSON.stringify(await downloadHistory({ client, store, markets })), client.requests, Date.now() - t0)
  t0 = Date.now()
  console.log(JSON.stringify(await downloadHistory({ client, store, markets })), client.requests, Date.now() - t0)
  for (const s of ['momentum', 'mean-reversion', 'arb']) {
    t0 = Date.now()
    const d = await runBacktest({ store, strategies: await loadStrategies([`strategies/${s}.ts`]), feeDollars: kalshiFeeDollars, selection: { series: 'KXNFLGAME' } })
    console.log(formatBacktest(d.report)); console.log(equityChart(d.curve)); console.log(d.events, 'events', Date.now() - t0, 'ms')
  }
  store.close()
} finally { await sim.close() }
