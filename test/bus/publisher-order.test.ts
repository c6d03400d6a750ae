/**
 * The publisher's disconnected buffer goes out before anything newer. The NATS client can report
 * itself connected before the publisher's reconnect handler has flushed; a tick published in that
 * moment went out ahead of the buffered ones, and a consumer counted those lost at the jump in
 * numbers and then received them too (the bus-gap test caught it, 2 runs in 15).
 */
import { expect } from 'chai'
import { BusPublisher } from '../../src/bus/publisher.js'
import { tick } from './events.js'

describe('bus publisher order across a reconnect', () => {
  it('sends what waited in the buffer before a message published once the client says connected', () => {
    const p = new BusPublisher({ maxBufferedMessages: 10 })
    let connected = false
    const sent: number[] = []
    // The connection as the publisher sees it: connected or not, and where publishes go.
    Object.assign(p as unknown as Record<string, unknown>, {
      conn: { isConnected: () => connected, nc: { publish: (_subject: string, json: string) => sent.push(JSON.parse(json).volume) } },
    })
    p.publish(tick('KXNFLGAME-25SEP04DALPHI-PHI', 1))
    p.publish(tick('KXNFLGAME-25SEP04DALPHI-PHI', 2))
    expect(sent).to.deep.equal([])
    // Connected again, and the reconnect event not yet handled.
    connected = true
    p.publish(tick('KXNFLGAME-25SEP04DALPHI-PHI', 3))
    expect(sent).to.deep.equal([101, 102, 103])
    expect(p.stats()).to.include({ buffered: 0, dropped: 0 })
  })
})
