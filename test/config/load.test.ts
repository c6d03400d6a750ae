import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { expect } from 'chai'
import { loadConfig } from '../../src/config/load.js'
import { ENDPOINTS } from '../../src/config/endpoints.js'
import { expectConfigError, tempProject, testKey } from './helpers.js'

describe('loadConfig: precedence and sources', () => {
  let project: ReturnType<typeof tempProject>
  beforeEach(() => {
    project = tempProject()
  })
  afterEach(() => project.cleanup())

  it('uses the defaults when nothing is configured', async () => {
    const { config, warnings, rcFile } = await loadConfig({ env: {}, cwd: project.dir })
    expect(config.environment).to.equal('production')
    expect(config.apiUrl).to.equal(ENDPOINTS.production.apiUrl)
    expect(config.wsUrl).to.equal(ENDPOINTS.production.wsUrl)
    expect(config.websocketTimeoutMs).to.equal(30_000)
    expect(config.retryAttempts).to.equal(0)
    expect(config.retryDelayMs).to.equal(1_000)
    expect(config.retryMaxDelayMs).to.equal(30_000)
    expect(config.subscriptionBatchSize).to.equal(100)
    // No default risk limits: live orders stay refused until they are configured.
    expect(config.risk).to.equal(undefined)
    expect(config.strategyParams).to.deep.equal({})
    expect(config.apiKeyId).to.equal(undefined)
    expect(config.privateKeyPem).to.equal(undefined)
    expect(config.sources.environment).to.equal('default')
    expect(config.sources.apiUrl).to.equal('default')
    expect(config.sources.websocketTimeoutMs).to.equal('default')
    expect(warnings).to.deep.equal([])
    expect(rcFile).to.equal(undefined)
  })

  it('takes an rc value over the default', async () => {
    const file = project.write('.neuralrc.json', JSON.stringify({ websocketTimeoutMs: 5000 }))
    const { config, rcFile, origins } = await loadConfig({ env: {}, cwd: project.dir })
    expect(config.websocketTimeoutMs).to.equal(5000)
    expect(config.sources.websocketTimeoutMs).to.equal('rc')
    expect(rcFile).to.equal(file)
    expect(origins.websocketTimeoutMs).to.equal(`rc file ${file}`)
  })

  it('takes an environment value (in seconds) over the rc value', async () => {
    project.write('.neuralrc.json', JSON.stringify({ websocketTimeoutMs: 5000 }))
    const { config, origins } = await loadConfig({ env: { KALSHI_WEBSOCKET_TIMEOUT: '7' }, cwd: project.dir })
    expect(config.websocketTimeoutMs).to.equal(7000)
    expect(config.sources.websocketTimeoutMs).to.equal('env')
    expect(origins.websocketTimeoutMs).to.equal('env KALSHI_WEBSOCKET_TIMEOUT')
  })

  it('takes a flag value over the environment value', async () => {
    project.write('.neuralrc.json', JSON.stringify({ websocketTimeoutMs: 5000 }))
    const { config, origins } = await loadConfig({ flags: { timeoutSeconds: '2.5' }, env: { KALSHI_WEBSOCKET_TIMEOUT: '7' }, cwd: project.dir })
    expect(config.websocketTimeoutMs).to.equal(2500)
    expect(config.sources.websocketTimeoutMs).to.equal('flag')
    expect(origins.websocketTimeoutMs).to.equal('flag --timeout')
  })

  it('applies the same order to the environment key: flag, then KALSHI_ENVIRONMENT, then rc', async () => {
    project.write('.neuralrc.json', JSON.stringify({ environment: 'demo' }))
    const rcOnly = await loadConfig({ env: {}, cwd: project.dir })
    const envToo = await loadConfig({ env: { KALSHI_ENVIRONMENT: 'sim' }, cwd: project.dir })
    const flagToo = await loadConfig({ flags: { env: 'production' }, env: { KALSHI_ENVIRONMENT: 'sim' }, cwd: project.dir })
    expect([rcOnly.config.environment, envToo.config.environment, flagToo.config.environment]).to.deep.equal(['demo', 'sim', 'production'])
    expect([rcOnly.config.sources.environment, envToo.config.sources.environment, flagToo.config.sources.environment]).to.deep.equal(['rc', 'env', 'flag'])
  })

  it('reads retry settings from the environment, converting the delay from seconds', async () => {
    const { config } = await loadConfig({ env: { KALSHI_WEBSOCKET_RETRY_ATTEMPTS: '0', KALSHI_WEBSOCKET_RETRY_DELAY: '0.25' }, cwd: project.dir })
    expect(config.retryAttempts).to.equal(0)
    expect(config.retryDelayMs).to.equal(250)
  })

  it('reads every numeric flag', async () => {
    const { config } = await loadConfig({ flags: { retryAttempts: 3, retryDelaySeconds: 2, batchSize: '50', timeoutSeconds: 1 }, env: {}, cwd: project.dir })
    expect([config.retryAttempts, config.retryDelayMs, config.subscriptionBatchSize, config.websocketTimeoutMs]).to.deep.equal([3, 2000, 50, 1000])
  })

  it('treats an empty environment variable as unset', async () => {
    const { config } = await loadConfig({ env: { KALSHI_API_URL: '', KALSHI_ENVIRONMENT: ' ' }, cwd: project.dir })
    expect(config.environment).to.equal('production')
    expect(config.apiUrl).to.equal(ENDPOINTS.production.apiUrl)
  })

  it('uses the demo hosts for environment demo', async () => {
    const { config } = await loadConfig({ flags: { env: 'demo' }, env: {}, cwd: project.dir })
    expect(config.apiUrl).to.equal(ENDPOINTS.demo.apiUrl)
    expect(config.wsUrl).to.equal(ENDPOINTS.demo.wsUrl)
  })

  it('overrides one URL without touching the other outside sim', async () => {
    const { config } = await loadConfig({ env: { KALSHI_API_URL: 'https://proxy.example/trade-api/v2/' }, cwd: project.dir })
    expect(config.apiUrl).to.equal('https://proxy.example/trade-api/v2')
    expect(config.wsUrl).to.equal(ENDPOINTS.production.wsUrl)
    expect(config.sources.apiUrl).to.equal('env')
    expect(config.sources.wsUrl).to.equal('default')
  })

  it('leaves both URLs undefined for sim with no override', async () => {
    const { config } = await loadConfig({ flags: { env: 'sim' }, env: {}, cwd: project.dir })
    expect(config.apiUrl).to.equal(undefined)
    expect(config.wsUrl).to.equal(undefined)
  })

  it('derives the WebSocket URL from an overridden REST URL for sim', async () => {
    const { config, origins } = await loadConfig({ flags: { env: 'sim', apiUrl: 'http://127.0.0.1:4000/trade-api/v2' }, env: {}, cwd: project.dir })
    expect(config.wsUrl).to.equal('ws://127.0.0.1:4000/trade-api/ws/v2')
    expect(origins.wsUrl).to.equal('derived from apiUrl (flag --api-url)')
  })

  it('derives the REST URL from an overridden WebSocket URL for sim', async () => {
    const { config } = await loadConfig({ env: { KALSHI_ENVIRONMENT: 'sim', KALSHI_WS_URL: 'wss://sim.example/trade-api/ws/v2' }, cwd: project.dir })
    expect(config.apiUrl).to.equal('https://sim.example/trade-api/v2')
  })

  it('finds a YAML .neuralrc without extension', async () => {
    project.write('.neuralrc', 'environment: demo\nretryAttempts: 4\n')
    const { config } = await loadConfig({ env: {}, cwd: project.dir })
    expect(config.environment).to.equal('demo')
    expect(config.retryAttempts).to.equal(4)
  })

  it('finds the neural key of package.json', async () => {
    project.write('package.json', JSON.stringify({ name: 'x', neural: { subscriptionBatchSize: 25 } }))
    const { config } = await loadConfig({ env: {}, cwd: project.dir })
    expect(config.subscriptionBatchSize).to.equal(25)
  })

  it('finds neural.config.js', async () => {
    project.write('neural.config.js', 'export default { retryMaxDelayMs: 12000 }\n')
    project.write('package.json', JSON.stringify({ name: 'x', type: 'module' }))
    const { config } = await loadConfig({ env: {}, cwd: project.dir })
    expect(config.retryMaxDelayMs).to.equal(12000)
  })

  it('finds an rc file in a parent directory of the project', async () => {
    const file = project.write('.neuralrc.yml', 'environment: sim\n')
    const sub = path.join(project.dir, 'a', 'b')
    mkdirSync(sub, { recursive: true })
    const { config, rcFile } = await loadConfig({ env: {}, cwd: sub })
    expect(config.environment).to.equal('sim')
    expect(rcFile).to.equal(file)
  })

  it('reads an explicit --config file instead of searching', async () => {
    project.write('.neuralrc.json', JSON.stringify({ environment: 'demo' }))
    const other = project.write('other.yaml', 'environment: sim\n')
    const { config, rcFile } = await loadConfig({ env: {}, cwd: project.dir, configFile: 'other.yaml' })
    expect(config.environment).to.equal('sim')
    expect(rcFile).to.equal(other)
  })

  it('takes risk limits and strategy params from the rc file', async () => {
    project.write('.neuralrc.json', JSON.stringify({ risk: { maxContractsPerOrder: 2 }, strategies: { momentum: { window: 5 } } }))
    const { config } = await loadConfig({ env: {}, cwd: project.dir })
    expect(config.risk).to.deep.equal({ maxContractsPerOrder: 2 })
    expect(config.sources['risk.maxContractsPerOrder']).to.equal('rc')
    expect(config.sources['risk.maxPositionPerMarket']).to.equal(undefined)
    expect(config.strategyParams).to.deep.equal({ momentum: { window: 5 } })
  })

  it('returns a deeply frozen config', async () => {
    project.write('.neuralrc.json', JSON.stringify({ strategies: { momentum: { window: 5 } } }))
    const { config } = await loadConfig({ env: {}, cwd: project.dir })
    expect(Object.isFrozen(config)).to.equal(true)
    expect(Object.isFrozen(config.risk)).to.equal(true)
    expect(Object.isFrozen(config.strategyParams!.momentum)).to.equal(true)
    expect(Object.isFrozen(config.sources)).to.equal(true)
  })
})

describe('loadConfig: private key', () => {
  let project: ReturnType<typeof tempProject>
  beforeEach(() => {
    project = tempProject()
  })
  afterEach(() => project.cleanup())

  it('reads the key file named by KALSHI_PRIVATE_KEY_PATH', async () => {
    const file = project.write('key.pem', testKey().pkcs1)
    const { config, warnings } = await loadConfig({ env: { KALSHI_API_KEY_ID: 'key-id-123456', KALSHI_PRIVATE_KEY_PATH: file }, cwd: project.dir })
    expect(config.privateKeyPem).to.equal(testKey().pkcs1)
    expect(config.privateKeyPath).to.equal(file)
    expect(config.apiKeyId).to.equal('key-id-123456')
    expect(config.sources.privateKey).to.equal('env')
    expect(warnings).to.deep.equal([])
  })

  it('accepts PEM text in KALSHI_API_SECRET', async () => {
    const { config } = await loadConfig({ env: { KALSHI_API_KEY_ID: 'key-id-123456', KALSHI_API_SECRET: testKey().pkcs8 }, cwd: project.dir })
    expect(config.privateKeyPem).to.equal(testKey().pkcs8)
    expect(config.privateKeyPath).to.equal(undefined)
  })

  it('accepts one-line PEM text with literal \\n separators in KALSHI_API_SECRET', async () => {
    const oneLine = testKey().pkcs1.replace(/\n/g, '\\n')
    const { config } = await loadConfig({ env: { KALSHI_API_KEY_ID: 'key-id-123456', KALSHI_API_SECRET: oneLine }, cwd: project.dir })
    expect(config.privateKeyPem).to.equal(testKey().pkcs1)
  })

  it('treats KALSHI_API_SECRET without a BEGIN line as a path', async () => {
    const file = project.write('key.pem', testKey().pkcs1)
    const { config } = await loadConfig({ env: { KALSHI_API_KEY_ID: 'key-id-123456', KALSHI_API_SECRET: file }, cwd: project.dir })
    expect(config.privateKeyPath).to.equal(file)
  })

  it('prefers the --private-key-path flag over the environment', async () => {
    const flagFile = project.write('flag.pem', testKey().pkcs8)
    const envFile = project.write('env.pem', testKey().pkcs1)
    const { config, origins } = await loadConfig({ flags: { privateKeyPath: flagFile }, env: { KALSHI_API_KEY_ID: 'key-id-123456', KALSHI_PRIVATE_KEY_PATH: envFile }, cwd: project.dir })
    expect(config.privateKeyPath).to.equal(flagFile)
    expect(origins.privateKey).to.equal('flag --private-key-path')
  })

  it('resolves a relative privateKeyPath in the rc file against the rc file directory', async () => {
    const file = project.write('key.pem', testKey().pkcs1)
    const sub = path.join(project.dir, 'sub')
    mkdirSync(sub)
    project.write('.neuralrc.json', JSON.stringify({ apiKeyId: 'key-id-123456', privateKeyPath: './key.pem' }))
    const { config } = await loadConfig({ env: {}, cwd: sub })
    expect(config.privateKeyPath).to.equal(file)
  })

  it('keeps the key text out of JSON and enumeration', async () => {
    const { config } = await loadConfig({ env: { KALSHI_API_KEY_ID: 'key-id-123456', KALSHI_API_SECRET: testKey().pkcs1 }, cwd: project.dir })
    expect(Object.keys(config)).not.to.include('privateKeyPem')
    expect(JSON.stringify(config)).not.to.include('BEGIN')
  })

  it('warns when the key file is readable by group or others', async () => {
    const file = project.write('key.pem', testKey().pkcs1, 0o644)
    const { warnings } = await loadConfig({ env: { KALSHI_API_KEY_ID: 'key-id-123456', KALSHI_PRIVATE_KEY_PATH: file }, cwd: project.dir })
    expect(warnings).to.deep.equal([`private key file ${file} is readable by group or others (mode 0644): run chmod 600 ${file}`])
  })

  it('reports a missing key file by path and source', async () => {
    const file = path.join(project.dir, 'nope.pem')
    await expectConfigError(
      loadConfig({ env: { KALSHI_API_KEY_ID: 'key-id-123456', KALSHI_PRIVATE_KEY_PATH: file }, cwd: project.dir }),
      'KEY_FILE_MISSING',
      `private key file not found: ${file} (from env KALSHI_PRIVATE_KEY_PATH)`,
    )
  })

  // Tests run as root, for whom chmod 000 does not stop a read: a directory is the unreadable file here.
  it('reports an unreadable key path by path and source', async () => {
    const dir = path.join(project.dir, 'keydir')
    mkdirSync(dir)
    await expectConfigError(
      loadConfig({ flags: { privateKeyPath: dir, apiKeyId: 'key-id-123456' }, env: {}, cwd: project.dir }),
      'KEY_FILE_UNREADABLE',
      `private key file unreadable: ${dir} (from flag --private-key-path): it is a directory`,
    )
  })

  it('reports a key file that is not an RSA PEM key without quoting it', async () => {
    const file = project.write('key.pem', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHUSHHUSH user@host\n')
    const error = await expectConfigError(
      loadConfig({ env: { KALSHI_API_KEY_ID: 'key-id-123456', KALSHI_PRIVATE_KEY_PATH: file }, cwd: project.dir }),
      'KEY_FORMAT',
      `private key in file ${file} (from env KALSHI_PRIVATE_KEY_PATH): not an RSA private key in PEM format (expected "-----BEGIN RSA PRIVATE KEY-----" or "-----BEGIN PRIVATE KEY-----")`,
    )
    expect(error.message).not.to.include('HUSHHUSH')
  })

  it('reports broken PEM text in KALSHI_API_SECRET without quoting it', async () => {
    const broken = '-----BEGIN RSA PRIVATE KEY-----\nSECRETSECRETSECRET\n-----END RSA PRIVATE KEY-----\n'
    const error = await expectConfigError(
      loadConfig({ env: { KALSHI_API_KEY_ID: 'key-id-123456', KALSHI_API_SECRET: broken }, cwd: project.dir }),
      'KEY_FORMAT',
      /^private key in env KALSHI_API_SECRET: not an RSA private key in PEM format/,
    )
    expect(error.message).not.to.include('SECRETSECRET')
  })

  it('refuses key material without a BEGIN line in KALSHI_API_SECRET without quoting it', async () => {
    const body = testKey().pkcs1.split('\n').slice(1, -2).join('')
    const error = await expectConfigError(
      loadConfig({ env: { KALSHI_API_KEY_ID: 'key-id-123456', KALSHI_API_SECRET: body }, cwd: project.dir }),
      'KEY_FORMAT',
      'private key from env KALSHI_API_SECRET: neither whole PEM text (starting with "-----BEGIN") nor a path to a PEM file; it may be part of a key, so it is not shown',
    )
    expect(error.message).not.to.include(body.slice(10, 40))
  })

  it('refuses an rc file holding both privateKey and privateKeyPath', async () => {
    const file = project.write('.neuralrc.json', JSON.stringify({ privateKey: testKey().pkcs1, privateKeyPath: './k.pem' }))
    const error = await expectConfigError(
      loadConfig({ env: {}, cwd: project.dir }),
      'CONFIG_VALUE',
      `invalid privateKey from rc file ${file}: expected only one of privateKey and privateKeyPath`,
    )
    expect(error.message).not.to.include('BEGIN')
  })

  it('refuses a key id without a key, showing the id masked', async () => {
    await expectConfigError(
      loadConfig({ env: { KALSHI_API_KEY_ID: 'a1b2c3d4-0000-1111-2222-333344445555' }, cwd: project.dir }),
      'KEY_PAIR_INCOMPLETE',
      'apiKeyId a1b2… is set (env KALSHI_API_KEY_ID) but no private key is: set KALSHI_PRIVATE_KEY_PATH, KALSHI_API_SECRET, --private-key-path or privateKeyPath in the rc file',
    )
  })

  it('refuses a key without a key id', async () => {
    await expectConfigError(
      loadConfig({ env: { KALSHI_API_SECRET: testKey().pkcs1 }, cwd: project.dir }),
      'KEY_PAIR_INCOMPLETE',
      'a private key is set (env KALSHI_API_SECRET) but no apiKeyId is: set KALSHI_API_KEY_ID, --api-key-id or apiKeyId in the rc file',
    )
  })

  it('lets sim run with a key id and no key (the simulator signs with a throwaway key)', async () => {
    const { config } = await loadConfig({ flags: { env: 'sim' }, env: { KALSHI_API_KEY_ID: 'a1b2c3d4-0000' }, cwd: project.dir })
    expect(config.apiKeyId).to.equal('a1b2c3d4-0000')
  })
})
