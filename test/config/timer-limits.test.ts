/**
 * The WebSocket timeout and retry delays become timer delays: past 2^31-1 ms Node fires them after
 * 1 ms, so KALSHI_WEBSOCKET_TIMEOUT=99999999 made every connect time out at once. Such a value is a
 * CONFIG_VALUE naming the key, where it came from, and the maximum.
 */
import { expect } from 'chai'
import Connect from '../../src/commands/connect.js'
import { loadConfig } from '../../src/config/load.js'
import { runCommand } from '../support/run-command.js'
import { expectConfigError, tempProject } from './helpers.js'

const SECONDS_LIMIT = 'at most 2147483.647 seconds (about 24.8 days, the longest wait Node.js timers take)'
const MS_LIMIT = 'at most 2147483647 milliseconds (about 24.8 days, the longest wait Node.js timers take)'

describe('config: timeouts and retry delays a timer can wait', () => {
  let project: ReturnType<typeof tempProject>
  beforeEach(() => {
    project = tempProject()
  })
  afterEach(() => project.cleanup())

  const load = (options: Parameters<typeof loadConfig>[0]) => loadConfig({ env: {}, cwd: project.dir, ...options })

  it('takes a timeout of 2147483.647 s from the environment, the longest', async () => {
    const { config } = await load({ env: { KALSHI_WEBSOCKET_TIMEOUT: '2147483.647' } })
    expect(config.websocketTimeoutMs).to.equal(2_147_483_647)
  })

  it('refuses KALSHI_WEBSOCKET_TIMEOUT=99999999, naming the key and the maximum', async () => {
    await expectConfigError(load({ env: { KALSHI_WEBSOCKET_TIMEOUT: '99999999' } }), 'CONFIG_VALUE', `invalid websocketTimeoutMs "99999999" from env KALSHI_WEBSOCKET_TIMEOUT: expected ${SECONDS_LIMIT}`)
  })

  it('refuses --retry-delay 3000000', async () => {
    await expectConfigError(load({ flags: { retryDelaySeconds: '3000000' } }), 'CONFIG_VALUE', `invalid retryDelayMs "3000000" from flag --retry-delay: expected ${SECONDS_LIMIT}`)
  })

  it('refuses KALSHI_WEBSOCKET_RETRY_DELAY=1e12', async () => {
    await expectConfigError(load({ env: { KALSHI_WEBSOCKET_RETRY_DELAY: '1e12' } }), 'CONFIG_VALUE', `invalid retryDelayMs "1e12" from env KALSHI_WEBSOCKET_RETRY_DELAY: expected ${SECONDS_LIMIT}`)
  })

  it('refuses an rc websocketTimeoutMs of 2147483648', async () => {
    const file = project.write('.neuralrc.json', JSON.stringify({ websocketTimeoutMs: 2_147_483_648 }))
    await expectConfigError(load({}), 'CONFIG_VALUE', `invalid websocketTimeoutMs 2147483648 from rc file ${file}: expected ${MS_LIMIT}`)
  })

  it('refuses an rc retryMaxDelayMs past the limit even where nothing else sets the delay', async () => {
    const file = project.write('.neuralrc.json', JSON.stringify({ retryMaxDelayMs: 3_000_000_000 }))
    await expectConfigError(load({}), 'CONFIG_VALUE', `invalid retryMaxDelayMs 3000000000 from rc file ${file}: expected ${MS_LIMIT}`)
  })

  it('takes an rc retryMaxDelayMs of 2147483647, the longest', async () => {
    project.write('.neuralrc.json', JSON.stringify({ retryMaxDelayMs: 2_147_483_647 }))
    const { config } = await load({})
    expect(config.retryMaxDelayMs).to.equal(2_147_483_647)
  })
})

describe('neural connect with KALSHI_WEBSOCKET_TIMEOUT past the timer limit', function () {
  this.timeout(20_000)

  it('stops with exit 2 and CONFIG_VALUE before connecting, as JSON under --json', async () => {
    const r = await runCommand(Connect, ['--env', 'sim', '--json'], { id: 'connect', env: { KALSHI_WEBSOCKET_TIMEOUT: '99999999' } })
    const message = `invalid websocketTimeoutMs "99999999" from env KALSHI_WEBSOCKET_TIMEOUT: expected ${SECONDS_LIMIT}`
    expect(r.code, r.stdout).to.equal(2)
    expect(JSON.parse(r.stdout)).to.deep.equal({ type: 'error', kind: 'config', code: 'CONFIG_VALUE', message })
    expect(r.stderr).to.equal(`error: ${message}\n`)
  })
})
