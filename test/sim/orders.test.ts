import { expect } from 'chai'
import { startSimulator, type Simulator } from '../../src/sim/index.js'
import { takerFeeDollars } from '../../src/core/fees.js'
import { connect, getJson, newKeyPair, signHeaders, type TestClient } from './helpers.js'

const ORDERS_PATH = '/trade-api/v2/portfolio/orders'
const TICKER = 'KXNFLGAME-25SEP04DALPHI-PHI'

describe('simulator orders', () => {
  const key = newKeyPair()
  let sim: Simulator
  let client: TestClient
  before(async () => {
    sim = await startSimulator({ seed: 21, ratePerSec: 500, publicKeys: [key.publicPem] })
  })
  after(async () => { await sim.close() })
  beforeEach(async () => {
    sim.pause()
    client = await connect(sim.wsUrl, signHeaders(key.privateKey, 'GET', '/trade-api/ws/v2', 'trader-1'))
    client.send({ id: 1, cmd: 'subscribe', params: { channels: ['fill', 'trade', 'ticker'], market_tickers: [TICKER] } })
    client.send({ id: 2, cmd: 'subscribe', params: { channels: ['orderbook_delta'], market_tickers: [TICKER] } })
    await client.replies(1, 3)
    await client.waitFor((f) => f.json?.type === 'orderbook_snapshot')
  })
  afterEach(() => client.close())

  const post = (body: unknown, headers: Record<string, string> = signHeaders(key.privateKey, 'POST', ORDERS_PATH, 'trader-1')) =>
    getJson(`${sim.apiUrl}/portfolio/orders`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })

  it('fills a buy of yes at the ask against resting NO bids, changes the book and emits trade, delta and a private fill', async () => {
    const bestNo = sim.world.book(TICKER)!.no[0]!
    const askDollars = ((10_000 - bestNo[0]) / 10_000).toFixed(4)
    const { status, body } = await post({ ticker: TICKER, action: 'buy', side: 'yes', count: 2, type: 'limit', yes_price_dollars: askDollars, client_order_id: 'c-1' })
    expect(status).to.equal(201)
    expect(body.order).to.include({ status: 'executed', ticker: TICKER, side: 'yes', action: 'buy', fill_count_fp: '2.00', remaining_count_fp: '0.00', client_order_id: 'c-1' })
    expect(body.order.order_id).to.be.a('string')
    expect(new Map(sim.world.book(TICKER)!.no).get(bestNo[0]) ?? 0).to.equal(bestNo[1] - 200)

    const fill = (await client.waitFor((f) => f.json?.type === 'fill')).json.msg
    expect(fill).to.include({ order_id: body.order.order_id, market_ticker: TICKER, is_taker: true, side: 'yes', action: 'buy', yes_price_dollars: askDollars, count_fp: '2.00', client_order_id: 'c-1' })
    const trade = (await client.waitFor((f) => f.json?.type === 'trade')).json.msg
    expect(trade).to.include({ market_ticker: TICKER, taker_side: 'yes', yes_price_dollars: askDollars, count_fp: '2.00', trade_id: fill.trade_id })
    const delta = (await client.waitFor((f) => f.json?.type === 'orderbook_delta')).json.msg
    expect(delta).to.include({ market_ticker: TICKER, side: 'no', price_dollars: (bestNo[0] / 10_000).toFixed(4), delta_fp: '-2.00' })
  })

  it("charges the taker fee on each of the order's fills: fee_cost on the WebSocket fill, the REST order and GET /portfolio/fills", async () => {
    const bestNo = sim.world.book(TICKER)!.no[0]!
    const ask = (10_000 - bestNo[0]) / 10_000
    const { body } = await post({ ticker: TICKER, action: 'buy', side: 'yes', count: 10, yes_price_dollars: ask.toFixed(4) })
    expect(body.order.fill_count_fp).to.equal('10.00')
    // One fill at one price: Kalshi's fee for it (0.07 × 10 × P × (1 − P), rounded up to the cent).
    const fee = takerFeeDollars(10, ask).toFixed(4)
    expect(body.order.taker_fees_dollars).to.equal(fee)
    const fill = (await client.waitFor((f) => f.json?.type === 'fill')).json.msg
    expect(fill.fee_cost).to.equal(fee)
    const path = '/trade-api/v2/portfolio/fills'
    const fills = await getJson(`${sim.apiUrl}/portfolio/fills?ticker=${TICKER}`, { headers: signHeaders(key.privateKey, 'GET', path, 'trader-1') })
    expect(fills.status).to.equal(200)
    expect(fills.body.fills[0]).to.include({ order_id: body.order.order_id, ticker: TICKER, side: 'yes', action: 'buy', count_fp: '10.00', fee_cost: fee, is_taker: true })
    expect((await getJson(`${sim.apiUrl}/portfolio/fills`)).status).to.equal(401)
    // The account's view keeps the fee: the order in GET /portfolio/orders, and the market's
    // position in GET /portfolio/positions has paid every fee of the key's orders in it.
    const ordersPath = '/trade-api/v2/portfolio/orders'
    const orders = await getJson(`${sim.apiUrl}/portfolio/orders?ticker=${TICKER}`, { headers: signHeaders(key.privateKey, 'GET', ordersPath, 'trader-1') })
    expect(orders.body.orders[0]).to.include({ order_id: body.order.order_id, taker_fees_dollars: fee })
    const paidUnits = orders.body.orders.reduce((sum: number, o: { taker_fees_dollars: string }) => sum + Math.round(Number(o.taker_fees_dollars) * 10_000), 0)
    const positionsPath = '/trade-api/v2/portfolio/positions'
    const positions = await getJson(`${sim.apiUrl}/portfolio/positions?ticker=${TICKER}`, { headers: signHeaders(key.privateKey, 'GET', positionsPath, 'trader-1') })
    expect(positions.body.market_positions[0]).to.include({ ticker: TICKER, fees_paid_dollars: (paidUnits / 10_000).toFixed(4) })
    expect(paidUnits).to.be.at.least(Math.round(Number(fee) * 10_000))
  })

  it('rests the unfilled part of a non-crossing order as a bid and tells orderbook subscribers', async () => {
    const { status, body } = await post({ ticker: TICKER, action: 'buy', side: 'yes', count: 5, yes_price_dollars: '0.0200' })
    expect(status).to.equal(201)
    expect(body.order).to.include({ status: 'resting', fill_count_fp: '0.00', remaining_count_fp: '5.00' })
    const delta = (await client.waitFor((f) => f.json?.type === 'orderbook_delta')).json.msg
    expect(delta).to.include({ side: 'yes', price_dollars: '0.0200', delta_fp: '5.00' })
    expect(client.data('fill')).to.deep.equal([])
  })

  it('cancels an immediate_or_cancel order that cannot fill', async () => {
    const { body } = await post({ ticker: TICKER, action: 'buy', side: 'no', count: 1, no_price_dollars: '0.0100', time_in_force: 'immediate_or_cancel' })
    expect(body.order).to.include({ status: 'canceled', fill_count_fp: '0.00' })
  })

  it('answers a reused client_order_id with 409 and lists orders and positions per key as Kalshi does', async () => {
    const keyId = 'trader-portfolio'
    const headers = (method: string, path: string) => signHeaders(key.privateKey, method, path, keyId)
    const order = { ticker: TICKER, action: 'buy', side: 'no', count: 1, type: 'limit', no_price_dollars: '0.9900', client_order_id: 'p-1' }
    // A NO buy at 0.99 crosses the best YES bid: 1 NO held.
    expect((await post(order, headers('POST', ORDERS_PATH))).status).to.equal(201)
    const again = await post(order, headers('POST', ORDERS_PATH))
    expect(again.status).to.equal(409)
    expect(again.body.error.code).to.equal('order_already_exists')
    await post({ ticker: TICKER, action: 'buy', side: 'yes', count: 3, yes_price_dollars: '0.0200', client_order_id: 'p-2' }, headers('POST', ORDERS_PATH))
    const get = (path: string, query = '') => getJson(`${sim.apiUrl}${path}${query}`, { headers: headers('GET', `/trade-api/v2${path}`) })
    const resting = await get('/portfolio/orders', '?status=resting')
    expect(resting.status).to.equal(200)
    expect(resting.body.orders.map((o: { client_order_id: string }) => o.client_order_id)).to.deep.equal(['p-2'])
    expect(resting.body.orders[0]).to.include({ remaining_count_fp: '3.00', yes_price_dollars: '0.0200', status: 'resting' })
    expect(resting.body.cursor).to.equal('')
    const positions = await get('/portfolio/positions', '?count_filter=position')
    expect(positions.body.market_positions).to.have.length(1)
    // Negative position_fp: NO contracts (Kalshi's sign), at the 1 − best yes bid paid.
    expect(positions.body.market_positions[0]).to.include({ ticker: TICKER, position_fp: '-1.00', resting_orders_count: 3 })
    expect(positions.body.event_positions).to.be.an('array')
    // Another key sees nothing of it; an unsigned request is refused.
    const other = await getJson(`${sim.apiUrl}/portfolio/positions`, { headers: signHeaders(key.privateKey, 'GET', '/trade-api/v2/portfolio/positions', 'someone-else') })
    expect(other.body.market_positions).to.deep.equal([])
    expect((await getJson(`${sim.apiUrl}/portfolio/orders`)).status).to.equal(401)
  })

  it('refuses an unsigned order with 401', async () => {
    const { status, body } = await post({ ticker: TICKER, action: 'buy', side: 'yes', count: 1, yes_price_dollars: '0.5000' }, {})
    expect(status).to.equal(401)
    expect(body.error.code).to.equal('unauthorized')
  })

  it('answers an order for an unknown market with 404', async () => {
    const { status, body } = await post({ ticker: 'KXNOPE-1', action: 'buy', side: 'yes', count: 1, yes_price_dollars: '0.5000' })
    expect(status).to.equal(404)
    expect(body.error.code).to.equal('not_found')
  })

  for (const [what, body] of [
    ['no price', { ticker: TICKER, action: 'buy', side: 'yes', count: 1 }],
    ['a bad side', { ticker: TICKER, action: 'buy', side: 'maybe', count: 1, yes_price_dollars: '0.5000' }],
    ['a zero count', { ticker: TICKER, action: 'buy', side: 'yes', count: 0, yes_price_dollars: '0.5000' }],
    ['a price of $1', { ticker: TICKER, action: 'buy', side: 'yes', count: 1, yes_price_dollars: '1.0000' }],
  ] as const) {
    it(`answers an order with ${what} with 400`, async () => {
      const { status, body: reply } = await post(body)
      expect(status).to.equal(400)
      expect(reply.error.code).to.equal('bad_request')
    })
  }
})
