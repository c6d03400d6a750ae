/**
 * The quick type check (typecheck.ts, from the build only): a program without Node's types where
 * 'neural' is strategy-types.d.ts decides a pass; anything else is the full check's to decide, with
 * the very report the full check gives. Run on the built module (as the CLI runs it) beside the
 * same check from source, which is the full one alone.
 */
import { expect } from 'chai'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import type ts from 'typescript'
import { checkTypes as checkFromSource, type TypeCheckResult } from '../../src/strategy/typecheck.js'
import { ensureBuilt, ROOT } from '../commands/helpers.js'
import { TYPO_STRATEGY } from './helpers.js'

const QUICK_TYPES = path.join(ROOT, 'dist', 'strategy', 'strategy-types.d.ts')
const byFullCheck = (r: TypeCheckResult) => r.inputs.some((f) => f.includes(`${path.sep}@types${path.sep}node${path.sep}`))

describe('strategy type check: the quick check', function () {
  this.timeout(60_000)
  let checkBuilt: typeof checkFromSource
  let tmp: string
  let strats: string
  const write = (name: string, lines: string[]) => {
    const file = path.join(strats, name)
    mkdirSync(path.dirname(file), { recursive: true })
    writeFileSync(file, lines.join('\n') + '\n')
    return file
  }
  /** The built check's outcome, which must be the full check's report (from source) to the letter. */
  const check = async (file: string) => {
    const built = await checkBuilt([file], strats)
    expect(built.report).to.deep.equal((await checkFromSource([file], strats)).report)
    return built
  }

  before(async function () {
    this.timeout(300_000)
    await ensureBuilt()
    checkBuilt = ((await import(pathToFileURL(path.join(ROOT, 'dist', 'strategy', 'typecheck.js')).href)) as { checkTypes: typeof checkFromSource }).checkTypes
    tmp = mkdtempSync(path.join(tmpdir(), 'neural-typecheck-quick-'))
    strats = path.join(tmp, 'strats')
    mkdirSync(strats)
  })
  after(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true })
  })

  it("decides a strategy that uses neural's strategy types and console without Node's types", async () => {
    const file = write('quick.ts', [
      "import { defineStrategy, parseNflTicker, takerFeeDollars, type GameState, type Signal } from 'neural'",
      'export default defineStrategy({',
      "  name: 'quick', markets: ['KXNFLGAME*'], params: { limit: 0.4 },",
      '  onTick(tick, ctx): Signal[] | undefined {',
      "    console.log(parseNflTicker(tick.ticker)?.kind, takerFeeDollars(1, 0.5), ctx.params.limit)",
      '    if (tick.yesAsk === undefined || tick.yesAsk >= ctx.params.limit) return undefined',
      "    return [{ action: 'BUY', ticker: tick.ticker, side: 'yes', quantity: 1, limitPrice: tick.yesAsk, confidence: 0.5, reason: 'cheap' }]",
      '  },',
      '  onGame(game: Readonly<GameState>) { void game.status },',
      '})',
    ])
    const r = await check(file)
    expect(r.report, r.report?.details.join('\n')).to.equal(undefined)
    expect(byFullCheck(r)).to.equal(false)
    expect(r.inputs).to.include(QUICK_TYPES)
  })

  it("checks in full a strategy that uses Node's globals or modules, or a part of neural that needs them", async () => {
    const uses = {
      globals: ["if (process.env.DEBUG) setTimeout(() => undefined, 10).unref()"],
      modules: ["import { readFileSync } from 'node:fs'", 'void readFileSync.name'],
      stream: ["import type { MarketStream } from 'neural'", 'export const stream: MarketStream | undefined = undefined'],
    }
    for (const [name, lines] of Object.entries(uses)) {
      const file = write(`${name}.ts`, [...lines, `export default { name: '${name}', markets: ['*'], onTick() {} }`])
      const r = await check(file)
      expect(r.report, name).to.equal(undefined)
      expect(byFullCheck(r), name).to.equal(true)
    }
  })

  it('reports a type error as the full check does, also one only Node\'s types reveal', async () => {
    const typo = write('typo.ts', [TYPO_STRATEGY])
    expect((await check(typo)).report?.details).to.have.length(2)
    const nodeOnly = write('node-only.ts', ["export default { name: 'n', markets: ['*'], onTick() { return process.env.LIMIT.toFixed(2) } }"])
    expect((await check(nodeOnly)).report?.details).to.deep.equal([
      "node-only.ts:1:63: error TS18048: 'process.env.LIMIT' is possibly 'undefined'.",
      "node-only.ts:1:81: error TS2551: Property 'toFixed' does not exist on type 'string'. Did you mean 'fixed'?",
    ])
  })

  it("leaves a project's own 'neural' to the full check, with that project's types", async () => {
    const project = path.join(strats, 'project')
    write('project/package.json', ['{ "name": "project", "type": "module" }'])
    write('project/node_modules/neural/package.json', ['{ "name": "neural", "types": "index.d.ts" }'])
    // Stricter than ours: the quick check against our types would pass this strategy.
    write('project/node_modules/neural/index.d.ts', ["export interface Strategy { name: 'only-this'; markets: string[] }"])
    const file = write('project/strategy.ts', ["import type { Strategy } from 'neural'", "const s: Strategy = { name: 'other', markets: ['*'] }", 'export default s'])
    const r = await check(file)
    expect(r.report?.details).to.deep.equal([`${path.relative(strats, file)}:2:23: error TS2322: Type '"other"' is not assignable to type '"only-this"'.`])
    expect(r.inputs).to.include(path.join(project, 'node_modules', 'neural', 'index.d.ts'))
    expect(r.inputs).to.not.include(QUICK_TYPES)
  })

  it('strategy-types.d.ts needs nothing of Node, and each of its names is the package entry\'s own', () => {
    const typescript = createRequire(import.meta.url)('typescript') as typeof ts
    const entry = path.join(ROOT, 'dist', 'index.d.ts')
    const options: ts.CompilerOptions = { noEmit: true, strict: true, types: [], lib: ['lib.es2023.d.ts'], module: typescript.ModuleKind.Preserve, moduleResolution: typescript.ModuleResolutionKind.Bundler }
    const alone = typescript.createProgram({ rootNames: [QUICK_TYPES], options })
    expect(alone.getSourceFiles().map((sf) => sf.fileName).filter((f) => f.includes('node_modules') && !f.includes('node_modules/typescript/lib/'))).to.deep.equal([])
    expect(typescript.getPreEmitDiagnostics(alone).map((d) => typescript.flattenDiagnosticMessageText(d.messageText, ' '))).to.deep.equal([])

    const both = typescript.createProgram({ rootNames: [QUICK_TYPES, entry], options: { ...options, types: ['node'] } })
    const checker = both.getTypeChecker()
    const exportsOf = (file: string) => new Map(checker.getExportsOfModule(checker.getSymbolAtLocation(both.getSourceFile(file)!)!).map((s) => [s.name, s]))
    const declarationOf = (s: ts.Symbol) => {
      const d = (s.flags & typescript.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s).declarations![0]!
      return `${d.getSourceFile().fileName}:${d.pos}`
    }
    const quick = exportsOf(QUICK_TYPES)
    const full = exportsOf(entry)
    expect(quick.size).to.be.greaterThan(50)
    for (const [name, symbol] of quick) {
      expect(full.has(name), `${name} is not exported by the package entry`).to.equal(true)
      expect(declarationOf(symbol), name).to.equal(declarationOf(full.get(name)!))
    }
  })
})
