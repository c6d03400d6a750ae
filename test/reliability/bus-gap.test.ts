/**
 * Issue 13: the bus without JetStream across a nats-server outage. Core NATS does not redeliver, so
 * what was published while a side was cut off is gone: the consumer must say how much (a `gap` with
 * the count) and re-snapshot its books.
 */
import { expect } from 'chai'
import { BusFeed } from '../../src/bus/bus-feed.js'
import { BusPublisher } from '../../src/bus/publisher.js'
import { BusSource } from '../../src/bus/source.js'
import type { BusGap } from '../../src/bus/messages.js'
import { book, tick } from '../bus/events.js'
import { NatsServer, natsServerAvailable, waitFor } from '../bus/nats-server.js'

const FAST = { reconnectTimeWaitMs: 50, reconnectJitterMs: 0, drainTimeoutMs: 500 }

describe('the bus without JetStream across a nats-server outage', function () {
  this.timeout(60_000)
  let server: NatsServer | undefined
  const open: { close(): Promise<void> }[] = []
  let pump: NodeJS.Timeout | undefined

  before(function () {
    if (!natsServerAvailable()) {
      console.warn('    skipped: /usr/sbin/nats-server is missing (apt-get install nats-server)')
      this.skip()
    }
  })

  afterEach(async () => {
    if (pump) clearInterval(pump)
    try {
      await Promise.all(open.splice(0).map((c) => c.close()))
    } finally {
      await server?.dispose()
    }
  })

  it('reports every lost message in gap events and re-snapshots the books', async () => {
    server = await new NatsServer().start()
    const ticker = 'KXNFLGAME-25SEP04DALPHI-PHI'
    // A small ring: the publisher itself drops most of what it cannot send during the outage.
    const p = new BusPublisher({ ...FAST, snapshotEveryMs: 300, maxBufferedMessages: 5 })
    await p.connect(server.url)
    const s = new BusSource(FAST)
    await s.connect(server.url, { filters: [ticker] })
    // And what `neural stream --source` reads: it must say so too, once per outage.
    const feed = new BusFeed({ url: server.url, connection: FAST })
    await feed.subscribe([ticker])
    open.push(p, s, feed)
    const feedTicks: number[] = []
    feed.on('tick', (t) => feedTicks.push(t.volume!))
    const feedErrors: { code: string; message: string }[] = []
    feed.on('error', (e) => feedErrors.push({ code: e.code, message: e.message }))
    const gaps: BusGap[] = []
    const bookAtGap: unknown[] = []
    s.on('gap', (g) => {
      gaps.push(g)
      bookAtGap.push(s.book(ticker))
    })
    const volumes: number[] = []
    s.on('tick', (t) => volumes.push(t.volume!))
    s.on('error', () => undefined)

    p.publish(book(ticker, 0))
    await waitFor(() => s.book(ticker) !== undefined, 'the first book')
    // Ticks every 5 ms throughout, numbered by their volume (tick(n) has volume 100 + n).
    let published = 0
    pump = setInterval(() => p.publish(tick(ticker, published++)), 5)
    await waitFor(() => volumes.length >= 20, 'ticks before the outage')
    await server.stop()
    await waitFor(() => !p.stats().connected && !s.stats().connected, 'both to see the outage')
    const publishedDuringOutage = published
    await waitFor(() => published >= publishedDuringOutage + 40, 'ticks published during the outage')
    await server.start()
    await waitFor(() => p.stats().connected && s.stats().connected, 'both to reconnect')
    // Both readers must have a message from after the outage before the pump stops: one still
    // resubscribing when the last tick goes out loses it with no later message to show a gap
    // (the feed did, one run in thirty).
    await waitFor(() => gaps.length > 0, 'a gap after the outage')
    await waitFor(() => feedErrors.length > 0, 'the feed to see the gap after the outage')
    clearInterval(pump)
    pump = undefined
    const last = published - 1
    await waitFor(() => volumes.at(-1) === 100 + last && feedTicks.at(-1) === 100 + last, 'the last tick')

    // Every tick published was either received or counted as lost: none vanished silently. A book
    // snapshot sent as the server went down is lost too, on the book subject: counted apart.
    const missedOf = (type: string) => gaps.reduce((n, g) => n + (g.eventType === type ? g.missed ?? 0 : 0), 0)
    expect(volumes.length + missedOf('ticker')).to.equal(published)
    expect(gaps.every((g) => g.reason === 'publisher_seq' && g.ticker === ticker && (g.eventType === 'ticker' || g.eventType === 'book'))).to.equal(true)
    expect(s.stats()).to.include({ missed: missedOf('ticker') + missedOf('book') })
    // The book was dropped at the gap, and came back from the publisher's next snapshot.
    expect(bookAtGap[0]).to.equal(undefined)
    await waitFor(() => s.book(ticker) !== undefined, 'the book re-snapshotted')
    // The feed's report: one line per outage, whose counts add up the same way.
    const lostBy = (e: { message: string }) => Number(/^lost \d+ bus messages? on \d+ subjects?: (?:.*, )?(\d+) ticker\b/.exec(e.message)?.[1] ?? 0)
    await waitFor(() => feedErrors.length > 0 && feedTicks.length + feedErrors.reduce((n, e) => n + lostBy(e), 0) === published, 'the feed to report the loss')
    expect(feedErrors.every((e) => e.code === 'BUS_GAP' && /^lost \d+ bus messages? on \d+ subjects?: \d+ (ticker|book)\b/.test(e.message))).to.equal(true)
    expect(feedErrors.length).to.be.at.most(2)
    // The publisher's numbering stays on the bus: events are the same objects the exchange feed emits.
    expect(Object.keys((await nextTick(s, p, ticker)) as object)).to.not.include.members(['pub', 'pubSeq'])
  })
})

function nextTick(s: BusSource, p: BusPublisher, ticker: string): Promise<unknown> {
  return new Promise((resolve) => {
    s.once('tick', resolve)
    // n = 5000: yesBid 0.9 (the bus decoder refuses a price above $1).
    p.publish(tick(ticker, 5_000))
  })
}
