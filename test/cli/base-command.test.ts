import { spawn } from 'node:child_process'
import { expect } from 'chai'
import { tempProject, testKey } from '../config/helpers.js'
import { runCommand } from '../support/run-command.js'
import { commands } from './fixtures/commands.js'
import { cleanEnv, collect, FIXTURE, startCli, TSX, type CliResult } from './run-cli.js'

/** Flags → config → output → exit code, in this process (see test/support/run-command.ts). */
function runCli(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }) {
  const [name, ...argv] = args
  return runCommand(commands[name!]!, argv, opts)
}

describe('base command', function () {
  let project: ReturnType<typeof tempProject>
  beforeEach(() => {
    project = tempProject()
  })
  afterEach(() => project.cleanup())

  it('maps the shared flags onto the config', async () => {
    const r = await runCli(['config', '--env', 'demo', '--timeout', '5', '--retry-attempts', '0', '--retry-delay', '0.5', '--batch-size', '20'], { cwd: project.dir })
    expect(r.code).to.equal(0)
    const { config } = JSON.parse(r.stdout)
    expect(config).to.deep.include({ environment: 'demo', websocketTimeoutMs: 5000, retryAttempts: 0, retryDelayMs: 500, subscriptionBatchSize: 20 })
    expect(config.sources).to.deep.include({ environment: 'flag', websocketTimeoutMs: 'flag', retryAttempts: 'flag', retryDelayMs: 'flag', subscriptionBatchSize: 'flag' })
  })

  it('reads the rc file named by --config', async () => {
    project.write('custom.yml', 'environment: sim\n')
    const r = await runCli(['config', '--config', 'custom.yml'], { cwd: project.dir })
    expect(JSON.parse(r.stdout).config.environment).to.equal('sim')
  })

  it('prints config warnings to stderr', async () => {
    const key = project.write('key.pem', testKey().pkcs1, 0o640)
    const r = await runCli(['config', '--api-key-id', 'key-id-123456', '--private-key-path', key], { cwd: project.dir })
    expect(r.code).to.equal(0)
    expect(r.stderr).to.equal(`warning: private key file ${key} is readable by group or others (mode 0640): run chmod 600 ${key}\n`)
  })

  it('prints a config error as one line and exits 2', async () => {
    const r = await runCli(['config'], { cwd: project.dir, env: { KALSHI_WEBSOCKET_TIMEOUT: 'soon' } })
    expect(r.code).to.equal(2)
    expect(r.stderr).to.equal('error: invalid websocketTimeoutMs "soon" from env KALSHI_WEBSOCKET_TIMEOUT: expected a number of seconds > 0\n')
    expect(r.stdout).to.equal('')
  })

  it('adds an NDJSON error line on stdout under --json', async () => {
    const r = await runCli(['fail-config', '--json'], { cwd: project.dir })
    expect(r.code).to.equal(2)
    expect(JSON.parse(r.stdout)).to.deep.equal({
      type: 'error',
      kind: 'config',
      code: 'CONFIG_VALUE',
      message: 'invalid environment "x" from env KALSHI_ENVIRONMENT: expected one of production, demo, sim',
    })
    expect(r.stderr.split('\n')).to.have.length(2)
  })

  it('exits 3 on an auth error', async () => {
    const r = await runCli(['fail-auth'], { cwd: project.dir })
    expect(r.code).to.equal(3)
    expect(r.stderr).to.equal('error: the exchange refused key a1b2…\n')
  })

  it('exits 1 on an unexpected error with one line and no stack', async () => {
    const r = await runCli(['boom'], { cwd: project.dir })
    expect(r.code).to.equal(1)
    expect(r.stderr).to.equal('error: kaboom\n')
  })

  it('shows the stack of an unexpected error under --debug', async () => {
    const r = await runCli(['boom', '--debug'], { cwd: project.dir })
    expect(r.code).to.equal(1)
    expect(r.stderr).to.match(/^error: kaboom\nError: kaboom\nsecond line\n\s+at /)
  })

  it('turns an invalid flag option into one line and exit 2', async () => {
    const r = await runCli(['config', '--env', 'staging'], { cwd: project.dir })
    expect(r.code).to.equal(2)
    expect(r.stderr).to.equal('error: Expected --env=staging to be one of: production, demo, sim\n')
  })

  it('turns an unknown flag into one line and exit 2, as JSON under --json', async () => {
    const r = await runCli(['config', '--json', '--bogus'], { cwd: project.dir })
    expect(r.code).to.equal(2)
    expect(JSON.parse(r.stdout)).to.deep.include({ type: 'error', kind: 'input', code: 'USAGE' })
    expect(r.stderr.trim().split('\n')).to.have.length(1)
    expect(r.stderr).to.match(/^error: Nonexistent flag: --bogus\n$/)
  })

  it('starts the in-process simulator for sim and signs with a throwaway key it trusts', async () => {
    const r = await runCli(['exchange', '--env', 'sim'], { cwd: project.dir })
    expect(r.stderr).to.equal('')
    expect(JSON.parse(r.stdout)).to.deep.equal({ simulated: true, signed: true, status: 200, body: { exchange_active: true, trading_active: true } })
    expect(r.code).to.equal(0)
  })

  // Signals and a closed pipe need a process of their own: three children of the fixture CLI, started together.
  describe('as a process', function () {
    this.timeout(30_000)
    let sigint: CliResult
    let sigterm: CliResult
    let piped: CliResult
    let dir: ReturnType<typeof tempProject>

    async function stopWith(signal: NodeJS.Signals): Promise<CliResult> {
      const child = startCli(['wait'], { cwd: dir.dir })
      try {
        const result = collect(child)
        await new Promise<void>((resolve, reject) => {
          child.stdout!.once('data', () => resolve())
          child.once('close', () => reject(new Error('the fixture exited before it was ready')))
        })
        child.kill(signal)
        return await result
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      }
    }

    before(async () => {
      dir = tempProject()
      const pipe = spawn('bash', ['-c', `set -o pipefail; ${JSON.stringify(process.execPath)} --import ${JSON.stringify(TSX)} ${JSON.stringify(FIXTURE)} flood --json | head -2`], {
        cwd: dir.dir,
        env: cleanEnv(),
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      ;[sigint, sigterm, piped] = await Promise.all([stopWith('SIGINT'), stopWith('SIGTERM'), collect(pipe)])
    })

    after(() => dir?.cleanup())

    it('runs shutdown handlers on SIGINT, then exits 130', () => {
      expect(sigint.stdout).to.equal('ready\nflushed\n')
      expect(sigint.code).to.equal(130)
    })

    it('runs shutdown handlers on SIGTERM, then exits 143', () => {
      expect(sigterm.stdout).to.equal('ready\nflushed\n')
      expect(sigterm.code).to.equal(143)
    })

    it('stops cleanly with exit 0 when its NDJSON reader goes away, running shutdown handlers', () => {
      expect(piped.stdout).to.equal('{"type":"trade","ticker":"MKT","seq":0}\n{"type":"trade","ticker":"MKT","seq":1}\n')
      expect(piped.stderr).to.equal('summary\n')
      expect(piped.code).to.equal(0)
    })
  })
})
