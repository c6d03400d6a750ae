/**
 * Seconds flags that become a timer's delay stop at 2^31-1 ms: Node fires a longer timer after 1 ms
 * (TimeoutOverflowWarning), so `--duration 3000000` used to end a run at once with exit 0. Such a
 * value is refused with BAD_DURATION, saying the maximum.
 */
import { expect } from 'chai'
import Dashboard from '../../src/commands/dashboard.js'
import NflGame from '../../src/commands/nfl/game.js'
import NflTeam from '../../src/commands/nfl/team.js'
import RunStrategy from '../../src/commands/run-strategy.js'
import Stream from '../../src/commands/stream.js'
import { liveDataInterval, secondsToMs } from '../../src/cli/flags.js'
import { NeuralError } from '../../src/errors.js'
import { startSimulator, type Simulator } from '../../src/sim/index.js'
import { runCommand, runCommandWithin } from '../support/run-command.js'

const BUY_TEN = new URL('../fixtures/strategies/buy-ten.ts', import.meta.url).pathname
const LIMIT = 'at most 2147483.647 seconds (about 24.8 days, the longest wait Node.js timers take)'

function thrown(fn: () => unknown): NeuralError {
  try {
    fn()
  } catch (error) {
    expect(error).to.be.instanceOf(NeuralError)
    return error as NeuralError
  }
  throw new Error('expected an error')
}

describe('secondsToMs: the longest a timer waits', () => {
  it('takes 2147483.647 seconds, the longest delay Node timers take', () => {
    expect(secondsToMs('duration', '2147483.647')).to.equal(2_147_483_647)
  })

  it('refuses one millisecond more with BAD_DURATION, saying the maximum', () => {
    const error = thrown(() => secondsToMs('duration', '2147483.648'))
    expect({ kind: error.kind, code: error.code, message: error.message }).to.deep.equal({ kind: 'input', code: 'BAD_DURATION', message: `--duration: ${LIMIT}, got "2147483.648"` })
  })

  it('refuses 1e12 as too long, not as "not a positive number"', () => {
    expect(thrown(() => secondsToMs('duration', '1e12')).message).to.equal(`--duration: ${LIMIT}, got "1e12"`)
  })

  it('reads an exponent it can wait for (1e3 s)', () => {
    expect(secondsToMs('duration', '1e3')).to.equal(1_000_000)
  })

  it('refuses every timer flag past the limit: --stuck-after, --report-every, --snapshot-every, --live-data-interval', () => {
    for (const flag of ['stuck-after', 'report-every', 'snapshot-every']) {
      expect(thrown(() => secondsToMs(flag, '3000000')).message).to.equal(`--${flag}: ${LIMIT}, got "3000000"`)
    }
    expect(thrown(() => liveDataInterval('3000000')).code).to.equal('BAD_DURATION')
  })

  it('lets --jetstream-max-age past it: a retention limit for NATS, not a timer', () => {
    expect(secondsToMs('jetstream-max-age', '3000000')).to.equal(3_000_000_000)
  })
})

describe('--duration past the timer limit, by command', function () {
  this.timeout(20_000)
  let sim: Simulator
  before(async () => {
    // A reachable exchange: before the fix the run connected and ended ~1 ms later with exit 0.
    sim = await startSimulator({ port: 0 })
  })
  after(async () => {
    await sim?.close()
  })

  const exchange = () => ['--env', 'sim', '--api-url', sim.apiUrl, '--ws-url', sim.wsUrl, '--json', '--duration', '3000000']
  const expected = { type: 'error', kind: 'input', code: 'BAD_DURATION', message: `--duration: ${LIMIT}, got "3000000"` }


  const cases: Array<[string, Parameters<typeof runCommand>[0], string[]]> = [
    ['stream', Stream, ['KXNFLGAME*']],
    ['nfl game', NflGame, ['25SEP04DALPHI']],
    ['nfl team', NflTeam, ['PHI']],
    ['dashboard', Dashboard, ['--port', '0']],
    ['run-strategy', RunStrategy, [BUY_TEN, '--hook', 'log', '--no-typecheck']],
  ]
  for (const [id, Cmd, args] of cases) {
    it(`${id} refuses it with exit 2 and BAD_DURATION, as JSON under --json`, async () => {
      const r = await runCommandWithin(10_000, () => runCommand(Cmd, [...args, ...exchange()], { id }))
      expect(r.code, r.stdout).to.equal(2)
      expect(JSON.parse(r.stdout)).to.deep.equal(expected)
      expect(r.stderr).to.equal(`error: ${expected.message}\n`)
    })
  }
})
