import { expect } from 'chai'
import { parseTarget, parseTargets, resolveTargets, targetMatches } from '../../src/core/targets.js'
import type { MarketFilter, MarketInfo } from '../../src/core/rest-client.js'
import type { NeuralError } from '../../src/errors.js'

function errorOf(fn: () => unknown): NeuralError {
  try {
    fn()
  } catch (e) {
    return e as NeuralError
  }
  throw new Error('did not throw')
}

describe('targets', () => {
  it('reads a market ticker', () => {
    expect(parseTarget('KXNFLGAME-25SEP04DALPHI-PHI')).to.deep.equal({ kind: 'market', value: 'KXNFLGAME-25SEP04DALPHI-PHI', text: 'KXNFLGAME-25SEP04DALPHI-PHI' })
  })

  it('reads a series wildcard', () => {
    expect(parseTarget('KXNFLGAME*')).to.deep.equal({ kind: 'series', value: 'KXNFLGAME', text: 'KXNFLGAME*' })
  })

  it('reads an event wildcard, also written with a dash before the star', () => {
    expect(parseTarget('KXNFLGAME-25SEP04DALPHI*')).to.deep.equal({ kind: 'event', value: 'KXNFLGAME-25SEP04DALPHI', text: 'KXNFLGAME-25SEP04DALPHI*' })
    expect(parseTarget('KXNFLGAME-25SEP04DALPHI-*').value).to.equal('KXNFLGAME-25SEP04DALPHI')
  })

  it('accepts lower case and decimal line markets', () => {
    expect(parseTarget('kxnfltotal-25sep04dalphi-47.5').value).to.equal('KXNFLTOTAL-25SEP04DALPHI-47.5')
  })

  it('explains a star in the middle', () => {
    expect(errorOf(() => parseTarget('KXNFL*GAME')).message).to.equal('bad target "KXNFL*GAME": "*" may only end a series or event, e.g. KXNFLGAME* or KXNFLGAME-25SEP04DALPHI*')
  })

  it('explains a series without a star', () => {
    const e = errorOf(() => parseTarget('KXNFLGAME'))
    expect(e.kind).to.equal('input')
    expect(e.code).to.equal('BAD_TARGET')
    expect(e.message).to.equal('bad target "KXNFLGAME": a series needs a "*" (KXNFLGAME*), or give a market ticker such as KXNFLGAME-25SEP04DALPHI-PHI')
  })

  it('explains an event without a star', () => {
    expect(errorOf(() => parseTarget('KXNFLGAME-25SEP04DALPHI')).message).to.equal('bad target "KXNFLGAME-25SEP04DALPHI": this looks like an event; add "*" for all its markets (KXNFLGAME-25SEP04DALPHI*), or give a market ticker such as KXNFLGAME-25SEP04DALPHI-PHI')
  })

  it('explains garbage with examples of every form', () => {
    expect(errorOf(() => parseTarget('dal @ phi')).message).to.equal('bad target "dal @ phi": expected a market ticker (KXNFLGAME-25SEP04DALPHI-PHI), a series (KXNFLGAME*), an event (KXNFLGAME-25SEP04DALPHI*) or * for every market')
    expect(errorOf(() => parseTarget('')).message).to.match(/^empty target: expected/)
    expect(errorOf(() => parseTarget('A--B')).code).to.equal('BAD_TARGET')
  })

  it('refuses a wildcard over a whole market ticker', () => {
    expect(errorOf(() => parseTarget('KXNFLGAME-25SEP04DALPHI-PHI*')).code).to.equal('BAD_TARGET')
  })

  it('drops duplicate targets', () => {
    expect(parseTargets(['A-B-C', 'a-b-c', 'S*']).map((t) => t.text)).to.deep.equal(['A-B-C', 'S*'])
  })

  it('matches tickers to wildcards by prefix and dash', () => {
    const series = parseTarget('KXNFLGAME*')
    expect(targetMatches(series, 'KXNFLGAME-25SEP04DALPHI-PHI')).to.equal(true)
    expect(targetMatches(series, 'KXNFLGAMEX-25SEP04DALPHI-PHI')).to.equal(false)
  })

  it('resolves wildcards through REST and keeps market tickers as they are', async () => {
    const calls: MarketFilter[] = []
    const rest = {
      listAllMarkets: async (f: MarketFilter): Promise<MarketInfo[]> => {
        calls.push(f)
        const tickers = f.event_ticker ? ['S-E1-A', 'S-E1-B'] : ['S-E1-A', 'S-E1-B', 'S-E2-A']
        return tickers.map((ticker) => ({ ticker, eventTicker: ticker.slice(0, 4), title: '', yesSubTitle: '', status: 'active' }))
      },
    }
    const r = await resolveTargets(parseTargets(['X-Y-Z', 'S-E1*', 'S*']), rest)
    expect(r.tickers).to.deep.equal(['X-Y-Z', 'S-E1-A', 'S-E1-B', 'S-E2-A'])
    expect(calls).to.deep.equal([{ event_ticker: 'S-E1', status: 'open' }, { series_ticker: 'S', status: 'open' }])
    expect(r.byTarget.get('S*')).to.deep.equal(['S-E1-A', 'S-E1-B', 'S-E2-A'])
  })

  it('fails with a one-line error when an event wildcard matches nothing', async () => {
    const rest = { listAllMarkets: async (): Promise<MarketInfo[]> => [] }
    const e = await resolveTargets(parseTargets(['KXNFLGAME-25SEP04DALXXX*']), rest).then(() => undefined, (x: NeuralError) => x)
    expect(e?.code).to.equal('UNKNOWN_EVENT')
    expect(e?.message).to.equal('no open markets match KXNFLGAME-25SEP04DALXXX* (check the event ticker, e.g. KXNFLGAME-25SEP04DALPHI*)')
  })
})
