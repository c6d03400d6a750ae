import { expect } from 'chai'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createSigner, verifySignature } from '../../src/auth/signer.js'
import { RestClient, parseMarket } from '../../src/core/rest-client.js'
import type { NeuralError } from '../../src/errors.js'
import { testRsaKey } from '../support/rsa-keys.js'

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void

const market = (ticker: string, extra: Record<string, unknown> = {}) => ({
  ticker,
  event_ticker: ticker.split('-').slice(0, 2).join('-'),
  market_type: 'binary',
  title: 'Dallas at Philadelphia',
  yes_sub_title: 'Philadelphia',
  status: 'active',
  open_time: '2025-08-20T14:00:00Z',
  close_time: '2025-09-19T00:00:00Z',
  yes_bid_dollars: '0.5500',
  yes_ask_dollars: '0.5600',
  last_price_dollars: '0.5600',
  volume_fp: '12500.00',
  open_interest_fp: '4000.50',
  yes_bid: 1,
  ...extra,
})

describe('rest client', function () {
  this.timeout(5000)
  let server: Server
  let apiUrl: string
  let handler: Handler
  const seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = []

  before(async () => {
    server = createServer((req, res) => {
      let body = ''
      req.on('data', (d) => (body += d))
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body })
        res.setHeader('content-type', 'application/json')
        handler(req, res, body)
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/trade-api/v2`
  })

  after(async () => {
    await new Promise<void>((r) => server.close(() => r()))
  })

  beforeEach(() => {
    seen.length = 0
  })

  const fast = { attempts: 3, baseDelayMs: 5, maxDelayMs: 20, jitter: 'none' as const }

  it('parses a market into dollars and contracts, dollar fields before legacy ones', async () => {
    handler = (_req, res) => res.end(JSON.stringify({ market: market('KXNFLGAME-25SEP04DALPHI-PHI') }))
    const m = await new RestClient({ apiUrl }).getMarket('KXNFLGAME-25SEP04DALPHI-PHI')
    expect(m).to.deep.include({
      ticker: 'KXNFLGAME-25SEP04DALPHI-PHI',
      eventTicker: 'KXNFLGAME-25SEP04DALPHI',
      seriesTicker: 'KXNFLGAME',
      yesSubTitle: 'Philadelphia',
      status: 'active',
      yesBid: 0.55,
      yesAsk: 0.56,
      lastPrice: 0.56,
      volume: 12500,
      openInterest: 4000.5,
      closeTime: '2025-09-19T00:00:00Z',
    })
    expect(seen[0].url).to.equal('/trade-api/v2/markets/KXNFLGAME-25SEP04DALPHI-PHI')
  })

  it('reads a determined market\'s result and settlement value (a tied NFL game: scalar, 0.50)', async () => {
    handler = (_req, res) => res.end(JSON.stringify({ market: market('KXNFLGAME-25SEP04DALPHI-PHI', { status: 'determined', result: 'scalar', settlement_value_dollars: '0.5000', settlement_value: 50 }) }))
    expect(await new RestClient({ apiUrl }).getMarket('KXNFLGAME-25SEP04DALPHI-PHI')).to.deep.include({ status: 'determined', result: 'scalar', settlementValue: 0.5 })
    handler = (_req, res) => res.end(JSON.stringify({ market: market('KXNFLGAME-25SEP04DALPHI-PHI', { settlement_value_dollars: null, settlement_value: null }) }))
    expect(await new RestClient({ apiUrl }).getMarket('KXNFLGAME-25SEP04DALPHI-PHI')).to.not.have.property('settlementValue')
  })

  it('reads a series\' fee settings from GET /series/{series_ticker}', async () => {
    handler = (_req, res) => res.end(JSON.stringify({ series: { ticker: 'KXNFLGAME', title: 'Professional Football Game', fee_type: 'quadratic_with_maker_fees', fee_multiplier: 1 } }))
    expect(await new RestClient({ apiUrl }).getSeries('KXNFLGAME')).to.deep.equal({ ticker: 'KXNFLGAME', title: 'Professional Football Game', feeType: 'quadratic_with_maker_fees', feeMultiplier: 1 })
    expect(seen[0].url).to.equal('/trade-api/v2/series/KXNFLGAME')
  })

  it('follows the cursor across pages until it comes back empty', async () => {
    const pages: Record<string, { markets: unknown[]; cursor: string }> = {
      '': { markets: [market('S-E-1'), market('S-E-2')], cursor: 'c2' },
      c2: { markets: [market('S-E-3')], cursor: 'c3' },
      c3: { markets: [market('S-E-4')], cursor: '' },
    }
    handler = (req, res) => res.end(JSON.stringify(pages[new URL(req.url ?? '', 'http://x').searchParams.get('cursor') ?? '']))
    const list = await new RestClient({ apiUrl }).listAllMarkets({ series_ticker: 'S', status: 'open' })
    expect(list.map((m) => m.ticker)).to.deep.equal(['S-E-1', 'S-E-2', 'S-E-3', 'S-E-4'])
    expect(seen.map((r) => r.url)).to.deep.equal([
      '/trade-api/v2/markets?series_ticker=S&status=open&limit=1000',
      '/trade-api/v2/markets?series_ticker=S&status=open&limit=1000&cursor=c2',
      '/trade-api/v2/markets?series_ticker=S&status=open&limit=1000&cursor=c3',
    ])
  })

  it('refuses a server that repeats a cursor instead of looping forever', async () => {
    handler = (_req, res) => res.end(JSON.stringify({ markets: [market('S-E-1')], cursor: 'same' }))
    const error = await new RestClient({ apiUrl }).listAllMarkets({}).then(() => undefined, (e: NeuralError) => e)
    expect(error?.code).to.equal('BAD_CURSOR')
  })

  it('retries a 429 with backoff and then succeeds', async () => {
    let n = 0
    handler = (_req, res) => {
      if (++n <= 2) {
        res.statusCode = 429
        res.end(JSON.stringify({ error: { code: 'too_many_requests', message: 'slow down' } }))
      } else res.end(JSON.stringify({ exchange_active: true, trading_active: false }))
    }
    const status = await new RestClient({ apiUrl, retry: fast }).exchangeStatus()
    expect(status).to.deep.equal({ exchangeActive: true, tradingActive: false })
    expect(seen.length).to.equal(3)
  })

  it('gives up on a persistent 429 with a rate_limit error after a bounded number of tries', async () => {
    handler = (_req, res) => {
      res.statusCode = 429
      res.end('{}')
    }
    const error = await new RestClient({ apiUrl, retry: fast }).exchangeStatus().then(() => undefined, (e: NeuralError) => e)
    expect(error?.kind).to.equal('rate_limit')
    expect(seen.length).to.equal(4)
  })

  it('turns a 404 on a market into a one-line input error', async () => {
    handler = (_req, res) => {
      res.statusCode = 404
      res.end(JSON.stringify({ error: { code: 'not_found', message: 'market not found' } }))
    }
    const error = await new RestClient({ apiUrl }).getMarket('KXNFLGAME-25SEP04DALPHI-XXX').then(() => undefined, (e: NeuralError) => e)
    expect(error?.kind).to.equal('input')
    expect(error?.code).to.equal('UNKNOWN_MARKET')
    expect(error?.message).to.equal('unknown market KXNFLGAME-25SEP04DALPHI-XXX (example of a market ticker: KXNFLGAME-25SEP04DALPHI-PHI)')
  })

  it('turns a 404 on an event into UNKNOWN_EVENT', async () => {
    handler = (_req, res) => {
      res.statusCode = 404
      res.end('{}')
    }
    const error = await new RestClient({ apiUrl }).getEvent('KXNFLGAME-25SEP04DALXXX').then(() => undefined, (e: NeuralError) => e)
    expect(error?.code).to.equal('UNKNOWN_EVENT')
  })

  it('turns a 401 into an auth error carrying the exchange message', async () => {
    handler = (_req, res) => {
      res.statusCode = 401
      res.end(JSON.stringify({ error: { code: 'unauthorized', message: 'invalid signature' } }))
    }
    const error = await new RestClient({ apiUrl }).exchangeStatus().then(() => undefined, (e: NeuralError) => e)
    expect(error?.kind).to.equal('auth')
    expect(error?.message).to.equal('the exchange refused the API key (HTTP 401: invalid signature)')
  })

  it('reports an unreachable host as a network error', async () => {
    const error = await new RestClient({ apiUrl: 'http://127.0.0.1:1/trade-api/v2', retry: { ...fast, attempts: 1 } }).exchangeStatus().then(() => undefined, (e: NeuralError) => e)
    expect(error?.kind).to.equal('network')
  })

  it('signs the path without the query string', async () => {
    const { privateKey, publicKey } = testRsaKey()
    handler = (_req, res) => res.end(JSON.stringify({ markets: [], cursor: '' }))
    await new RestClient({ apiUrl, signer: createSigner('k', privateKey) }).getMarkets({ event_ticker: 'E-1', limit: 5 })
    const h = seen[0].headers
    expect(seen[0].url).to.equal('/trade-api/v2/markets?event_ticker=E-1&limit=5')
    expect(verifySignature(publicKey, h['kalshi-access-timestamp'] as string, 'GET', '/trade-api/v2/markets', h['kalshi-access-signature'] as string)).to.equal(true)
  })

  it('paces requests to at most maxRequestsPerSec', async () => {
    handler = (_req, res) => res.end(JSON.stringify({ exchange_active: true, trading_active: true }))
    const c = new RestClient({ apiUrl, maxRequestsPerSec: 50 })
    const t0 = Date.now()
    await Promise.all([1, 2, 3, 4, 5, 6].map(() => c.exchangeStatus()))
    // Six requests 20 ms apart: the last starts at least 100 ms after the first.
    expect(Date.now() - t0).to.be.at.least(95)
  })

  it('reads an event with nested markets', async () => {
    handler = (_req, res) => res.end(JSON.stringify({ event: { event_ticker: 'KXNFLGAME-25SEP04DALPHI', series_ticker: 'KXNFLGAME', title: 'Dallas at Philadelphia' }, markets: [market('KXNFLGAME-25SEP04DALPHI-DAL'), market('KXNFLGAME-25SEP04DALPHI-PHI')] }))
    const e = await new RestClient({ apiUrl }).getEvent('KXNFLGAME-25SEP04DALPHI', { withNestedMarkets: true })
    expect(e.eventTicker).to.equal('KXNFLGAME-25SEP04DALPHI')
    expect(e.markets?.map((m) => m.ticker)).to.deep.equal(['KXNFLGAME-25SEP04DALPHI-DAL', 'KXNFLGAME-25SEP04DALPHI-PHI'])
    expect(seen[0].url).to.equal('/trade-api/v2/events/KXNFLGAME-25SEP04DALPHI?with_nested_markets=true')
  })

  it('reads an order book from orderbook_fp', async () => {
    handler = (_req, res) => res.end(JSON.stringify({ orderbook_fp: { yes_dollars: [['0.4300', '10.00'], ['0.4400', '250.00']], no_dollars: [['0.5500', '30.00']] }, orderbook: { yes: [[1, 1]] } }))
    const b = await new RestClient({ apiUrl }).getOrderbook('A-B-C')
    expect(b).to.deep.include({ yes: [[0.44, 250], [0.43, 10]], no: [[0.55, 30]], yesBid: 0.44, yesAsk: 0.45, noBid: 0.55, noAsk: 0.56 })
  })

  it('places a signed limit order with the price as a dollar string', async () => {
    const { privateKey } = testRsaKey()
    handler = (_req, res) => {
      res.statusCode = 201
      res.end(JSON.stringify({ order: { order_id: 'o-1', status: 'resting', client_order_id: 'c-1' } }))
    }
    const r = await new RestClient({ apiUrl, signer: createSigner('k', privateKey) }).placeOrder({ ticker: 'A-B-C', action: 'buy', side: 'no', count: 3, priceDollars: 0.44, clientOrderId: 'c-1' })
    expect(r).to.deep.equal({ orderId: 'o-1', status: 'resting', clientOrderId: 'c-1' })
    expect(JSON.parse(seen[0].body)).to.deep.equal({ ticker: 'A-B-C', action: 'buy', side: 'no', count: 3, type: 'limit', no_price_dollars: '0.4400', client_order_id: 'c-1' })
    expect(seen[0].method).to.equal('POST')
  })

  describe('one order path (issue 11)', () => {
    const { privateKey } = testRsaKey()
    const signer = createSigner('k', privateKey)
    const order = { ticker: 'A-B-C', action: 'buy' as const, side: 'yes' as const, count: 1, priceDollars: 0.5 }

    it('gives every order a client_order_id, and retries a failed POST with the same one', async () => {
      let n = 0
      handler = (_req, res) => {
        if (++n === 1) {
          res.statusCode = 503
          res.end('{}')
        } else {
          res.statusCode = 201
          res.end(JSON.stringify({ order: { order_id: 'o-1', status: 'executed', fill_count_fp: '1.00', remaining_count_fp: '0.00' } }))
        }
      }
      const r = await new RestClient({ apiUrl, signer, retry: fast }).placeOrder(order)
      const ids = seen.map((x) => JSON.parse(x.body).client_order_id as string)
      expect(ids).to.have.length(2)
      expect(ids[0]).to.match(/^[0-9a-f-]{36}$/)
      expect(ids[1]).to.equal(ids[0])
      expect(r).to.deep.include({ orderId: 'o-1', status: 'executed', clientOrderId: ids[0], filledCount: 1, remainingCount: 0 })
    })

    it('answers a 409 on its client_order_id with the order already placed (duplicate), found in GET /portfolio/orders', async () => {
      handler = (req, res) => {
        if (req.method === 'POST') {
          res.statusCode = 409
          res.end(JSON.stringify({ error: { code: 'order_already_exists', message: 'exists' } }))
        } else {
          res.end(JSON.stringify({ orders: [{ order_id: 'o-7', client_order_id: 'c-7', ticker: 'A-B-C', side: 'yes', action: 'buy', status: 'executed', yes_price_dollars: '0.5000', no_price_dollars: '0.5000', initial_count_fp: '1.00', fill_count_fp: '1.00', remaining_count_fp: '0.00' }], cursor: '' }))
        }
      }
      const r = await new RestClient({ apiUrl, signer, retry: fast }).placeOrder({ ...order, clientOrderId: 'c-7' })
      expect(r).to.deep.equal({ orderId: 'o-7', status: 'executed', clientOrderId: 'c-7', filledCount: 1, remainingCount: 0, duplicate: true })
      expect(seen.map((x) => `${x.method} ${x.url.split('?')[0]}`)).to.deep.equal(['POST /trade-api/v2/portfolio/orders', 'GET /trade-api/v2/portfolio/orders'])
      expect(seen[1]!.url).to.include('ticker=A-B-C')
    })

    it('caps a Retry-After of an hour at maxRetryAfterMs', async () => {
      let n = 0
      handler = (_req, res) => {
        if (++n === 1) {
          res.statusCode = 429
          res.setHeader('retry-after', '3600')
          res.end('{}')
        } else res.end(JSON.stringify({ exchange_active: true, trading_active: true }))
      }
      const started = Date.now()
      await new RestClient({ apiUrl, retry: fast, maxRetryAfterMs: 50 }).exchangeStatus()
      expect(seen).to.have.length(2)
      // Capped at 50 ms: far from an hour, whatever the machine's load.
      expect(Date.now() - started).to.be.below(4000)
    })

    it('cancels a backoff sleep when its signal aborts', async () => {
      handler = (_req, res) => {
        res.statusCode = 503
        res.end('{}')
      }
      const abort = new AbortController()
      const client = new RestClient({ apiUrl, retry: { attempts: 3, baseDelayMs: 60_000, maxDelayMs: 60_000, jitter: 'none' }, signal: abort.signal, onRetry: () => abort.abort() })
      const error = await client.exchangeStatus().then(() => undefined, (e: NeuralError) => e)
      expect(error?.code).to.equal('ABORTED')
      expect(seen).to.have.length(1)
    })

    it('reads attempts as the WebSocket policy does: 0 retries without limit', async () => {
      let n = 0
      handler = (_req, res) => {
        if (++n <= 6) {
          res.statusCode = 503
          res.end('{}')
        } else res.end(JSON.stringify({ exchange_active: true, trading_active: true }))
      }
      await new RestClient({ apiUrl, retry: { ...fast, attempts: 0, baseDelayMs: 1, maxDelayMs: 2 } }).exchangeStatus()
      expect(seen).to.have.length(7)
    })

    it('parses positions with Kalshi\'s sign (negative = NO) and skips flat markets', async () => {
      handler = (_req, res) => res.end(JSON.stringify({
        market_positions: [
          { ticker: 'A', position_fp: '-3.00', market_exposure_dollars: '1.2000', fees_paid_dollars: '0.012345' },
          { ticker: 'B', position: 2, market_exposure: 90, fees_paid: 3 },
          { ticker: 'C', position_fp: '0.00', market_exposure_dollars: '0.0000' },
        ],
        event_positions: [],
        cursor: '',
      }))
      const positions = await new RestClient({ apiUrl, signer }).getPositions()
      // Fees paid: dollars to the micro-dollar, or the older field in cents.
      expect(positions).to.deep.equal([{ ticker: 'A', position: -3, exposureDollars: 1.2, feesPaidDollars: 0.012345 }, { ticker: 'B', position: 2, exposureDollars: 0.9, feesPaidDollars: 0.03 }])
      expect(seen[0]!.url).to.include('count_filter=position')
    })
  })

  it('refuses to place an order without a key', async () => {
    const error = await new RestClient({ apiUrl }).placeOrder({ ticker: 'A-B-C', action: 'buy', side: 'yes', count: 1, priceDollars: 0.5 }).then(() => undefined, (e: NeuralError) => e)
    expect(error?.kind).to.equal('auth')
    expect(seen.length).to.equal(0)
  })
})

describe('parseMarket on Kalshi market objects', () => {
  it('reads an empty side ($0 bid, $1 ask) as none and keeps the strike fields', () => {
    // Field values as Kalshi's REST markets carry them (see test/fixtures/kalshi/README.md on placeholders).
    const m = parseMarket({
      ticker: 'KXNFLSPREAD-26SEP14DENKC-KC7', event_ticker: 'KXNFLSPREAD-26SEP14DENKC', title: 'Kansas City wins by over 6.5 points?', yes_sub_title: 'Kansas City wins by over 6.5 points',
      status: 'active', strike_type: 'greater', floor_strike: 6.5, rules_primary: 'If Kansas City wins by more than 6.5 points …', occurrence_datetime: '2026-09-15T03:30:00Z',
      yes_bid_dollars: '0.0000', yes_ask_dollars: '1.0000', no_bid_dollars: '0.0000', no_ask_dollars: '1.0000', last_price_dollars: '0.0000', volume_fp: '0.00',
    })
    expect(m).to.deep.include({ yesBid: undefined, yesAsk: undefined, noBid: undefined, noAsk: undefined, lastPrice: undefined, volume: 0 })
    expect(m).to.deep.include({ strikeType: 'greater', floorStrike: 6.5, capStrike: undefined, rulesPrimary: 'If Kansas City wins by more than 6.5 points …', occurrenceTime: '2026-09-15T03:30:00Z' })
    const winner = parseMarket({ ticker: 'KXNFLGAME-26SEP14DENKC-KC', strike_type: 'structured', custom_strike: { football_team: 'abc' }, yes_bid_dollars: '0.6100', yes_ask_dollars: '0.6300' })
    expect(winner).to.deep.include({ strikeType: 'structured', customStrike: { football_team: 'abc' }, yesBid: 0.61, yesAsk: 0.63 })
  })
})
