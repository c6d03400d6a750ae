import { expect } from 'chai'
import fc from 'fast-check'
import type { ConnectionEvent, Tick, Trade } from '../../src/core/types.js'
import { colorLevel } from '../../src/render/color.js'
import { formatCount, formatPrice, HumanFormatter } from '../../src/render/human.js'

const T0 = Date.UTC(2025, 8, 4, 20, 15, 30, 250)
const ESC = '\u001b['
const tick = (yesBid: number, yesAsk: number, ticker = 'KXNFLGAME-25SEP04DALPHI-PHI'): Tick => ({
  type: 'ticker', ticker, yesBid, yesAsk, yesPrice: 0.56, volume: 12345, openInterest: 3400, lastUpdate: T0, receivedAt: T0,
})

describe('human formatter', () => {
  it('formats a tick as one aligned line', () => {
    const f = new HumanFormatter({ colorLevel: 0, utc: true })
    expect(f.format(tick(0.55, 0.57))).to.equal(
      '20:15:30.250  KXNFLGAME-25SEP04DALPHI-PHI     tick   bid   0.55  ask   0.57  last   0.56  vol 12,345  oi 3,400',
    )
  })

  it('pads short tickers to the same column', () => {
    const f = new HumanFormatter({ colorLevel: 0, utc: true })
    const a = f.format(tick(0.55, 0.57, 'A'))
    const b = f.format(tick(0.55, 0.57, 'KXNFLGAME-25SEP04DALPHI-PHI'))
    expect(a.indexOf('tick')).to.equal(b.indexOf('tick'))
  })

  it('formats a trade with side, quantity and both prices', () => {
    const f = new HumanFormatter({ colorLevel: 0, utc: true, tickerWidth: 10 })
    const trade: Trade = { type: 'trade', ticker: 'KXNFLGAME-X', side: 'yes', quantity: 25, price: 0.5625, noPrice: 0.4375, ts: T0, receivedAt: T0 }
    expect(f.format(trade)).to.equal('20:15:30.250  KXNFLGAME-X  trade  YES 25 @ 0.5625 (no 0.4375)')
  })

  it('formats a book with its top levels', () => {
    const f = new HumanFormatter({ colorLevel: 0, utc: true, tickerWidth: 4 })
    const line = f.format({ type: 'book', ticker: 'MKT', yes: [[0.55, 300], [0.54, 10]], no: [[0.43, 120]], yesBid: 0.55, yesAsk: 0.57, noBid: 0.43, noAsk: 0.45, seq: 9, ts: T0 })
    expect(line).to.equal('20:15:30.250  MKT   book   yes 0.55×300  no 0.43×120  bid   0.55  ask   0.57  levels 2/1  seq 9')
  })

  it('formats a lifecycle event with its result', () => {
    const f = new HumanFormatter({ colorLevel: 0, utc: true, tickerWidth: 4 })
    expect(f.format({ type: 'lifecycle', ticker: 'MKT', event: 'determined', result: 'yes', receivedAt: T0 })).to.equal('20:15:30.250  MKT   life   determined result yes')
  })

  it('formats a connection event', () => {
    const f = new HumanFormatter({ colorLevel: 0, utc: true })
    const e: ConnectionEvent = { type: 'connection', state: 'reconnecting', attempt: 2, delayMs: 1500, reason: 'socket hang up', ts: T0 }
    expect(f.format(e)).to.equal('20:15:30.250  connection reconnecting attempt 2 in 1.5 s (socket hang up)')
  })

  it('colours a price green when it rises and red when it falls for the same market', () => {
    const f = new HumanFormatter({ colorLevel: 1, utc: true })
    f.format(tick(0.55, 0.57))
    const up = f.format(tick(0.56, 0.56))
    expect(up).to.include(`${ESC}32m  0.56${ESC}39m`) // bid up: green
    expect(up).to.include(`${ESC}31m  0.56${ESC}39m`) // ask down: red
  })

  it('compares prices per market, not across markets', () => {
    const f = new HumanFormatter({ colorLevel: 1, utc: true })
    f.format(tick(0.55, 0.57, 'A'))
    const other = f.format(tick(0.60, 0.62, 'B'))
    expect(other).not.to.include(`${ESC}32m`)
    expect(other).not.to.include(`${ESC}31m`)
  })

  it('writes no escape codes at colour level 0', () => {
    const f = new HumanFormatter({ colorLevel: 0, utc: true })
    f.format(tick(0.55, 0.57))
    expect(f.format(tick(0.56, 0.56))).not.to.include(ESC)
  })

  it('marks lines from the simulator', () => {
    const f = new HumanFormatter({ colorLevel: 0, utc: true, simulated: true })
    expect(f.format(tick(0.55, 0.57)).startsWith('[sim] 20:15:30.250')).to.equal(true)
  })

  it('formats a summary with rate and plurals', () => {
    const f = new HumanFormatter({ colorLevel: 0 })
    expect(f.summary({ messages: 1234, durationMs: 12_000, reconnects: 1, markets: 14 })).to.equal('1,234 messages in 12.0 s (102.8/s), 14 markets, 1 reconnect')
  })

  it('formats whole-cent prices with two decimals and sub-cent ones with four', () => {
    expect([formatPrice(0.56), formatPrice(0.5625), formatPrice(1), formatPrice(undefined)]).to.deep.equal(['0.56', '0.5625', '1.00', '—'])
  })

  it('formats counts with separators and up to two decimals', () => {
    expect([formatCount(1234567), formatCount(2.5), formatCount(0.01)]).to.deep.equal(['1,234,567', '2.5', '0.01'])
  })

  it('builds no Intl number formatter when loaded (ICU data: 7.5 MB of RSS in every command)', async () => {
    const Original = Intl.NumberFormat
    let built = 0
    Intl.NumberFormat = function (...args: ConstructorParameters<typeof Original>) {
      built++
      return new Original(...args)
    } as unknown as typeof Intl.NumberFormat
    try {
      // A fresh instance of the module (a new URL), so its top level runs under the counter.
      const fresh = (await import(`../../src/render/human.js?fresh=${Date.now()}`)) as typeof import('../../src/render/human.js')
      expect(fresh.formatCount(1234)).to.equal('1,234')
      expect(built).to.equal(0)
      expect(fresh.formatCount(1e21)).to.equal((1e21).toLocaleString('en-US'))
      expect(built).to.equal(1)
    } finally {
      Intl.NumberFormat = Original
    }
  })

  it("formats any count as toLocaleString('en-US') with at most two decimals does", () => {
    const count = fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.integer({ min: -1e9, max: 1e9 }).map((n) => n / 100), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(-0, 0.005, 1.005, 999.995, 1e20, 1e21, 1e-7, -0.001))
    fc.assert(fc.property(count, (n) => {
      expect(formatCount(n)).to.equal(n.toLocaleString('en-US', { maximumFractionDigits: 2 }))
    }), { numRuns: 5000 })
  })
})

describe('colour level', () => {
  const tty = { isTTY: true }
  const pipe = { isTTY: false }

  it('is off when NO_COLOR is set, even on a terminal', () => {
    expect(colorLevel(tty, { NO_COLOR: '1' })).to.equal(0)
  })

  it('ignores an empty NO_COLOR', () => {
    expect(colorLevel(tty, { NO_COLOR: '' })).to.equal(1)
  })

  it('is off when the stream is not a terminal', () => {
    expect(colorLevel(pipe, {})).to.equal(0)
  })

  it('is on for a pipe when FORCE_COLOR is set', () => {
    expect(colorLevel(pipe, { FORCE_COLOR: '2' })).to.equal(2)
  })

  it('lets NO_COLOR win over FORCE_COLOR', () => {
    expect(colorLevel(tty, { NO_COLOR: '1', FORCE_COLOR: '3' })).to.equal(0)
  })
})
