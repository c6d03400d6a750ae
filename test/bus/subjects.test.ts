import { expect } from 'chai'
import fc from 'fast-check'
import { NeuralError } from '../../src/errors.js'
import { escapeTicker, parseSubject, subjectFilter, subjectFor, unescapeTicker } from '../../src/bus/subjects.js'

describe('bus subjects', () => {
  it('names a subject neural.<type>.<ticker>', () => {
    expect(subjectFor('ticker', 'KXNFLGAME-25SEP04DALPHI-PHI')).to.equal('neural.ticker.KXNFLGAME-25SEP04DALPHI-PHI')
    expect(subjectFor('book', 'KXNFLGAME-25SEP04DALPHI-PHI')).to.equal('neural.book.KXNFLGAME-25SEP04DALPHI-PHI')
  })

  it('escapes dots, wildcards and spaces in a ticker into one token', () => {
    expect(escapeTicker('KXHIGHNY-25SEP04-B82.5')).to.equal('KXHIGHNY-25SEP04-B82~2E5')
    expect(escapeTicker('A*B>C D~')).to.equal('A~2AB~3EC~20D~7E')
    expect(subjectFor('trade', 'KXHIGHNY-25SEP04-B82.5')).to.equal('neural.trade.KXHIGHNY-25SEP04-B82~2E5')
  })

  it('unescapes every escaped ticker back to the ticker', () => {
    fc.assert(
      // Every code point but lone surrogates. fast-check's `unit: 'binary'` is the same set, but its
      // first use builds a table of every code point: 1.2 s alone and ~3.5 s inside the loaded suite.
      fc.property(fc.string({ minLength: 1, maxLength: 20, unit: fc.fullUnicode() }), (ticker) => {
        const token = escapeTicker(ticker)
        expect(token).to.match(/^[A-Za-z0-9_~-]+$/)
        expect(unescapeTicker(token)).to.equal(ticker)
      }),
      { numRuns: 200 },
    )
  })

  it('rejects an empty ticker with an input error', () => {
    expect(() => escapeTicker('')).to.throw(NeuralError).with.property('kind', 'input')
  })

  it('parses a bus subject into type and token, and refuses other subjects', () => {
    expect(parseSubject('neural.book.A-B-C')).to.deep.equal({ type: 'book', token: 'A-B-C' })
    expect(parseSubject('neural.quote.A-B-C')).to.equal(undefined)
    expect(parseSubject('other.book.A-B-C')).to.equal(undefined)
    expect(parseSubject('neural.book.A.B')).to.equal(undefined)
  })

  it('subscribes exact tickers per market, all types with one * token', () => {
    const f = subjectFilter(['KXNFLGAME-25SEP04DALPHI-PHI', 'KXNFLGAME-25SEP04DALPHI-DAL'])
    expect(f.subjects).to.deep.equal(['neural.*.KXNFLGAME-25SEP04DALPHI-PHI', 'neural.*.KXNFLGAME-25SEP04DALPHI-DAL'])
    expect(f.clientSide).to.equal(false)
  })

  it('subscribes exact tickers per chosen type', () => {
    const f = subjectFilter(['KXNFLGAME-25SEP04DALPHI-PHI'], ['ticker', 'book'])
    expect(f.subjects).to.deep.equal(['neural.ticker.KXNFLGAME-25SEP04DALPHI-PHI', 'neural.book.KXNFLGAME-25SEP04DALPHI-PHI'])
  })

  it('subscribes a whole type for a pattern and keeps only tickers of the series client-side', () => {
    const f = subjectFilter(['KXNFLGAME*', 'KXMLB-25SEP04NYYBOS-NYY'], ['ticker'])
    expect(f.subjects).to.deep.equal(['neural.ticker.*'])
    expect(f.clientSide).to.equal(true)
    expect(f.matches('neural.ticker.KXNFLGAME-25SEP04DALPHI-PHI')).to.equal(true)
    expect(f.matches('neural.ticker.KXMLB-25SEP04NYYBOS-NYY')).to.equal(true)
    expect(f.matches('neural.ticker.KXMLB-25SEP04NYYBOS-BOS')).to.equal(false)
    expect(f.matches('neural.ticker.KXNFLGAMEX-25SEP04DALPHI-PHI')).to.equal(false)
    expect(f.matches('neural.trade.KXNFLGAME-25SEP04DALPHI-PHI')).to.equal(false)
  })

  it('matches an event pattern by its escaped prefix, dots included', () => {
    const f = subjectFilter(['KXHIGHNY-25SEP04*'])
    expect(f.subjects).to.deep.equal(['neural.*.*'])
    expect(f.matches(subjectFor('book', 'KXHIGHNY-25SEP04-B82.5'))).to.equal(true)
    expect(f.matches(subjectFor('book', 'KXHIGHNY-25SEP05-B82.5'))).to.equal(false)
  })

  it('takes * as every market, without client-side filtering', () => {
    const f = subjectFilter(['*'], ['trade', 'fill'])
    expect(f.subjects).to.deep.equal(['neural.trade.*', 'neural.fill.*'])
    expect(f.clientSide).to.equal(false)
  })

  it('rejects an empty filter list, a bad filter and an unknown type with input errors', () => {
    expect(() => subjectFilter([])).to.throw(NeuralError).with.property('code', 'BAD_TARGET')
    expect(() => subjectFilter(['KX*GAME'])).to.throw(NeuralError).with.property('code', 'BAD_TARGET')
    expect(() => subjectFilter(['*'], ['quote' as never])).to.throw(NeuralError).with.property('code', 'BAD_TYPE')
  })
})
