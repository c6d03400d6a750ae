/**
 * The simulator in its own process, for the benchmark (run.ts spawns it) or by hand:
 *
 *   node --import tsx bench/sim-server.ts --markets 5000 --rate 5000 --public-key key.pem
 *
 * Prints one JSON line on stdout, {"apiUrl","wsUrl","markets"}, once it listens; stops on SIGTERM,
 * SIGINT, or when stdin closes (so it never outlives the process that started it). Data messages
 * carry "sent_at_ms" (the sim's benchTimestamps). `--rate` counts market updates, as the sim does:
 * each is an orderbook_delta and a ticker, about one in five also a trade (≈2.2 frames).
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { startSimulator } from '../src/sim/index.js'
import { checkBenchTickers } from './tickers.js'

const { values: args } = parseArgs({
  options: {
    markets: { type: 'string', default: '500' },
    rate: { type: 'string', default: '200' },
    seed: { type: 'string', default: '1' },
    'public-key': { type: 'string', multiple: true },
  },
})

const markets = Number(args.markets)
const sim = await startSimulator({
  seed: Number(args.seed),
  ratePerSec: Number(args.rate),
  extraMarkets: markets,
  benchTimestamps: true,
  publicKeys: (args['public-key'] ?? []).map((file) => readFileSync(file, 'utf8')),
})
checkBenchTickers(sim.world.markets().filter((m) => m.ticker.startsWith('KXSIMBENCH-')).map((m) => m.ticker), markets)
process.stdout.write(JSON.stringify({ apiUrl: sim.apiUrl, wsUrl: sim.wsUrl, markets }) + '\n')

let stopping = false
const stop = () => {
  if (stopping) return
  stopping = true
  void sim.close().finally(() => process.exit(0))
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
process.stdin.on('end', stop)
process.stdin.on('close', stop)
process.stdin.resume()
