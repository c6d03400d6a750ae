import { expect } from 'chai'
import { startSimulator, type Simulator } from '../../src/sim/index.js'
import { connect, handshakeStatus, newKeyPair, signHeaders } from './helpers.js'

const WS_PATH = '/trade-api/ws/v2'

describe('simulator WebSocket authentication', () => {
  const registered = newKeyPair()
  const stranger = newKeyPair('stranger')
  let sim: Simulator
  before(async () => { sim = await startSimulator({ publicKeys: [registered.publicPem], ratePerSec: 50, authWindowMs: 5000 }) })
  after(async () => { await sim.close() })

  it('accepts a handshake signed with a registered key and allows private channels', async () => {
    const client = await connect(sim.wsUrl, signHeaders(registered.privateKey, 'GET', WS_PATH))
    try {
      const reply = await client.command('subscribe', { channels: ['orderbook_delta'], market_tickers: ['KXNFLGAME-25SEP04DALPHI-PHI'] })
      expect(reply).to.deep.equal({ id: 1, type: 'subscribed', msg: { channel: 'orderbook_delta', sid: 1 } })
    } finally { client.close() }
  })

  it('refuses a handshake signed with an unregistered key with HTTP 401', async () => {
    expect(await handshakeStatus(sim.wsUrl, signHeaders(stranger.privateKey, 'GET', WS_PATH))).to.equal(401)
  })

  it('refuses a handshake whose timestamp is outside authWindowMs with HTTP 401', async () => {
    expect(await handshakeStatus(sim.wsUrl, signHeaders(registered.privateKey, 'GET', WS_PATH, 'k', Date.now() - 6000))).to.equal(401)
  })

  it('refuses a handshake signed over the wrong path with HTTP 401', async () => {
    expect(await handshakeStatus(sim.wsUrl, signHeaders(registered.privateKey, 'GET', '/trade-api/v2'))).to.equal(401)
  })

  it('refuses a handshake with only some of the three headers with HTTP 401', async () => {
    const { 'KALSHI-ACCESS-SIGNATURE': _dropped, ...partial } = signHeaders(registered.privateKey, 'GET', WS_PATH)
    expect(await handshakeStatus(sim.wsUrl, partial)).to.equal(401)
  })

  it('accepts a key registered after start', async () => {
    const late = newKeyPair('late')
    expect(await handshakeStatus(sim.wsUrl, signHeaders(late.privateKey, 'GET', WS_PATH))).to.equal(401)
    sim.registerPublicKey(late.publicPem)
    expect(await handshakeStatus(sim.wsUrl, signHeaders(late.privateKey, 'GET', WS_PATH))).to.equal(101)
  })

  it('allows public channels on an unsigned connection', async () => {
    const client = await connect(sim.wsUrl)
    try {
      client.send({ id: 1, cmd: 'subscribe', params: { channels: ['ticker', 'trade', 'market_lifecycle_v2'] } })
      expect((await client.replies(1, 3)).map((r) => r.type)).to.deep.equal(['subscribed', 'subscribed', 'subscribed'])
    } finally { client.close() }
  })

  for (const channel of ['orderbook_delta', 'fill']) {
    it(`answers a ${channel} subscribe on an unsigned connection with error 9`, async () => {
      const client = await connect(sim.wsUrl)
      try {
        const reply = await client.command('subscribe', { channels: [channel], market_tickers: ['KXNFLGAME-25SEP04DALPHI-PHI'] })
        expect(reply.type).to.equal('error')
        expect(reply.msg.code).to.equal(9)
      } finally { client.close() }
    })
  }

  it('accepts any well-formed signature when no keys are registered', async () => {
    const open = await startSimulator({ ratePerSec: 10 })
    try {
      expect(await handshakeStatus(open.wsUrl, signHeaders(stranger.privateKey, 'GET', WS_PATH))).to.equal(101)
    } finally { await open.close() }
  })

  it('refuses a WebSocket upgrade on another path with HTTP 404', async () => {
    expect(await handshakeStatus(sim.wsUrl.replace('/ws/v2', '/ws/v1'))).to.equal(404)
  })
})
