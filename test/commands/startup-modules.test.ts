/**
 * What each command path loads (issue 18): the built CLI runs with a preload that logs every module
 * it imports, and the heavy dependencies must appear only on the paths that use them — esbuild for a
 * self-contained TypeScript strategy and tsx for any other, the simulator for --env sim, DuckDB for a history store, ora for a spinner
 * on a terminal, NATS for the bus. Each path also loads what it does need, so a log that stayed
 * empty could not pass.
 */
import { expect } from 'chai'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { startSimulator, type Simulator } from '../../src/sim/index.js'
import { ensureBuilt, ROOT, runNeural, tempDir, type RunResult } from './helpers.js'

const PRELOAD = pathToFileURL(join(ROOT, 'test', 'fixtures', 'startup', 'module-log.mjs')).href
const DIST = pathToFileURL(join(ROOT, 'dist')).href + '/'

/** A dependency by the path of its files, inside node_modules or our dist. */
const HEAVY = {
  tsx: /\/node_modules\/tsx\//,
  esbuild: /\/node_modules\/esbuild\//,
  duckdb: /\/node_modules\/@duckdb\//,
  nats: /\/node_modules\/nats\//,
  ora: /\/node_modules\/ora\//,
  simulator: /\/dist\/sim\//,
  dashboard: /\/dist\/dashboard\//,
  // Not heavy, but on no path at all: oclif loads it only for its own engine check, which bin/run.js
  // skips (~60 ms of CPU in every command).
  semver: /\/node_modules\/semver\//,
}
type Heavy = keyof typeof HEAVY

interface Loaded { run: RunResult; modules: string[] }

describe('what each command loads at startup', function () {
  this.timeout(120_000)
  const tmp = tempDir()
  const runtimeDir = join(tmp.dir, 'run')
  let sim: Simulator
  let runs = 0

  /** Run neural with the module log and return the URLs it loaded. */
  async function loaded(args: string[]): Promise<Loaded> {
    const file = join(tmp.dir, `modules-${++runs}.txt`)
    const run = await runNeural(args, { runtimeDir, env: { NODE_OPTIONS: `--import=${PRELOAD}`, MODULE_LOG_FILE: file } })
    const modules = readFileSync(file, 'utf8').split('\n').filter(Boolean)
    return { run, modules }
  }

  const which = (modules: string[]) => (Object.keys(HEAVY) as Heavy[]).filter((name) => modules.some((url) => HEAVY[name].test(url)))

  before(async function () {
    this.timeout(120_000)
    await ensureBuilt()
    sim = await startSimulator({ seed: 1 })
  })

  after(async () => {
    await sim?.close()
    tmp.remove()
  })

  it('--version imports none of our modules (the manifest answers it)', async () => {
    const { run, modules } = await loaded(['--version'])
    expect(run.code).to.equal(0)
    expect(modules.some((url) => url.includes('/node_modules/@oclif/core/'))).to.equal(true)
    expect(modules.filter((url) => url.startsWith(DIST))).to.deep.equal([])
    expect(which(modules)).to.deep.equal([])
  })

  it('stream --env sim --json loads the simulator and none of the others', async () => {
    const { run, modules } = await loaded(['stream', 'KXNFLGAME*', '--env', 'sim', '--json', '--count', '1'])
    expect(run.code).to.equal(0)
    expect(which(modules)).to.deep.equal(['simulator'])
  })

  it('stream against an exchange (--env demo, pointed at a simulator) loads none of them', async () => {
    const { run, modules } = await loaded(['stream', 'KXNFLGAME*', '--env', 'demo', '--api-url', sim.apiUrl, '--ws-url', sim.wsUrl, '--json', '--count', '1'])
    expect(run.code).to.equal(0)
    expect(modules.some((url) => url.startsWith(DIST + 'core/stream.js'))).to.equal(true)
    expect(which(modules)).to.deep.equal([])
  })

  it('run-strategy with a .js strategy loads the simulator but not tsx', async () => {
    const { run, modules } = await loaded(['run-strategy', join(ROOT, 'test', 'fixtures', 'strategies', 'plain.js'), '--env', 'sim', '--duration', '0.5', '--json'])
    expect(run.code).to.equal(0)
    expect(which(modules)).to.deep.equal(['simulator'])
  })

  it('run-strategy with a self-contained .ts strategy compiles it with esbuild, without tsx', async () => {
    const { run, modules } = await loaded(['run-strategy', join(ROOT, 'strategies', 'momentum.ts'), '--env', 'sim', '--duration', '0.5', '--json'])
    expect(run.code).to.equal(0)
    expect(which(modules)).to.deep.equal(['esbuild', 'simulator'])
  })

  it('run-strategy with a .ts strategy that imports a file beside it loads tsx', async () => {
    const { run, modules } = await loaded(['run-strategy', join(ROOT, 'test', 'fixtures', 'strategies', 'local-import', 'strategy.ts'), '--env', 'sim', '--duration', '0.5', '--json'])
    expect(run.code, run.stderr).to.equal(0)
    expect(which(modules)).to.include.members(['tsx', 'simulator'])
  })

  it("run-strategy with a strategy importing values from 'neural' (arb.ts), against an exchange, imports neural's entry natively and neither tsx, the simulator nor NATS", async () => {
    const { run, modules } = await loaded(['run-strategy', join(ROOT, 'strategies', 'arb.ts'), '--env', 'demo', '--api-url', sim.apiUrl, '--ws-url', sim.wsUrl, '--duration', '0.5', '--json'])
    expect(run.code).to.equal(0)
    // tsx would load it with a query of its own (dist/index.js?tsx-namespace=…)
    expect(modules).to.include(DIST + 'index.js')
    expect(which(modules)).to.deep.equal(['esbuild'])
  })

  it('nfl games --env sim loads the simulator and none of the others', async () => {
    const { run, modules } = await loaded(['nfl', 'games', '--env', 'sim', '--json'])
    expect(run.code).to.equal(0)
    expect(which(modules)).to.deep.equal(['simulator'])
  })

  it('history with a bad date stops before DuckDB loads', async () => {
    const { run, modules } = await loaded(['history', 'KXNFLGAME*', '--from', 'garbage'])
    expect(run.code).to.equal(2)
    expect(modules.some((url) => url.startsWith(DIST + 'commands/history.js'))).to.equal(true)
    expect(which(modules)).to.deep.equal([])
  })
})
