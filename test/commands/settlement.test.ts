/**
 * A paper run across a simulated game's end: fills pay Kalshi's taker fee, the game's markets are
 * determined, the paper portfolio settles, and the final P&L is exactly what the fills and the
 * settlements add up to (recomputed here from the NDJSON).
 */
import { expect } from 'chai'
import { join } from 'node:path'
import { takerFeeDollars } from '../../src/core/fees.js'
import { startSimulator, type Simulator } from '../../src/sim/index.js'
import { E2E, byType, units } from '../fixtures/strategies/e2e/harness.js'
import { CountingProxy, ensureBuilt, Neural, tempDir, type RunResult } from './helpers.js'

const getJsonOf = async (url: string) => (await (await fetch(url)).json()) as Record<string, unknown>

describe('neural run-strategy --hook paper across a game end (settlement)', function () {
  this.timeout(60_000)
  let sim: Simulator
  let proxy: CountingProxy | undefined
  let tmp: { dir: string; remove: () => void }
  let run: RunResult
  let lines: Record<string, unknown>[]

  before(async function () {
    this.timeout(120_000)
    await ensureBuilt()
    tmp = tempDir('neural-settlement-')
    // Speed 40: DAL@PHI kicks off at once and ends after ~4.5 s real; determined a second later. The
    // clock waits (paused) until the CLI's WebSocket connects, so a slow start cannot miss the game.
    sim = await startSimulator({ speed: 40 })
    sim.pause()
    proxy = await new CountingProxy(sim.port).start()
    // Unchecked: settlement is the subject, and a cold type check is two CPU-seconds of something else.
    const child = new Neural(['run-strategy', `${E2E}/strategies/hold-to-settlement.ts`, '--env', 'sim', '--api-url', proxy.apiUrl, '--ws-url', proxy.wsUrl, '--hook', 'paper', '--json', '--no-typecheck'], { runtimeDir: join(tmp.dir, 'runtime'), timeoutMs: 50_000 })
    try {
      await child.until(() => proxy!.upgrades > 0, 30_000, 'the WebSocket connection')
      sim.resume()
      const parsed = () => child.lines().map((l) => JSON.parse(l) as Record<string, unknown>)
      // Every market bought has been settled.
      await child.until(() => {
        const now = parsed()
        const bought = new Set(now.filter((l) => l.type === 'order' && l.status === 'filled').map((l) => l.ticker))
        const settled = new Set(now.filter((l) => l.type === 'settlement').map((l) => l.ticker))
        return bought.size > 0 && [...bought].every((t) => settled.has(t))
      }, 40_000, 'a settlement of every market bought')
      child.child.kill('SIGINT')
      run = await child.done
    } finally {
      child.child.kill('SIGKILL')
    }
    lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
  })

  after(async () => {
    await proxy?.close()
    await sim?.close()
    tmp?.remove()
  })

  it('fills each buy with its taker fee, settles each position once, and ends with none open', () => {
    expect(run.code, run.stderr).to.equal(130)
    const { orders, summary } = byType(lines)
    const filled = orders.filter((o) => o.status === 'filled')
    expect(filled.length).to.be.greaterThan(1)
    for (const o of filled) expect(o.feeDollars, String(o.ticker)).to.equal(takerFeeDollars(o.filledQuantity as number, o.priceDollars as number))
    const settlements = lines.filter((l) => l.type === 'settlement')
    expect(settlements.map((s) => s.ticker).sort()).to.deep.equal(filled.map((o) => o.ticker).sort())
    for (const s of settlements) {
      const order = filled.find((o) => o.ticker === s.ticker)!
      expect(s).to.include({ hook: 'paper', side: 'yes', quantity: order.filledQuantity })
      expect(['yes', 'no']).to.include(s.result)
      expect(s.settlementValueDollars).to.equal(s.result === 'yes' ? 1 : 0)
      expect(s.payoutDollars).to.equal((s.quantity as number) * (s.settlementValueDollars as number))
    }
    expect(summary.pnl!.positions.every((p) => p.quantity === 0)).to.equal(true)
    expect(summary.pnl!.unrealizedPnlDollars).to.equal(0)
  })

  it('ends with a final P&L equal to the settlements paid minus what the fills cost, fees included', () => {
    const { orders, summary } = byType(lines)
    const filled = orders.filter((o) => o.status === 'filled')
    const spent = filled.reduce((sum, o) => sum + units(o.priceDollars as number) * (o.filledQuantity as number) + units(o.feeDollars as number), 0)
    const fees = filled.reduce((sum, o) => sum + units(o.feeDollars as number), 0)
    const paid = lines.filter((l) => l.type === 'settlement').reduce((sum, s) => sum + units(s.payoutDollars as number), 0)
    expect(units(summary.pnl!.feesDollars)).to.equal(fees)
    expect(units(summary.pnl!.totalPnlDollars)).to.equal(paid - spent)
    expect(units(summary.pnl!.realizedPnlDollars)).to.equal(paid - spent)
    expect(units(summary.pnl!.cashDollars)).to.equal(10_000_000 + paid - spent)
    const settledPnl = lines.filter((l) => l.type === 'settlement').reduce((sum, s) => sum + units(s.pnlDollars as number), 0)
    expect(settledPnl).to.equal(paid - spent)
  })

  it('shows the result and the settlement value on the REST market once the game is determined', async () => {
    const settlement = lines.find((l) => l.type === 'settlement')!
    const market = (await getJsonOf(`${sim.apiUrl}/markets/${String(settlement.ticker)}`)).market as Record<string, unknown>
    expect(market.result).to.equal(settlement.result)
    expect(market.settlement_value_dollars).to.equal(settlement.result === 'yes' ? '1.0000' : '0.0000')
    expect(['determined', 'finalized']).to.include(market.status)
  })
})
