import { expect } from 'chai'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { NeuralError } from '../../src/errors.js'
import { loadStrategies, loadStrategyFile } from '../../src/strategy/loader.js'
import { TYPO_DETAILS, TYPO_STRATEGY } from './helpers.js'

const repo = fileURLToPath(new URL('../..', import.meta.url))
const fixtures = 'test/fixtures/strategies'

async function loadError(file: string, cwd = repo): Promise<NeuralError> {
  try {
    await loadStrategyFile(file, { cwd })
  } catch (error) {
    expect(error).to.be.instanceOf(NeuralError)
    return error as NeuralError
  }
  throw new Error(`${file} loaded but should not have`)
}

describe('strategy loader', () => {
  let tmp: string
  before(() => { tmp = mkdtempSync(path.join(tmpdir(), 'neural-loader-')) })
  after(() => rmSync(tmp, { recursive: true, force: true }))

  it('loads a .ts strategy written with defineStrategy, without a build step', async () => {
    const l = await loadStrategyFile(`${fixtures}/valid.ts`, { cwd: repo })
    expect(l.strategy.name).to.equal('fixture-ts')
    expect(l.strategy.markets).to.deep.equal(['KXTEST-E-A', 'KXNFL*'])
    expect(l.strategy.params).to.deep.equal({ threshold: 0.5, label: 'x', enabled: true })
    expect(l.file).to.equal(path.join(repo, fixtures, 'valid.ts'))
    expect(l.warnings).to.deep.equal([])
  })

  it('loads a .mts file that exports `strategy` instead of a default', async () => {
    const l = await loadStrategyFile(`${fixtures}/valid.mts`, { cwd: repo })
    expect(l.strategy.name).to.equal('fixture-mts')
    expect(typeof l.strategy.onTrade).to.equal('function')
  })

  it('loads a plain .js strategy', async () => {
    const l = await loadStrategyFile(`${fixtures}/plain.js`, { cwd: repo })
    expect(l.strategy.name).to.equal('fixture-js')
    expect(l.strategy.markets).to.deep.equal(['*'])
  })

  it("loads a .mjs strategy with a value import from 'neural'", async () => {
    const l = await loadStrategyFile(`${fixtures}/plain-neural.mjs`, { cwd: repo })
    expect(l.strategy.name).to.equal('fixture-mjs')
    expect(l.strategy.params).to.deep.equal({ version: 1 })
  })

  it("loads a .ts file outside any package that imports defineStrategy from 'neural', from another cwd", async () => {
    writeFileSync(path.join(tmp, 'outside.ts'), [
      "import { defineStrategy } from 'neural'",
      "const limit: number = 0.4",
      "export default defineStrategy({ name: 'outside', markets: ['KXTEST-E-A'], params: { limit }, onTick() {} })",
    ].join('\n'))
    const l = await loadStrategyFile('outside.ts', { cwd: tmp })
    expect(l.strategy.name).to.equal('outside')
    expect(l.strategy.params).to.deep.equal({ limit: 0.4 })
  })

  it('loads every strategy file directly inside a directory, sorted, skipping other files and subdirectories', async () => {
    const list = await loadStrategies([`${fixtures}/dir`], { cwd: repo })
    expect(list.map(l => l.strategy.name)).to.deep.equal(['dir-a', 'dir-b'])
  })

  it('reports a missing file in one line', async () => {
    const e = await loadError(`${fixtures}/nope.ts`)
    expect(e.message).to.equal(`${fixtures}/nope.ts: file not found`)
    expect(e.kind).to.equal('input')
    expect(e.code).to.equal('STRATEGY_LOAD')
    expect(e.exitCode).to.equal(2)
  })

  it('reports a TypeScript syntax error with its line and column', async () => {
    writeFileSync(path.join(tmp, 'broken.ts'), "const a: number = 1\nexport default {\n  name: 'x'\n  markets: ['A'],\n}\n")
    const e = await loadError('broken.ts', tmp)
    expect(e.message).to.equal('broken.ts: syntax error at line 4:2: Expected "}" but found "markets"')
  })

  it('reports a JavaScript syntax error with its line', async () => {
    const e = await loadError(`${fixtures}/syntax-error.mjs`)
    expect(e.message).to.equal(`${fixtures}/syntax-error.mjs: syntax error at line 5: Unexpected identifier 'onTick'`)
  })

  it('reports a file with no default export', async () => {
    const e = await loadError(`${fixtures}/no-default.ts`)
    expect(e.message).to.equal(`${fixtures}/no-default.ts: no default export (export default { name, markets, onTick } or export const strategy = ...)`)
  })

  it('reports a default export that is not a strategy object', async () => {
    const e = await loadError(`${fixtures}/not-a-strategy.ts`)
    expect(e.message).to.equal(`${fixtures}/not-a-strategy.ts: the default export is 42, not a strategy object`)
  })

  it('reports a factory function exported instead of the strategy', async () => {
    const e = await loadError(`${fixtures}/function-export.ts`)
    expect(e.message).to.equal(`${fixtures}/function-export.ts: the default export is a function; export the strategy object itself (export default { name, markets, onTick })`)
  })

  it('reports a strategy without a name', async () => {
    const e = await loadError(`${fixtures}/missing-name.ts`)
    expect(e.message).to.equal(`${fixtures}/missing-name.ts: strategy has no name (name must be a non-empty string, got nothing)`)
  })

  it('reports markets that is not an array', async () => {
    const e = await loadError(`${fixtures}/bad-markets.ts`)
    expect(e.message).to.equal(`${fixtures}/bad-markets.ts: strategy bad-markets: markets must be a non-empty array of tickers or patterns like 'KXNFLGAME*' (got "KXTEST-E-A")`)
  })

  it('reports a bad market pattern at load, naming the strategy', async () => {
    const file = path.join(tmp, 'bad-pattern.mjs')
    writeFileSync(file, "export default { name: 'typo', markets: ['KXNFLGAME*', 'KXNFL GAME'], onTick() {} }\n")
    const e = await loadError(file)
    expect(e.code).to.equal('STRATEGY_LOAD')
    expect(e.message).to.equal(`${file}: strategy typo: markets: bad target "KXNFL GAME": expected a market ticker (KXNFLGAME-25SEP04DALPHI-PHI), a series (KXNFLGAME*), an event (KXNFLGAME-25SEP04DALPHI*) or * for every market`)
  })

  it('loads the patterns * and lower-case ones', async () => {
    const file = path.join(tmp, 'every-market.mjs')
    writeFileSync(file, "export default { name: 'every', markets: ['*', 'kxnflgame*'], onTick() {} }\n")
    const loaded = await loadStrategyFile(file, { cwd: repo })
    expect(loaded.strategy.markets).to.deep.equal(['*', 'kxnflgame*'])
  })

  it('reports empty markets', async () => {
    const e = await loadError(`${fixtures}/empty-markets.ts`)
    expect(e.message).to.equal(`${fixtures}/empty-markets.ts: strategy empty-markets: markets must be a non-empty array of tickers or patterns like 'KXNFLGAME*' (got an array)`)
  })

  it('reports a handler that is not a function', async () => {
    const e = await loadError(`${fixtures}/handler-not-function.ts`)
    expect(e.message).to.equal(`${fixtures}/handler-not-function.ts: strategy handler-not-function: onTick must be a function (got "buy everything")`)
  })

  it('reports a misspelt handler name', async () => {
    const e = await loadError(`${fixtures}/misspelt-handler.ts`)
    expect(e.message).to.equal(`${fixtures}/misspelt-handler.ts: strategy misspelt: unknown handler onTicks (handlers: onStart, onTick, onTrade, onBook, onGame, onStop)`)
  })

  it('reports an error thrown while the module loads', async () => {
    const e = await loadError(`${fixtures}/throws-at-load.ts`)
    expect(e.message).to.equal(`${fixtures}/throws-at-load.ts: failed to load: database not reachable`)
    expect((e.cause as Error).message).to.equal('database not reachable')
  })

  it('refuses a file that is not a strategy file by its extension', async () => {
    const e = await loadError(`${fixtures}/dir/notes.md`)
    expect(e.message).to.equal(`${fixtures}/dir/notes.md: not a strategy file (expected .ts, .mts, .js, .mjs)`)
  })

  it('refuses two strategies with the same name', async () => {
    try {
      await loadStrategies([`${fixtures}/valid.ts`, `${fixtures}/valid.ts`], { cwd: repo })
      expect.fail('loaded a duplicate')
    } catch (error) {
      expect((error as Error).message).to.equal(`${fixtures}/valid.ts: strategy name fixture-ts is already used by ${fixtures}/valid.ts; names must be unique`)
    }
  })

  it('warns when onBook is defined without books: true', async () => {
    writeFileSync(path.join(tmp, 'book.mjs'), "export default { name: 'b', markets: ['KXTEST-E-A'], onBook() {} }\n")
    const l = await loadStrategyFile('book.mjs', { cwd: tmp })
    expect(l.warnings).to.deep.equal(['strategy b: onBook is never called without books: true'])
  })

  it('shows paths outside cwd as absolute', async () => {
    const e = await loadError(path.join(tmp, 'absent.ts'), repo)
    expect(e.message).to.equal(`${path.join(tmp, 'absent.ts')}: file not found`)
  })

  describe('type check (typecheck: true)', function () {
    // One TypeScript program in a worker thread per check: seconds on a loaded 2-core machine. What
    // the check reports is tested on findTypeErrors (test/strategy/typecheck.test.ts); here, how the
    // loader runs it.
    this.timeout(60_000)
    let strats: string
    let marker: string
    let refused: NeuralError
    before(async () => {
      strats = path.join(tmp, 'strats')
      mkdirSync(strats)
      marker = path.join(tmp, 'loaded-marker')
      // Written at run time: a .ts file with type errors in the tree would fail the project's own typecheck.
      writeFileSync(path.join(strats, 'typo.ts'), TYPO_STRATEGY)
      writeFileSync(path.join(strats, 'a-first.ts'), [
        "import { writeFileSync } from 'node:fs'",
        `writeFileSync(${JSON.stringify(marker)}, 'loaded')`,
        "export default { name: 'a-first', markets: ['*'], onTick() {} }",
        '',
      ].join('\n'))
      try {
        await loadStrategies(['a-first.ts', 'typo.ts'], { cwd: strats, isolated: true, typecheck: true })
      } catch (error) {
        refused = error as NeuralError
      }
    })

    it('refuses strategies with type errors as STRATEGY_TYPECHECK (exit 2), one detail line per error', () => {
      expect(refused).to.be.instanceOf(NeuralError)
      expect({ kind: refused.kind, code: refused.code, exitCode: refused.exitCode }).to.deep.equal({ kind: 'input', code: 'STRATEGY_TYPECHECK', exitCode: 2 })
      expect(refused.message).to.equal('typo.ts: 2 type errors (--no-typecheck skips this check)')
      expect(refused.details).to.deep.equal(TYPO_DETAILS('typo.ts'))
    })

    it('checks every file before loading any of them, so no worker thread has started', () => {
      expect(existsSync(marker)).to.equal(false)
    })

    it('keeps this thread free while it checks, so Ctrl-C can end the command within a second', async () => {
      // Checked in this thread, the program would be built before any timer could fire.
      const check = loadStrategies(['typo.ts'], { cwd: strats, typecheck: true }).then(() => 'check', () => 'check')
      const timer = new Promise<string>((resolve) => setTimeout(() => resolve('timer'), 100))
      expect(await Promise.race([check, timer])).to.equal('timer')
      await check
    })

    it('loads the same file unchecked without typecheck (the default)', async () => {
      const l = await loadStrategyFile('typo.ts', { cwd: strats })
      expect(l.strategy.name).to.equal('typo')
    })

    it('does not type-check .js and .mjs strategies', async () => {
      writeFileSync(path.join(strats, 'untyped.mjs'), "export default { name: 'untyped', markets: ['*'], onTick(tick, ctx) { if (tick.yesPrize) ctx.log('x') } }\n")
      const l = await loadStrategyFile('untyped.mjs', { cwd: strats, typecheck: true })
      expect(l.strategy.name).to.equal('untyped')
    })
  })
})
