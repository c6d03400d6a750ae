import { expect } from 'chai'
import { StrategyFormatter } from '../../src/render/strategy-events.js'

// Issue 14: simulated data is marked [sim] on every human line, as `stream` marks its lines.
describe('render: strategy events', () => {
  const signal = { type: 'signal', strategy: 'arb', action: 'BUY', ticker: 'KXNFLGAME-25SEP04DALPHI-PHI', side: 'yes', quantity: 1, limitPrice: 0.42, confidence: 0.9, reason: 'cheap', ts: Date.UTC(2025, 8, 4, 12, 0, 0, 5) } as const
  const summary = { type: 'summary', signals: 1, events: 3, hooks: ['log'], strategies: [{ name: 'arb', ticks: 3, trades: 0, books: 0, signals: 1, errors: 0, slow: 0, hung: 0, conflated: 0, dropped: 0 }] } as never

  it('marks every line of a simulated feed with [sim], and none of a real one', () => {
    const sim = new StrategyFormatter({ colorLevel: 0, simulated: true })
    const real = new StrategyFormatter({ colorLevel: 0 })
    expect(sim.format(signal as never).text).to.equal('[sim] 12:00:00.005  arb  BUY  1 YES KXNFLGAME-25SEP04DALPHI-PHI limit 0.42  conf 0.90  cheap')
    expect(real.format(signal as never).text).to.equal('12:00:00.005  arb  BUY  1 YES KXNFLGAME-25SEP04DALPHI-PHI limit 0.42  conf 0.90  cheap')
    expect(sim.summary(summary).split('\n')).to.deep.equal(['[sim] 1 signal from 3 events, hooks: log', '[sim]   arb: 3 ticks, 0 trades, 0 books, 1 signals'])
    expect(real.summary(summary).split('\n').every((l) => !l.startsWith('[sim]'))).to.equal(true)
  })
})
