import { expect } from 'chai'
import { connect } from 'nats'
import { BusPublisher, type BusPublisherOptions } from '../../src/bus/publisher.js'
import { BusSource, type BusSubscribeOptions } from '../../src/bus/source.js'
import type { Tick } from '../../src/core/types.js'
import { NeuralError } from '../../src/errors.js'
import { asJson, book, record, tick, withSeq } from './events.js'
import { NatsServer, natsServerAvailable, waitFor } from './nats-server.js'

const FAST = { reconnectTimeWaitMs: 50, reconnectJitterMs: 0, drainTimeoutMs: 500 }
const TICKER = 'KXNFLGAME-25SEP04DALPHI-PHI'

describe('bus over JetStream', function () {
  this.timeout(60_000)
  let server: NatsServer
  const open: { close(): Promise<void> }[] = []
  let streamN = 0
  let stream = ''

  before(async function () {
    if (!natsServerAvailable()) {
      console.warn('    skipped: /usr/sbin/nats-server is missing (apt-get install nats-server)')
      this.skip()
    }
    server = await new NatsServer(true).start()
  })

  after(async () => {
    await server?.dispose()
  })

  beforeEach(async () => {
    stream = `NEURAL_TEST_${++streamN}`
  })

  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()))
    // Streams capture neural.>, so only one may exist at a time.
    const nc = await connect({ servers: server.url })
    const jsm = await nc.jetstreamManager()
    await jsm.streams.delete(stream).catch(() => undefined)
    await nc.close()
  })

  async function publisher(options: BusPublisherOptions['jetstream'] & object, extra: BusPublisherOptions = {}): Promise<BusPublisher> {
    const p = new BusPublisher({ ...FAST, ...extra, jetstream: options })
    await p.connect(server.url)
    open.push(p)
    return p
  }

  async function source(options: BusSubscribeOptions) {
    const s = new BusSource(FAST)
    const r = record(s)
    await s.connect(server.url, options)
    open.push(s)
    return { s, r }
  }

  async function streamInfo(name: string) {
    const nc = await connect({ servers: server.url })
    try {
      return await (await nc.jetstreamManager()).streams.info(name)
    } finally {
      await nc.close()
    }
  }

  it('creates the stream with subjects neural.> and the retention limits asked for', async () => {
    await publisher({ stream, maxMsgs: 50, maxAgeMs: 60_000, maxBytes: 1_000_000 })
    const info = await streamInfo(stream)
    expect(info.config).to.include({ name: stream, max_msgs: 50, max_age: 60_000 * 1_000_000, max_bytes: 1_000_000 })
    expect(info.config.subjects).to.deep.equal(['neural.>'])
  })

  it('keeps only maxMsgs, and a late consumer with deliver all gets those earlier events in order, then live ones', async () => {
    const p = await publisher({ stream, maxMsgs: 50 })
    for (let n = 0; n < 80; n++) p.publish(tick(TICKER, n))
    await waitFor(() => p.stats().acked === 80, '80 acks')
    expect((await streamInfo(stream)).state.messages).to.equal(50)

    const { r } = await source({ filters: [TICKER], jetstream: { stream, deliver: 'all' } })
    await waitFor(() => r.events.length === 50, '50 stored ticks')
    p.publish(tick(TICKER, 80))
    await waitFor(() => r.events.length === 51, 'the live tick')
    expect(r.events).to.deep.equal(Array.from({ length: 51 }, (_, i) => asJson(tick(TICKER, 30 + i))))
    expect(p.stats()).to.include({ acked: 81, ackErrors: 0, dropped: 0, pendingAcks: 0 })
  })

  it('a consumer with deliver new gets only what is published after it joins', async () => {
    const p = await publisher({ stream })
    for (let n = 0; n < 5; n++) p.publish(tick(TICKER, n))
    await waitFor(() => p.stats().acked === 5, '5 acks')
    const { r } = await source({ filters: ['KXNFLGAME*'], types: ['ticker'], jetstream: { stream, deliver: 'new' } })
    p.publish(tick(TICKER, 5))
    p.publish(tick('KXMLB-25SEP04NYYBOS-NYY', 6))
    p.publish(tick(TICKER, 7))
    await waitFor(() => r.events.length === 2, '2 new ticks')
    expect(r.events.map((e) => (e as Tick).volume)).to.deep.equal([105, 107])
  })

  it('replays books for a late consumer from the stored snapshot and deltas', async () => {
    const p = await publisher({ stream }, { snapshotEveryMs: 60_000 })
    for (let n = 0; n < 6; n++) p.publish(book(TICKER, n))
    await waitFor(() => p.stats().acked === 6, '6 acks')
    const { s, r } = await source({ filters: [TICKER], types: ['book'], jetstream: { stream, deliver: 'all' } })
    await waitFor(() => r.books.length === 6, '6 books')
    expect(r.gaps).to.deep.equal([])
    expect(asJson(s.book(TICKER))).to.deep.equal(withSeq(book(TICKER, 5), 6))
  })

  it('stores what was buffered while NATS was down, newest maxBufferedMessages only', async () => {
    const p = await publisher({ stream }, { maxBufferedMessages: 3 })
    p.publish(tick(TICKER, 0))
    await waitFor(() => p.stats().acked === 1, 'the first ack')
    await server.stop()
    await waitFor(() => !p.stats().connected, 'the publisher to see the disconnect')
    for (let n = 1; n <= 5; n++) p.publish(tick(TICKER, n))
    expect(p.stats()).to.include({ buffered: 3, dropped: 2 })
    await server.start()
    await waitFor(() => p.stats().acked === 4, 'the buffered ticks to be stored')
    const { r } = await source({ filters: [TICKER], jetstream: { stream, deliver: 'all' } })
    await waitFor(() => r.events.length === 4, '4 stored ticks')
    expect(r.events.map((e) => (e as Tick).volume)).to.deep.equal([100, 103, 104, 105])
  })

  it('fails with a config error when the stream to read does not exist', async () => {
    const error = await new BusSource(FAST).connect(server.url, { filters: ['*'], jetstream: { stream: 'NO_SUCH_STREAM', deliver: 'all' } }).then(() => undefined, (e: unknown) => e)
    expect(error).to.be.instanceOf(NeuralError).and.include({ kind: 'config', code: 'BUS_STREAM_MISSING' })
  })
})
