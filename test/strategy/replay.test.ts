import { expect } from 'chai'
import { fileURLToPath } from 'node:url'
import { MarketStore } from '../../src/core/market-store.js'
import type { MarketEvent } from '../../src/core/types.js'
import type { Strategy } from '../../src/strategy/api.js'
import { eventTime } from '../../src/strategy/clock.js'
import { StrategyEngine } from '../../src/strategy/engine.js'
import type { EngineEvent } from '../../src/strategy/events.js'
import { createPaperHook } from '../../src/strategy/hooks/paper.js'
import { loadStrategies } from '../../src/strategy/loader.js'
import { replayEvents } from '../../src/strategy/replay.js'
import { book, tick, trade } from './helpers.js'

const repo = fileURLToPath(new URL('../..', import.meta.url))
const MARKETS = ['KXNFLGAME-25SEP04DALPHI-PHI', 'KXNFLGAME-25SEP04DALPHI-DAL', 'KXNFLGAME-25SEP07NYGWAS-WAS']

/** A fixed pseudo-random walk (seeded LCG), so the event list is the same on every run. */
function events(count: number): MarketEvent[] {
  let seed = 12345
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
  const mid = MARKETS.map(() => 0.5)
  const out: MarketEvent[] = []
  for (let i = 0; i < count; i++) {
    const m = i % MARKETS.length
    const ticker = MARKETS[m]!
    mid[m] = Math.min(0.9, Math.max(0.1, mid[m]! + (rand() - 0.5) * 0.04))
    const cents = Math.round(mid[m]! * 100)
    const ts = 1_700_000_000_000 + i * 250
    const r = rand()
    // An occasional crossed quote gives the arb strategy something to find.
    const yesBid = (r < 0.05 ? cents + 4 : cents - 1) / 100
    const yesAsk = (cents + 1) / 100
    if (r < 0.6) out.push(tick(ticker, { yesBid, yesAsk, yesPrice: cents / 100 }, ts))
    else if (r < 0.9) out.push(trade(ticker, cents / 100, 1 + Math.floor(rand() * 40), ts))
    else out.push(book(ticker, [[yesBid, 5 + Math.floor(rand() * 20)]], [[Math.round((1 - yesAsk) * 100) / 100, 3 + Math.floor(rand() * 10)]], ts))
  }
  return out
}

/** Returns signals after a delay of real time that differs run to run: only lockstep replay keeps it deterministic. */
const jittery: Strategy = {
  name: 'jittery',
  markets: ['KXNFLGAME*'],
  async onTrade(t) {
    await new Promise(resolve => setTimeout(resolve, Math.random() * 3))
    if (t.quantity > 35) return { action: 'BUY', ticker: t.ticker, side: 'no', quantity: 2, confidence: 0.3, reason: 'big trade' }
  },
}

async function replayOnce(list: MarketEvent[]) {
  const samples = await loadStrategies(['strategies'], { cwd: repo })
  const store = new MarketStore()
  const engine = new StrategyEngine({
    strategies: [...samples, jittery],
    store,
    clock: 'replay',
    hooks: [createPaperHook()],
    params: ['mean-reversion.window=10', 'mean-reversion.minVolume=20', 'momentum.rises=2'],
    reportEveryMs: 60_000,
  })
  const emitted: EngineEvent[] = []
  engine.onEvent(e => emitted.push(e))
  await engine.start()
  await replayEvents(list, engine, store)
  const summary = await engine.stop()
  return { emitted, summary }
}

describe('replay', () => {
  it('gives identical signals, fills, reports and P&L when the same events are replayed twice', async () => {
    const list = events(600)
    const first = await replayOnce(list)
    const second = await replayOnce(list)
    // What a handler's wall time says (slow, hung) depends on the machine's load, not on the events.
    const timed = (e: EngineEvent) => e.type === 'slow' || e.type === 'hung'
    const untimed = (s: typeof first.summary) => ({ ...s, strategies: s.strategies.map((x) => ({ ...x, slow: 0, hung: 0 })) })
    expect(JSON.stringify(second.emitted.filter((e) => !timed(e)))).to.equal(JSON.stringify(first.emitted.filter((e) => !timed(e))))
    expect(untimed(second.summary)).to.deep.equal(untimed(first.summary))
    // The run must have exercised what it claims to: signals from every strategy, fills, periodic reports.
    const byStrategy = Object.fromEntries(first.summary.strategies.map(s => [s.name, s.signals]))
    for (const name of ['arb', 'momentum', 'mean-reversion', 'jittery']) expect(byStrategy[name], name).to.be.above(0)
    expect(first.summary.pnl!.fills).to.be.above(0)
    expect(first.emitted.filter(e => e.type === 'portfolio').length).to.equal(2)
    expect(first.emitted.filter(e => e.type === 'error')).to.deep.equal([])
  })

  it('stamps signals with the time of the event that caused them', async () => {
    const list = events(600)
    const { emitted } = await replayOnce(list)
    const times = new Set(list.map(eventTime))
    const signals = emitted.filter(e => e.type === 'signal')
    expect(signals.length).to.be.above(0)
    for (const s of signals) expect(times.has(s.ts)).to.equal(true)
  })
})
