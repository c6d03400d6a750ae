import { expect } from 'chai'
import { startSimulator, type Simulator } from '../../src/sim/index.js'
import { connect, newKeyPair, signHeaders, type TestClient } from './helpers.js'

const PHI = 'KXNFLGAME-25SEP04DALPHI-PHI'
const DAL = 'KXNFLGAME-25SEP04DALPHI-DAL'

describe('simulator WebSocket commands', () => {
  let sim: Simulator
  let client: TestClient
  const key = newKeyPair()
  before(async () => { sim = await startSimulator({ seed: 5, ratePerSec: 3000, pingIntervalMs: 100 }) })
  after(async () => { await sim.close() })
  beforeEach(async () => {
    client = await connect(sim.wsUrl, signHeaders(key.privateKey, 'GET', '/trade-api/ws/v2'))
  })
  afterEach(() => client.close())

  it('answers subscribe with one subscribed reply per channel, sids counting from 1', async () => {
    client.send({ id: 1, cmd: 'subscribe', params: { channels: ['ticker', 'trade'], market_tickers: [PHI] } })
    expect(await client.replies(1, 2)).to.deep.equal([
      { id: 1, type: 'subscribed', msg: { channel: 'ticker', sid: 1 } },
      { id: 1, type: 'subscribed', msg: { channel: 'trade', sid: 2 } },
    ])
  })

  it('accepts a single market_ticker string', async () => {
    expect(await client.command('subscribe', { channels: ['ticker'], market_ticker: PHI })).to.deep.equal({ id: 1, type: 'subscribed', msg: { channel: 'ticker', sid: 1 } })
  })

  it('confirms a repeated subscribe with the existing sid instead of the retired error 6', async () => {
    await client.command('subscribe', { channels: ['ticker'], market_tickers: [PHI] })
    expect(await client.command('subscribe', { channels: ['ticker'], market_tickers: [PHI] })).to.deep.equal({ id: 2, type: 'subscribed', msg: { channel: 'ticker', sid: 1 } })
    expect((await client.command('list_subscriptions')).msg).to.deep.equal([{ channel: 'ticker', sid: 1 }])
  })

  it('answers unsubscribe with one unsubscribed reply per sid', async () => {
    client.send({ id: 1, cmd: 'subscribe', params: { channels: ['ticker', 'trade'] } })
    await client.replies(1, 2)
    client.send({ id: 2, cmd: 'unsubscribe', params: { sids: [1, 2] } })
    expect(await client.replies(2, 2)).to.deep.equal([{ id: 2, sid: 1, type: 'unsubscribed' }, { id: 2, sid: 2, type: 'unsubscribed' }])
  })

  it('lists subscriptions as {id, type ok, msg [{channel, sid}]}', async () => {
    client.send({ id: 1, cmd: 'subscribe', params: { channels: ['ticker', 'market_lifecycle_v2'] } })
    await client.replies(1, 2)
    expect(await client.command('list_subscriptions')).to.deep.equal({ id: 2, type: 'ok', msg: [{ channel: 'ticker', sid: 1 }, { channel: 'market_lifecycle_v2', sid: 2 }] })
  })

  it('adds markets with update_subscription, answering ok with seq and the market list, then snapshots the new market', async () => {
    const sub = await client.command('subscribe', { channels: ['orderbook_delta'], market_tickers: [PHI] })
    const sid = sub.msg.sid
    await client.waitFor((f) => f.json?.type === 'orderbook_snapshot' && f.json.msg.market_ticker === PHI)
    const ack = await client.command('update_subscription', { sids: [sid], market_tickers: [DAL], action: 'add_markets' })
    expect(ack).to.include({ id: 2, sid, type: 'ok' })
    expect(ack.msg).to.deep.equal({ market_tickers: [PHI, DAL] })
    const ackIndex = client.frames.findIndex((f) => f.json?.id === 2)
    const snap = await client.waitFor((f) => f.json?.type === 'orderbook_snapshot' && f.json.msg.market_ticker === DAL, 3000, ackIndex)
    expect(snap.json.seq).to.equal(ack.seq + 1)
  })

  it('removes markets with delete_markets and stops their messages', async () => {
    const sub = await client.command('subscribe', { channels: ['ticker'], market_tickers: [PHI, DAL] })
    const ack = await client.command('update_subscription', { sid: sub.msg.sid, market_tickers: [DAL], action: 'delete_markets' })
    expect(ack.msg).to.deep.equal({ market_tickers: [PHI] })
    const from = client.frames.length
    await client.waitFor((f) => f.json?.type === 'ticker' && f.json.msg.market_ticker === PHI, 5000, from)
    expect(client.frames.slice(from).some((f) => f.json?.msg?.market_ticker === DAL)).to.equal(false)
  })

  const errors: Array<[string, unknown, number]> = [
    ['a frame that is not JSON', 'not json', 1],
    ['a command without params', { id: 9, cmd: 'subscribe' }, 2],
    ['a subscribe without channels', { id: 9, cmd: 'subscribe', params: { market_tickers: [PHI] } }, 3],
    ['an unsubscribe without sids', { id: 9, cmd: 'unsubscribe', params: {} }, 4],
    ['an unknown command', { id: 9, cmd: 'dance', params: {} }, 5],
    ['an unsubscribe of an unknown sid', { id: 9, cmd: 'unsubscribe', params: { sids: [42] } }, 7],
    ['an unknown channel', { id: 9, cmd: 'subscribe', params: { channels: ['ticker_v3'] } }, 8],
    ['an unknown market ticker', { id: 9, cmd: 'subscribe', params: { channels: ['ticker'], market_tickers: ['KXNOPE-1'] } }, 16],
    ['market_tickers of the wrong type', { id: 9, cmd: 'subscribe', params: { channels: ['ticker'], market_tickers: PHI } }, 11],
    ['orderbook_delta without market tickers', { id: 9, cmd: 'subscribe', params: { channels: ['orderbook_delta'] } }, 14],
    ['update_subscription with two sids', { id: 9, cmd: 'update_subscription', params: { sids: [1, 2], market_tickers: [PHI], action: 'add_markets' } }, 12],
    ['update_subscription with no sid', { id: 9, cmd: 'update_subscription', params: { market_tickers: [PHI], action: 'add_markets' } }, 12],
    ['update_subscription of an unknown sid', { id: 9, cmd: 'update_subscription', params: { sids: [42], market_tickers: [PHI], action: 'add_markets' } }, 7],
  ]
  for (const [what, frame, code] of errors) {
    it(`answers ${what} with error code ${code}`, async () => {
      client.send(frame)
      const reply = await client.waitFor((f) => f.json?.type === 'error')
      expect(reply.json.msg.code).to.equal(code)
      expect(reply.json.msg.msg).to.be.a('string')
      if (typeof frame === 'object') expect(reply.json.id).to.equal(9)
    })
  }

  it('answers an update_subscription with a bad action with error 13', async () => {
    const sub = await client.command('subscribe', { channels: ['ticker'], market_tickers: [PHI] })
    const reply = await client.command('update_subscription', { sids: [sub.msg.sid], market_tickers: [DAL], action: 'replace_markets' })
    expect(reply).to.deep.include({ id: 2, type: 'error' })
    expect(reply.msg.code).to.equal(13)
  })

  it('answers an update_subscription without an action with error 15', async () => {
    const sub = await client.command('subscribe', { channels: ['ticker'], market_tickers: [PHI] })
    expect((await client.command('update_subscription', { sids: [sub.msg.sid], market_tickers: [DAL] })).msg.code).to.equal(15)
  })

  it('answers an update_subscription without tickers with error 14', async () => {
    const sub = await client.command('subscribe', { channels: ['ticker'], market_tickers: [PHI] })
    expect((await client.command('update_subscription', { sids: [sub.msg.sid], action: 'add_markets' })).msg.code).to.equal(14)
  })

  it('answers adding markets to an all-markets subscription with channel error 10', async () => {
    const sub = await client.command('subscribe', { channels: ['ticker'] })
    expect((await client.command('update_subscription', { sids: [sub.msg.sid], market_tickers: [DAL], action: 'add_markets' })).msg.code).to.equal(10)
  })

  it('sends a ping frame with payload "heartbeat" every pingIntervalMs', async () => {
    await client.until(() => client.pings.length >= 2, 1000)
    expect(client.pings.slice(0, 2)).to.deep.equal(['heartbeat', 'heartbeat'])
  })
})
