import { startSimulator } from './src/sim/index.js'
import { RestClient } from './src/core/rest-client.js'
import { HistoryStore } from './src/history/store.js'
import { getTradesPage, getCandlesBatch } from './src/history/api.js'
const sim = await startSimulator({ port: 0 })
const file = `/tmp/h-${process.pid}.duckdb`
try {
  const client = new RestClient({ apiUrl: sim.apiUrl, maxRequestsPerSec: 200 })
  let t0 = Date.now()
  const p = await getTradesPage(client, { ticker: 'KXNFLGAME-25AUG31BUFBAL-BAL' })
  console.log('trades page', p.trades.length, Date.now() - t0); t0 = Date.now()
  const c = await getCandlesBatch(client, ['KXNFLGAME-25AUG31BUFBAL-BAL', 'KXNFLGAME-25AUG31BUFBAL-BUF'], 0, 1800000000, 1)
  console.log('candles', [...c.values()].map(x => x.length), Date.now() - t0); t0 = Date.now()
  const store = await HistoryStore.open(file)
  console.log('open', Date.now() - t0); t0 = Date.now()
  await store.transaction(() => store.addTrades(p.trades))
  console.log('insert trades', Date.now() - t0); t0 = Date.now()
  await store.transaction(() => store.putCandles([...c.values()].flat()))
  console.log('insert candles', Date.now() - t0); t0 = Date.now()
  store.close()
} finally { await sim.close() }
