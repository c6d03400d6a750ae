/**
 * `neural run-strategy` end to end: the built CLI as a child process against a simulator on
 * 127.0.0.1 (moving a game's prices every ~100 ms, one leg lagging, so arb has work), or against
 * record files. Children of one group run in parallel; each `it` checks one behaviour of their
 * output. Runs that only load files and fail, or replay a short record, run in this process
 * (runCommand): a child costs ~0.4 CPU-s of start-up on top of the same work.
 */
import { expect } from 'chai'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import RunStrategy from '../../src/commands/run-strategy.js'
import { takerFeeDollars } from '../../src/core/fees.js'
import { startSimulator, type Simulator } from '../../src/sim/index.js'
import { runCommand, type CommandResult } from '../support/run-command.js'
import { CountingProxy, ensureBuilt, jsonLines, linesOf, Neural, ROOT, runNeural, tempDir, type RunResult } from './helpers.js'
import { byType, CROSSED_RECORD, E2E, statsOf, units, withoutSlowReports } from '../fixtures/strategies/e2e/harness.js'
import { TYPO_DETAILS, TYPO_FILE, TYPO_STRATEGY } from '../strategy/helpers.js'

const ARB = './strategies/arb.ts'

describe('neural run-strategy (end to end)', function () {
  this.timeout(30_000)
  let sim: Simulator
  let tmp: { dir: string; remove: () => void }
  let runtimeDir: string
  const simArgs = () => ['--env', 'sim', '--api-url', sim.apiUrl, '--ws-url', sim.wsUrl]
  const run = (args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}) =>
    runNeural(['run-strategy', ...args], { runtimeDir, timeoutMs: 20_000, ...opts })
  const runHere = (args: string[]) => runCommand(RunStrategy, args, { id: 'run-strategy', env: { NEURAL_RUNTIME_DIR: runtimeDir } })

  before(async function () {
    this.timeout(120_000)
    await ensureBuilt()
    tmp = tempDir('neural-run-strategy-')
    runtimeDir = join(tmp.dir, 'runtime')
    sim = await startSimulator({ moveEveryMs: 100 })
  })

  after(async () => {
    await sim?.close()
    tmp?.remove()
  })

  describe('arb on the simulator with the paper hook', () => {
    let json: RunResult
    let human: RunResult

    before(async function () {
      this.timeout(90_000)
      // Opportunities come at random (a seeded lagging leg after a move): each run goes on until it
      // has filled two orders, then is stopped, the JSON one with Ctrl-C and the human one with
      // SIGTERM, either of which still ends it with its summary.
      const runUntilFilled = async (args: string[], filled: string, signal: NodeJS.Signals) => {
        const child = new Neural(['run-strategy', ...args], { runtimeDir, timeoutMs: 80_000 })
        try {
          await child.until(() => child.stdout.split(filled).length > 2, 60_000, 'two paper fills')
        } finally {
          child.child.kill(signal)
        }
        return child.done
      }
      ;[json, human] = await Promise.all([
        runUntilFilled([ARB, ...simArgs(), '--hook', 'paper', '--json'], '"status":"filled"', 'SIGINT'),
        runUntilFilled([ARB, ...simArgs(), '--hook', 'paper'], 'paper: filled', 'SIGTERM'),
      ])
    })

    it('ends on Ctrl-C with 130 and on SIGTERM with 143, with nothing on stderr', () => {
      expect({ code: json.code, stderr: withoutSlowReports(json.stderr) }).to.deep.equal({ code: 130, stderr: '' })
      expect({ code: human.code, stderr: withoutSlowReports(human.stderr) }).to.deep.equal({ code: 143, stderr: '' })
    })

    it('prints each opportunity as a set of BUY legs priced at the book, paying $1 for less than $1 after taker fees', () => {
      const { signals } = byType(jsonLines(json.stdout))
      expect(signals.length).to.be.greaterThan(0)
      // Legs of one opportunity share their time and reason, and come together.
      const sets: Record<string, unknown>[][] = []
      for (const s of signals) {
        const last = sets.at(-1)
        if (last && last[0]!.ts === s.ts && last[0]!.reason === s.reason) last.push(s)
        else sets.push([s])
      }
      for (const legs of sets) {
        expect(legs).to.have.length(2)
        for (const s of legs) {
          expect(Object.keys(s)).to.deep.equal(['type', 'strategy', 'action', 'ticker', 'side', 'quantity', 'limitPrice', 'confidence', 'reason', 'ts'])
          expect(s).to.include({ type: 'signal', strategy: 'arb', action: 'BUY', quantity: 1, confidence: 0.9 })
          expect(s.ticker).to.match(/^KXNFL(GAME|SPREAD|TOTAL)-/)
          expect(units(s.limitPrice as number)).to.be.within(100, 9_900)
        }
        const [a, b] = legs as [Record<string, unknown>, Record<string, unknown>]
        // Two different markets of one game: a winner pair on the same side, or a ladder's YES low + NO high.
        expect(a.ticker).to.not.equal(b.ticker)
        expect(String(a.ticker).split('-').slice(0, 2).join('-')).to.equal(String(b.ticker).split('-').slice(0, 2).join('-'))
        const cost = units(a.limitPrice as number) + units(b.limitPrice as number)
        const fees = units(takerFeeDollars(1, a.limitPrice as number)) + units(takerFeeDollars(1, b.limitPrice as number))
        expect(cost + fees, String(a.reason)).to.be.at.most(10_000 - 200)
        expect(String(a.reason)).to.match(/^(both teams (YES|NO)|ladder out of order): .* = 0\.\d\d \+ fees 0\.0\d for \$1 payout, edge 0\.\d\d$/)
      }
    })

    it('fills legs on paper, in signal order, at no more than their limit, and shows each fee', () => {
      const { signals, orders } = byType(jsonLines(json.stdout))
      expect(orders.map((o) => [o.ticker, o.side])).to.deep.equal(signals.map((s) => [s.ticker, s.side]))
      expect(orders.filter((o) => o.status === 'filled').length).to.be.greaterThan(0)
      for (const [i, o] of orders.entries()) {
        expect(o).to.include({ type: 'order', hook: 'paper', strategy: 'arb', action: 'BUY', quantity: 1 })
        // The order reaches the book a moment after the quote: a leg whose ask moved past its limit
        // (the lag ended) stays unfilled rather than paying more. That is the legging risk of arbitrage.
        if (o.status !== 'filled') {
          expect(o.status).to.equal('unfilled')
          expect(String(o.message)).to.match(/ ask 0\.\d{4} is above the limit 0\.\d{4}$/)
          continue
        }
        expect(o).to.include({ filledQuantity: 1 })
        expect(units(o.priceDollars as number)).to.be.at.most(units(signals[i]!.limitPrice as number))
        expect(o.feeDollars).to.equal(takerFeeDollars(1, o.priceDollars as number))
      }
      expect(orders.filter((o) => o.status === 'filled').length).to.be.greaterThan(1)
    })

    it('ends with a summary after Ctrl-C, whose fills are the filled orders, fees their fees, and cash 1000 minus cost and fees exactly', () => {
      const { signals, orders, summary } = byType(jsonLines(json.stdout))
      const filled = orders.filter((o) => o.status === 'filled')
      const costUnits = filled.reduce((sum, o) => sum + units(o.priceDollars as number) * (o.filledQuantity as number), 0)
      const feeUnits = filled.reduce((sum, o) => sum + units(o.feeDollars as number), 0)
      expect(summary.hooks).to.deep.equal(['paper'])
      expect(summary.signals).to.equal(signals.length)
      expect(statsOf(summary, 'arb')).to.include({ signals: signals.length, errors: 0, hung: 0, dropped: 0 })
      expect(summary.pnl!.fills).to.equal(filled.length)
      expect(units(summary.pnl!.feesDollars)).to.equal(feeUnits)
      expect(summary.pnl!.cashDollars).to.equal((10_000_000 - costUnits - feeUnits) / 10_000)
      expect(summary.pnl!.realizedPnlDollars).to.equal(0)
      // A buy's fee is part of what its position cost.
      const positionUnits = summary.pnl!.positions.reduce((sum, p) => sum + units(p.costDollars), 0)
      expect(positionUnits).to.equal(costUnits + feeUnits)
    })

    it('prints signals, fills with their fees and, after SIGTERM, the portfolio block for people, and nothing else, every line marked [sim]', () => {
      const marked = linesOf(human.stdout)
      expect(marked.filter((l) => !l.startsWith('[sim] '))).to.deep.equal([])
      const lines = marked.map((l) => l.slice('[sim] '.length))
      const signal = /^\d\d:\d\d:\d\d\.\d{3}  arb  BUY  1 (YES|NO) (KXNFL\S+) limit (0\.\d\d)  conf 0\.90  (both teams (YES|NO)|ladder out of order): .*, edge 0\.\d\d$/
      const fill = /^\d\d:\d\d:\d\d\.\d{3}  paper: filled 1\/1 (YES|NO) (KXNFL\S+) @ (0\.\d\d) \+ \$(0\.0\d) fee$/
      // The book may move between a signal and the paper hook: then the order stays unfilled, saying why.
      const unfilled = /^\d\d:\d\d:\d\d\.\d{3}  paper: unfilled (YES|NO) (KXNFL\S+) \((yes|no) ask 0\.\d{4} is above the limit 0\.\d{4}\)$/
      const signals = lines.filter((l) => signal.test(l))
      const fills = lines.filter((l) => fill.test(l))
      expect(signals.length).to.be.greaterThan(0)
      expect(fills.length).to.be.greaterThan(0)
      expect(fills.length + lines.filter((l) => unfilled.test(l)).length).to.equal(signals.length)
      const rest = lines.filter((l) => !signal.test(l) && !fill.test(l) && !unfilled.test(l))
      const spent = fills.reduce((sum, l) => sum + units(Number(fill.exec(l)![3])) + units(Number(fill.exec(l)![4])), 0)
      const fees = fills.reduce((sum, l) => sum + units(Number(fill.exec(l)![4])), 0)
      const [head, arbLine, portfolio, ...positions] = rest
      expect(head).to.match(new RegExp(`^${signals.length} signals from \\d+ events, hooks: paper$`))
      expect(arbLine).to.match(new RegExp(`^  arb: \\d+ ticks, 0 trades, 0 books, ${signals.length} signals(, \\d+ slow)?(, \\d+ conflated)?$`))
      const cash = ((10_000_000 - spent) / 10_000).toFixed(2)
      const feeText = (fees / 10_000).toFixed(2)
      expect(portfolio).to.match(new RegExp(`^Portfolio \\(paper\\): cash \\$${cash.replace('.', '\\.')}, realised \\$0\\.00, unrealised [+-]?\\$\\d+\\.\\d\\d, total [+-]?\\$\\d+\\.\\d\\d after \\$${feeText.replace('.', '\\.')} fees, ${fills.length} fills$`))
      const held = new Set(fills.map((l) => `${fill.exec(l)![2]} ${fill.exec(l)![1]}`))
      expect(positions).to.have.length(held.size)
      for (const p of positions) expect(p).to.match(/^  KXNFL\S+ (YES|NO) \d+ @ 0\.\d{4}, (bid 0\.\d{4}|no bid), unrealised [+-]?\$\d+\.\d\d, realised \$0\.00$/)
    })
  })

  describe('loading strategies', () => {
    const replay = ['--replay', CROSSED_RECORD, '--json']
    const results: Record<string, CommandResult> = {}
    // Written at run time: a broken .ts file in the tree would fail the project's typecheck. The
    // temp dir is outside any package: 'neural' resolves to the running copy, as for a user's ~/strats.
    const syntaxTs = () => join(tmp.dir, 'syntax-error.ts')
    const typoTs = () => join(tmp.dir, 'typo.ts')
    const outsideTs = () => join(tmp.dir, 'outside.ts')
    const built: Record<string, RunResult> = {}

    before(async function () {
      this.timeout(120_000)
      mkdirSync(join(tmp.dir, 'elsewhere'), { recursive: true })
      writeFileSync(typoTs(), TYPO_STRATEGY)
      writeFileSync(outsideTs(), [
        "import { defineStrategy } from 'neural'",
        "export default defineStrategy({ name: 'outside', markets: ['KXNFLGAME*'], params: { limit: 0.99 }, onTick(tick, ctx) {",
        "  if (tick.yesAsk !== undefined && tick.yesAsk < ctx.params.limit) return { action: 'BUY', ticker: tick.ticker, side: 'yes', quantity: 1, limitPrice: tick.yesAsk, confidence: 0.5, reason: 'outside' }",
        '} })',
        '',
      ].join('\n'))
      writeFileSync(syntaxTs(), [
        '// Broken: the markets array on line 3 is never closed; the parser stops at line 4.',
        "export default {",
        "  markets: ['KXNFLGAME*'",
        '  onTick() {},',
        '}',
        '',
      ].join('\n'))
      const cases: Record<string, string[]> = {
        // One run of the three kinds of path: each strategy is a thread of its own (~0.5 CPU-s to
        // start here), and each run more than the first would add only its start-up.
        kinds: [`${E2E}/strategies/every-tick.ts`, `${E2E}/strategies/every-trade.mjs`, `${E2E}/strategies/dir`, ...replay],
        // A string as default export type-checks; the loader refuses it, with or without the check.
        notStrategy: [`${E2E}/broken/not-a-strategy.ts`, ...replay, '--no-typecheck'],
        missing: [`${E2E}/strategies/no-such.ts`, ...replay],
        syntaxTs: [syntaxTs(), '--replay', CROSSED_RECORD],
        syntaxMjs: [`${E2E}/broken/syntax-error.mjs`, '--replay', CROSSED_RECORD],
        typo: [TYPO_FILE, '--replay', CROSSED_RECORD],
        typoJson: [TYPO_FILE, ...replay],
        typoUnchecked: [TYPO_FILE, ...replay, '--no-typecheck'],
      }
      // The built CLI from a cwd of no package, as an installed neural runs: 'neural' means its dist types.
      // Files new to the type check cost a TypeScript program each (~2.5 CPU-s): one checks both, and
      // its report, which lists every error of every file, shows outside.ts passes. Running outside.ts
      // is then about where 'neural' resolves at run time, not the check.
      const fromElsewhere = (files: string[], ...flags: string[]) =>
        runNeural(['run-strategy', ...files, '--replay', join(ROOT, CROSSED_RECORD), '--json', ...flags], { runtimeDir, cwd: join(tmp.dir, 'elsewhere'), timeoutMs: 60_000 })
      // One child at a time beside the runs here: three CPU-heavy starts at once on a loaded 2-core
      // machine once kept outside.ts's thread from loading within its 15 s.
      const children = (async () => [await fromElsewhere([typoTs(), outsideTs()]), await fromElsewhere([outsideTs()], '--no-typecheck')])()
      for (const [k, args] of Object.entries(cases)) results[k] = await runHere(args)
      ;[built.checked, built.outside] = await children
    })

    it('runs a TypeScript strategy with no build step', () => {
      const r = results.kinds!
      expect(r.code, r.stderr).to.equal(0)
      const { signals, summary } = byType(jsonLines(r.stdout))
      expect(statsOf(summary, 'e2e-ts')).to.include({ ticks: 6, trades: 0, signals: 6, errors: 0 })
      expect(signals.filter((s) => s.strategy === 'e2e-ts').map((s) => s.limitPrice)).to.deep.equal([0.52, 0.49, 0.52, 0.52, 0.52, 0.51])
    })

    it('runs a plain .mjs strategy that imports neural', () => {
      const r = results.kinds!
      expect(r.code, r.stderr).to.equal(0)
      const { signals, summary } = byType(jsonLines(r.stdout))
      expect(statsOf(summary, 'e2e-mjs')).to.include({ ticks: 0, trades: 2, signals: 2, errors: 0 })
      expect(signals.filter((s) => s.strategy === 'e2e-mjs').map((s) => [s.ticker, s.side, s.reason])).to.deep.equal([
        ['KXNFLGAME-25SEP04DALPHI-PHI', 'no', 'mjs fixture'],
        ['KXNFLGAME-25SEP04DALPHI-DAL', 'no', 'mjs fixture'],
      ])
    })

    it('runs every strategy file directly inside a directory, in name order, after the files named before it', () => {
      const r = results.kinds!
      expect({ code: r.code, stderr: r.stderr }).to.deep.equal({ code: 0, stderr: '' })
      const { summary } = byType(jsonLines(r.stdout))
      expect(summary.strategies.map((s) => [s.name, s.ticks, s.trades])).to.deep.equal([['e2e-ts', 6, 0], ['e2e-mjs', 0, 2], ['e2e-dir-a', 6, 0], ['e2e-dir-b', 0, 2]])
    })

    it('refuses a file that is not a strategy with exit 2 and one line naming the file', () => {
      const r = results.notStrategy!
      expect(r.code).to.equal(2)
      expect(linesOf(r.stderr)).to.deep.equal([`error: ${E2E}/broken/not-a-strategy.ts: the default export is "buy low, sell high", not a strategy object`])
      expect(jsonLines(r.stdout)).to.deep.equal([
        { type: 'error', kind: 'input', code: 'STRATEGY_LOAD', message: `${E2E}/broken/not-a-strategy.ts: the default export is "buy low, sell high", not a strategy object` },
      ])
    })

    it('refuses a missing file with exit 2', () => {
      const r = results.missing!
      expect(r.code).to.equal(2)
      expect(linesOf(r.stderr)).to.deep.equal([`error: ${E2E}/strategies/no-such.ts: file not found`])
    })

    it('refuses a TypeScript syntax error with exit 2 and its line', () => {
      const r = results.syntaxTs!
      expect({ code: r.code, stdout: r.stdout }).to.deep.equal({ code: 2, stdout: '' })
      expect(linesOf(r.stderr)).to.deep.equal([`error: ${syntaxTs()}: syntax error at line 4:2: Expected "]" but found "onTick"`])
    })

    it('refuses a TypeScript strategy with type errors: exit 2, the count, then one line per error with file:line:col', () => {
      const r = results.typo!
      expect({ code: r.code, stdout: r.stdout }).to.deep.equal({ code: 2, stdout: '' })
      expect(linesOf(r.stderr)).to.deep.equal([
        `error: ${TYPO_FILE}: 2 type errors (--no-typecheck skips this check)`,
        ...TYPO_DETAILS(TYPO_FILE).map((l) => `  ${l}`),
      ])
    })

    it('gives the type errors as details of the STRATEGY_TYPECHECK line under --json', () => {
      const r = results.typoJson!
      expect(r.code).to.equal(2)
      expect(jsonLines(r.stdout)).to.deep.equal([{
        type: 'error', kind: 'input', code: 'STRATEGY_TYPECHECK', message: `${TYPO_FILE}: 2 type errors (--no-typecheck skips this check)`,
        details: TYPO_DETAILS(TYPO_FILE),
      }])
    })

    it('runs the same strategy unchecked with --no-typecheck, where the mistake shows as handler errors', () => {
      const r = results.typoUnchecked!
      expect(r.code, r.stderr).to.equal(0)
      const { errors, summary } = byType(jsonLines(r.stdout))
      expect(statsOf(summary, 'typo')).to.include({ ticks: 6, signals: 0, errors: 6 })
      expect(errors[0]).to.include({ code: 'HANDLER_ERROR', strategy: 'typo', message: 'onTick threw: ctx.log is not a function' })
    })

    it('type-checks with the built CLI from a cwd outside any package, against its own types', () => {
      // typo.ts's two errors and nothing about outside.ts, which imports 'neural' too: it passes.
      expect(built.checked!.code).to.equal(2)
      expect(jsonLines(built.checked!.stdout)).to.deep.equal([{
        type: 'error', kind: 'input', code: 'STRATEGY_TYPECHECK', message: `${typoTs()}: 2 type errors (--no-typecheck skips this check)`,
        details: TYPO_DETAILS(typoTs()),
      }])
      const r = built.outside!
      expect(r.code, r.stderr).to.equal(0)
      const { signals, summary } = byType(jsonLines(r.stdout))
      expect(statsOf(summary, 'outside')).to.include({ ticks: 6, signals: 6, errors: 0 })
      expect(signals.map((s) => s.reason)).to.deep.equal(Array(6).fill('outside'))
    })

    it('refuses a JavaScript syntax error with exit 2 and its line', () => {
      const r = results.syntaxMjs!
      expect({ code: r.code, stdout: r.stdout }).to.deep.equal({ code: 2, stdout: '' })
      expect(linesOf(r.stderr)).to.deep.equal([`error: ${E2E}/broken/syntax-error.mjs: syntax error at line 5: Unexpected identifier 'onTick'`])
    })
  })

  describe('hooks', () => {
    const r: Record<string, RunResult | CommandResult> = {}
    const proxies: Record<string, CountingProxy> = {}
    /** Fills of orders placed on the simulator (any client). */
    const simFills: { orderId: string; ticker: string; side: string }[] = []
    let execOut: string
    let moduleOut: string
    /** Streams piped into this process's stderr (one per live strategy thread) before and after each run here, by its arguments. */
    const pipesBefore: Record<string, number> = {}
    const pipesAfter: Record<string, number> = {}

    before(async () => {
      sim.world.onEvent((e) => {
        if (e.kind === 'fill') simFills.push({ orderId: e.orderId, ticker: e.market.ticker, side: e.side })
      })
      for (const k of ['noLive', 'noLimits', 'overLimit', 'live']) proxies[k] = await new CountingProxy(sim.port).start()
      // REST (and so every order) through a counting proxy; the feed straight from the simulator.
      const kalshiArgs = (k: string) => ['--env', 'sim', '--api-url', proxies[k]!.apiUrl, '--ws-url', sim.wsUrl, '--hook', 'kalshi']
      execOut = join(tmp.dir, 'exec-out.ndjson')
      moduleOut = join(tmp.dir, 'module-out.ndjson')
      const limits = { maxContractsPerOrder: 1, maxPositionPerMarket: 100, maxOrdersPerMinute: 1000, maxTotalCostDollars: 1000 }
      const rc = join(tmp.dir, 'neuralrc.json')
      writeFileSync(rc, JSON.stringify({ risk: limits }))
      const rcLive = join(tmp.dir, 'neuralrc-live.json')
      writeFileSync(rcLive, JSON.stringify({ risk: { ...limits, maxContractsPerOrder: 10 } }))
      // Seven runs at once on two cores: the type check of arb.ts (tested under 'loading strategies')
      // would only add seven TypeScript programs to what these runs are about.
      const live = ['--duration', '3', '--json', '--no-typecheck']
      // The hooks that only pass signals on get them from a record (the seed's single-book check on
      // crossed quotes): a 3 s live run under load once saw no arb opportunity, and no signal to pass.
      const recorded = ['--replay', CROSSED_RECORD, '--param', 'mode=book', '--json', '--no-typecheck']
      const cases: Record<string, [string[], NodeJS.ProcessEnv?]> = {
        log: [[ARB, ...recorded]],
        exec: [[ARB, '--hook', `exec:node -e "process.stdin.pipe(require('fs').createWriteStream(process.argv[1]))" ${execOut}`, ...recorded]],
        module: [[ARB, '--hook', `module:${E2E}/hooks/append.ts`, ...recorded], { E2E_HOOK_OUT: moduleOut }],
        noLive: [[ARB, ...kalshiArgs('noLive'), ...live]],
        noLimits: [[ARB, ...kalshiArgs('noLimits'), '--live', ...live]],
      }
      // The live runs go on until what they are about has happened (an arb opportunity comes when it
      // comes, later on a loaded machine), then end on Ctrl-C, which still gives the summary.
      // Ctrl-C gives the summary within half a second and does not wait for an order still on its way
      // (src/app/strategy-session.ts): the stop comes when every signal so far has its order line.
      const count = (text: string, what: string) => text.split(what).length - 1
      const untilSeen = (args: string[], seen: RegExp, what: string) => {
        const child = new Neural(['run-strategy', ...args, '--json', '--no-typecheck'], { runtimeDir, timeoutMs: 80_000 })
        const settled = () => count(child.stdout, '{"type":"order"') === count(child.stdout, '{"type":"signal"')
        return child.until(() => seen.test(child.stdout) && settled(), 60_000, what).finally(() => child.child.kill('SIGINT')).then(() => child.done)
      }
      // The hooks' own behaviour runs in this process (one run at a time), beside the two live children.
      const here = async () => {
        const results: CommandResult[] = []
        for (const [args, env] of Object.values(cases)) {
          pipesBefore[args.join(' ')] = process.stderr.listenerCount('unpipe')
          results.push(await runCommand(RunStrategy, args, { id: 'run-strategy', env: { NEURAL_RUNTIME_DIR: runtimeDir, ...env } }))
          pipesAfter[args.join(' ')] = process.stderr.listenerCount('unpipe')
        }
        return results
      }
      const [done, overLimit, liveRun] = await Promise.all([
        here(),
        untilSeen([ARB, ...kalshiArgs('overLimit'), '--live', '--config', rc, '--param', 'quantity=2'], /"status":"refused"/, 'an order refused by the limit'),
        untilSeen([ARB, ...kalshiArgs('live'), '--live', '--config', rcLive], /"message":"order executed"/, 'an executed order'),
      ])
      Object.keys(cases).forEach((k, i) => (r[k] = done[i]!))
      r.overLimit = overLimit
      r.live = liveRun
    })

    after(async () => {
      for (const p of Object.values(proxies)) await p.close()
    })

    it('log (the default) prints the signals and places nothing', () => {
      expect(r.log!.code, r.log!.stderr).to.equal(0)
      const { signals, orders, summary } = byType(jsonLines(r.log!.stdout))
      expect(signals.length).to.be.greaterThan(0)
      expect(orders).to.deep.equal([])
      expect(summary.hooks).to.deep.equal(['log'])
      expect(summary).to.not.have.property('pnl')
    })

    it('exec:<cmd> gives the command every signal as one JSON line on its stdin', () => {
      expect(r.exec!.code, r.exec!.stderr).to.equal(0)
      const stdout = linesOf(r.exec!.stdout)
      const signalLines = stdout.filter((l) => l.startsWith('{"type":"signal"'))
      expect(signalLines.length).to.be.greaterThan(0)
      expect(linesOf(readFileSync(execOut, 'utf8'))).to.deep.equal(signalLines)
      const { orders } = byType(jsonLines(r.exec!.stdout))
      expect(orders.map((o) => o.status)).to.deep.equal(signalLines.map(() => 'sent'))
    })

    it('module:<file> calls the module with every signal', () => {
      expect(r.module!.code, r.module!.stderr).to.equal(0)
      const { signals, orders, summary } = byType(jsonLines(r.module!.stdout))
      expect(signals.length).to.be.greaterThan(0)
      expect(jsonLines(readFileSync(moduleOut, 'utf8'))).to.deep.equal(signals)
      expect(orders.map((o) => [o.hook, o.status])).to.deep.equal(signals.map(() => [`module:${E2E}/hooks/append.ts`, 'sent']))
      expect(summary.hooks).to.deep.equal([`module:${E2E}/hooks/append.ts`])
      // The hook's console.log went to stderr: stdout is all JSON (jsonLines parses every line).
      expect(linesOf(r.module!.stderr).filter((l) => l.startsWith('module hook: '))).to.have.length(signals.length)
    })

    it('ends every strategy thread of a run, also of one refused after its strategies loaded', () => {
      expect(Object.keys(pipesAfter)).to.have.length(5)
      expect(pipesAfter).to.deep.equal(pipesBefore)
    })

    it('kalshi without --live exits 2 with "live orders need --live" and sends no order', () => {
      const res = r.noLive!
      expect(res.code).to.equal(2)
      expect(linesOf(res.stderr)).to.deep.equal(['error: live orders need --live'])
      expect(jsonLines(res.stdout)).to.deep.equal([{ type: 'error', kind: 'input', code: 'LIVE_REQUIRED', message: 'live orders need --live' }])
      expect(proxies.noLive!.orders).to.equal(0)
    })

    it('kalshi --live without configured risk limits exits 2 naming the missing limits and sends no order', () => {
      const res = r.noLimits!
      expect(res.code).to.equal(2)
      expect(linesOf(res.stderr)).to.deep.equal(['error: live orders need risk limits; missing risk.maxContractsPerOrder, risk.maxPositionPerMarket, risk.maxOrdersPerMinute, risk.maxTotalCostDollars in the rc file'])
      expect(proxies.noLimits!.orders).to.equal(0)
    })

    it('kalshi --live refuses a signal over the rc file\'s maxContractsPerOrder, names the limit, and sends no order', () => {
      const res = r.overLimit!
      expect(res.code, res.stderr).to.equal(130)
      const { signals, orders } = byType(jsonLines(res.stdout))
      expect(signals.length).to.be.greaterThan(0)
      expect(signals.every((s) => s.quantity === 2)).to.equal(true)
      expect(orders).to.have.length(signals.length)
      for (const o of orders) {
        expect(o).to.include({ hook: 'kalshi', status: 'refused', limit: 'maxContractsPerOrder', message: '2 contracts is over maxContractsPerOrder 1' })
      }
      expect(proxies.overLimit!.orders).to.equal(0)
      // The feed did go through the proxy (market lookups), so the zero above is not a blind spot.
      expect(proxies.overLimit!.requests.some((q) => q.startsWith('GET /trade-api/v2/'))).to.equal(true)
    })

    it('kalshi --live places each signal as an order on the simulator, where it fills', () => {
      const res = r.live!
      expect(res.code, res.stderr).to.equal(130)
      const { signals, orders, summary } = byType(jsonLines(res.stdout))
      expect(signals.length).to.be.greaterThan(0)
      expect(orders).to.have.length(signals.length)
      const sent = orders.filter((o) => o.status === 'sent')
      expect(sent.length).to.be.greaterThan(0)
      // One request per order that passed the risk limits, answered (sent) or not (failed).
      expect(proxies.live!.orders).to.equal(orders.filter((o) => o.status === 'sent' || o.status === 'failed').length)
      for (const o of sent) {
        expect(o.orderId).to.be.a('string')
        expect(o.message).to.be.oneOf(['order executed', 'order canceled'])
      }
      const ours = new Set(sent.map((o) => o.orderId as string))
      const executed = sent.filter((o) => o.message === 'order executed')
      expect(executed.length).to.be.greaterThan(0)
      for (const o of executed) {
        expect(simFills.some((f) => f.orderId === o.orderId && f.ticker === o.ticker && f.side === o.side), `fill of ${String(o.orderId)} on the simulator`).to.equal(true)
      }
      const fillsOfOurs = simFills.filter((f) => ours.has(f.orderId))
      expect(new Set(fillsOfOurs.map((f) => f.orderId))).to.deep.equal(new Set(executed.map((o) => o.orderId)))
      expect(summary.hooks).to.deep.equal(['kalshi'])
      expect(summary.pnl!.fills).to.be.at.most(fillsOfOurs.length)
    })
  })

  describe('replay', () => {
    let record: string
    let recordRun: RunResult
    let first: RunResult
    let second: CommandResult
    let known: CommandResult
    let missing: CommandResult
    let speedZero: CommandResult
    const missingFile = () => join(tmp.dir, 'missing.ndjson')
    const three = ['strategies/arb.ts', 'strategies/momentum.ts', 'strategies/mean-reversion.ts']

    before(async function () {
      // Seven runs, at most two at a time: long enough for a loaded 2-core machine (30 s was not, once in 30 runs).
      this.timeout(120_000)
      record = join(tmp.dir, 'week.ndjson')
      const recording = runNeural(['stream', 'KXNFLGAME*', ...simArgs(), '--duration', '3', '--record', record, '--json'], { runtimeDir, timeoutMs: 20_000 })
      // The runs that need no recording go alongside it, in this process.
      try {
        // The seed's single-book check (mode=book) on a recording of crossed quotes.
        known = await runHere([ARB, '--replay', CROSSED_RECORD, '--hook', 'paper', '--param', 'mode=book', '--json'])
        // A strategy that throws as it loads: the record is checked before any strategy is loaded.
        missing = await runHere([join(ROOT, 'test', 'fixtures', 'strategies', 'throws-at-load.ts'), '--replay', missingFile()])
        speedZero = await runHere([ARB, '--replay', CROSSED_RECORD, '--speed', '0'])
      } finally {
        recordRun = await recording
      }
      // The type check has tests of its own; here it would only add CPU to a determinism check. The
      // second replay runs in this process: the same output from the built CLI and from the command
      // class is a stronger check of determinism than two children, for one child less.
      const replayArgs = [...three, '--replay', record, '--hook', 'paper', '--json', '--no-typecheck']
      ;[first, second] = await Promise.all([run(replayArgs, { timeoutMs: 60_000 }), runHere(replayArgs)])
    })

    it('gives byte-identical output when the same record is replayed twice', () => {
      expect(recordRun.code, recordRun.stderr).to.equal(0)
      expect(first.code, first.stderr).to.equal(0)
      expect(second.code, second.stderr).to.equal(0)
      expect(first.stdout.length).to.be.greaterThan(0)
      // A `slow` report, and the summary's count of them, measure the wall clock against the handler's
      // budget (11 ms against 10 on a loaded machine): they are about this machine, not the record;
      // everything else is identical.
      const deterministic = (out: string) => out.split('\n').filter((l) => !l.startsWith('{"type":"slow"')).join('\n').replace(/"slow":\d+/g, '"slow":_')
      expect(deterministic(second.stdout)).to.equal(deterministic(first.stdout))
    })

    it('feeds every recorded ticker and trade frame to the strategies that want them', () => {
      const frames = linesOf(readFileSync(record, 'utf8')).slice(1).map((l) => JSON.parse((JSON.parse(l) as { frame: string }).frame) as { type: string })
      const ticks = frames.filter((f) => f.type === 'ticker').length
      const trades = frames.filter((f) => f.type === 'trade').length
      const { summary, signals } = byType(jsonLines(first.stdout))
      expect(ticks).to.be.greaterThan(0)
      expect(summary.events).to.equal(ticks + trades)
      expect(summary.strategies.map((s) => [s.name, s.ticks, s.trades])).to.deep.equal([
        ['arb', ticks, 0],
        ['momentum', ticks, 0],
        ['mean-reversion', 0, trades],
      ])
      // Whether arb finds an opportunity in a 3 s recording is chance; that replays are exact is the next test's.
      expect(summary.signals).to.equal(signals.length)
    })

    it('replays a known record to exact signals and P&L', () => {
      const res = known
      expect(res.code, res.stderr).to.equal(0)
      const { signals, orders, summary } = byType(jsonLines(res.stdout))
      expect(signals.map((s) => [s.side, s.limitPrice, s.ts])).to.deep.equal([
        ['yes', 0.52, 1757030400000], ['no', 0.45, 1757030400000],
        ['yes', 0.51, 1757030401000], ['no', 0.46, 1757030401000],
      ])
      // Each leg pays Kalshi's taker fee: $0.02 at these prices (0.07 × P × (1 − P) rounded up to the cent).
      expect(orders.map((o) => [o.status, o.priceDollars, o.feeDollars])).to.deep.equal([['filled', 0.52, 0.02], ['filled', 0.45, 0.02], ['filled', 0.51, 0.02], ['filled', 0.46, 0.02]])
      expect(summary.pnl).to.deep.include({ cashDollars: 997.98, realizedPnlDollars: 0, feesDollars: 0.08, fills: 4 })
    })

    it('refuses a missing record file with exit 2 before loading anything', () => {
      const res = missing
      const file = missingFile()
      expect({ code: res.code, stdout: res.stdout }).to.deep.equal({ code: 2, stdout: '' })
      expect(linesOf(res.stderr)).to.deep.equal([`error: ${file}: no such record file (record one with: neural stream 'KXNFLGAME*' --record ${file})`])
    })

    it('refuses --speed 0 with exit 2', () => {
      const res = speedZero
      expect({ code: res.code, stdout: res.stdout }).to.deep.equal({ code: 2, stdout: '' })
      expect(linesOf(res.stderr)).to.have.length(1)
      expect(res.stderr).to.match(/^error: --speed: expected a positive number \(e\.g\. --speed 10\), got 0/)
    })

    it('reports its own input errors by code under --json, not as USAGE', async () => {
      const cases: [string[], string][] = [
        [[ARB, '--replay', CROSSED_RECORD, '--speed', '0', '--json'], 'BAD_SPEED'],
        [[ARB, '--replay', CROSSED_RECORD, '--starting-cash=-5', '--json'], 'BAD_STARTING_CASH'],
        [['--env', 'sim', '--json'], 'NO_STRATEGY'],
        [[ARB, '--replay', CROSSED_RECORD, '--stuck-after', '0', '--json'], 'BAD_DURATION'],
      ]
      for (const [args, code] of cases) {
        const res = await runHere(args)
        expect(res.code, res.stderr).to.equal(2)
        expect(jsonLines(res.stdout).map((l) => [l.kind, l.code])).to.deep.equal([['input', code]])
      }
    })
  })
})
