import { expect } from 'chai'
import { loadFeeSchedules, restOutcome, seriesOf } from '../../src/app/fee-setup.js'
import { FeeSchedules } from '../../src/core/fees.js'
import type { MarketInfo, SeriesInfo } from '../../src/core/rest-client.js'
import { NeuralError } from '../../src/errors.js'

describe('fee setup (series fee settings, REST outcomes)', () => {
  it('loads each series once from GET /series and reports one that cannot be read, charging it the default', async () => {
    const asked: string[] = []
    const rest = {
      async getSeries(ticker: string): Promise<SeriesInfo> {
        asked.push(ticker)
        if (ticker === 'KXBAD') throw new NeuralError('input', 'UNKNOWN_SERIES', 'unknown series KXBAD')
        return { ticker, title: '', feeType: 'quadratic_with_maker_fees', feeMultiplier: 0.5 }
      },
    }
    const fees = new FeeSchedules()
    const problems: NeuralError[] = []
    const tickers = ['KXNFLGAME-25SEP04DALPHI-PHI', 'KXNFLGAME-25SEP04DALPHI-DAL', 'KXBAD-1-2']
    expect(seriesOf(tickers)).to.deep.equal(['KXNFLGAME', 'KXBAD'])
    await loadFeeSchedules(rest, tickers, fees, (e) => problems.push(e))
    await loadFeeSchedules(rest, tickers, fees, (e) => problems.push(e))
    expect(asked).to.deep.equal(['KXNFLGAME', 'KXBAD', 'KXBAD'])
    expect(fees.forMarket('KXNFLGAME-25SEP04DALPHI-PHI')).to.deep.equal({ feeType: 'quadratic_with_maker_fees', multiplier: 0.5 })
    expect(fees.forMarket('KXBAD-1-2')).to.deep.equal({ feeType: 'quadratic', multiplier: 1 })
    expect(problems.map((p) => [p.kind, p.code])).to.deep.equal([['network', 'FEE_SCHEDULE'], ['network', 'FEE_SCHEDULE']])
    expect(problems[0]!.message).to.equal('KXBAD: fee settings unavailable (unknown series KXBAD); charging the default taker rate 0.07')
  })

  it('reads a determined market\'s result and settlement value from REST, and nothing from an open one', async () => {
    const markets: Record<string, Partial<MarketInfo>> = {
      A: { status: 'active' },
      B: { status: 'determined', result: 'yes', settlementValue: 1 },
      C: { status: 'finalized', result: 'scalar', settlementValue: 0.5 },
    }
    const rest = { getMarket: async (t: string) => ({ ticker: t, eventTicker: 'E', title: '', yesSubTitle: '', ...markets[t] }) as MarketInfo }
    expect(await restOutcome(rest, 'A')).to.equal(undefined)
    expect(await restOutcome(rest, 'B')).to.deep.equal({ result: 'yes', settlementValue: 1 })
    expect(await restOutcome(rest, 'C')).to.deep.equal({ result: 'scalar', settlementValue: 0.5 })
  })
})
