import { expect } from 'chai'
import { measureFanout } from '../../src/bus/fanout-bench.js'
import { NatsServer, natsServerAvailable } from './nats-server.js'

describe('bus fan-out measurement', function () {
  this.timeout(60_000)
  let server: NatsServer

  before(async function () {
    if (!natsServerAvailable()) {
      console.warn('    skipped: /usr/sbin/nats-server is missing (apt-get install nats-server)')
      this.skip()
    }
    server = await new NatsServer().start()
  })

  after(async () => {
    await server?.dispose()
  })

  it('delivers every tick to every consumer and reports throughput and latency percentiles', async () => {
    const r = await measureFanout({ url: server.url, consumers: 3, messages: 500, batchSize: 100 })
    expect(r).to.include({ consumers: 3, messages: 500, delivered: 1500, lost: 0 })
    expect(r.p50LatencyMs).to.be.greaterThan(0)
    expect(r.p50LatencyMs).to.be.at.most(r.p99LatencyMs)
    expect(r.p99LatencyMs).to.be.at.most(r.maxLatencyMs)
    expect(r.maxLatencyMs).to.be.lessThan(r.durationMs)
    expect(r.deliveredPerSec).to.be.closeTo(1500 / (r.durationMs / 1000), 1e-6)
    expect(r.publishPerSec).to.be.greaterThan(0)
  })
})
