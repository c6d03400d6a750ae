import { expect } from 'chai'
import { impliedProbability, winProbability } from '../../src/nfl/win-probability.js'

describe('nfl win probability', () => {
  it('takes the mid of yes bid and ask exactly', () => {
    expect(impliedProbability({ yesBid: 0.38, yesAsk: 0.42 })).to.equal(0.4)
    expect(impliedProbability({ yesBid: 0.61, yesAsk: 0.63 })).to.equal(0.62)
    expect(impliedProbability({ yesBid: 0.56, yesAsk: 0.57 })).to.equal(0.565)
  })

  it('prefers the book over the last price', () => {
    expect(impliedProbability({ yesBid: 0.38, yesAsk: 0.42, yesPrice: 0.9 })).to.equal(0.4)
  })

  it('uses the one side present when the other is missing', () => {
    expect(impliedProbability({ yesBid: 0.38, yesPrice: 0.9 })).to.equal(0.38)
    expect(impliedProbability({ yesAsk: 0.42, yesPrice: 0.9 })).to.equal(0.42)
  })

  it('falls back to the last price when both sides are missing', () => {
    expect(impliedProbability({ yesPrice: 0.47 })).to.equal(0.47)
  })

  it('is undefined with no prices at all', () => {
    expect(impliedProbability({})).to.equal(undefined)
    expect(impliedProbability(undefined)).to.equal(undefined)
  })

  it('normalises two-sided books so the two sum to exactly 1', () => {
    // DAL mid 0.40, PHI mid 0.62: 0.40 / 1.02 and 0.62 / 1.02.
    const p = winProbability({ yesBid: 0.38, yesAsk: 0.42 }, { yesBid: 0.61, yesAsk: 0.63 })!
    expect(p.away).to.be.closeTo(0.39215686274509803, 1e-15)
    expect(p.home).to.be.closeTo(0.6078431372549019, 1e-15)
    expect(p.away + p.home).to.equal(1)
  })

  it('leaves already-consistent prices unchanged', () => {
    expect(winProbability({ yesBid: 0.24, yesAsk: 0.26 }, { yesBid: 0.74, yesAsk: 0.76 })).to.deep.equal({ away: 0.25, home: 0.75 })
  })

  it('normalises a last-price fallback together with a book mid', () => {
    // away: last 0.30 (no book); home: mid 0.60 → 0.30 / 0.90 = 1/3.
    const p = winProbability({ yesPrice: 0.3 }, { yesBid: 0.59, yesAsk: 0.61 })!
    expect(p.away).to.be.closeTo(1 / 3, 1e-15)
    expect(p.away + p.home).to.equal(1)
  })

  it('gives the other team 1 − p when only the home market has prices', () => {
    expect(winProbability(undefined, { yesBid: 0.61, yesAsk: 0.63 })).to.deep.equal({ away: 0.38, home: 0.62 })
    expect(winProbability({}, { yesPrice: 0.7 })).to.deep.equal({ away: 0.3, home: 0.7 })
  })

  it('gives the other team 1 − p when only the away market has prices', () => {
    expect(winProbability({ yesBid: 0.38, yesAsk: 0.42 }, {})).to.deep.equal({ away: 0.4, home: 0.6 })
  })

  it('is undefined for empty books with no last price', () => {
    expect(winProbability({}, {})).to.equal(undefined)
    expect(winProbability(undefined, undefined)).to.equal(undefined)
  })

  it('is undefined when both markets imply zero', () => {
    expect(winProbability({ yesPrice: 0 }, { yesPrice: 0 })).to.equal(undefined)
  })
})
