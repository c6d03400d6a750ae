import { expect } from 'chai'
import { startSimulator, type Simulator } from '../../src/sim/index.js'
import { connect, getJson, handshakeStatus, newKeyPair, signHeaders } from './helpers.js'

const WS_PATH = '/trade-api/ws/v2'
const key = newKeyPair()
const signed = () => signHeaders(key.privateKey, 'GET', WS_PATH)

async function withSim(opts: Parameters<typeof startSimulator>[0], body: (sim: Simulator) => Promise<void>): Promise<void> {
  const sim = await startSimulator({ publicKeys: [key.publicPem], ...opts })
  try { await body(sim) } finally { await sim.close() }
}

describe('simulator faults', () => {
  it('dropEverySec terminates every connection that often', () => withSim({ faults: { dropEverySec: 0.2 } }, async (sim) => {
    const a = await connect(sim.wsUrl)
    const b = await connect(sim.wsUrl, signed())
    await a.until(() => a.closeCode !== undefined && b.closeCode !== undefined, 1000)
    expect([a.closeCode, b.closeCode]).to.deep.equal([1006, 1006])
  }))

  it('seqGapEvery skips every Nth orderbook delta per sid while still applying it to the book', () => withSim({ ratePerSec: 5000, faults: { seqGapEvery: 4 } }, async (sim) => {
    const client = await connect(sim.wsUrl, signed())
    try {
      const ticker = 'KXNFLGAME-25SEP04DALPHI-PHI'
      await client.command('subscribe', { channels: ['orderbook_delta'], market_tickers: [ticker] })
      await client.until(() => client.data('orderbook_delta').length >= 12, 5000)
      sim.pause()
      await client.command('list_subscriptions')
      const seqs = client.frames.map((f) => f.json).filter((j) => j?.sid === 1).map((j) => j.seq)
      // Snapshot is seq 1; deltas 1–3 arrive as 2–4, delta 4 (seq 5) is lost, and so on.
      const expected: number[] = [1]
      for (let delta = 1, seq = 2; expected.length < seqs.length; delta++, seq++) if (delta % 4 !== 0) expected.push(seq)
      expect(seqs).to.deep.equal(expected)
      // The lost deltas changed the authoritative book: applying what arrived no longer matches it.
      const book = new Map<string, number>()
      for (const m of client.frames.map((f) => f.json).filter((j) => j?.sid === 1)) {
        if (m.type === 'orderbook_snapshot') for (const side of ['yes', 'no']) for (const [p, q] of m.msg[`${side}_dollars_fp`]) book.set(`${side}${p}`, Number(q))
        else book.set(`${m.msg.side}${m.msg.price_dollars}`, (book.get(`${m.msg.side}${m.msg.price_dollars}`) ?? 0) + Number(m.msg.delta_fp))
      }
      const world = sim.world.book(ticker)!
      const worldMap = new Map<string, number>()
      for (const side of ['yes', 'no'] as const) for (const [p, q] of world[side]) worldMap.set(`${side}${(p / 10000).toFixed(4)}`, q / 100)
      const applied = new Map([...book].filter(([, q]) => q !== 0))
      expect(applied).to.not.deep.equal(worldMap)
    } finally { client.close() }
  }))

  it('malformedEvery sends an extra malformed frame after every Nth data frame, alternating bad JSON and wrong types', () => withSim({ ratePerSec: 3000, faults: { malformedEvery: 3 } }, async (sim) => {
    const client = await connect(sim.wsUrl)
    try {
      await client.command('subscribe', { channels: ['ticker'] })
      await client.until(() => client.frames.length >= 40, 3000)
      const frames = client.frames.slice(1, 37)
      const bad = (i: number) => frames[i]!.json === undefined || typeof frames[i]!.json.sid !== 'number'
      // Pattern per 4 frames: data, data, data, malformed.
      expect(frames.map((_, i) => bad(i))).to.deep.equal(frames.map((_, i) => i % 4 === 3))
      expect(frames[3]!.json).to.equal(undefined)
      expect(frames[7]!.json.sid).to.equal('one')
      expect(frames[7]!.json.msg.market_ticker).to.equal(42)
    } finally { client.close() }
  }))

  it('errorEvery answers every Nth WebSocket command with an error', () => withSim({ faults: { errorEvery: 2 } }, async (sim) => {
    const client = await connect(sim.wsUrl)
    try {
      const first = await client.command('subscribe', { channels: ['ticker'], market_tickers: ['KXNFLGAME-25SEP04DALPHI-PHI'] })
      const second = await client.command('list_subscriptions')
      const third = await client.command('list_subscriptions')
      expect(first.type).to.equal('subscribed')
      expect(second).to.deep.include({ id: 2, type: 'error' })
      expect(second.msg.code).to.equal(1)
      expect(third).to.deep.equal({ id: 3, type: 'ok', msg: [{ channel: 'ticker', sid: 1 }] })
    } finally { client.close() }
  }))

  it('errorEvery answers every Nth REST request with 429 too_many_requests', () => withSim({ faults: { errorEvery: 2 } }, async (sim) => {
    const statuses: number[] = []
    let refusal: any
    for (let i = 0; i < 4; i++) {
      const { status, body } = await getJson(`${sim.apiUrl}/exchange/status`)
      statuses.push(status)
      if (status === 429) refusal = body
    }
    expect(statuses).to.deep.equal([200, 429, 200, 429])
    expect(refusal.error.code).to.equal('too_many_requests')
  }))

  it('restRateLimitPerSec answers requests beyond the limit with 429', () => withSim({ restRateLimitPerSec: 3 }, async (sim) => {
    const statuses = await Promise.all(Array.from({ length: 6 }, async () => (await fetch(`${sim.apiUrl}/exchange/status`)).status))
    expect(statuses.filter((s) => s === 200)).to.have.length(3)
    expect(statuses.filter((s) => s === 429)).to.have.length(3)
  }))

  it('refuseAuth refuses signed handshakes and signed REST calls with 401 but serves unsigned ones', () => withSim({ faults: { refuseAuth: true } }, async (sim) => {
    expect(await handshakeStatus(sim.wsUrl, signed())).to.equal(401)
    expect(await handshakeStatus(sim.wsUrl)).to.equal(101)
    const path = '/trade-api/v2/exchange/status'
    const signedRest = await getJson(`${sim.apiUrl}/exchange/status`, { headers: signHeaders(key.privateKey, 'GET', path) })
    expect(signedRest.status).to.equal(401)
    expect(signedRest.body.error.code).to.equal('unauthorized')
    expect((await getJson(`${sim.apiUrl}/exchange/status`)).status).to.equal(200)
  }))

  it('silentAfterSec stops data and pings after S seconds but keeps the socket open', () => withSim({ ratePerSec: 2000, pingIntervalMs: 50, faults: { silentAfterSec: 0.4 } }, async (sim) => {
    const client = await connect(sim.wsUrl)
    // The server's session exists once the handshake is done, so it is silent from here + 0.4 s at the latest.
    const silentBy = Date.now() + 400
    let tickers = 0
    sim.world.onEvent((e) => void (e.kind === 'ticker' && tickers++))
    try {
      await client.command('subscribe', { channels: ['ticker'] })
      await client.until(() => client.pings.length >= 2 && client.data('ticker').length > 0, 1000)
      await client.until(() => Date.now() >= silentBy, 2000)
      // Frames already on the wire when silence began still land; none may follow the exchange's next ticker updates.
      const seenAt = tickers
      await client.until(() => tickers >= seenAt + 1, 2000)
      const frames = client.frames.length
      const pings = client.pings.length
      // Witnesses that the session had things to send: 100 more ticker updates, and 4 ping intervals (200 ms).
      const from = tickers
      const sinceMs = Date.now()
      await client.until(() => tickers >= from + 100 && Date.now() - sinceMs >= 200, 3000)
      expect([client.frames.length, client.pings.length]).to.deep.equal([frames, pings])
      expect(client.ws.readyState).to.equal(client.ws.OPEN)
      expect(client.closeCode).to.equal(undefined)
    } finally { client.close() }
  }))
})
