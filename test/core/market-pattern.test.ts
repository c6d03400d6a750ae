import { expect } from 'chai'
import { marketMatcher, matchesMarket, parseMarketPattern, parseMarketPatterns } from '../../src/core/market-pattern.js'
import type { MarketInfo, MarketFilter } from '../../src/core/rest-client.js'
import { resolveTargets } from '../../src/core/targets.js'
import type { NeuralError } from '../../src/errors.js'

const PHI = 'KXNFLGAME-25SEP04DALPHI-PHI'

describe('market pattern', () => {
  it('reads * as every market', () => {
    expect(parseMarketPattern(' * ')).to.deep.equal({ kind: 'all', value: '', text: '*' })
    expect(matchesMarket(parseMarketPattern('*'), 'ANY-THING-AT-ALL')).to.equal(true)
  })

  it('upper-cases a pattern as it parses it, and matches tickers as the exchange sends them', () => {
    const lower = parseMarketPattern('kxnflgame*')
    expect(lower).to.deep.equal(parseMarketPattern('KXNFLGAME*'))
    expect(matchesMarket(lower, PHI)).to.equal(true)
    expect(matchesMarket(parseMarketPattern('kxnflgame-25sep04dalphi-phi'), PHI)).to.equal(true)
  })

  it('ends a series or event at a whole ticker part', () => {
    expect(matchesMarket(parseMarketPattern('KXNFLGAME*'), 'KXNFLGAMEX-25SEP04DALPHI-PHI')).to.equal(false)
    expect(matchesMarket(parseMarketPattern('KXNFLGAME-25SEP04DAL*'), PHI)).to.equal(false)
    expect(matchesMarket(parseMarketPattern('KXNFLGAME-25SEP04DALPHI*'), PHI)).to.equal(true)
  })

  it('gives one predicate for a list, the same answers as each pattern alone', () => {
    const patterns = parseMarketPatterns(['KXNFLGAME-25SEP04DALPHI*', 'KXNFLTOTAL-25SEP04DALPHI-47'])
    const match = marketMatcher(patterns)
    for (const ticker of [PHI, 'KXNFLTOTAL-25SEP04DALPHI-47', 'KXNFLTOTAL-25SEP04DALPHI-48', 'KXNFLGAMEX-25SEP04DALPHI-PHI']) {
      expect(match(ticker), ticker).to.equal(patterns.some((p) => matchesMarket(p, ticker)))
    }
    expect(marketMatcher(parseMarketPatterns(['X-Y-Z', '*']))('OTHER-MARKET-1')).to.equal(true)
  })

  it('refuses what is not a pattern with BAD_TARGET', () => {
    for (const bad of ['', 'KXNFL*GAME', 'KXNFLGAME', '**', 'A--B', 'KXNFLGAME-25SEP04DALPHI-PHI*']) {
      let error: NeuralError | undefined
      try {
        parseMarketPattern(bad)
      } catch (e) {
        error = e as NeuralError
      }
      expect(error?.code, bad).to.equal('BAD_TARGET')
    }
  })

  it('shows a refused target on one short line: quoted, and cut after 48 characters', () => {
    const messageOf = (target: string) => {
      try {
        parseMarketPattern(target)
      } catch (e) {
        return (e as NeuralError).message
      }
      throw new Error(`${target} was taken`)
    }
    // Found from outside: a 5,000-character target came back whole.
    const long = messageOf('A'.repeat(5000))
    expect(long).to.equal(`bad target "${'A'.repeat(48)}… (5000 characters)": a series needs a "*" (SERIES*), or give a market ticker such as KXNFLGAME-25SEP04DALPHI-PHI`)
    expect(messageOf('KXNFL\nGAME*')).to.equal('bad target "KXNFL\\nGAME*": expected a market ticker (KXNFLGAME-25SEP04DALPHI-PHI), a series (KXNFLGAME*), an event (KXNFLGAME-25SEP04DALPHI*) or * for every market')
    expect(messageOf('KXNFL\nGAME*')).to.not.include('\n')
  })

  it('resolves * to every open market through one unfiltered REST listing', async () => {
    const calls: MarketFilter[] = []
    const rest = {
      listAllMarkets: async (f: MarketFilter): Promise<MarketInfo[]> => {
        calls.push(f)
        return ['A-B-1', 'C-D-2'].map((ticker) => ({ ticker, eventTicker: ticker.slice(0, 3), title: '', yesSubTitle: '', status: 'active' }))
      },
    }
    const r = await resolveTargets(parseMarketPatterns(['*']), rest)
    expect(r.tickers).to.deep.equal(['A-B-1', 'C-D-2'])
    expect(calls).to.deep.equal([{ status: 'open' }])
    const none = await resolveTargets(parseMarketPatterns(['*']), { listAllMarkets: async () => [] }).then(() => undefined, (e: NeuralError) => e)
    expect(none?.code).to.equal('NO_MARKETS')
  })
})
