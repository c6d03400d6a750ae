import { expect } from 'chai'
import { SimWorld, WEEK_ONE } from '../../src/sim/index.js'

const snapshot = (w: SimWorld) => w.markets().map((m) => [m.ticker, m.marketId, m.yesSubTitle, w.book(m.ticker)])

describe('simulator world', () => {
  it('builds the same markets, ids and books from the same seed', () => {
    expect(snapshot(new SimWorld(7, { startMs: 0 }))).to.deep.equal(snapshot(new SimWorld(7, { startMs: 0 })))
  })

  it('builds different books from a different seed', () => {
    expect(snapshot(new SimWorld(7, { startMs: 0 }))).to.not.deep.equal(snapshot(new SimWorld(8, { startMs: 0 })))
  })

  it('scripts the same game results from the same seed', () => {
    const plays = (w: SimWorld) => w.catalog.games.map((g) => g.script.plays)
    expect(plays(new SimWorld(3))).to.deep.equal(plays(new SimWorld(3)))
  })

  it('holds the 16 games of the real 2025 week 1, away team first', () => {
    expect(WEEK_ONE.map((g) => `${g.date}${g.away}${g.home}`)).to.deep.equal([
      '25SEP04DALPHI', '25SEP05KCLAC', '25SEP07TBATL', '25SEP07CINCLE', '25SEP07MIAIND', '25SEP07CARJAC', '25SEP07LVNE', '25SEP07ARINO',
      '25SEP07PITNYJ', '25SEP07NYGWAS', '25SEP07TENDEN', '25SEP07SFSEA', '25SEP07DETGB', '25SEP07HOULA', '25SEP07BALBUF', '25SEP08MINCHI',
    ])
  })

  it('names winner markets after the team, with the team in yes_sub_title', () => {
    const w = new SimWorld(1)
    expect(w.event('KXNFLGAME-25SEP07HOULA')!.markets.map((m) => [m.ticker, m.yesSubTitle])).to.deep.equal([
      ['KXNFLGAME-25SEP07HOULA-HOU', 'Houston'], ['KXNFLGAME-25SEP07HOULA-LA', 'Los Angeles R'],
    ])
  })

  it('gives every game spread markets (team + line) and total markets (line)', () => {
    const w = new SimWorld(1)
    for (const g of WEEK_ONE) {
      const suffix = `${g.date}${g.away}${g.home}`
      const spreads = w.event(`KXNFLSPREAD-${suffix}`)!.markets.map((m) => m.ticker)
      const totals = w.event(`KXNFLTOTAL-${suffix}`)!.markets.map((m) => m.ticker)
      expect(spreads.length).to.be.within(3, 4)
      for (const t of spreads) expect(t).to.match(new RegExp(`^KXNFLSPREAD-${suffix}-(${g.away}|${g.home})\\d+$`))
      expect(totals).to.have.length(4)
      for (const t of totals) expect(t).to.match(new RegExp(`^KXNFLTOTAL-${suffix}-\\d+$`))
    }
  })

  it('adds extraMarkets synthetic markets in series KXSIMBENCH', () => {
    const w = new SimWorld(1, { extraMarkets: 250 })
    const bench = w.markets().filter((m) => m.seriesTicker === 'KXSIMBENCH')
    expect(bench).to.have.length(250)
    expect(bench[0]!.ticker).to.equal('KXSIMBENCH-25SEP07-E001-M00001')
    expect(w.events().filter((e) => e.seriesTicker === 'KXSIMBENCH')).to.have.length(3)
  })

  it('seeds uncrossed books with bids on both sides', () => {
    const w = new SimWorld(1)
    // Settled markets of the past week have no book.
    for (const m of w.markets().filter((m) => m.status !== 'finalized')) {
      const b = w.book(m.ticker)!
      expect(b.yes.length, m.ticker).to.be.at.least(1)
      expect(b.no.length, m.ticker).to.be.at.least(1)
      expect(b.yes[0]![0] + b.no[0]![0], m.ticker).to.be.at.most(9_900)
    }
  })
})
