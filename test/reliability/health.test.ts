/**
 * Issue 13: health that tells the truth. A throttled link (every frame held back by a proxy) must
 * show as `lag`, and markets that stop sending while the connection stays up as `stale`, both in the
 * stream's own events and in `neural status`.
 */
import { expect } from 'chai'
import { join } from 'node:path'
import { formatStatusReport } from '../../src/runtime/status-report.js'
import { listProcesses, type ListedProcess } from '../../src/runtime/status-registry.js'
import { startSimulator, type Simulator } from '../../src/sim/index.js'
import type { LagEvent, StaleEvent } from '../../src/core/types.js'
import { tempDir } from '../commands/helpers.js'
import { FaultProxy } from './fault-proxy.js'
import { startSession, waitFor, type RunningSession } from './helpers.js'

describe('market health', function () {
  this.timeout(45_000)
  const tmp = tempDir('neural-health-')
  const previousDir = process.env.NEURAL_RUNTIME_DIR
  let sim: Simulator | undefined
  let proxy: FaultProxy | undefined
  let session: RunningSession | undefined

  before(() => (process.env.NEURAL_RUNTIME_DIR = join(tmp.dir, 'run')))
  afterEach(async () => {
    await session?.stop().catch(() => undefined)
    await proxy?.close()
    await sim?.close()
    session = undefined
    proxy = undefined
    sim = undefined
  })
  after(() => {
    if (previousDir === undefined) delete process.env.NEURAL_RUNTIME_DIR
    else process.env.NEURAL_RUNTIME_DIR = previousDir
    tmp.remove()
  })

  const ours = async (): Promise<ListedProcess | undefined> => (await listProcesses()).find((p) => p.pid === process.pid)
  const report = (p: ListedProcess) =>
    formatStatusReport(
      { config: { environment: 'sim', apiUrl: '', wsUrl: '', websocketTimeoutMs: 1000, retryAttempts: 0, retryDelayMs: 1, retryMaxDelayMs: 1, subscriptionBatchSize: 1, strategies: [], origins: {} }, exchange: { apiUrl: '', signed: false, reachable: true }, processes: [p], warnings: [] } as never,
      { colorLevel: 0 },
    )

  it('emits lag when frames arrive long after their exchange time, and status shows the lagging markets', async () => {
    sim = await startSimulator({ seed: 21, ratePerSec: 200, speed: 5 })
    proxy = await new FaultProxy(sim.port).start()
    // Every byte from the exchange is held 2.5 s: prices look live but are 2.5 s old.
    proxy.delayMs = 2500
    session = await startSession(sim, { targets: ['KXNFLGAME-25SEP04DALPHI*'], channels: ['ticker', 'trade'], timeoutMs: 10_000, wsUrl: proxy.wsUrl, status: true, health: { lagWarnMs: 1000 } })
    const s = session
    const lags = () => s.records.filter((r): r is LagEvent => r.type === 'lag')
    await waitFor(() => lags().length >= 1, 15_000, 'a lag event')
    const lag = lags()[0]
    expect(s.stream.watched()).to.include(lag.ticker)
    // Exchange times are whole seconds: 2.5 s of delay reads as 1.5–3.5 s late, plus the loaded machine.
    expect(lag.lagMs).to.be.within(1500, 8000)
    await waitFor(async () => ((await ours())?.health?.laggingCount ?? 0) >= 1, 5000, 'status to show lag')
    const p = (await ours())!
    expect(p.health!.lagging[0].ticker).to.match(/^KXNFLGAME-25SEP04DALPHI-/)
    expect(report(p)).to.match(/lagging \d+ \(KXNFLGAME-25SEP04DALPHI-\w+ [\d.]+ s behind/)
  })

  it('emits stale for markets silent longer than expected while connected, and status shows them', async () => {
    // Pings keep the connection alive while the market data stops.
    sim = await startSimulator({ seed: 21, ratePerSec: 300, speed: 5, pingIntervalMs: 200 })
    session = await startSession(sim, { targets: ['KXNFLGAME-25SEP04DALPHI*'], channels: ['ticker'], timeoutMs: 2000, status: true, health: { staleAfterMs: 1000 } })
    const s = session
    const tickers = s.stream.watched().sort()
    await waitFor(() => tickers.every((t) => s.events.some((e) => e.type === 'ticker' && e.ticker === t)), 8000, 'data for both markets')
    sim.pause()
    const stale = () => s.records.filter((r): r is StaleEvent => r.type === 'stale')
    await waitFor(() => new Set(stale().map((e) => e.ticker)).size === 2, 15_000, 'both markets stale')
    expect(stale().map((e) => e.ticker).sort()).to.deep.equal(tickers)
    expect(stale().every((e) => e.silentMs >= 1000)).to.equal(true)
    // Still connected: the drop of a connection is not what is reported.
    expect(s.stream.stats().connected).to.equal(true)
    await waitFor(async () => (await ours())?.health?.staleCount === 2, 5000, 'status to show both stale')
    expect(report((await ours())!)).to.match(/stale 2 \(KXNFLGAME-25SEP04DALPHI-\w+ [\d.]+ s silent, KXNFLGAME-25SEP04DALPHI-\w+ [\d.]+ s silent\)/)
    // Data again: the markets are no longer stale.
    sim.resume()
    await waitFor(() => s.stream.stats().health.stale.length === 0, 15_000, 'fresh data again')
  })
})
