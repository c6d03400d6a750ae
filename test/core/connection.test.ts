import { expect } from 'chai'
import { createServer, type Server } from 'node:net'
import type { AddressInfo } from 'node:net'
import { createSigner, verifySignature } from '../../src/auth/signer.js'
import { Connection } from '../../src/core/connection.js'
import type { ConnectionEvent } from '../../src/core/types.js'
import type { NeuralError } from '../../src/errors.js'
import { FakeKalshi, waitFor } from './helpers.js'
import { testRsaKey } from '../support/rsa-keys.js'
import { closedPort } from '../support/ports.js'

const FAST = { attempts: 0, baseDelayMs: 20, maxDelayMs: 50, jitter: 'none' as const }

function track(c: Connection): { events: ConnectionEvent[]; errors: NeuralError[]; frames: string[] } {
  const events: ConnectionEvent[] = []
  const errors: NeuralError[] = []
  c.on('connection', (e) => events.push(e))
  c.on('error', (e) => errors.push(e))
  return { events, errors, frames: [] }
}

describe('connection', function () {
  this.timeout(5000)
  const { privateKey, publicKey } = testRsaKey()
  let server: FakeKalshi | undefined
  let conn: Connection | undefined

  afterEach(async () => {
    await conn?.close()
    await server?.close()
    conn = undefined
    server = undefined
  })

  it('signs the handshake with headers that verify against the public key', async () => {
    server = await new FakeKalshi().start()
    conn = new Connection({ url: server.url, signer: createSigner('key-1', privateKey), timeoutMs: 1000, retry: FAST, onFrame: () => undefined })
    await conn.start()
    const h = server.handshakes[0]
    expect(h['kalshi-access-key']).to.equal('key-1')
    expect(h['kalshi-access-timestamp']).to.match(/^\d{13}$/)
    expect(verifySignature(publicKey, h['kalshi-access-timestamp'] as string, 'GET', '/trade-api/ws/v2', h['kalshi-access-signature'] as string)).to.equal(true)
  })

  it('signs afresh on every reconnect', async () => {
    server = await new FakeKalshi().start()
    let clock = 1_757_000_000_000
    conn = new Connection({ url: server.url, signer: createSigner('key-1', privateKey, () => clock++), timeoutMs: 1000, retry: FAST, onFrame: () => undefined })
    await conn.start()
    server.dropAll()
    await waitFor(() => server!.connectionCount === 2 && conn!.connected, 2000, 'reconnect')
    const [a, b] = server.handshakes
    expect(a['kalshi-access-timestamp']).to.not.equal(b['kalshi-access-timestamp'])
    expect(a['kalshi-access-signature']).to.not.equal(b['kalshi-access-signature'])
    for (const h of [a, b]) expect(verifySignature(publicKey, h['kalshi-access-timestamp'] as string, 'GET', '/trade-api/ws/v2', h['kalshi-access-signature'] as string)).to.equal(true)
  })

  it('sends no auth headers without a signer', async () => {
    server = await new FakeKalshi().start()
    conn = new Connection({ url: server.url, timeoutMs: 1000, retry: FAST, onFrame: () => undefined })
    await conn.start()
    expect(server.handshakes[0]['kalshi-access-key']).to.equal(undefined)
  })

  it('delivers text frames (the bytes ws read) with their receive time', async () => {
    server = await new FakeKalshi().start()
    const frames: [string, number][] = []
    conn = new Connection({ url: server.url, timeoutMs: 1000, retry: FAST, now: () => 42, onFrame: (t, at) => frames.push([String(t), at]) })
    await conn.start()
    server.send('{"type":"x"}')
    await waitFor(() => frames.length === 1)
    expect(frames).to.deep.equal([['{"type":"x"}', 42]])
  })

  it('fails over to a new attempt when the handshake does not finish within the timeout', async () => {
    // A TCP server that accepts and never answers the HTTP upgrade.
    const sockets: import('node:net').Socket[] = []
    const tcp: Server = createServer((s) => sockets.push(s))
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r))
    const url = `ws://127.0.0.1:${(tcp.address() as AddressInfo).port}/trade-api/ws/v2`
    conn = new Connection({ url, timeoutMs: 150, retry: { attempts: 1, baseDelayMs: 10, maxDelayMs: 10, jitter: 'none' }, onFrame: () => undefined })
    const t = track(conn)
    const t0 = Date.now()
    const error = await conn.start().then(() => undefined, (e: NeuralError) => e)
    expect(error?.kind).to.equal('network')
    expect(error?.code).to.equal('CONNECT_TIMEOUT')
    expect(t.events.map((e) => e.state)).to.deep.equal(['connecting', 'disconnected', 'reconnecting', 'connecting', 'disconnected', 'failed'])
    // At least the two timeouts; the upper bound leaves a loaded machine its slack (without the
    // timeout the handshake would wait for ever).
    expect(Date.now() - t0).to.be.within(300, 5000)
    for (const s of sockets) s.destroy()
    await new Promise<void>((r) => tcp.close(() => r()))
  })

  it('declares a silent connection dead and reconnects within the timeout', async () => {
    server = await new FakeKalshi({ autoPong: false }).start()
    conn = new Connection({ url: server.url, timeoutMs: 200, retry: FAST, onFrame: () => undefined })
    const t = track(conn)
    await conn.start()
    const t0 = Date.now()
    await waitFor(() => server!.connectionCount === 2, 3000, 'reconnect after silence')
    // Near the 200 ms timeout, not the default 30 s; a loaded machine gets its slack.
    expect(Date.now() - t0).to.be.below(1500)
    const dropped = t.events.find((e) => e.state === 'disconnected')
    expect(dropped?.reason).to.match(/no data or ping from the exchange for \d+ ms \(timeout 200 ms\)/)
  })

  it('counts the exchange heartbeat pings as life on a market with no data', async () => {
    server = await new FakeKalshi().start()
    // A timeout of a second: with one of 150 ms, an event loop stalled that long (a 2-core machine
    // running two suites) read the next heartbeat only after the timeout had fired.
    conn = new Connection({ url: server.url, timeoutMs: 1000, retry: FAST, onFrame: () => undefined })
    await conn.start()
    let sent = 0
    const heartbeat = setInterval(() => {
      server?.socket?.ping('heartbeat')
      sent++
    }, 100)
    try {
      // 21 heartbeats span more than twice the timeout: without them the link would have been dropped.
      await waitFor(() => sent >= 21, 6000, '21 heartbeats')
    } finally {
      clearInterval(heartbeat)
    }
    expect(server.connectionCount).to.equal(1)
    expect(conn.connected).to.equal(true)
  })

  it('does not count answers to its own pings as life (a peer that only pongs is dead)', async () => {
    server = await new FakeKalshi({ autoPong: true }).start()
    conn = new Connection({ url: server.url, timeoutMs: 150, retry: FAST, onFrame: () => undefined })
    await conn.start()
    // Ping only an open socket: ws throws on a CONNECTING one, and the interval must be cleared even
    // when the wait fails, or it outlives the test and fails the ones after it.
    const pinger = setInterval(() => {
      const socket = conn?.['socket']
      if (socket?.readyState === 1) socket.ping()
    }, 30)
    try {
      await waitFor(() => server?.connectionCount === 2, 1500, 'reconnect')
    } finally {
      clearInterval(pinger)
    }
  })

  it('gives up after one retry when the handshake is refused with 401, with a single auth error', async () => {
    server = await new FakeKalshi({ handshakeStatus: 401 }).start()
    conn = new Connection({ url: server.url, timeoutMs: 1000, retry: FAST, onFrame: () => undefined })
    const t = track(conn)
    const error = await conn.start().then(() => undefined, (e: NeuralError) => e)
    expect(error?.kind).to.equal('auth')
    expect(error?.code).to.equal('AUTH_REJECTED')
    expect(error?.exitCode).to.equal(3)
    // Only the reconnect loop starts handshakes: once it has ended, no retry storm can follow.
    await (conn as unknown as { loop?: Promise<unknown> }).loop
    expect(server.handshakes.length).to.equal(2)
    expect(t.errors.length).to.equal(1)
    expect(t.events.filter((e) => e.state === 'failed').length).to.equal(1)
  })

  it('waits longer after a 429 than after a network failure', async () => {
    server = await new FakeKalshi({ handshakeStatus: 429 }).start()
    conn = new Connection({ url: server.url, timeoutMs: 1000, retry: { attempts: 1, baseDelayMs: 20, maxDelayMs: 1000, jitter: 'none' }, onFrame: () => undefined })
    const t = track(conn)
    const error = await conn.start().then(() => undefined, (e: NeuralError) => e)
    expect(error?.kind).to.equal('rate_limit')
    const r = t.events.find((e) => e.state === 'reconnecting')
    expect(r?.delayMs).to.equal(80)
  })

  it('classifies a refused TCP connection as a network failure', async () => {
    const port = await closedPort()
    conn = new Connection({ url: `ws://127.0.0.1:${port}/trade-api/ws/v2`, timeoutMs: 1000, retry: { attempts: 2, baseDelayMs: 5, maxDelayMs: 5, jitter: 'none' }, onFrame: () => undefined })
    const t = track(conn)
    const error = await conn.start().then(() => undefined, (e: NeuralError) => e)
    expect(error?.kind).to.equal('network')
    expect(error?.code).to.equal('CONNECT_FAILED')
    expect(t.events.filter((e) => e.state === 'connecting').length).to.equal(3)
  })

  it('marks the disconnect of close() as the client\'s own, and an exchange drop as not', async () => {
    server = await new FakeKalshi().start()
    conn = new Connection({ url: server.url, timeoutMs: 1000, retry: FAST, onFrame: () => undefined })
    const t = track(conn)
    await conn.start()
    server.dropAll()
    await waitFor(() => server!.connectionCount === 2 && conn!.connected, 2000, 'reconnect')
    await conn.close()
    const drops = t.events.filter((e) => e.state === 'disconnected').map((e) => e.byClient === true)
    expect(drops).to.deep.equal([false, true])
  })

  it('numbers its tries as one counter: the try since the last connection on connecting, reconnecting and connected, and the connections opened', async () => {
    // Refused once (503), then accepted; then dropped, and accepted again.
    server = await new FakeKalshi({ handshakeStatus: 503 }).start()
    conn = new Connection({ url: server.url, timeoutMs: 1000, retry: FAST, onFrame: () => undefined })
    const t = track(conn)
    const started = conn.start()
    await waitFor(() => server!.handshakes.length === 1, 2000, 'the refused try')
    server.options.handshakeStatus = undefined
    await started
    server.dropAll()
    await waitFor(() => server!.connectionCount === 2 && conn!.connected, 2000, 'reconnect')
    const numbered = t.events.filter((e) => e.state !== 'disconnected').map((e) => [e.state, e.attempt, e.connection])
    // Found from outside: it read "reconnecting attempt 1", then "connecting attempt 2", then "connected attempt 3".
    expect(numbered).to.deep.equal([
      ['connecting', 1, undefined], ['reconnecting', 2, undefined], ['connecting', 2, undefined], ['connected', 2, 1],
      ['reconnecting', 1, undefined], ['connecting', 1, undefined], ['connected', 1, 2],
    ])
  })

  it('cancels a pending reconnect sleep on close', async () => {
    server = await new FakeKalshi().start()
    conn = new Connection({ url: server.url, timeoutMs: 1000, retry: { attempts: 0, baseDelayMs: 10_000, maxDelayMs: 10_000, jitter: 'none' }, onFrame: () => undefined })
    const t = track(conn)
    await conn.start()
    server.dropAll()
    await waitFor(() => t.events.some((e) => e.state === 'reconnecting'))
    const t0 = Date.now()
    await conn.close()
    // Far below the 10 s sleep it cancelled, with slack for a loaded machine.
    expect(Date.now() - t0).to.be.below(3000)
    expect(server.connectionCount).to.equal(1)
  })

  it('uses the socket factory it is given, with the signed headers', async () => {
    server = await new FakeKalshi().start()
    const seen: Record<string, string>[] = []
    const { default: WebSocket } = await import('ws')
    conn = new Connection({
      url: server.url,
      signer: createSigner('key-2', privateKey),
      timeoutMs: 1000,
      retry: FAST,
      onFrame: () => undefined,
      socketFactory: (url, headers) => {
        seen.push(headers)
        return new WebSocket(url, { headers })
      },
    })
    await conn.start()
    expect(seen.length).to.equal(1)
    expect(seen[0]['KALSHI-ACCESS-KEY']).to.equal('key-2')
  })
})
