/**
 * Keys never echoed: key text given where a path belongs, or a fragment of a key in
 * KALSHI_API_SECRET, must be refused with a line that names the setting and says why, and no part
 * of the value may appear on stderr, in the `--json` error line, or in the `--debug` stack.
 */
import { expect } from 'chai'
import { join } from 'node:path'
import Connect from '../../src/commands/connect.js'
import { ensureBuilt, jsonLines, runNeural, tempDir, type RunResult } from '../commands/helpers.js'
import { runCommand, type CommandResult } from '../support/run-command.js'
import { testRsaKey } from '../support/rsa-keys.js'

const pem = testRsaKey().pkcs1
const body = pem.split('\n').filter((l) => l !== '' && !l.startsWith('-----'))
/** Pieces of the key that must never be printed: every 12-character window of its body. */
function leaked(text: string, value: string): string | undefined {
  const flat = value.replace(/-----[A-Z ]+-----|\\n|\s/g, '')
  for (let i = 0; i + 12 <= flat.length; i += 6) if (text.includes(flat.slice(i, i + 12))) return flat.slice(i, i + 12)
  return undefined
}

interface Case {
  name: string
  value: string
  args: (value: string) => string[]
  env: (value: string) => NodeJS.ProcessEnv
  code: string
  setting: RegExp
  /** Through the built binary (what a real process prints); the others run the command class in this process. */
  binary?: boolean
}

const CASES: Case[] = [
  { name: 'PEM text in KALSHI_PRIVATE_KEY_PATH', value: pem, args: () => [], env: (v) => ({ KALSHI_PRIVATE_KEY_PATH: v }), code: 'KEY_NOT_PATH', setting: /env KALSHI_PRIVATE_KEY_PATH expects the path of a PEM file/, binary: true },
  { name: 'PEM text in --private-key-path', value: pem, args: (v) => ['--private-key-path', v], env: () => ({}), code: 'KEY_NOT_PATH', setting: /flag --private-key-path expects the path of a PEM file/, binary: true },
  { name: 'one-line .env PEM in KALSHI_PRIVATE_KEY_PATH', value: pem.trim().replace(/\n/g, '\\n'), args: () => [], env: (v) => ({ KALSHI_PRIVATE_KEY_PATH: v }), code: 'KEY_NOT_PATH', setting: /env KALSHI_PRIVATE_KEY_PATH/ },
  { name: 'a 100-character fragment in KALSHI_API_SECRET', value: body.slice(3, 5).join('').slice(0, 100), args: () => [], env: (v) => ({ KALSHI_API_SECRET: v }), code: 'KEY_FORMAT', setting: /env KALSHI_API_SECRET: neither whole PEM text/ },
  { name: 'a 20-character fragment in KALSHI_API_SECRET', value: body[7]!.slice(10, 30), args: () => [], env: (v) => ({ KALSHI_API_SECRET: v }), code: 'KEY_FILE_MISSING', setting: /named by env KALSHI_API_SECRET \(path not shown/ },
  { name: 'a base64 line in --private-key-path', value: body[4]!, args: (v) => ['--private-key-path', v], env: () => ({}), code: 'KEY_NOT_PATH', setting: /flag --private-key-path expects the path/ },
]

describe('keys never echoed (CLI, --json --debug)', function () {
  this.timeout(60_000)
  const tmp = tempDir('neural-key-echo-')
  const results = new Map<string, CommandResult | RunResult>()

  before(async function () {
    this.timeout(120_000)
    await ensureBuilt()
    const runtimeDir = join(tmp.dir, 'run')
    for (const c of CASES) {
      // Port 9 on loopback: nothing is reached, the configuration fails first.
      const argv = ['--env', 'sim', '--api-url', 'http://127.0.0.1:9/trade-api/v2', '--api-key-id', 'a1b2c3d4-0000-4000-8000-000000000000', ...c.args(c.value), '--json', '--debug']
      results.set(c.name, c.binary
        ? await runNeural(['connect', ...argv], { runtimeDir, env: c.env(c.value) })
        : await runCommand(Connect, argv, { id: 'connect', env: { NEURAL_RUNTIME_DIR: runtimeDir, ...c.env(c.value) } }))
    }
  })

  after(() => tmp.remove())

  for (const c of CASES) {
    it(`${c.name}: refused by name with exit 2, no part of the value printed`, () => {
      const r = results.get(c.name)!
      expect(r.code, r.stderr).to.equal(2)
      const line = jsonLines(r.stdout).find((l) => l.type === 'error')
      expect(line, r.stdout).to.include({ code: c.code, kind: 'config' })
      expect(String(line!.message)).to.match(c.setting)
      expect(r.stderr).to.match(c.setting)
      // --debug printed the stack, and even there the value is absent.
      expect(r.stderr).to.match(/\n\s+at /)
      for (const text of [r.stdout, r.stderr]) {
        expect(text).to.not.include('PRIVATE KEY')
        expect(leaked(text, c.value), 'a piece of the key was printed').to.equal(undefined)
      }
    })
  }
})
