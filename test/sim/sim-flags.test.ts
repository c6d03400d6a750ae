/**
 * `neural sim` refuses number flags that mean nothing (a fault every 0 or -1 times, a negative
 * market count) and a --drop-every its timer cannot wait, the way it refuses --rate 0: exit 2, one
 * line naming the flag and what is allowed. A --public-key file that is not a key is the user's
 * mistake (PUBLIC_KEY_FILE, exit 2), not an internal error.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { expect } from 'chai'
import Sim from '../../src/commands/sim.js'
import { startSimulator } from '../../src/sim/index.js'
import { testRsaKey } from '../support/rsa-keys.js'
import { runCommand } from '../support/run-command.js'

describe('neural sim: flag values', () => {
  /** Whether the command got as far as serving; it then stops at once, so nothing is left running. */
  let served = false
  const originalWait = Sim.waitForStop
  beforeEach(() => {
    served = false
    Sim.waitForStop = async () => { served = true }
  })
  afterEach(() => { Sim.waitForStop = originalWait })

  describe('number flags out of range', () => {
    const refused: Array<[string[], string]> = [
      [['--drop-every', '0'], '--drop-every: expected a whole number of seconds from 1 to 2147483, got 0'],
      [['--drop-every', '-1'], '--drop-every: expected a whole number of seconds from 1 to 2147483, got -1'],
      [['--drop-every', '3000000'], '--drop-every: expected a whole number of seconds from 1 to 2147483, got 3000000'],
      [['--seq-gap-every', '0'], '--seq-gap-every: expected a whole number ≥ 1, got 0'],
      [['--malformed-every', '-2'], '--malformed-every: expected a whole number ≥ 1, got -2'],
      [['--error-every', '0'], '--error-every: expected a whole number ≥ 1, got 0'],
      [['--silent-after', '-1'], '--silent-after: expected a whole number of seconds ≥ 0 (0: silent from the start), got -1'],
      [['--markets', '-1'], '--markets: expected a whole number ≥ 0 (0: none extra), got -1'],
      [['--subscription-market-limit', '0'], '--subscription-market-limit: expected a whole number ≥ 1, got 0'],
      [['--command-rate-limit', '-1'], '--command-rate-limit: expected a whole number ≥ 0 (0: unlimited), got -1'],
      [['--new-event-every', '-1'], '--new-event-every: expected a whole number of seconds ≥ 0 (0: never), got -1'],
      [['--rate', '0'], '--rate: expected a whole number ≥ 1, got 0'],
    ]
    for (const [args, message] of refused) {
      it(`refuses ${args.join(' ')} with exit 2 and BAD_COUNT, as JSON under --json`, async () => {
        const r = await runCommand(Sim, ['--port', '0', ...args, '--json'], { id: 'sim' })
        expect(served, 'served').to.equal(false)
        expect(r.code, r.stderr).to.equal(2)
        expect(r.stderr).to.equal(`error: ${message}\n`)
        expect(JSON.parse(r.stdout)).to.deep.equal({ type: 'error', kind: 'input', code: 'BAD_COUNT', message })
      })
    }

    it('starts with the zeros that mean something: --silent-after 0 --new-event-every 0 --command-rate-limit 0 --markets 0', async () => {
      const r = await runCommand(Sim, ['--port', '0', '--silent-after', '0', '--new-event-every', '0', '--command-rate-limit', '0', '--markets', '0', '--drop-every', '2147483', '--json'], { id: 'sim' })
      expect(r.code, r.stderr).to.equal(0)
      expect(served).to.equal(true)
    })
  })

  describe('--public-key', () => {
    let dir: string
    beforeEach(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'neural-sim-key-'))
    })
    afterEach(() => {
      rmSync(dir, { recursive: true, force: true })
    })

    it('refuses a file that is not a PEM key with exit 2 and PUBLIC_KEY_FILE, as JSON under --json', async () => {
      const file = path.join(dir, 'not-a-key.txt')
      writeFileSync(file, 'hello, not a key\n')
      const r = await runCommand(Sim, ['--port', '0', '--public-key', file, '--json'], { id: 'sim' })
      expect(served, 'served').to.equal(false)
      const message = `--public-key: ${file} is not a PEM public key (expected a file starting with -----BEGIN PUBLIC KEY-----)`
      expect(r.code, r.stderr).to.equal(2)
      expect(r.stderr).to.equal(`error: ${message}\n`)
      expect(JSON.parse(r.stdout)).to.deep.equal({ type: 'error', kind: 'input', code: 'PUBLIC_KEY_FILE', message })
    })

    it('serves with a real public key file', async () => {
      const file = path.join(dir, 'key.pub.pem')
      writeFileSync(file, testRsaKey().publicPem)
      const r = await runCommand(Sim, ['--port', '0', '--public-key', file, '--json'], { id: 'sim' })
      expect(r.code, r.stderr).to.equal(0)
      expect(served).to.equal(true)
    })
  })
})

describe('startSimulator: timer options', () => {
  it('refuses a drop interval its timer cannot wait before it listens', async () => {
    let caught: unknown
    try {
      const sim = await startSimulator({ port: 0, faults: { dropEverySec: 3_000_000 } })
      await sim.close()
    } catch (error) {
      caught = error
    }
    expect(caught).to.be.instanceOf(RangeError)
    expect((caught as Error).message).to.equal("faults.dropEverySec: 3000000000 ms is longer than Node's timers wait (at most 2147483647 ms)")
  })
})
