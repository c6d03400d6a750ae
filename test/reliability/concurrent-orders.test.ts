/**
 * Risk limits beside another neural process on the same account. Found from outside: two runs
 * started together each read the account once (nothing held), then each sent its
 * maxPositionPerMarket, so the account held twice the limit. Two kalshi hooks here stand for the two
 * processes: nothing is shared between them but the machine's runtime dir, where the account's
 * order lock lives.
 */
import { expect } from 'chai'
import type { NeuralConfig } from '../../src/config/types.js'
import { MarketStore } from '../../src/core/market-store.js'
import { startSimulator, type Simulator } from '../../src/sim/index.js'
import { accountOf } from '../../src/sim/portfolio.js'
import type { SignalEvent } from '../../src/strategy/events.js'
import type { HookContext } from '../../src/strategy/hooks/hook.js'
import { createKalshiHook, type KalshiHook } from '../../src/strategy/hooks/kalshi.js'
import { tempDir } from '../commands/helpers.js'
import { testRsaKey } from '../support/rsa-keys.js'

describe('risk limits beside another process on the same account', function () {
  this.timeout(60_000)
  const keyId = 'c0ffee00-1234-4abc-8def-000000000031'
  const runtime = tempDir('neural-concurrent-orders-')
  let sim: Simulator
  let ticker: string
  let hooks: KalshiHook[] = []
  const logs: string[] = []
  const ctx: HookContext = { store: new MarketStore(), now: () => Date.now(), report: (e) => { if (e.type === 'log') logs.push(e.message) } }

  before(async () => {
    sim = await startSimulator({ seed: 31 })
    // An open market whose book sells yes at or below 0.99: a buy at 0.99 executes at once.
    ticker = sim.world.markets().find((m) => m.status === 'active' && m.ticker.startsWith('KXNFLGAME') && m.book.best('no') !== undefined)!.ticker
    const config: NeuralConfig = {
      environment: 'sim', apiUrl: sim.apiUrl, apiKeyId: keyId, privateKeyPem: testRsaKey().pkcs1,
      websocketTimeoutMs: 5000, retryAttempts: 0, retryDelayMs: 10, retryMaxDelayMs: 100, subscriptionBatchSize: 100, sources: {},
      risk: { maxContractsPerOrder: 5, maxPositionPerMarket: 3, maxOrdersPerMinute: 100, maxTotalCostDollars: 100 },
    }
    hooks = [0, 1].map(() => createKalshiHook({ config, live: true, lockDir: runtime.dir }))
    // Both read the account before either trades, as two runs started at the same moment do.
    await Promise.all(hooks.map((h) => h.start(ctx)))
  })

  after(async () => {
    for (const h of hooks) await h.close()
    await sim?.close()
    runtime.remove()
  })

  const buy = (quantity: number): SignalEvent => ({ type: 'signal', strategy: 's', action: 'BUY', ticker, side: 'yes', quantity, limitPrice: 0.99, confidence: 1, reason: 'test', ts: Date.now() })
  const held = () => (accountOf(sim.world, keyId).positions.get(ticker)?.position ?? 0) / 100

  it('sends one of two simultaneous orders that together pass maxPositionPerMarket, and refuses the other by that limit', async () => {
    const results = await Promise.all(hooks.map((h) => h.handle(buy(3), ctx)))
    expect(held()).to.equal(3)
    expect(results.map((r) => r.status).sort()).to.deep.equal(['refused', 'sent'])
    expect(results.find((r) => r.status === 'refused')).to.include({ limit: 'maxPositionPerMarket' })
    expect(logs.filter((l) => l.startsWith('another neural process traded on this account: read it again'))).to.have.length(1)
  })

  it('keeps counting the other process once the account is read again: the first one may not add to it', async () => {
    const results = await Promise.all(hooks.map((h) => h.handle(buy(1), ctx)))
    expect(results.map((r) => r.status)).to.deep.equal(['refused', 'refused'])
    expect(held()).to.equal(3)
  })
})
