import { expect } from 'chai'
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { BusPublisher } from '../../src/bus/publisher.js'
import type { MarketEvent } from '../../src/core/types.js'
import { asJson, book, byMarket, tick, trade, withSeq } from './events.js'
import { NatsServer, natsServerAvailable, waitFor } from './nats-server.js'

const CONSUMER = fileURLToPath(new URL('./fixtures/consume.ts', import.meta.url))

interface Child {
  process: ChildProcess
  lines: string[]
  exited: boolean
  stderr: string
}

function consumer(url: string, count: number, filters: string): Child {
  const process_ = spawn(process.execPath, ['--import', 'tsx', CONSUMER, url, String(count), filters], { stdio: ['pipe', 'pipe', 'pipe'] })
  const child: Child = { process: process_, lines: [], exited: false, stderr: '' }
  let partial = ''
  process_.stdout!.on('data', (d) => {
    const parts = (partial + d.toString()).split('\n')
    partial = parts.pop()!
    child.lines.push(...parts)
  })
  process_.stderr!.on('data', (d) => (child.stderr += d.toString()))
  process_.once('exit', () => (child.exited = true))
  return child
}

describe('bus consumers in separate processes', function () {
  this.timeout(60_000)
  let server: NatsServer
  const children: Child[] = []

  before(async function () {
    if (!natsServerAvailable()) {
      console.warn('    skipped: /usr/sbin/nats-server is missing (apt-get install nats-server)')
      this.skip()
    }
    server = await new NatsServer().start()
  })

  after(async () => {
    for (const c of children) if (!c.exited) c.process.kill('SIGKILL')
    await server?.dispose()
  })

  it('two consumer processes receive the same events in the same order per market', async () => {
    const markets = ['KXNFLGAME-25SEP04DALPHI-PHI', 'KXNFLGAME-25SEP04DALPHI-DAL', 'KXNFLGAME-25SEP07KCLAC-KC']
    const sent: MarketEvent[] = []
    for (let n = 0; n < 60; n++) {
      const ticker = markets[n % 3]
      sent.push(n % 3 === 0 ? tick(ticker, n) : n % 3 === 1 ? trade(ticker, n) : book(ticker, n))
    }
    for (let n = 0; n < 30; n++) sent.push(book(markets[n % 3], 100 + n))
    children.push(consumer(server.url, sent.length, 'KXNFLGAME*'), consumer(server.url, sent.length, markets.join(',')))
    await waitFor(() => children.every((c) => c.lines.includes('READY') || c.exited), 'both consumers to subscribe')
    expect(children.map((c) => c.stderr)).to.deep.equal(['', ''])

    const p = new BusPublisher({ snapshotEveryMs: 60_000 })
    await p.connect(server.url)
    for (const e of sent) p.publish(e)
    await waitFor(() => children.every((c) => c.exited), 'both consumers to receive everything and exit')
    await p.close()

    const seqs = new Map<string, number>()
    const expected = sent.map((e) => {
      if (e.type !== 'book') return asJson(e)
      const seq = (seqs.get(e.ticker) ?? 0) + 1
      seqs.set(e.ticker, seq)
      return withSeq(e, seq)
    })
    const received = children.map((c) => c.lines.filter((l) => l !== 'READY').map((l) => JSON.parse(l) as { event: string; data: MarketEvent }))
    for (const r of received) {
      expect(r.filter((l) => l.event === 'gap')).to.deep.equal([])
      expect(byMarket(r.map((l) => l.data))).to.deep.equal(byMarket(expected))
    }
    expect(received[0].map((l) => l.data)).to.deep.equal(received[1].map((l) => l.data))
  })
})
