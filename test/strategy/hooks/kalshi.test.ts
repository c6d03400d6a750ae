import { expect } from 'chai'
import { generateKeyPairSync } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { verifySignature } from '../../../src/auth/signer.js'
import type { NeuralConfig, RiskLimits } from '../../../src/config/types.js'
import { MarketStore } from '../../../src/core/market-store.js'
import { NeuralError } from '../../../src/errors.js'
import type { SignalEvent } from '../../../src/strategy/events.js'
import { createHook } from '../../../src/strategy/hooks/create-hook.js'
import type { HookContext } from '../../../src/strategy/hooks/hook.js'
import { createKalshiHook, type KalshiHook } from '../../../src/strategy/hooks/kalshi.js'
import { harness, tick } from '../helpers.js'

interface Recorded {
  method: string
  path: string
  verified: boolean
  keyId: string
  body: Record<string, unknown>
}

const limits: RiskLimits = { maxContractsPerOrder: 5, maxPositionPerMarket: 6, maxOrdersPerMinute: 3, maxTotalCostDollars: 4 }

function signal(fields: Partial<SignalEvent> = {}): SignalEvent {
  return { type: 'signal', strategy: 's', action: 'BUY', ticker: 'X', side: 'yes', quantity: 1, limitPrice: 0.45, confidence: 1, reason: 'test', ts: 0, ...fields }
}

describe('kalshi hook', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const privatePem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
  let server: Server
  let apiUrl: string
  const orders: Recorded[] = []
  /** The next answer, when a test wants an error. */
  let reply: { status: number; body: unknown } | undefined

  before(async () => {
    server = createServer((req, res) => {
      let text = ''
      req.on('data', chunk => { text += chunk })
      req.on('end', () => {
        const ts = String(req.headers['kalshi-access-timestamp'])
        const sig = String(req.headers['kalshi-access-signature'])
        orders.push({
          method: req.method!,
          path: req.url!,
          verified: verifySignature(publicPem, ts, req.method!, req.url!, sig),
          keyId: String(req.headers['kalshi-access-key']),
          body: JSON.parse(text),
        })
        const r = reply ?? { status: 201, body: { order: { order_id: `ord-${orders.length}`, status: 'executed' } } }
        reply = undefined
        res.writeHead(r.status, { 'content-type': 'application/json' }).end(JSON.stringify(r.body))
      })
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/trade-api/v2`
  })
  after(() => new Promise<void>(resolve => server.close(() => resolve())))
  beforeEach(() => { orders.length = 0; reply = undefined })

  function config(risk: Partial<RiskLimits> | null = limits): NeuralConfig {
    return {
      environment: 'sim', apiUrl, apiKeyId: 'key-1', privateKeyPem: privatePem,
      websocketTimeoutMs: 1000, retryAttempts: 0, retryDelayMs: 10, retryMaxDelayMs: 100, subscriptionBatchSize: 100,
      ...(risk ? { risk: risk as RiskLimits } : {}), sources: {},
    }
  }

  function setup(now = { t: 1_000_000 }) {
    const store = new MarketStore()
    const ctx: HookContext = { store, now: () => now.t, report: () => {} }
    const hook = createKalshiHook({ config: config(), live: true })
    return { store, ctx, hook, now }
  }

  async function refuseToStart(make: () => unknown): Promise<NeuralError> {
    try {
      await make()
    } catch (error) {
      expect(error).to.be.instanceOf(NeuralError)
      return error as NeuralError
    }
    throw new Error('started')
  }

  it('sends a signed limit order with the body Kalshi reads', async () => {
    const { ctx, hook } = setup()
    const result = await hook.handle(signal({ quantity: 2, limitPrice: 0.56 }), ctx)
    expect(result).to.deep.equal({ status: 'sent', filledQuantity: 2, priceDollars: 0.56, orderId: 'ord-1', message: 'order executed' })
    expect(orders).to.have.length(1)
    const [o] = orders
    expect(o).to.include({ method: 'POST', path: '/trade-api/v2/portfolio/orders', verified: true, keyId: 'key-1' })
    expect(o!.body.client_order_id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect({ ...o!.body, client_order_id: 'uuid' }).to.deep.equal({
      ticker: 'X', action: 'buy', side: 'yes', count: 2, type: 'limit', yes_price_dollars: '0.5600', client_order_id: 'uuid', time_in_force: 'immediate_or_cancel',
    })
  })

  it('prices a no order in no_price_dollars', async () => {
    const { ctx, hook } = setup()
    await hook.handle(signal({ action: 'SELL', side: 'no', limitPrice: 0.3 }), ctx)
    expect(orders[0]!.body).to.include({ action: 'sell', side: 'no', no_price_dollars: '0.3000' })
    expect(orders[0]!.body).to.not.have.property('yes_price_dollars')
  })

  it('uses the current ask of the side as the limit when the signal has none', async () => {
    const { store, ctx, hook } = setup()
    store.applyTick(tick('X', { yesBid: 0.4, yesAsk: 0.45 }))
    const { limitPrice: _omit, ...rest } = signal({ side: 'no' })
    await hook.handle(rest as SignalEvent, ctx)
    expect(orders[0]!.body).to.include({ side: 'no', no_price_dollars: '0.6000', type: 'limit' })
  })

  it('refuses a signal with no limit and no quote rather than sending a market order', async () => {
    const { ctx, hook } = setup()
    const { limitPrice: _omit, ...rest } = signal()
    expect(await hook.handle(rest as SignalEvent, ctx)).to.deep.equal({ status: 'refused', message: 'no limit price and no yes ask for X' })
    expect(orders).to.have.length(0)
  })

  it('refuses a signal over maxContractsPerOrder without sending it', async () => {
    const { ctx, hook } = setup()
    expect(await hook.handle(signal({ quantity: 6 }), ctx)).to.deep.equal({ status: 'refused', limit: 'maxContractsPerOrder', message: '6 contracts is over maxContractsPerOrder 5' })
    expect(orders).to.have.length(0)
  })

  it('refuses the order past maxOrdersPerMinute, and allows it a minute later', async () => {
    const { ctx, hook, now } = setup()
    for (let i = 0; i < 3; i++) expect((await hook.handle(signal({ ticker: `M${i}`, limitPrice: 0.1 }), ctx)).status).to.equal('sent')
    now.t += 59_999
    expect(await hook.handle(signal({ ticker: 'M9', limitPrice: 0.1 }), ctx)).to.deep.equal({ status: 'refused', limit: 'maxOrdersPerMinute', message: '3 orders in the last minute; maxOrdersPerMinute is 3' })
    now.t += 1
    expect((await hook.handle(signal({ ticker: 'M9', limitPrice: 0.1 }), ctx)).status).to.equal('sent')
    expect(orders).to.have.length(4)
  })

  it('refuses a buy that would take the position in a market past maxPositionPerMarket', async () => {
    const { ctx, hook } = setup()
    await hook.handle(signal({ quantity: 4, limitPrice: 0.1 }), ctx)
    expect(await hook.handle(signal({ side: 'no', quantity: 3, limitPrice: 0.1 }), ctx)).to.deep.equal({ status: 'refused', limit: 'maxPositionPerMarket', message: 'position in X would be 7 contracts; maxPositionPerMarket is 6' })
    expect((await hook.handle(signal({ ticker: 'Y', quantity: 3, limitPrice: 0.1 }), ctx)).status).to.equal('sent')
    expect(orders).to.have.length(2)
  })

  it('counts a sell toward the position only once its fill arrives', async () => {
    const { ctx, hook } = setup()
    await hook.handle(signal({ quantity: 5, limitPrice: 0.1 }), ctx)
    await hook.handle(signal({ action: 'SELL', quantity: 5, limitPrice: 0.2 }), ctx)
    expect((await hook.handle(signal({ quantity: 2, limitPrice: 0.1 }), ctx)).limit).to.equal('maxPositionPerMarket')
    hook.onEvent({ type: 'fill', ticker: 'X', side: 'yes', action: 'sell', price: 0.2, quantity: 5, ts: 0, receivedAt: 0 })
    expect((await hook.handle(signal({ quantity: 2, limitPrice: 0.1 }), ctx)).status).to.equal('sent')
  })

  it('refuses a buy that would take the total cost, taker fees included, past maxTotalCostDollars', async () => {
    const { ctx, hook } = setup()
    await hook.handle(signal({ ticker: 'A', quantity: 5, limitPrice: 0.7 }), ctx) // $3.50 + fee ceil(0.07 × 5 × 0.7 × 0.3 = 0.0735) = $0.08
    // $0.41 + fee $0.02 would make $4.01
    expect(await hook.handle(signal({ ticker: 'B', quantity: 1, limitPrice: 0.41 }), ctx)).to.deep.equal({ status: 'refused', limit: 'maxTotalCostDollars', message: 'total cost would be $4.01 with $0.02 fees; maxTotalCostDollars is $4.00' })
    expect((await hook.handle(signal({ ticker: 'B', quantity: 1, limitPrice: 0.4 }), ctx)).status).to.equal('sent')
  })

  it('counts the fee_cost of its fills in its portfolio', async () => {
    const { ctx, hook } = setup()
    hook.onEvent({ type: 'fill', ticker: 'X', side: 'yes', action: 'buy', price: 0.5, quantity: 100, feeDollars: 1.75, ts: 0, receivedAt: 0 })
    expect(hook.summary(ctx)).to.include({ cashDollars: -51.75, feesDollars: 1.75 })
  })

  it("reports Kalshi's error answer and keeps going", async () => {
    const { ctx, hook } = setup()
    reply = { status: 400, body: { error: { code: 'invalid_order', message: 'price not on tick' } } }
    expect(await hook.handle(signal(), ctx)).to.deep.equal({ status: 'failed', priceDollars: 0.45, message: 'Kalshi answered 400 invalid_order: price not on tick' })
    expect((await hook.handle(signal(), ctx)).status).to.equal('sent')
  })

  it('keeps positions from the fills on the feed', () => {
    const { ctx, hook } = setup()
    hook.onEvent({ type: 'fill', ticker: 'X', side: 'no', action: 'buy', price: 0.35, quantity: 2, ts: 0, receivedAt: 0 })
    expect(hook.positions()).to.deep.equal([{ ticker: 'X', side: 'no', quantity: 2, avgPriceDollars: 0.65, costDollars: 1.3 }])
    expect(hook.summary(ctx).cashDollars).to.equal(-1.3)
  })

  it('refuses to exist without --live', async () => {
    const e = await refuseToStart(() => createHook('kalshi', { config: config() }))
    expect([e.kind, e.code, e.message]).to.deep.equal(['input', 'LIVE_REQUIRED', 'live orders need --live'])
    expect(() => createKalshiHook({ config: config(), live: false })).to.throw(NeuralError, 'live orders need --live')
  })

  it('refuses to start without risk limits, naming the missing ones', async () => {
    const e = await refuseToStart(() => createHook('kalshi', { config: config(null), live: true }))
    expect([e.kind, e.code, e.message]).to.deep.equal(['config', 'RISK_LIMITS', 'live orders need risk limits; missing risk.maxContractsPerOrder, risk.maxPositionPerMarket, risk.maxOrdersPerMinute, risk.maxTotalCostDollars in the rc file'])
    const partial = await refuseToStart(() => createHook('kalshi', { config: config({ maxContractsPerOrder: 1, maxOrdersPerMinute: 1 }), live: true }))
    expect(partial.message).to.equal('live orders need risk limits; missing risk.maxPositionPerMarket, risk.maxTotalCostDollars in the rc file')
  })

  it('refuses a non-positive risk limit', async () => {
    const e = await refuseToStart(() => createHook('kalshi', { config: config({ ...limits, maxOrdersPerMinute: 0 }), live: true }))
    expect(e.message).to.equal('risk.maxOrdersPerMinute must be a positive number (got 0)')
  })

  it('reports refusals as order events naming the limit when run by the engine', async () => {
    const hook = (await createHook('kalshi', { config: config(), live: true })) as KalshiHook
    const h = harness([{ name: 'big', markets: ['X'], onTick: t => ({ action: 'BUY', ticker: t.ticker, side: 'yes', quantity: 9, limitPrice: 0.5, confidence: 1, reason: 'big' }) }], { hooks: [hook], clock: 'replay' })
    h.feed(tick('X', {}, 5_000))
    await h.engine.settle()
    expect(h.of('order')).to.deep.equal([{ type: 'order', hook: 'kalshi', strategy: 'big', action: 'BUY', ticker: 'X', side: 'yes', quantity: 9, status: 'refused', limit: 'maxContractsPerOrder', message: '9 contracts is over maxContractsPerOrder 5', ts: 5_000 }])
    expect(orders).to.have.length(0)
  })
})
