/**
 * What the type check of .ts strategies reports (findTypeErrors, in this thread so the compiler stays
 * warm between checks). How the loader runs it, in a worker thread before any strategy loads, is in
 * loader.test.ts; the command's output in test/commands/run-strategy.test.ts.
 */
import { expect } from 'chai'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { findTypeErrors, TYPECHECK_SHOWN } from '../../src/strategy/typecheck.js'
import { TYPO_DETAILS, TYPO_STRATEGY } from './helpers.js'
// The cache's and the quick check's suites run in this file's process: checks in one thread share
// the parsed standard library, Node's types and neural's own (typecheck.ts), which a file of their
// own, in another mocha worker, parsed again (about 2.5 CPU-seconds each on the 2-core machine).
import './typecheck-cache.suite.js'
import './typecheck-quick.suite.js'

const repo = fileURLToPath(new URL('../..', import.meta.url))

describe('strategy type check', function () {
  // A TypeScript program per check: seconds on a loaded 2-core machine, the first one most.
  this.timeout(60_000)
  let tmp: string
  /** Outside any package, as a user's ~/strats: 'neural' means the running copy's types. */
  let strats: string
  let elsewhere: string
  const write = (name: string, lines: string[]) => {
    const file = path.join(strats, name)
    writeFileSync(file, lines.join('\n') + '\n')
    return file
  }

  before(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'neural-typecheck-'))
    strats = path.join(tmp, 'strats')
    elsewhere = path.join(tmp, 'elsewhere')
    mkdirSync(strats)
    mkdirSync(elsewhere)
  })
  after(() => rmSync(tmp, { recursive: true, force: true }))

  it('names each type error by file:line:col with the TypeScript message, paths relative to cwd', async () => {
    const file = write('typo.ts', [TYPO_STRATEGY])
    expect(await findTypeErrors([file], strats)).to.deep.equal({
      message: 'typo.ts: 2 type errors (--no-typecheck skips this check)',
      details: TYPO_DETAILS('typo.ts'),
    })
  })

  it(`shows the first ${TYPECHECK_SHOWN} errors and counts the rest; a path outside cwd stays absolute`, async () => {
    const file = write('many.ts', [
      "import type { Strategy } from 'neural'",
      "const strategy: Strategy = { name: 'many', markets: ['*'], onTick(tick) {",
      ...Array.from({ length: TYPECHECK_SHOWN + 2 }, (_, i) => `    void tick.field${i}`),
      '} }',
      'export default strategy',
    ])
    expect(await findTypeErrors([file], elsewhere)).to.deep.equal({
      message: `${file}: ${TYPECHECK_SHOWN + 2} type errors (--no-typecheck skips this check)`,
      details: [
        ...Array.from({ length: TYPECHECK_SHOWN }, (_, i) => `${file}:${i + 3}:15: error TS2339: Property 'field${i}' does not exist on type 'Readonly<Tick>'.`),
        'and 2 more',
      ],
    })
  })

  it('passes the shipped sample strategies', async () => {
    const samples = readdirSync(path.join(repo, 'strategies')).filter((f) => f.endsWith('.ts')).map((f) => path.join(repo, 'strategies', f))
    expect(samples.map((f) => path.basename(f))).to.deep.equal(['arb.ts', 'mean-reversion.ts', 'momentum.ts', 'score-model.ts'])
    expect(await findTypeErrors(samples, repo)).to.equal(undefined)
  })

  it("passes a strategy outside any package that imports 'neural', with Node's globals", async () => {
    const file = write('outside-ok.ts', [
      "import { defineStrategy, type Tick } from 'neural'",
      "import { readFileSync } from 'node:fs'",
      'const seen = new Map<string, Readonly<Tick>>()',
      'export default defineStrategy({',
      "  name: 'outside-ok', markets: ['KXNFLGAME*'], params: { limit: 0.4 },",
      '  onTick(tick, ctx) {',
      '    seen.set(tick.ticker, tick)',
      "    if (tick.yesAsk !== undefined && tick.yesAsk < ctx.params.limit) ctx.log.info('cheap %s', tick.ticker)",
      "    if (process.env.DEBUG_STRATEGY) console.log(tick.yesPrice, setTimeout.name, readFileSync.name)",
      '  },',
      '})',
    ])
    expect(await findTypeErrors([file], elsewhere)).to.equal(undefined)
  })

  it('accepts an unannotated handler parameter (noImplicitAny is off), and reports strict null checks', async () => {
    const file = write('loose.ts', [
      "export const plain = { name: 'plain', markets: ['*'], onTick(tick) { return tick.anything } }",
      "import type { Strategy } from 'neural'",
      "const s: Strategy = { name: 'strict', markets: ['*'], onTick(tick) { if (tick.yesAsk < 0.5) return } }",
      'export default s',
    ])
    expect(await findTypeErrors([file], strats)).to.deep.equal({
      message: 'loose.ts: 1 type error (--no-typecheck skips this check)',
      details: ["loose.ts:3:74: error TS18048: 'tick.yesAsk' is possibly 'undefined'."],
    })
  })

  it('reports an error in a local file the strategy imports, by that file', async () => {
    write('helper.ts', ["export const threshold: number = 'low'"])
    const file = write('uses-helper.ts', [
      "import { threshold } from './helper.ts'",
      "export default { name: 'uses-helper', markets: ['*'], onTick() { return threshold > 1 ? null : undefined } }",
    ])
    expect(await findTypeErrors([file], strats)).to.deep.equal({
      message: 'helper.ts: 1 type error (--no-typecheck skips this check)',
      details: ["helper.ts:1:14: error TS2322: Type 'string' is not assignable to type 'number'."],
    })
  })

  it('reads a declaration file again once it changes (parsed ones are reused between checks in a thread)', async () => {
    const decl = path.join(strats, 'limits.d.ts')
    writeFileSync(decl, 'declare const maxSpread: number\n')
    const file = write('uses-limits.ts', [
      '/// <reference path="./limits.d.ts" />',
      "export default { name: 'uses-limits', markets: ['*'], onTick() { return maxSpread > 1 ? null : undefined } }",
    ])
    expect(await findTypeErrors([file], strats)).to.equal(undefined)
    // Another size: the stamp does not rest on the file system's time resolution.
    writeFileSync(decl, 'declare const maxSpread: boolean\n')
    expect((await findTypeErrors([file], strats))?.details).to.deep.equal([
      "uses-limits.ts:2:73: error TS2365: Operator '>' cannot be applied to types 'boolean' and 'number'.",
    ])
  })

  it('leaves a file with a syntax error to the loader (which names it with its line)', async () => {
    const file = write('unclosed.ts', ['export default {', "  name: 'x'", "  markets: ['A'],", '}'])
    expect(await findTypeErrors([file], strats)).to.equal(undefined)
  })
})
