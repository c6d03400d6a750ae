import { expect } from 'chai'
import { verifySignature } from '../../src/auth/signer.js'
import { loadConfig } from '../../src/config/load.js'
import { openExchange, type StartSimulator } from '../../src/runtime/open-exchange.js'
import { tempProject, testKey } from '../config/helpers.js'

describe('openExchange', () => {
  let project: ReturnType<typeof tempProject>
  beforeEach(() => {
    project = tempProject()
  })
  afterEach(() => project.cleanup())

  function fakeSimulator() {
    const calls = { started: [] as Array<{ seed?: number; publicKeys?: string[] }>, closed: 0 }
    const start: StartSimulator = (options) => {
      calls.started.push(options)
      return { apiUrl: 'http://127.0.0.1:1/trade-api/v2', wsUrl: 'ws://127.0.0.1:1/trade-api/ws/v2', registerPublicKey: () => undefined, close: () => void calls.closed++ }
    }
    return { start, calls }
  }

  it('starts a simulator for sim and signs with a key whose public half it registered', async () => {
    const { config } = await loadConfig({ flags: { env: 'sim' }, env: {}, cwd: project.dir })
    const sim = fakeSimulator()
    const exchange = await openExchange(config, { startSimulator: sim.start, sim: { seed: 7 } })
    expect(exchange.apiUrl).to.equal('http://127.0.0.1:1/trade-api/v2')
    expect(exchange.simulated).to.equal(true)
    expect(sim.calls.started).to.have.length(1)
    expect(sim.calls.started[0]!.seed).to.equal(7)
    const h = exchange.signer!('GET', '/trade-api/ws/v2')
    expect(verifySignature(sim.calls.started[0]!.publicKeys![0]!, h['KALSHI-ACCESS-TIMESTAMP'], 'GET', '/trade-api/ws/v2', h['KALSHI-ACCESS-SIGNATURE'])).to.equal(true)
  })

  it('closes the simulator once however often close is called', async () => {
    const { config } = await loadConfig({ flags: { env: 'sim' }, env: {}, cwd: project.dir })
    const sim = fakeSimulator()
    const exchange = await openExchange(config, { startSimulator: sim.start })
    await exchange.close()
    await exchange.close()
    expect(sim.calls.closed).to.equal(1)
  })

  it('uses overridden sim URLs without starting a simulator, signing with the configured key', async () => {
    const key = project.write('key.pem', testKey().pkcs1)
    const { config } = await loadConfig({ flags: { env: 'sim', apiUrl: 'http://127.0.0.1:9/trade-api/v2', apiKeyId: 'key-id-123456', privateKeyPath: key }, env: {}, cwd: project.dir })
    const sim = fakeSimulator()
    const exchange = await openExchange(config, { startSimulator: sim.start })
    expect(sim.calls.started).to.have.length(0)
    expect([exchange.apiUrl, exchange.wsUrl, exchange.simulated]).to.deep.equal(['http://127.0.0.1:9/trade-api/v2', 'ws://127.0.0.1:9/trade-api/ws/v2', true])
    expect(exchange.signer!('GET', '/x')['KALSHI-ACCESS-KEY']).to.equal('key-id-123456')
  })

  it('signs overridden sim URLs with a throwaway key when none is configured', async () => {
    const { config } = await loadConfig({ flags: { env: 'sim', wsUrl: 'ws://127.0.0.1:9/trade-api/ws/v2' }, env: {}, cwd: project.dir })
    const exchange = await openExchange(config, { startSimulator: fakeSimulator().start })
    expect(exchange.signer!('GET', '/x')['KALSHI-ACCESS-KEY']).to.match(/^sim-/)
  })

  it('signs production requests with the configured key', async () => {
    const { config } = await loadConfig({ env: { KALSHI_API_KEY_ID: 'key-id-123456', KALSHI_API_SECRET: testKey().pkcs8 }, cwd: project.dir })
    const exchange = await openExchange(config)
    const h = exchange.signer!('GET', '/trade-api/v2/exchange/status')
    expect(h['KALSHI-ACCESS-KEY']).to.equal('key-id-123456')
    expect(verifySignature(testKey().publicPem, h['KALSHI-ACCESS-TIMESTAMP'], 'GET', '/trade-api/v2/exchange/status', h['KALSHI-ACCESS-SIGNATURE'])).to.equal(true)
    expect(exchange.simulated).to.equal(false)
  })

  it('leaves production unsigned without a key', async () => {
    const { config } = await loadConfig({ flags: { env: 'demo' }, env: {}, cwd: project.dir })
    const exchange = await openExchange(config)
    expect(exchange.signer).to.equal(undefined)
    expect(exchange.apiUrl).to.equal('https://external-api.demo.kalshi.co/trade-api/v2')
  })
})
