/**
 * `neural connect`: a working exchange (the built binary, human and --json), one that refuses the
 * key, and nobody listening (in this process: flags → error → exit code).
 */
import { expect } from 'chai'
import { join } from 'node:path'
import Connect from '../../src/commands/connect.js'
import { startSimulator, type Simulator } from '../../src/sim/index.js'
import { runCommand, type CommandResult } from '../support/run-command.js'
import { CountingProxy, ensureBuilt, jsonLines, linesOf, runNeural, tempDir, type RunResult } from './helpers.js'
import { closedPort } from '../support/ports.js'


describe('neural connect', function () {
  this.timeout(30_000)
  const tmp = tempDir()
  const runtimeDir = join(tmp.dir, 'run')
  let refusing: Simulator
  let proxy: CountingProxy
  let human: RunResult
  let json: RunResult
  let refused: CommandResult
  let refusedJson: CommandResult
  let unreachable: CommandResult
  let unknownTicker: CommandResult
  let port: number

  before(async function () {
    this.timeout(60_000)
    await ensureBuilt()
    refusing = await startSimulator({ faults: { refuseAuth: true } })
    proxy = await new CountingProxy(refusing.port).start()
    port = await closedPort()
    const viaProxy = ['--env', 'sim', '--api-url', proxy.apiUrl, '--ws-url', proxy.wsUrl]
    const binary = Promise.all([runNeural(['connect', '--env', 'sim'], { runtimeDir }), runNeural(['connect', '--env', 'sim', '--json'], { runtimeDir })])
    try {
      const run = (argv: string[]) => runCommand(Connect, argv, { id: 'connect', env: { NEURAL_RUNTIME_DIR: runtimeDir } })
      unreachable = await run(['--env', 'sim', '--api-url', `http://127.0.0.1:${port}/trade-api/v2`, '--ws-url', `ws://127.0.0.1:${port}/trade-api/ws/v2`])
      unknownTicker = await run(['--env', 'sim', '--ticker', 'KXNFLGAME-25SEP04DALPHI-XXX'])
      // One at a time (runCommand runs one command at once), so that the proxy's handshake count belongs to one run.
      refused = await run(viaProxy)
      proxy.upgrades = 0
      refusedJson = await run([...viaProxy, '--json'])
    } finally {
      ;[human, json] = await binary
    }
  })

  after(async () => {
    await proxy?.close()
    await refusing?.close()
    tmp.remove()
  })

  it('reports the handshake, the exchange status and the test subscription, and exits 0', () => {
    expect(human.code, human.stderr).to.equal(0)
    expect(human.stderr).to.equal('')
    const lines = linesOf(human.stdout)
    expect(lines).to.have.length(5)
    expect(lines[0]).to.match(/^\[sim\] connected to ws:\/\/127\.0\.0\.1:\d+\/trade-api\/ws\/v2 \(sim, signed\)$/)
    expect(lines[1]).to.match(/^ {2}handshake {8}\d+ ms$/)
    expect(lines[2]).to.equal('  exchange         active, trading active')
    expect(lines[3]).to.equal('  test subscribe   KXNFLGAME-25SEP04DALPHI-DAL: ticker sid 1')
    expect(lines[4]).to.match(/^ {2}total {12}\d+ ms$/)
  })

  it('prints one JSON object under --json', () => {
    expect(json.code).to.equal(0)
    const [result, ...rest] = jsonLines(json.stdout)
    expect(rest).to.deep.equal([])
    expect(result).to.include({ type: 'connect', ok: true, environment: 'sim', simulated: true, signed: true, exchangeActive: true, tradingActive: true, testTicker: 'KXNFLGAME-25SEP04DALPHI-DAL' })
    expect(result!.subscriptions).to.deep.equal([{ channel: 'ticker', sid: 1 }])
    expect(result!.wsUrl).to.match(/^ws:\/\/127\.0\.0\.1:\d+\/trade-api\/ws\/v2$/)
    expect(result!.apiUrl).to.equal((result!.wsUrl as string).replace('ws://', 'http://').replace('/ws/v2', '/v2'))
    expect(result!.handshakeMs).to.be.a('number').and.at.least(0)
    expect(result!.totalMs).to.be.a('number').and.at.least(result!.handshakeMs as number)
  })

  describe('when the exchange refuses the key', () => {
    it('exits 3 with one line saying so', () => {
      expect(refused.code).to.equal(3)
      expect(linesOf(refused.stderr)).to.deep.equal(['error: the exchange refused the API key at the WebSocket handshake (HTTP 401); check the key id and private key'])
      expect(refused.stdout).to.equal('')
    })

    it('tries the handshake at most twice', () => {
      expect(proxy.upgrades).to.be.within(1, 2)
    })

    it('prints the error as one JSON line under --json', () => {
      expect(refusedJson.code).to.equal(3)
      expect(jsonLines(refusedJson.stdout)).to.deep.equal([{ type: 'error', kind: 'auth', code: 'AUTH_REJECTED', message: linesOf(refused.stderr)[0]!.replace(/^error: /, '') }])
    })
  })

  it('exits 1 with one network error line when nothing listens on the port', () => {
    expect(unreachable.code).to.equal(1)
    expect(linesOf(unreachable.stderr)).to.deep.equal([`error: could not connect to ws://127.0.0.1:${port}/trade-api/ws/v2: connect ECONNREFUSED 127.0.0.1:${port}`])
  })

  it('exits 2 naming the market when the test subscription is refused', () => {
    expect(unknownTicker.code).to.equal(2)
    const lines = linesOf(unknownTicker.stderr)
    expect(lines).to.have.length(1)
    expect(lines[0]).to.match(/^error: test subscription refused: KXNFLGAME-25SEP04DALPHI-XXX: market_not_found \(code 16\)/)
  })
})
