/**
 * A looping script of Kalshi data messages, recorded from the simulator's own world so the books,
 * tickers and trades are as realistic as the sim's. The script runs the world forward for a number
 * of market updates, then plays every book delta back negated in reverse order: at the end of the
 * loop every book is exactly where it started, so the loop can repeat forever without a client's
 * book ever going negative, and the opening snapshots stay true.
 */
import { SimWorld } from '../src/sim/world.js'
import { stepMarket } from '../src/sim/market-maker.js'
import { createRandom } from '../src/sim/random.js'
import { deltaBody, snapshotBody, tickerBody, tradeBody } from '../src/sim/wire.js'
import { checkBenchTickers } from './tickers.js'

/** Wire channel of a data message; also its `type` in the envelope. */
export type DataChannel = 'ticker' | 'trade' | 'orderbook_delta'

export interface ScriptFrame {
  channel: DataChannel
  ticker: string
  /** The `msg` object, already serialised. */
  body: string
}

export interface FloodScript {
  tickers: string[]
  /** orderbook_snapshot bodies, true at the start of every loop. */
  snapshots: Map<string, string>
  frames: ScriptFrame[]
}

export interface ScriptOptions {
  markets: number
  seed: number
  /** Market updates in the forward half; each gives a delta and a ticker, about a fifth also a trade. */
  updates: number
  /**
   * Also the legacy integer twins (cents, whole contracts) beside the current fields, as Kalshi sent
   * both for a while (`neural sim --legacy-wire`): pmxt-core's client reads deltas and trades only
   * from those, so the peer comparison feeds it frames it can read.
   */
  legacy?: boolean
}

export function buildFloodScript(opts: ScriptOptions): FloodScript {
  const world = new SimWorld(opts.seed, { extraMarkets: opts.markets })
  const universe = world.markets().filter((m) => m.ticker.startsWith('KXSIMBENCH-'))
  checkBenchTickers(universe.map((m) => m.ticker), opts.markets)
  const legacy = opts.legacy ?? false
  const snapshots = new Map(universe.map((m) => [m.ticker, snapshotBody(m, legacy)]))
  const forward: (ScriptFrame & { undo?: string })[] = []
  const nowMs = Date.now()
  world.onEvent((e) => {
    if (e.kind === 'event_created') return
    const m = e.market
    if (e.kind === 'delta') forward.push({ channel: 'orderbook_delta', ticker: m.ticker, body: deltaBody(m, e.side, e.price, e.delta, undefined, nowMs, legacy), undo: deltaBody(m, e.side, e.price, -e.delta, undefined, nowMs, legacy) })
    else if (e.kind === 'ticker') forward.push({ channel: 'ticker', ticker: m.ticker, body: tickerBody(m, nowMs, legacy) })
    else if (e.kind === 'trade') forward.push({ channel: 'trade', ticker: m.ticker, body: tradeBody(m, e.trade, legacy) })
  })
  const rand = createRandom(opts.seed * 31 + 7)
  for (let i = 0; i < opts.updates; i++) stepMarket(world, universe[Math.floor(rand() * universe.length)]!, rand)
  const frames: ScriptFrame[] = forward.map(({ channel, ticker, body }) => ({ channel, ticker, body }))
  for (let i = forward.length - 1; i >= 0; i--) {
    const f = forward[i]!
    frames.push({ channel: f.channel, ticker: f.ticker, body: f.undo ?? f.body })
  }
  return { tickers: universe.map((m) => m.ticker), snapshots, frames }
}
