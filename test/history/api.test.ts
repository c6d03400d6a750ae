import { expect } from 'chai'
import { readFileSync } from 'node:fs'
import { RestClient } from '../../src/core/rest-client.js'
import { getCandles, getCandlesBatch, getHistoricalCutoff, getTradesPage, parseCandle, parseTrade } from '../../src/history/api.js'
import { NeuralError } from '../../src/errors.js'

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/kalshi/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>

/** A RestClient whose fetch answers from a table of path → body, and records each URL asked. */
function clientFor(answers: Record<string, { status?: number; body: unknown }>): { client: RestClient; urls: URL[] } {
  const urls: URL[] = []
  const fetchImpl = (async (input: URL | string) => {
    const url = new URL(String(input))
    urls.push(url)
    const path = url.pathname.replace('/trade-api/v2', '')
    const a = answers[path]
    if (!a) return new Response(JSON.stringify({ error: { code: 'not_found', message: 'no route' } }), { status: 404 })
    return new Response(JSON.stringify(a.body), { status: a.status ?? 200 })
  }) as typeof fetch
  return { client: new RestClient({ apiUrl: 'http://kalshi.test/trade-api/v2', fetch: fetchImpl, maxRequestsPerSec: 1000 }), urls }
}

describe('history: Kalshi history endpoints parsed at the edge', () => {
  it('parses a trades page into units, the outcome side and epoch ms, and passes the query through', async () => {
    const { client, urls } = clientFor({ '/markets/trades': { body: fixture('trades-page.json') } })
    const page = await getTradesPage(client, { ticker: 'KXNFLGAME-25SEP04DALPHI-PHI', minTs: 1757030000, maxTs: 1757050000, cursor: 'abc' })
    expect(page.cursor).to.equal('CgwIwNDgxgYQ0Jq7rwISJDhkMjFiN2M0LTBlM2YtNGE1NS1iMmM5LTVlNmY3YThiOWMwMQ')
    expect(page.trades[0]).to.deep.equal({
      tradeId: '0a4c2f9e-51d7-4b8e-9c1a-7f3e2d6b8a10', ticker: 'KXNFLGAME-25SEP04DALPHI-PHI', yesPriceUnits: 6200, countUnits: 1275,
      takerSide: 'yes', createdMs: Date.parse('2025-09-05T02:41:07.503Z'), isBlockTrade: false,
    })
    expect(page.trades[1]!.takerSide).to.equal('no')
    const q = urls[0]!.searchParams
    expect([q.get('ticker'), q.get('min_ts'), q.get('max_ts'), q.get('limit'), q.get('cursor')]).to.deep.equal(['KXNFLGAME-25SEP04DALPHI-PHI', '1757030000', '1757050000', '1000', 'abc'])
  })

  it('reads the deprecated taker_side and legacy cents when the newer fields are missing', () => {
    const t = parseTrade({ trade_id: 'x', ticker: 'T-1', yes_price: 44, count: 3, taker_side: 'no', created_time: '2024-01-01T00:00:00Z' })
    expect([t.yesPriceUnits, t.countUnits, t.takerSide]).to.deep.equal([4400, 300, 'no'])
  })

  it('refuses a trade without a price with a one-line BAD_RESPONSE', () => {
    expect(() => parseTrade({ trade_id: 'x', ticker: 'T-1', count_fp: '1.00', taker_outcome_side: 'yes', created_time: '2024-01-01T00:00:00Z' }))
      .to.throw(NeuralError).with.property('code', 'BAD_RESPONSE')
  })

  it('parses candlesticks: an empty price object means no trades; the ask placeholder is kept as sent', async () => {
    const { client, urls } = clientFor({ '/series/KXNFLGAME/markets/KXNFLGAME-25SEP04DALPHI-PHI/candlesticks': { body: fixture('candlesticks.json') } })
    const candles = await getCandles(client, { series: 'KXNFLGAME', ticker: 'KXNFLGAME-25SEP04DALPHI-PHI', startTs: 1757040000, endTs: 1757040120, periodMinutes: 1 })
    expect(candles[0]).to.deep.equal({
      ticker: 'KXNFLGAME-25SEP04DALPHI-PHI', periodMinutes: 1, endPeriodTs: 1757040060,
      yesBid: { open: 6000, low: 6000, high: 6100, close: 6100 }, yesAsk: { open: 6200, low: 6200, high: 6300, close: 6300 },
      price: { open: 6100, low: 6100, high: 6200, close: 6200 }, volumeUnits: 31275, openInterestUnits: 1086900,
    })
    expect(candles[1]!.price).to.equal(undefined)
    expect(candles[1]!.yesAsk!.open).to.equal(10_000)
    expect(urls[0]!.searchParams.get('period_interval')).to.equal('1')
  })

  it('parses the historical tier (open…close dollar strings, volume/open_interest) from its own path', async () => {
    const { client, urls } = clientFor({ '/historical/markets/KXNFLGAME-24SEP05BALKC-KC/candlesticks': { body: fixture('candlesticks-historical.json') } })
    const [c] = await getCandles(client, { series: 'KXNFLGAME', ticker: 'KXNFLGAME-24SEP05BALKC-KC', startTs: 0, endTs: 1725590000, periodMinutes: 60, historical: true })
    expect(c).to.deep.include({ endPeriodTs: 1725584400, volumeUnits: 412000, openInterestUnits: 5231000 })
    expect(c!.price).to.deep.equal({ open: 5700, low: 5500, high: 6000, close: 5900 })
    expect(urls[0]!.pathname).to.equal('/trade-api/v2/historical/markets/KXNFLGAME-24SEP05BALKC-KC/candlesticks')
  })

  it('parses the batch form per market, and asks with the tickers comma-separated', async () => {
    const { client, urls } = clientFor({ '/markets/candlesticks': { body: fixture('candlesticks-batch.json') } })
    const got = await getCandlesBatch(client, ['KXNFLGAME-25SEP04DALPHI-DAL', 'KXNFLGAME-25SEP04DALPHI-PHI'], 1757040000, 1757040060, 1)
    expect(got.get('KXNFLGAME-25SEP04DALPHI-DAL')!.map((c) => c.yesBid!.close)).to.deep.equal([3800])
    expect(got.get('KXNFLGAME-25SEP04DALPHI-PHI')).to.deep.equal([])
    expect(urls[0]!.searchParams.get('market_tickers')).to.equal('KXNFLGAME-25SEP04DALPHI-DAL,KXNFLGAME-25SEP04DALPHI-PHI')
    await getCandlesBatch(client, Array.from({ length: 101 }, (_, i) => `T-${i}`), 0, 1, 1).then(() => expect.fail('101 tickers accepted'), (e: NeuralError) => expect(e.code).to.equal('BAD_REQUEST'))
  })

  it('reads the historical cutoff, and takes a 404 as "no cutoff"', async () => {
    const { client } = clientFor({ '/historical/cutoff': { body: fixture('historical-cutoff.json') } })
    expect(await getHistoricalCutoff(client)).to.deep.equal({ marketSettledMs: Date.parse('2025-12-01T00:00:00Z'), tradesCreatedMs: Date.parse('2025-12-01T00:00:00Z') })
    expect(await getHistoricalCutoff(clientFor({}).client)).to.deep.equal({})
  })

  it('refuses a candlestick without end_period_ts', () => {
    expect(() => parseCandle({ volume_fp: '1.00' }, 'T-1', 1)).to.throw(NeuralError).with.property('code', 'BAD_RESPONSE')
  })
})
