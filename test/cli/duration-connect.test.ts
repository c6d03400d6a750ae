/**
 * A live command with --duration ends at its duration even when it never connects (a cron job must
 * end): exit 1 with one CONNECT_FAILED error naming the last connection error, under --json as a
 * JSON object. Commands run in this process against a port where nothing listens.
 */
import { expect } from 'chai'
import Dashboard from '../../src/commands/dashboard.js'
import NflGame from '../../src/commands/nfl/game.js'
import NflTeam from '../../src/commands/nfl/team.js'
import RunStrategy from '../../src/commands/run-strategy.js'
import Stream from '../../src/commands/stream.js'
import { startSimulator, type Simulator } from '../../src/sim/index.js'
import { runCommand, runCommandWithin } from '../support/run-command.js'
import { closedPort } from '../support/ports.js'

const BUY_TEN = new URL('../fixtures/strategies/buy-ten.ts', import.meta.url).pathname
/**
 * Only how long a run that should have ended may go on before the test calls it stuck: each ends
 * about a second in, but run-strategy first starts a strategy thread (tsx and our sources in it,
 * from source), which took over 10 s on a 2-core machine running two suites at once.
 */
const WITHIN_MS = 30_000



/** The JSON lines of stdout other than connection notices. */
function records(stdout: string): Array<Record<string, unknown>> {
  return stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => r.type !== 'connection')
}

describe('--duration ends a run that never connects', function () {
  this.timeout(WITHIN_MS + 10_000)
  let sim: Simulator
  let port: number
  let wsUrl: string
  let expected: { type: string; kind: string; code: string; message: string }

  before(async () => {
    // The exchange's REST answers (the nfl commands look the game up first); its WebSocket is refused.
    sim = await startSimulator({ port: 0 })
    port = await closedPort()
    wsUrl = `ws://127.0.0.1:${port}/trade-api/ws/v2`
    expected = {
      type: 'error', kind: 'network', code: 'CONNECT_FAILED',
      message: `not connected within 1 s: could not connect to ${wsUrl}: connect ECONNREFUSED 127.0.0.1:${port}`,
    }
  })
  after(async () => {
    await sim?.close()
  })

  // The connect may take the longer of the duration and the WebSocket timeout: both 1 s here.
  const exchange = () => ['--env', 'sim', '--api-url', sim.apiUrl, '--ws-url', wsUrl, '--json', '--duration', '1', '--timeout', '1']

  it('stream: exit 1 with CONNECT_FAILED and the last connection error', async () => {
    const r = await runCommandWithin(WITHIN_MS, () => runCommand(Stream, ['KXNFLGAME*', ...exchange()], { id: 'stream' }))
    expect(r.code, r.stderr).to.equal(1)
    // The summary of what it did (nothing), then why.
    const [summary, error] = records(r.stdout)
    expect(summary).to.include({ type: 'summary', messages: 0 })
    expect(error).to.deep.equal(expected)
    expect(r.stderr).to.equal(`error: ${expected.message}\n`)
  })

  it('nfl game: exit 1 with CONNECT_FAILED', async () => {
    const r = await runCommandWithin(WITHIN_MS, () => runCommand(NflGame, ['25SEP04DALPHI', ...exchange()], { id: 'nfl game' }))
    expect(r.code, r.stderr).to.equal(1)
    expect(records(r.stdout).map((l) => l.type)).to.deep.equal(['summary', 'error'])
    expect(records(r.stdout)[1]).to.deep.equal(expected)
  })

  it('nfl team: exit 1 with CONNECT_FAILED', async () => {
    const r = await runCommandWithin(WITHIN_MS, () => runCommand(NflTeam, ['PHI', ...exchange()], { id: 'nfl team' }))
    expect(r.code, r.stderr).to.equal(1)
    expect(records(r.stdout).map((l) => l.type)).to.deep.equal(['summary', 'error'])
    expect(records(r.stdout)[1]).to.deep.equal(expected)
  })

  it('run-strategy: exit 1 with its summary, then CONNECT_FAILED', async () => {
    const r = await runCommandWithin(WITHIN_MS, () => runCommand(RunStrategy, [BUY_TEN, '--hook', 'log', '--no-typecheck', ...exchange()], { id: 'run-strategy' }))
    expect(r.code, r.stderr).to.equal(1)
    const lines = records(r.stdout)
    expect(lines.map((l) => l.type)).to.deep.equal(['summary', 'error'])
    expect(lines[0]).to.include({ signals: 0, events: 0 })
    expect(lines[1]).to.deep.equal(expected)
  })

  it('dashboard: exit 1 with CONNECT_FAILED, as stream', async () => {
    const r = await runCommandWithin(WITHIN_MS, () => runCommand(Dashboard, ['--port', '0', ...exchange()], { id: 'dashboard' }))
    expect(r.code, r.stderr).to.equal(1)
    const lines = records(r.stdout)
    expect(lines.map((l) => l.type)).to.deep.equal(['dashboard', 'error'])
    expect(lines[1]).to.deep.equal(expected)
  })
})
