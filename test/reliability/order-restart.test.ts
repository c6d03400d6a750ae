/**
 * Limits that hold across restarts, and one order per signal even when the process dies between
 * sending an order and reading the answer. A proxy in front of the simulator's REST API passes the
 * first order on but never answers it; the test kills neural (SIGKILL) at that moment, then runs it
 * again twice. Before the fix the restarted runs sent the same order again under a new random
 * client_order_id and knew nothing of the position held, so it passed maxPositionPerMarket.
 */
import { expect } from 'chai'
import { writeFileSync } from 'node:fs'
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { startSimulator, type Simulator } from '../../src/sim/index.js'
import { accountOf } from '../../src/sim/portfolio.js'
import { ensureBuilt, jsonLines, Neural, runNeural, tempDir, type RunResult } from '../commands/helpers.js'
import { testRsaKey } from '../support/rsa-keys.js'

/** Forwards every request to the simulator; while `holding`, the answer to an order is kept back. */
class HoldingProxy {
  readonly server: Server
  holding = true
  /** Bodies of the orders whose answers were kept back. */
  readonly held: string[] = []
  constructor(targetPort: number) {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const body = Buffer.concat(chunks)
        const up = request({ host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers }, (answer) => {
          const out: Buffer[] = []
          answer.on('data', (c: Buffer) => out.push(c))
          answer.on('end', () => {
            if (this.holding && req.method === 'POST' && req.url === '/trade-api/v2/portfolio/orders') {
              // The exchange has placed the order; its answer never arrives.
              this.held.push(body.toString('utf8'))
              return
            }
            res.writeHead(answer.statusCode ?? 502, answer.headers).end(Buffer.concat(out))
          })
        })
        up.on('error', () => res.destroy())
        up.end(body)
      })
    })
  }
  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r))
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/trade-api/v2`
  }
  close(): Promise<void> {
    this.server.closeAllConnections()
    return new Promise((r) => this.server.close(() => r()))
  }
}

describe('risk limits across a restart, and a process killed between order and answer', function () {
  this.timeout(90_000)
  const tmp = tempDir('neural-order-restart-')
  const keyId = 'c0ffee00-1234-4abc-8def-000000000013'
  let sim: Simulator
  let proxy: HoldingProxy
  let ticker: string
  let firstBody: Record<string, unknown>
  const runs: RunResult[] = []

  before(async function () {
    this.timeout(240_000)
    await ensureBuilt()
    const keyFile = join(tmp.dir, 'key.pem')
    writeFileSync(keyFile, testRsaKey().pkcs1, { mode: 0o600 })
    const rc = join(tmp.dir, 'neuralrc.json')
    writeFileSync(rc, JSON.stringify({ risk: { maxContractsPerOrder: 5, maxPositionPerMarket: 3, maxOrdersPerMinute: 100, maxTotalCostDollars: 100 } }))
    sim = await startSimulator({ seed: 13 })
    // An open market whose book sells yes at or below 0.99: a buy at 0.99 executes at once.
    ticker = sim.world.markets().find((m) => m.status === 'active' && m.ticker.startsWith('KXNFLGAME') && m.book.best('no') !== undefined)!.ticker
    proxy = new HoldingProxy(sim.port)
    const apiUrl = await proxy.start()
    const args = ['run-strategy', 'test/fixtures/strategies/buy-ten.ts', '--param', `ticker=${ticker}`, '--env', 'sim', '--api-url', apiUrl, '--ws-url', sim.wsUrl,
      '--api-key-id', keyId, '--private-key-path', keyFile, '--config', rc, '--hook', 'kalshi', '--live', '--json', '--no-typecheck']
    const runtimeDir = join(tmp.dir, 'run')

    // Run 1: killed while its first order is placed but unanswered.
    // Deadlines sized for a loaded machine; a run that fails fails at once (until() sees it exit). Each
    // run is unchecked (--no-typecheck): what survives a restart is the subject, not the type check.
    const first = new Neural(args, { runtimeDir, timeoutMs: 90_000 })
    try {
      await first.until(() => proxy.held.length === 1, 60_000, 'the first order to reach the exchange')
    } finally {
      first.child.kill('SIGKILL')
    }
    runs.push(await first.done)
    firstBody = JSON.parse(proxy.held[0]!)
    proxy.holding = false
    // Runs 2 and 3: the same strategy, started again, each until its ten signals are handled.
    for (let i = 0; i < 2; i++) runs.push(await runNeural([...args, '--duration', '6'], { runtimeDir, timeoutMs: 60_000 }))
  })

  after(async () => {
    await proxy?.close()
    await sim?.close()
    tmp.remove()
  })

  it('places the order whose answer was lost exactly once', () => {
    expect(runs[0]!.signal ?? runs[0]!.code).to.be.oneOf(['SIGKILL', 137, null])
    const orders = accountOf(sim.world, keyId).orders
    expect(orders.filter((o) => o.clientOrderId === firstBody.client_order_id)).to.have.length(1)
    // Every order has its own client_order_id: no order was placed twice.
    expect(new Set(orders.map((o) => o.clientOrderId)).size).to.equal(orders.length)
    const second = jsonLines(runs[1]!.stdout).filter((l) => l.type === 'order')
    expect(second[0]).to.include({ status: 'sent' })
    expect(String(second[0]!.message)).to.match(/^already placed by an earlier run \(client_order_id nrl-/)
  })

  it('never holds more than maxPositionPerMarket, whatever the restarts', () => {
    for (const r of runs.slice(1)) expect(r.code, r.stderr).to.equal(0)
    const position = accountOf(sim.world, keyId).positions.get(ticker)!.position / 100
    expect(position).to.be.within(1, 3)
    const third = jsonLines(runs[2]!.stdout).filter((l) => l.type === 'order')
    expect(third).to.have.length(10)
    // Run 3 starts from the account: nothing new is placed.
    expect(third.filter((o) => o.status === 'sent' && !String(o.message).startsWith('already placed'))).to.deep.equal([])
    expect(third.filter((o) => o.status === 'refused').every((o) => o.limit === 'maxPositionPerMarket')).to.equal(true)
  })
})
