import { expect } from 'chai'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { runHistorySession } from '../../src/history/session.js'
import { startSimulator, type Simulator } from '../../src/sim/index.js'

describe('history session: progress bar', function () {
  this.timeout(60_000)
  let sim: Simulator
  let dir: string
  before(async () => {
    sim = await startSimulator({ ratePerSec: 20 })
    dir = mkdtempSync(join(tmpdir(), 'neural-session-'))
  })
  after(async () => {
    await sim?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  const exchange = () => ({ apiUrl: sim.apiUrl, wsUrl: sim.wsUrl, simulated: true, close: async () => undefined })

  it('draws a bar on a terminal stream, and ends with the summary', async () => {
    const tty = Object.assign(new PassThrough(), { isTTY: true, columns: 100 }) as unknown as NodeJS.WriteStream
    let drawn = ''
    ;(tty as unknown as PassThrough).on('data', (d: Buffer) => (drawn += d.toString()))
    const { summary, interrupted } = await runHistorySession({ exchange: exchange() as never, args: ['nfl', '25AUG31BUFBAL'], dbFile: join(dir, 'a.duckdb'), progressStream: tty, maxRequestsPerSec: 500 })
    expect(interrupted).to.equal(false)
    expect(summary).to.deep.include({ type: 'history', markets: 6 })
    expect(drawn).to.match(/history \[[^\]]*\] \d+\/12 steps \| \d+ new trades \| \d+ requests/)
  })

  it('stops at once when aborted and says so; what it stored stays', async () => {
    const abort = new AbortController()
    abort.abort()
    const { summary, interrupted } = await runHistorySession({ exchange: exchange() as never, args: ['nfl', '25AUG31LAHOU'], dbFile: join(dir, 'b.duckdb'), signal: abort.signal, maxRequestsPerSec: 500 })
    expect(interrupted).to.equal(true)
    expect(summary).to.deep.include({ markets: 6, trades: 0, newTrades: 0 })
  })
})
