/**
 * One market pattern from the strategy file to the subscription (issue: `markets: ['*']` failed a
 * live run with BAD_TARGET; `markets: ['kxnflgame*']` subscribed but saw no ticks). run-strategy in
 * this process, against its own in-process simulator.
 */
import { expect } from 'chai'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import RunStrategy from '../../src/commands/run-strategy.js'
import { byType, statsOf } from '../fixtures/strategies/e2e/harness.js'
import { runCommand, type CommandResult } from '../support/run-command.js'
import { jsonLines, linesOf, tempDir } from './helpers.js'

describe('market patterns in run-strategy', function () {
  this.timeout(30_000)
  const tmp = tempDir('neural-patterns-')
  let run: CommandResult
  let bad: CommandResult

  before(async () => {
    const every = join(tmp.dir, 'every.mjs')
    const lower = join(tmp.dir, 'lower.mjs')
    const typo = join(tmp.dir, 'typo.mjs')
    writeFileSync(every, "export default { name: 'every', markets: ['*'], onTick() {} }\n")
    writeFileSync(lower, "export default { name: 'lower', markets: ['kxnflgame*'], onTick(t) { if (!t.ticker.startsWith('KXNFLGAME-')) throw new Error('not mine: ' + t.ticker) } }\n")
    writeFileSync(typo, "export default { name: 'typo', markets: ['KXNFLGAME'], onTick() {} }\n")
    const env = { NEURAL_RUNTIME_DIR: join(tmp.dir, 'run') }
    run = await runCommand(RunStrategy, [every, lower, '--env', 'sim', '--duration', '1.5', '--json'], { id: 'run-strategy', env })
    bad = await runCommand(RunStrategy, [typo, '--env', 'sim', '--json'], { id: 'run-strategy', env })
  })

  after(() => tmp.remove())

  it("runs a live strategy whose markets are ['*'] and gives it every market's ticks", () => {
    expect({ code: run.code, stderr: run.stderr }).to.deep.equal({ code: 0, stderr: '' })
    const { summary, errors } = byType(jsonLines(run.stdout))
    expect(errors).to.deep.equal([])
    const all = statsOf(summary, 'every')
    const nfl = statsOf(summary, 'lower')
    expect(nfl.ticks).to.be.greaterThan(0)
    // The simulator's other series (spreads, totals) tick too: '*' sees them, 'kxnflgame*' does not.
    expect(all.ticks).to.be.greaterThan(nfl.ticks)
  })

  it("gives a lower-case pattern ('kxnflgame*') the ticks of its markets and no others", () => {
    const { summary } = byType(jsonLines(run.stdout))
    expect(statsOf(summary, 'lower')).to.include({ errors: 0 })
  })

  it('refuses a bad pattern at load with exit 2, naming the strategy', () => {
    expect(bad.code).to.equal(2)
    expect(linesOf(bad.stderr)).to.have.length(1)
    expect(bad.stderr).to.match(/^error: .*typo\.mjs: strategy typo: markets: bad target "KXNFLGAME": a series needs a "\*" \(KXNFLGAME\*\)/)
    expect(jsonLines(bad.stdout)[0]).to.include({ type: 'error', kind: 'input', code: 'STRATEGY_LOAD' })
  })
})
