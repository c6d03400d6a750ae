/**
 * What a new user meets in the first hour (issue 14): the guide's own ticker spellings, suggestions
 * for what does not exist, one clear line per mistake with exit 2, oclif's help / not-found /
 * autocomplete, `sim` as a command like the others, and warnings for flags that do nothing.
 * The mistakes and two of the three spellings run in this process (flags → output and exit code, as
 * bin/run.js would end); the rest runs the built binary.
 */
import { expect } from 'chai'
import { spawn } from 'node:child_process'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import NflGame from '../../src/commands/nfl/game.js'
import NflTeam from '../../src/commands/nfl/team.js'
import RunStrategy from '../../src/commands/run-strategy.js'
import Sim from '../../src/commands/sim.js'
import Stream from '../../src/commands/stream.js'
import { startSimulator, type Simulator } from '../../src/sim/index.js'
import { runCommand, type CommandResult } from '../support/run-command.js'
import { NatsServer, natsServerAvailable } from '../bus/nats-server.js'
import { BIN, cliEnv, ensureBuilt, jsonLines, linesOf, Neural, ROOT, runNeural, tempDir, type RunResult } from './helpers.js'

describe('neural for a newcomer', function () {
  this.timeout(90_000)
  const tmp = tempDir()
  const runtimeDir = join(tmp.dir, 'run')
  let sim: Simulator
  const external = () => ['--env', 'sim', '--api-url', sim.apiUrl, '--ws-url', sim.wsUrl]
  const run = (args: string[]) => runNeural(args, { runtimeDir })
  const COMMANDS = { stream: Stream, sim: Sim, 'run-strategy': RunStrategy, 'nfl game': NflGame, 'nfl team': NflTeam }
  /** `neural <args>` in this process: the command is named by its first word, or two for nfl. */
  const runHere = (args: string[]): Promise<CommandResult> => {
    const id = (args[0] === 'nfl' ? args.slice(0, 2).join(' ') : args[0]) as keyof typeof COMMANDS
    return runCommand(COMMANDS[id], args.slice(id.split(' ').length), { id, env: { NEURAL_RUNTIME_DIR: runtimeDir } })
  }

  before(async function () {
    this.timeout(120_000)
    await ensureBuilt()
    sim = await startSimulator({ seed: 3, ratePerSec: 2000 })
  })

  after(async () => {
    await sim?.close()
    tmp.remove()
  })

  /** stderr lines that are not warnings or notes. */
  const errorLines = (r: RunResult | CommandResult) => linesOf(r.stderr).filter((l) => !/^(warning|note):/.test(l))

  describe("the guide's spellings", () => {
    const results = new Map<string, RunResult | CommandResult>()
    before(async function () {
      this.timeout(90_000)
      // One spelling through the built binary (the note on stderr, the data on stdout, exit 0 of a real
      // process); the other two in this process, which reads the same flags the same way.
      const binary = run(['stream', 'KXNFLGAME-25SEP04DALPHI-WINNER', ...external(), '--json', '--count', '3'])
      try {
        for (const kind of ['SPREAD', 'TOTAL']) results.set(kind, await runHere(['stream', `KXNFLGAME-25SEP04DALPHI-${kind}`, ...external(), '--json', '--count', '3']))
      } finally {
        results.set('WINNER', await binary)
      }
    })

    for (const [kind, series] of [['WINNER', 'KXNFLGAME'], ['SPREAD', 'KXNFLSPREAD'], ['TOTAL', 'KXNFLTOTAL']] as const) {
      it(`streams KXNFLGAME-25SEP04DALPHI-${kind} as ${series}-25SEP04DALPHI* with one stderr line saying so`, () => {
        const r = results.get(kind)!
        expect(r.code, r.stderr).to.equal(0)
        expect(linesOf(r.stderr)).to.have.length(1)
        expect(r.stderr).to.match(new RegExp(`^note: KXNFLGAME-25SEP04DALPHI-${kind} is not a Kalshi ticker: streaming the .* of DAL @ PHI, ${series}-25SEP04DALPHI\\*\\n$`))
        const markets = jsonLines(r.stdout).filter((l) => l.type === 'ticker' || l.type === 'trade')
        expect(markets.length).to.be.greaterThan(0)
        for (const m of markets) expect(m.ticker as string).to.match(new RegExp(`^${series}-25SEP04DALPHI-`))
      })
    }
  })

  describe('suggestions for what does not exist (exit 2, one line)', () => {
    const cases: [string, string[], RegExp][] = [
      ['a swapped game id (nfl game)', ['nfl', 'game', '25SEP04PHIDAL'], /did you mean 25SEP04DALPHI \(DAL @ PHI\)\?/],
      ['a swapped event (stream)', ['stream', 'KXNFLGAME-25SEP04PHIDAL*'], /did you mean KXNFLGAME-25SEP04DALPHI\*\?/],
      ['a swapped market (stream)', ['stream', 'KXNFLGAME-25SEP04PHIDAL-PHI'], /did you mean KXNFLGAME-25SEP04DALPHI-PHI\?/],
      ['nfl team NY', ['nfl', 'team', 'NY'], /did you mean NYG \(New York Giants\) or NYJ \(New York Jets\)\?/],
      ['KXNFLGAME-INVALID', ['stream', 'KXNFLGAME-INVALID'], /bad game 'INVALID'.*KXNFLGAME-25SEP04DALPHI\*/],
      ['nfl-game-winner', ['stream', 'nfl-game-winner'], /no market to stream among nfl-game-winner \(the exchange knows no market NFL-GAME-WINNER/],
    ]
    const results: CommandResult[] = []
    before(async function () {
      this.timeout(90_000)
      for (const [, args] of cases) results.push(await runHere([...args, ...external(), '--duration', '2']))
    })
    cases.forEach(([name, , pattern], i) => {
      it(name, () => {
        const r = results[i]!
        expect(r.code, r.stderr).to.equal(2)
        expect(errorLines(r), r.stderr).to.have.length(1)
        expect(r.stderr).to.match(pattern)
        expect(r.stderr).to.not.contain('KXNFLGAME-INVALID*')
      })
    })
  })

  describe('one clear line per mistake (exit 2)', () => {
    let busy: Server
    let busyPort: number
    const cases: [string, () => string[], RegExp][] = [
      ['sim --port 99999', () => ['sim', '--port', '99999'], /^error: --port: expected a port number from 0 to 65535 \(0 picks a free one\), got 99999$/],
      ['sim on a taken port', () => ['sim', '--port', String(busyPort)], /^error: --port \d+: 127\.0\.0\.1:\d+ is already in use \(--port 0 picks a free one\)$/],
      ['sim --seed abc', () => ['sim', '--seed', 'abc'], /^error: --seed: expected an integer, got "abc"/],
      ['stream --count abc', () => ['stream', 'KXNFLGAME*', '--count', 'abc'], /^error: --count: expected an integer, got "abc"/],
      ['stream --record into a missing directory', () => ['stream', 'KXNFLGAME*', '--env', 'sim', '--record', '/nonexistent/dir/x'], /^error: --record \/nonexistent\/dir\/x: cannot write it \(its directory does not exist\)$/],
      ['stream without targets', () => ['stream'], /^error: missing argument TARGETS \(market tickers or patterns\)/],
      ['nfl game without a game', () => ['nfl', 'game'], /^error: missing argument GAME /],
      ['run-strategy without files', () => ['run-strategy'], /^error: give at least one strategy file or directory \(e\.g\. neural run-strategy/],
    ]
    const results: CommandResult[] = []
    before(async function () {
      this.timeout(90_000)
      busy = createServer()
      await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve))
      busyPort = (busy.address() as { port: number }).port
      for (const [, args] of cases) results.push(await runHere(args()))
    })
    after(async () => {
      await new Promise<void>((resolve) => busy?.close(() => resolve()))
    })
    cases.forEach(([name, , pattern], i) => {
      it(name, () => {
        const r = results[i]!
        expect(r.code, r.stderr).to.equal(2)
        const lines = linesOf(r.stderr)
        expect(lines, r.stderr).to.have.length(1)
        expect(lines[0]).to.match(pattern)
        // The usage hint's example is given once, not twice.
        expect((r.stderr.match(/e\.g\./g) ?? []).length).to.be.at.most(1)
      })
    })
  })

  describe('sim, a command like the others', () => {
    it('prints one JSON line with its URLs under --json, and exits 130 on Ctrl-C', async () => {
      const n = new Neural(['sim', '--port', '0', '--json', '--seed', '4'], { runtimeDir, timeoutMs: 30_000 })
      try {
        await n.until(() => n.lines().length >= 1, 20_000, 'the sim line')
        const [line] = jsonLines(n.stdout)
        expect(line).to.include({ type: 'sim', seed: 4 })
        expect(line!.apiUrl as string).to.match(/^http:\/\/127\.0\.0\.1:\d+\/trade-api\/v2$/)
        expect((await fetch(`${line!.apiUrl}/exchange/status`)).status).to.equal(200)
        n.child.kill('SIGINT')
        const r = await n.done
        expect(r.code).to.equal(130)
        expect(linesOf(r.stdout)).to.have.length(1)
        expect(r.stderr).to.equal('Simulated exchange stopped.\n')
      } finally {
        n.child.kill('SIGKILL')
      }
    })
  })

  describe('flags that do nothing say so', () => {
    it('run-strategy --speed without --replay warns', async () => {
      // A short run: its length is not the subject.
      const r = await run(['run-strategy', join(ROOT, 'strategies', 'arb.ts'), ...external(), '--speed', '10', '--duration', '0.2', '--json'])
      expect(r.code, r.stderr).to.equal(0)
      expect(r.stderr).to.equal('warning: --speed is ignored without --replay: a live feed runs at the pace of the exchange\n')
    })

    it('stream --source says so when nothing is publishing on the bus, and keeps listening', async function () {
      if (!natsServerAvailable()) this.skip()
      const nats = await new NatsServer().start()
      try {
        const n = new Neural(['stream', '--source', nats.url, 'KXNFLGAME*'], { runtimeDir, timeoutMs: 30_000 })
        try {
          await n.until(() => /BUS_QUIET|nothing received/.test(n.stderr), 15_000, 'the quiet-bus notice')
          expect(linesOf(n.stderr).filter((l) => l.includes('nothing received'))).to.deep.equal([
            `network: nothing received from ${nats.url} in 5 s: is a \`neural stream --publish ${nats.url}\` running? (still listening)`,
          ])
          expect(n.child.exitCode).to.equal(null)
          n.child.kill('SIGINT')
          expect((await n.done).code).to.equal(130)
        } finally {
          n.child.kill('SIGKILL')
        }
      } finally {
        await nats.stop()
      }
    })

    it('nfl games --duration warns', async () => {
      const r = await run(['nfl', 'games', ...external(), '--duration', '5', '--json'])
      expect(r.code, r.stderr).to.equal(0)
      expect(r.stderr).to.equal('warning: --duration is ignored: nfl games prints the list once and exits (nfl game and nfl team follow live)\n')
    })
  })

  describe("oclif's help, not-found and autocomplete", () => {
    it('neural help lists the commands', async () => {
      const r = await run(['help'])
      expect(r.code).to.equal(0)
      for (const c of ['stream', 'sim', 'run-strategy', 'nfl', 'autocomplete']) expect(r.stdout).to.match(new RegExp(`^  ${c} `, 'm'))
    })

    it('neural autocomplete bash prints the setup for bash', async () => {
      // Its completion cache goes to the temp dir, not the user's.
      const r = await runNeural(['autocomplete', 'bash'], { runtimeDir, env: { XDG_CACHE_HOME: join(tmp.dir, 'cache'), XDG_DATA_HOME: join(tmp.dir, 'data') } })
      expect(r.code, r.stderr).to.equal(0)
      expect(r.stdout).to.match(/neural autocomplete/)
    })

    for (const [typo, meant] of [['strem', 'stream'], ['nfl gmae', 'nfl game']] as const) {
      it(`neural ${typo} in a terminal suggests ${meant}`, async () => {
        // plugin-not-found asks only on a terminal: `script` gives the child one.
        const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} ${typo} X`
        const child = spawn('script', ['-qfec', cmd, '/dev/null'], { cwd: ROOT, env: cliEnv(runtimeDir), stdio: ['pipe', 'pipe', 'pipe'] })
        let out = ''
        child.stdout.on('data', (d: Buffer) => (out += d.toString()))
        try {
          const deadline = Date.now() + 20_000
          while (!/Did you mean/.test(out) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50))
          const plain = out.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '')
          expect(plain).to.contain(`${typo} X is not a neural command`)
          expect(plain).to.contain(`Did you mean ${meant}?`)
        } finally {
          child.kill('SIGKILL')
        }
      })
    }
  })
})
