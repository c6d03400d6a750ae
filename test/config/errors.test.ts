import { expect } from 'chai'
import { loadConfig, type FlagValues } from '../../src/config/load.js'
import { maskKeyId, redactConfig } from '../../src/config/redact.js'
import { expectConfigError, tempProject, testKey } from './helpers.js'

describe('loadConfig: bad values name the key, its source and what is allowed', () => {
  let project: ReturnType<typeof tempProject>
  beforeEach(() => {
    project = tempProject()
  })
  afterEach(() => project.cleanup())

  const load = (opts: { flags?: Partial<FlagValues>; env?: NodeJS.ProcessEnv }) => loadConfig({ flags: opts.flags, env: opts.env ?? {}, cwd: project.dir })
  const rc = (data: unknown) => project.write('.neuralrc.json', JSON.stringify(data))

  it('rejects an unknown environment from the environment', async () => {
    await expectConfigError(load({ env: { KALSHI_ENVIRONMENT: 'staging' } }), 'CONFIG_VALUE', 'invalid environment "staging" from env KALSHI_ENVIRONMENT: expected one of production, demo, sim')
  })

  it('rejects an unknown environment from the rc file', async () => {
    const file = rc({ environment: 'prod' })
    await expectConfigError(load({}), 'CONFIG_VALUE', `invalid environment "prod" from rc file ${file}: expected one of production, demo, sim`)
  })

  it('rejects a key id with spaces from a flag, masking it', async () => {
    await expectConfigError(load({ flags: { apiKeyId: 'abcd efgh ijkl' } }), 'CONFIG_VALUE', 'invalid apiKeyId "abcd…" from flag --api-key-id: expected a non-empty key id without spaces')
  })

  it('rejects a REST URL that is not http(s)', async () => {
    await expectConfigError(load({ env: { KALSHI_API_URL: 'ftp://x/trade-api/v2' } }), 'CONFIG_VALUE', 'invalid apiUrl "ftp://x/trade-api/v2" from env KALSHI_API_URL: expected an http:// or https:// URL ending in /trade-api/v2')
  })

  it('rejects a WebSocket URL that is not ws(s)', async () => {
    const file = rc({ wsUrl: 'http://x/trade-api/ws/v2' })
    await expectConfigError(load({}), 'CONFIG_VALUE', `invalid wsUrl "http://x/trade-api/ws/v2" from rc file ${file}: expected a ws:// or wss:// URL ending in /trade-api/ws/v2`)
  })

  it('rejects a timeout that is not a number, from the environment', async () => {
    await expectConfigError(load({ env: { KALSHI_WEBSOCKET_TIMEOUT: '30s' } }), 'CONFIG_VALUE', 'invalid websocketTimeoutMs "30s" from env KALSHI_WEBSOCKET_TIMEOUT: expected a number of seconds > 0')
  })

  it('rejects a zero timeout from a flag', async () => {
    await expectConfigError(load({ flags: { timeoutSeconds: '0' } }), 'CONFIG_VALUE', 'invalid websocketTimeoutMs "0" from flag --timeout: expected a number of seconds > 0')
  })

  it('rejects a fractional millisecond timeout in the rc file', async () => {
    const file = rc({ websocketTimeoutMs: 1.5 })
    await expectConfigError(load({}), 'CONFIG_VALUE', `invalid websocketTimeoutMs 1.5 from rc file ${file}: expected an integer number of milliseconds > 0`)
  })

  it('checks the whole rc file even where a flag overrides the value', async () => {
    const file = rc({ websocketTimeoutMs: -5 })
    await expectConfigError(load({ flags: { timeoutSeconds: 3 } }), 'CONFIG_VALUE', `invalid websocketTimeoutMs -5 from rc file ${file}: expected an integer number of milliseconds > 0`)
  })

  it('rejects negative retry attempts from the environment', async () => {
    await expectConfigError(load({ env: { KALSHI_WEBSOCKET_RETRY_ATTEMPTS: '-1' } }), 'CONFIG_VALUE', 'invalid retryAttempts "-1" from env KALSHI_WEBSOCKET_RETRY_ATTEMPTS: expected an integer >= 0 (0 = retry forever)')
  })

  it('rejects fractional retry attempts from a flag', async () => {
    await expectConfigError(load({ flags: { retryAttempts: '2.5' } }), 'CONFIG_VALUE', 'invalid retryAttempts "2.5" from flag --retry-attempts: expected an integer >= 0 (0 = retry forever)')
  })

  it('rejects a retry delay that is not a number', async () => {
    await expectConfigError(load({ env: { KALSHI_WEBSOCKET_RETRY_DELAY: 'soon' } }), 'CONFIG_VALUE', 'invalid retryDelayMs "soon" from env KALSHI_WEBSOCKET_RETRY_DELAY: expected a number of seconds > 0')
  })

  it('rejects a zero retry delay from a flag', async () => {
    await expectConfigError(load({ flags: { retryDelaySeconds: -2 } }), 'CONFIG_VALUE', 'invalid retryDelayMs -2 from flag --retry-delay: expected a number of seconds > 0')
  })

  it('rejects a zero retry cap in the rc file', async () => {
    const file = rc({ retryMaxDelayMs: 0 })
    await expectConfigError(load({}), 'CONFIG_VALUE', `invalid retryMaxDelayMs 0 from rc file ${file}: expected an integer number of milliseconds > 0`)
  })

  it('rejects a retry cap below the first delay, naming both sources', async () => {
    const file = rc({ retryMaxDelayMs: 500 })
    await expectConfigError(load({ env: { KALSHI_WEBSOCKET_RETRY_DELAY: '2' } }), 'CONFIG_VALUE', `invalid retryMaxDelayMs 500 from rc file ${file}: expected at least retryDelayMs (2000 from env KALSHI_WEBSOCKET_RETRY_DELAY)`)
  })

  it('rejects a zero batch size from a flag', async () => {
    await expectConfigError(load({ flags: { batchSize: '0' } }), 'CONFIG_VALUE', 'invalid subscriptionBatchSize "0" from flag --batch-size: expected an integer from 1 to 1000')
  })

  it('rejects a batch size above 1000 in the rc file', async () => {
    const file = rc({ subscriptionBatchSize: 5000 })
    await expectConfigError(load({}), 'CONFIG_VALUE', `invalid subscriptionBatchSize 5000 from rc file ${file}: expected an integer from 1 to 1000`)
  })

  it('rejects a negative risk limit', async () => {
    const file = rc({ risk: { maxContractsPerOrder: -1 } })
    await expectConfigError(load({}), 'CONFIG_VALUE', `invalid risk.maxContractsPerOrder -1 from rc file ${file}: expected an integer > 0`)
  })

  it('rejects a risk dollar limit that is not a number', async () => {
    const file = rc({ risk: { maxTotalCostDollars: 'lots' } })
    await expectConfigError(load({}), 'CONFIG_VALUE', `invalid risk.maxTotalCostDollars "lots" from rc file ${file}: expected a number of dollars > 0`)
  })

  it('rejects risk that is not a mapping', async () => {
    const file = rc({ risk: 5 })
    await expectConfigError(load({}), 'CONFIG_VALUE', `invalid risk 5 from rc file ${file}: expected a mapping of maxContractsPerOrder, maxPositionPerMarket, maxOrdersPerMinute, maxTotalCostDollars`)
  })

  it('rejects strategy params that are not a mapping of mappings', async () => {
    const file = rc({ strategies: { momentum: 3 } })
    await expectConfigError(load({}), 'CONFIG_VALUE', `invalid strategies {"momentum":3} from rc file ${file}: expected a mapping of strategy name to a mapping of parameter name to value`)
  })

  it('names an unknown rc key and suggests the near one', async () => {
    const file = rc({ websocketTimeout: 30 })
    await expectConfigError(
      load({}),
      'CONFIG_UNKNOWN_KEY',
      `unknown key "websocketTimeout" in rc file ${file}: did you mean "websocketTimeoutMs"? allowed keys are environment, apiKeyId, privateKey, privateKeyPath, apiUrl, wsUrl, websocketTimeoutMs, retryAttempts, retryDelayMs, retryMaxDelayMs, subscriptionBatchSize, risk, strategies`,
    )
  })

  it('names an unknown risk key', async () => {
    const file = rc({ risk: { maxOrders: 3 } })
    await expectConfigError(load({}), 'CONFIG_UNKNOWN_KEY', /^unknown key "risk\.maxOrders" in rc file .*: did you mean "risk\.maxOrdersPerMinute"\? allowed keys are risk\.maxContractsPerOrder/)
    expect(file).to.be.a('string')
  })

  it('reports an rc file that is not valid JSON in one line', async () => {
    const file = project.write('.neuralrc.json', '{"environment": "demo",}')
    // The reason and where, not a cut-off code frame (issue 14).
    await expectConfigError(load({}), 'CONFIG_PARSE', `rc file ${file}: invalid JSON at line 1, column 24: Expected double-quoted property name`)
  })

  it('names the line and column of a JSON mistake further down the file', async () => {
    const file = project.write('.neuralrc.json', '{\n  "environment": "sim",\n  "retryAttempts": 3 3\n}\n')
    await expectConfigError(load({}), 'CONFIG_PARSE', `rc file ${file}: invalid JSON at line 3, column 22: Expected ',' or '}' after property value`)
  })

  it('reports an rc file that is not valid YAML in one line', async () => {
    const file = project.write('.neuralrc.yaml', 'environment: demo\n  retryAttempts: [\n')
    await expectConfigError(load({}), 'CONFIG_PARSE', `rc file ${file}: invalid YAML at line 2, column 16: bad indentation of a mapping entry`)
  })

  it('reports a neural.config.js that throws with its own message in one line', async () => {
    const file = project.write('neural.config.js', 'throw new Error("no config here")\n')
    await expectConfigError(load({}), 'CONFIG_PARSE', `rc file ${file}: no config here`)
  })

  it('reports an rc file that is a list', async () => {
    const file = project.write('.neuralrc.json', '[1, 2]')
    await expectConfigError(load({}), 'CONFIG_PARSE', `rc file ${file}: expected a mapping of keys, found a list`)
  })

  it('reports a missing --config file by path', async () => {
    await expectConfigError(loadConfig({ env: {}, cwd: project.dir, configFile: 'missing.yaml' }), 'CONFIG_FILE_MISSING', `config file not found: ${project.dir}/missing.yaml (from flag --config)`)
  })

  it('never quotes the key text or the full key id in any message', async () => {
    const pem = testKey().pkcs1
    const keyId = 'a1b2c3d4-9999-8888-7777-666655554444'
    const bodyLine = pem.split('\n')[1]!
    const attempts = [
      load({ env: { KALSHI_API_KEY_ID: keyId, KALSHI_API_SECRET: pem, KALSHI_ENVIRONMENT: 'nope' } }),
      load({ env: { KALSHI_API_SECRET: pem } }),
      load({ env: { KALSHI_API_KEY_ID: keyId, KALSHI_API_SECRET: pem.replace(bodyLine, bodyLine.slice(0, 20)) } }),
      load({ env: { KALSHI_API_KEY_ID: keyId, KALSHI_API_SECRET: pem.split('\n').slice(1, -2).join('') } }),
      load({ env: { KALSHI_API_KEY_ID: `${keyId} x`, KALSHI_API_SECRET: pem } }),
      load({ env: { KALSHI_API_KEY_ID: keyId } }),
    ]
    // Settled together: awaited one by one, a later load that failed while an earlier one still ran
    // was a rejection with no handler yet (Node's PromiseRejectionHandledWarning in the suite's output).
    const messages = await Promise.all(attempts.map((attempt) => attempt.then(() => '(no error)', (error: Error) => error.message)))
    expect(messages).to.have.length(6)
    for (const message of messages) {
      expect(message).not.to.equal('(no error)')
      expect(message).not.to.include(bodyLine.slice(0, 20))
      expect(message).not.to.include(keyId.slice(0, 8))
    }
  })
})

describe('redaction', () => {
  it('masks a key id to its first four characters', () => {
    expect(maskKeyId('a1b2c3d4-9999-8888-7777-666655554444')).to.equal('a1b2…')
  })

  it('masks a short key id entirely', () => {
    expect(maskKeyId('abcdefgh')).to.equal('…')
  })

  it('shows where the key came from instead of the key', async () => {
    const project = tempProject()
    try {
      const file = project.write('key.pem', testKey().pkcs1)
      const { config } = await loadConfig({ env: { KALSHI_API_KEY_ID: 'a1b2c3d4-9999', KALSHI_PRIVATE_KEY_PATH: file }, cwd: project.dir })
      const shown = redactConfig(config)
      expect(shown.apiKeyId).to.equal('a1b2…')
      expect(shown.privateKey).to.equal(`file ${file}`)
      expect(JSON.stringify(shown)).not.to.include('BEGIN')
    } finally {
      project.cleanup()
    }
  })
})
