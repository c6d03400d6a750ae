/**
 * `neural stream` refusing bad input: exit 2 and exactly one line on stderr that names the problem
 * and shows what would be accepted. The cases run in this process (flags → error → exit code); the
 * built binary runs the --json error line and a good ticker next to an unknown one.
 */
import { expect } from 'chai'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Stream from '../../src/commands/stream.js'
import { startSimulator, type Simulator } from '../../src/sim/index.js'
import { runCommand } from '../support/run-command.js'
import { ensureBuilt, jsonLines, linesOf, runNeural, tempDir, type RunResult } from './helpers.js'

interface Case {
  name: string
  args: string[]
  env?: NodeJS.ProcessEnv
  /** Every pattern must match the one stderr line. */
  says: RegExp[]
}

describe('neural stream with bad input', function () {
  this.timeout(30_000)
  const tmp = tempDir()
  const runtimeDir = join(tmp.dir, 'run')
  const rcFile = join(tmp.dir, 'neuralrc.json')
  const cases: Case[] = [
    {
      name: 'a malformed ticker',
      args: ['stream', 'kxnfl game', '--env', 'sim'],
      says: [/^error: bad target "kxnfl game"/, /KXNFLGAME-25SEP04DALPHI-PHI/, /KXNFLGAME\*/],
    },
    {
      name: 'a ticker cut short',
      args: ['stream', 'KXNFLGAME-', '--env', 'sim'],
      says: [/^error: bad target "KXNFLGAME-"/, /KXNFLGAME-25SEP04DALPHI-PHI/],
    },
    {
      name: 'an empty --record path',
      args: ['stream', 'KXNFLGAME*', '--env', 'sim', '--record', ''],
      says: [/^error: --record: expected a file path, got an empty string$/],
    },
    {
      name: 'a wildcard that matches no market',
      args: ['stream', 'NOSUCHSERIES*', '--env', 'sim'],
      says: [/^error: no open markets match NOSUCHSERIES\*/, /e\.g\. KXNFLGAME\*/],
    },
    {
      name: 'an unknown channel',
      args: ['stream', 'KXNFLGAME*', '--env', 'sim', '--channels', 'ticker,quotes'],
      says: [/^error: --channels: unknown channel "quotes"/, /e\.g\. --channels ticker,trade/],
    },
    {
      name: 'an empty channel list',
      args: ['stream', 'KXNFLGAME*', '--env', 'sim', '--channels', ','],
      says: [/^error: --channels: give at least one of ticker, trade, orderbook, lifecycle, fill$/],
    },
    {
      name: 'a duration with a unit',
      args: ['stream', 'KXNFLGAME*', '--env', 'sim', '--duration', '10s'],
      says: [/^error: --duration: expected a positive number of seconds/, /e\.g\. --duration 10/, /got "10s"$/],
    },
    {
      name: 'a negative duration',
      args: ['stream', 'KXNFLGAME*', '--env', 'sim', '--duration=-1'],
      says: [/^error: --duration: /, /got "-1"$/],
    },
    {
      name: 'a count of 0',
      args: ['stream', 'KXNFLGAME*', '--env', 'sim', '--count', '0'],
      says: [/^error: --count: expected a whole number ≥ 1 \(e\.g\. --count 100\), got 0$/],
    },
    {
      name: 'an unknown flag',
      args: ['stream', 'KXNFLGAME*', '--env', 'sim', '--bogus'],
      says: [/^error: Nonexistent flag: --bogus/, /\(e\.g\. neural stream 'KXNFLGAME\*' --env sim --duration 10; see --help\)$/],
    },
    {
      name: 'a bad KALSHI_WEBSOCKET_TIMEOUT',
      args: ['stream', 'KXNFLGAME*', '--env', 'sim'],
      env: { KALSHI_WEBSOCKET_TIMEOUT: '30s' },
      // The config layer states what is allowed ("a number of seconds > 0") rather than a literal example.
      says: [/^error: invalid websocketTimeoutMs "30s" from env KALSHI_WEBSOCKET_TIMEOUT: expected a number of seconds > 0$/],
    },
    {
      name: 'an rc file with an unknown key',
      args: ['stream', 'KXNFLGAME*', '--config', rcFile],
      says: [/^error: unknown key "websocketTimeout" in rc file /, new RegExp(rcFile.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')), /allowed keys are .*websocketTimeoutMs/],
    },
  ]
  const results = new Map<string, { code: number; stdout: string; stderr: string }>()
  let fast: Simulator
  let mixed: RunResult
  let jsonError: RunResult

  before(async function () {
    this.timeout(60_000)
    await ensureBuilt()
    writeFileSync(rcFile, JSON.stringify({ environment: 'sim', websocketTimeout: 30 }))
    fast = await startSimulator({ seed: 3, ratePerSec: 2000 })
    const external = ['--env', 'sim', '--api-url', fast.apiUrl, '--ws-url', fast.wsUrl]
    const binary = Promise.all([
      runNeural(['stream', 'KXNFLGAME-25SEP04DALPHI-PHI', 'KXNFLGAME-25SEP04DALPHI-XXX', ...external, '--duration', '1.5'], { runtimeDir }),
      runNeural(['stream', 'kxnfl game', '--env', 'sim', '--json'], { runtimeDir }),
    ])
    try {
      for (const c of cases) {
        const [, ...argv] = c.args
        results.set(c.name, await runCommand(Stream, argv, { id: 'stream', env: { NEURAL_RUNTIME_DIR: runtimeDir, ...c.env } }))
      }
    } finally {
      ;[mixed, jsonError] = await binary
    }
  })

  after(async () => {
    await fast?.close()
    tmp.remove()
  })

  for (const c of cases) {
    it(`exits 2 with one line naming the problem for ${c.name}`, () => {
      const r = results.get(c.name)!
      expect(r.code, r.stderr).to.equal(2)
      const lines = linesOf(r.stderr)
      expect(lines, r.stderr).to.have.length(1)
      for (const pattern of c.says) expect(lines[0]).to.match(pattern)
      expect(r.stdout).to.equal('')
    })
  }

  it('under --json also writes the error as one NDJSON line on stdout', () => {
    expect(jsonError.code).to.equal(2)
    expect(jsonLines(jsonError.stdout)).to.deep.equal([
      { type: 'error', kind: 'input', code: 'BAD_TARGET', message: linesOf(jsonError.stderr)[0]!.replace(/^error: /, '') },
    ])
  })

  describe('an unknown ticker next to a good one', () => {
    it('reports the unknown one on its own stderr line', () => {
      const lines = linesOf(mixed.stderr)
      expect(lines).to.have.length(1)
      expect(lines[0]).to.match(/^input: KXNFLGAME-25SEP04DALPHI-XXX: market_not_found \(code 16\)/)
    })

    it('streams the good one and exits 0', () => {
      expect(mixed.code).to.equal(0)
      const lines = linesOf(mixed.stdout)
      const data = lines.slice(0, -1)
      expect(data.length).to.be.greaterThan(0)
      for (const line of data) expect(line).to.match(/^\[sim\] \S+ {2}KXNFLGAME-25SEP04DALPHI-PHI +(tick |trade) /)
      expect(lines.at(-1)).to.match(/, 1 market, 0 reconnects$/)
    })
  })
})
