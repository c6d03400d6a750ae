import { expect } from 'chai'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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
import { testRsaKey } from '../../support/rsa-keys.js'

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
  const { pkcs1: privatePem, publicPem } = testRsaKey()
  let server: Server
  let apiUrl: string
  const orders: Recorded[] = []
  /** The next answer, when a test wants an error. */
  let reply: { status: number; body: unknown } | undefined
  /** What GET /portfolio/positions, /portfolio/orders and /portfolio/fills answer. */
  let account: { market_positions: unknown[]; orders: unknown[]; fills?: unknown[] } = { market_positions: [], orders: [] }
  const reads: string[] = []
  // The live hook keeps its account's order count in the runtime dir: a dir of this file's own, not the user's.
  const previousRuntimeDir = process.env.NEURAL_RUNTIME_DIR
  let runtime: string

  before(async () => {
    runtime = mkdtempSync(join(tmpdir(), 'neural-kalshi-hook-'))
    process.env.NEURAL_RUNTIME_DIR = runtime
    server = createServer((req, res) => {
      let text = ''
      req.on('data', chunk => { text += chunk })
      req.on('end', () => {
        if (req.method === 'GET') {
          reads.push(req.url!)
          const body = req.url!.startsWith('/trade-api/v2/portfolio/positions')
            ? { market_positions: account.market_positions, event_positions: [], cursor: '' }
            : req.url!.startsWith('/trade-api/v2/portfolio/fills')
              ? { fills: account.fills ?? [], cursor: '' }
              : { orders: account.orders, cursor: '' }
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body))
          return
        }
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
  after(async () => {
    if (previousRuntimeDir === undefined) delete process.env.NEURAL_RUNTIME_DIR
    else process.env.NEURAL_RUNTIME_DIR = previousRuntimeDir
    rmSync(runtime, { recursive: true, force: true })
    await new Promise<void>(resolve => server.close(() => resolve()))
  })
  beforeEach(() => { orders.length = 0; reads.length = 0; reply = undefined; account = { market_positions: [], orders: [] } })

  function config(risk: Partial<RiskLimits> | null = limits): NeuralConfig {
    return {
      environment: 'sim', apiUrl, apiKeyId: 'key-1', privateKeyPem: privatePem,
      websocketTimeoutMs: 1000, retryAttempts: 0, retryDelayMs: 10, retryMaxDelayMs: 100, subscriptionBatchSize: 100,
      ...(risk ? { risk: risk as RiskLimits } : {}), sources: {},
    }
  }

  async function setup(now = { t: 1_000_000 }) {
    const store = new MarketStore()
    const ctx: HookContext = { store, now: () => now.t, report: () => {} }
    const hook = createKalshiHook({ config: config(), live: true })
    await hook.start(ctx)
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
    const { ctx, hook } = await setup()
    const result = await hook.handle(signal({ quantity: 2, limitPrice: 0.56 }), ctx)
    expect(result).to.deep.equal({ status: 'sent', filledQuantity: 2, priceDollars: 0.56, orderId: 'ord-1', message: 'order executed' })
    expect(orders).to.have.length(1)
    const [o] = orders
    expect(o).to.include({ method: 'POST', path: '/trade-api/v2/portfolio/orders', verified: true, keyId: 'key-1' })
    expect(o!.body.client_order_id).to.match(/^nrl-[0-9a-f]{32}$/)
    expect({ ...o!.body, client_order_id: 'uuid' }).to.deep.equal({
      ticker: 'X', action: 'buy', side: 'yes', count: 2, type: 'limit', yes_price_dollars: '0.5600', client_order_id: 'uuid', time_in_force: 'immediate_or_cancel',
    })
  })

  it('reports the average price and the fees of the fills, not the limit, when the exchange sends their cost', async () => {
    const { ctx, hook } = await setup()
    // Kalshi's Order object: what the taker and maker fills cost, and their fees, in dollars.
    reply = { status: 201, body: { order: { order_id: 'ord-9', status: 'executed', fill_count_fp: '3.00', remaining_count_fp: '0.00', taker_fill_cost_dollars: '1.6200', maker_fill_cost_dollars: '0.8100', taker_fees_dollars: '0.0500', maker_fees_dollars: '0.0000' } } }
    const result = await hook.handle(signal({ quantity: 3, limitPrice: 0.9 }), ctx)
    expect(result).to.deep.equal({ status: 'sent', filledQuantity: 3, priceDollars: 0.81, feeDollars: 0.05, orderId: 'ord-9', message: 'order executed' })
  })

  it('prices a no order in no_price_dollars', async () => {
    const { ctx, hook } = await setup()
    await hook.handle(signal({ side: 'no', limitPrice: 0.3 }), ctx)
    expect(orders[0]!.body).to.include({ action: 'buy', side: 'no', no_price_dollars: '0.3000' })
    expect(orders[0]!.body).to.not.have.property('yes_price_dollars')
  })

  it('uses the current ask of the side as the limit when the signal has none', async () => {
    const { store, ctx, hook } = await setup()
    store.applyTick(tick('X', { yesBid: 0.4, yesAsk: 0.45 }))
    const { limitPrice: _omit, ...rest } = signal({ side: 'no' })
    await hook.handle(rest as SignalEvent, ctx)
    expect(orders[0]!.body).to.include({ side: 'no', no_price_dollars: '0.6000', type: 'limit' })
  })

  it('refuses a signal with no limit and no quote rather than sending a market order', async () => {
    const { ctx, hook } = await setup()
    const { limitPrice: _omit, ...rest } = signal()
    expect(await hook.handle(rest as SignalEvent, ctx)).to.deep.equal({ status: 'refused', message: 'no limit price and no yes ask for X' })
    expect(orders).to.have.length(0)
  })

  it('refuses a signal over maxContractsPerOrder without sending it', async () => {
    const { ctx, hook } = await setup()
    expect(await hook.handle(signal({ quantity: 6 }), ctx)).to.deep.equal({ status: 'refused', limit: 'maxContractsPerOrder', message: '6 contracts is over maxContractsPerOrder 5' })
    expect(orders).to.have.length(0)
  })

  it('refuses the order past maxOrdersPerMinute, and allows it a minute later', async () => {
    const { ctx, hook, now } = await setup()
    for (let i = 0; i < 3; i++) expect((await hook.handle(signal({ ticker: `M${i}`, limitPrice: 0.1 }), ctx)).status).to.equal('sent')
    now.t += 59_999
    expect(await hook.handle(signal({ ticker: 'M9', limitPrice: 0.1 }), ctx)).to.deep.equal({ status: 'refused', limit: 'maxOrdersPerMinute', message: '3 orders in the last minute; maxOrdersPerMinute is 3' })
    now.t += 1
    expect((await hook.handle(signal({ ticker: 'M9', limitPrice: 0.1 }), ctx)).status).to.equal('sent')
    expect(orders).to.have.length(4)
  })

  it('refuses a buy that would take the position in a market past maxPositionPerMarket', async () => {
    const { ctx, hook } = await setup()
    await hook.handle(signal({ quantity: 4, limitPrice: 0.1 }), ctx)
    expect(await hook.handle(signal({ side: 'no', quantity: 3, limitPrice: 0.1 }), ctx)).to.deep.equal({ status: 'refused', limit: 'maxPositionPerMarket', message: 'position in X would be 7 contracts; maxPositionPerMarket is 6' })
    expect((await hook.handle(signal({ ticker: 'Y', quantity: 3, limitPrice: 0.1 }), ctx)).status).to.equal('sent')
    expect(orders).to.have.length(2)
  })

  it('sells only what is held and not already being sold, and counts a sell toward the position once its fill arrives', async () => {
    const { ctx, hook } = await setup()
    await hook.handle(signal({ quantity: 5, limitPrice: 0.1 }), ctx)
    // Held only once the fill arrives on the feed.
    expect(await hook.handle(signal({ action: 'SELL', quantity: 1, limitPrice: 0.2 }), ctx)).to.include({ status: 'refused', limit: 'position' })
    hook.onEvent({ type: 'fill', ticker: 'X', orderId: 'ord-1', side: 'yes', action: 'buy', price: 0.1, quantity: 5, ts: 0, receivedAt: 0 })
    expect((await hook.handle(signal({ action: 'SELL', quantity: 5, limitPrice: 0.2 }), ctx)).status).to.equal('sent')
    // The 5 are being sold: not again, and no sale of the no side that is not held (no accidental short).
    expect(await hook.handle(signal({ action: 'SELL', quantity: 1, limitPrice: 0.2 }), ctx)).to.deep.equal({ status: 'refused', limit: 'position', message: 'sell of 1 yes in X is more than the 0 held and not already being sold' })
    expect(await hook.handle(signal({ action: 'SELL', side: 'no', quantity: 1, limitPrice: 0.2 }), ctx)).to.include({ status: 'refused', limit: 'position' })
    expect((await hook.handle(signal({ quantity: 2, limitPrice: 0.1 }), ctx)).limit).to.equal('maxPositionPerMarket')
    hook.onEvent({ type: 'fill', ticker: 'X', orderId: 'ord-2', side: 'yes', action: 'sell', price: 0.2, quantity: 5, ts: 0, receivedAt: 0 })
    expect((await hook.handle(signal({ quantity: 2, limitPrice: 0.1 }), ctx)).status).to.equal('sent')
    expect(orders.map(o => o.body.action)).to.deep.equal(['buy', 'sell', 'buy'])
  })

  it('counts sells toward maxContractsPerOrder and maxOrdersPerMinute', async () => {
    account.market_positions = [{ ticker: 'X', position_fp: '20.00', market_exposure_dollars: '2.0000' }]
    const { ctx, hook } = await setup()
    expect(await hook.handle(signal({ action: 'SELL', quantity: 6, limitPrice: 0.2 }), ctx)).to.include({ status: 'refused', limit: 'maxContractsPerOrder' })
    for (let i = 0; i < 3; i++) expect((await hook.handle(signal({ action: 'SELL', quantity: 1, limitPrice: 0.2 }), ctx)).status).to.equal('sent')
    expect(await hook.handle(signal({ action: 'SELL', quantity: 1, limitPrice: 0.2 }), ctx)).to.include({ status: 'refused', limit: 'maxOrdersPerMinute' })
  })

  it('starts from the positions, resting orders and today\'s spend the exchange holds for the account', async () => {
    // 4 NO held in X (negative position_fp), bought today for $2.80 + $0.06 fees, and a resting buy of 1
    // in X at $0.20: 1 more contract in X, $0.94 more spent today in all.
    account.market_positions = [{ ticker: 'X', position_fp: '-4.00', market_exposure_dollars: '2.8000', fees_paid_dollars: '0.060000' }]
    account.orders = [{ order_id: 'r-1', client_order_id: 'c', ticker: 'X', side: 'yes', action: 'buy', status: 'resting', yes_price_dollars: '0.2000', no_price_dollars: '0.8000', initial_count_fp: '1.00', fill_count_fp: '0.00', remaining_count_fp: '1.00' }]
    account.fills = [
      { ticker: 'X', side: 'no', action: 'buy', count_fp: '4.00', yes_price_dollars: '0.3000', no_price_dollars: '0.7000', fee_cost: '0.0600', ts: 500 },
      // A sale is not spend.
      { ticker: 'Z', side: 'yes', action: 'sell', count_fp: '9.00', yes_price_dollars: '0.9000', no_price_dollars: '0.1000', fee_cost: '0.0100', ts: 600 },
    ]
    const { ctx, hook } = await setup()
    expect(reads.map(r => r.split('?')[0]).sort()).to.deep.equal(['/trade-api/v2/portfolio/fills', '/trade-api/v2/portfolio/orders', '/trade-api/v2/portfolio/orders', '/trade-api/v2/portfolio/positions'])
    expect(reads.filter(r => r.includes('/orders')).map(r => new URL(r, 'http://x').searchParams)).to.satisfy((q: URLSearchParams[]) =>
      q.some(p => p.get('status') === 'resting') && q.some(p => p.get('min_ts') === String(Math.floor((1_000_000 - 60_000) / 1000))))
    // Fills since 00:00 UTC of the hook's clock (1970-01-01 here).
    expect(reads.find(r => r.includes('/fills'))).to.include('min_ts=0')
    // Its fees count in its cost, as they do for a position bought in this run.
    expect(hook.positions()).to.deep.equal([{ ticker: 'X', side: 'no', quantity: 4, avgPriceDollars: 0.715, costDollars: 2.86 }])
    expect(await hook.handle(signal({ quantity: 2, limitPrice: 0.1 }), ctx)).to.include({ status: 'refused', limit: 'maxPositionPerMarket' })
    expect((await hook.handle(signal({ quantity: 1, limitPrice: 0.1 }), ctx)).status).to.equal('sent')
    // $3.06 + $0.11 for that order: $0.92 more would pass $4.00, $0.75 does not.
    expect(await hook.handle(signal({ ticker: 'Y', quantity: 1, limitPrice: 0.91 }), ctx)).to.include({ status: 'refused', limit: 'maxTotalCostDollars' })
    expect((await hook.handle(signal({ ticker: 'Y', quantity: 1, limitPrice: 0.75 }), ctx)).status).to.equal('sent')
    expect((await hook.handle(signal({ action: 'SELL', side: 'no', quantity: 4, limitPrice: 0.5 }), ctx)).status).to.equal('sent')
  })

  it("counts the account's orders of the last minute toward maxOrdersPerMinute, as a restarted run must", async () => {
    // Three orders placed 10 s before this run started (an earlier run of the same strategy), limit 3.
    const placed = (id: string, agoMs: number) => ({ order_id: id, ticker: 'X', side: 'yes', action: 'buy', status: 'executed', yes_price_dollars: '0.4500', initial_count_fp: '1.00', fill_count_fp: '1.00', remaining_count_fp: '0.00', created_time: new Date(1_000_000 - agoMs).toISOString() })
    account.orders = [placed('o-1', 10_000), placed('o-2', 10_000), placed('o-3', 10_000), placed('o-old', 120_000)]
    const { ctx, hook, now } = await setup()
    expect(await hook.handle(signal(), ctx)).to.include({ status: 'refused', limit: 'maxOrdersPerMinute' })
    // Once the minute since those orders is over, the limit has room again.
    now.t += 51_000
    expect((await hook.handle(signal(), ctx)).status).to.equal('sent')
  })

  it('refuses every signal when the account cannot be read at start', async () => {
    const hook = createKalshiHook({ config: { ...config(), apiUrl: 'http://127.0.0.1:9/trade-api/v2' }, live: true })
    const ctx: HookContext = { store: new MarketStore(), now: () => 0, report: () => {} }
    const e = await refuseToStart(() => hook.start(ctx))
    expect(e.code).to.equal('ACCOUNT_STATE')
    expect((await hook.handle(signal(), ctx)).status).to.equal('refused')
    await hook.close()
  })

  it('gives the same signal the same client_order_id in a restarted run, and treats a 409 as already placed', async () => {
    const first = await setup()
    await first.hook.handle(signal({ quantity: 2 }), first.ctx)
    await first.hook.handle(signal({ quantity: 2 }), first.ctx)
    const second = await setup()
    const id = orders[0]!.body.client_order_id
    reply = { status: 409, body: { error: { code: 'order_already_exists', message: 'exists' } } }
    account.orders = [{ order_id: 'ord-1', client_order_id: id, ticker: 'X', side: 'yes', action: 'buy', status: 'executed', yes_price_dollars: '0.4500', no_price_dollars: '0.5500', initial_count_fp: '2.00', fill_count_fp: '2.00', remaining_count_fp: '0.00' }]
    const again = await second.hook.handle(signal({ quantity: 2 }), second.ctx)
    expect(orders[2]!.body.client_order_id).to.equal(id)
    expect(orders[1]!.body.client_order_id).to.not.equal(id)
    expect(again).to.deep.include({ status: 'sent', orderId: 'ord-1' })
    expect(again.message).to.match(/^already placed by an earlier run/)
  })

  it('refuses a buy that would take the total cost, taker fees included, past maxTotalCostDollars', async () => {
    const { ctx, hook } = await setup()
    await hook.handle(signal({ ticker: 'A', quantity: 5, limitPrice: 0.7 }), ctx) // $3.50 + fee ceil(0.07 × 5 × 0.7 × 0.3 = 0.0735) = $0.08
    // $0.41 + fee $0.02 would make $4.01
    expect(await hook.handle(signal({ ticker: 'B', quantity: 1, limitPrice: 0.41 }), ctx)).to.deep.equal({ status: 'refused', limit: 'maxTotalCostDollars', message: 'total cost would be $4.01 with $0.02 fees; maxTotalCostDollars is $4.00' })
    expect((await hook.handle(signal({ ticker: 'B', quantity: 1, limitPrice: 0.4 }), ctx)).status).to.equal('sent')
  })

  it('gives back the fee it counted for contracts that never filled', async () => {
    const { ctx, hook } = await setup()
    // Immediate-or-cancel, nothing filled: the $3.50 and its $0.08 fee are free again.
    reply = { status: 201, body: { order: { order_id: 'ord-1', status: 'canceled', fill_count_fp: '0.00', remaining_count_fp: '0.00', initial_count_fp: '5.00' } } }
    expect((await hook.handle(signal({ ticker: 'A', quantity: 5, limitPrice: 0.7 }), ctx)).status).to.equal('sent')
    // $3.92 + fee $0.01 = $3.93: within $4.00 only if none of the $0.08 was kept.
    expect((await hook.handle(signal({ ticker: 'B', quantity: 4, limitPrice: 0.98 }), ctx)).status).to.equal('sent')
  })

  it('counts the fee_cost of its fills in its portfolio', async () => {
    const { ctx, hook } = await setup()
    hook.onEvent({ type: 'fill', ticker: 'X', side: 'yes', action: 'buy', price: 0.5, quantity: 100, feeDollars: 1.75, ts: 0, receivedAt: 0 })
    expect(hook.summary(ctx)).to.include({ cashDollars: -51.75, feesDollars: 1.75 })
  })

  it("reports Kalshi's error answer and keeps going", async () => {
    const { ctx, hook } = await setup()
    reply = { status: 400, body: { error: { code: 'invalid_order', message: 'price not on tick' } } }
    expect(await hook.handle(signal(), ctx)).to.deep.equal({ status: 'failed', priceDollars: 0.45, message: 'the exchange rejected POST /portfolio/orders with HTTP 400: price not on tick' })
    expect((await hook.handle(signal(), ctx)).status).to.equal('sent')
  })

  it('keeps positions from the fills on the feed', async () => {
    const { ctx, hook } = await setup()
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
    const h = harness([{ name: 'big', markets: ['*'], onTick: t => ({ action: 'BUY', ticker: t.ticker, side: 'yes', quantity: 9, limitPrice: 0.5, confidence: 1, reason: 'big' }) }], { hooks: [hook], clock: 'replay' })
    h.feed(tick('X', {}, 5_000))
    await h.engine.settle()
    expect(h.of('order')).to.deep.equal([{ type: 'order', hook: 'kalshi', strategy: 'big', action: 'BUY', ticker: 'X', side: 'yes', quantity: 9, status: 'refused', limit: 'maxContractsPerOrder', message: '9 contracts is over maxContractsPerOrder 5', ts: 5_000 }])
    expect(orders).to.have.length(0)
  })
})
