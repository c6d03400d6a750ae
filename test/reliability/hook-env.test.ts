/**
 * `--hook exec:` children inherited KALSHI_API_SECRET and KALSHI_API_KEY_ID. The command now gets
 * our environment minus every credential, unless the user names a variable in NEURAL_HOOK_PASS_ENV.
 */
import { expect } from 'chai'
import type { Strategy } from '../../src/strategy/api.js'
import { createHook } from '../../src/strategy/hooks/create-hook.js'
import { harness, tick, waitFor } from '../strategy/helpers.js'

const buyer: Strategy = { name: 'buyer', markets: ['*'], onTick: (t) => ({ action: 'BUY', ticker: t.ticker, side: 'yes', quantity: 1, limitPrice: 0.45, confidence: 0.5, reason: 'test' }) }
const PLANTED: Record<string, string> = {
  KALSHI_API_SECRET: '-----BEGIN RSA PRIVATE KEY-----\\nMIIEplanted\\n-----END RSA PRIVATE KEY-----',
  KALSHI_API_KEY_ID: 'a1b2c3d4-planted-key-id',
  KALSHI_PRIVATE_KEY_PATH: '/home/planted/kalshi.pem',
  NATS_TOKEN: 'planted-nats-token',
  AWS_SECRET_ACCESS_KEY: 'planted-aws-secret',
  GITHUB_TOKEN: 'planted-gh-token',
  // Short words that are secrets only as whole words (found by an outside review: these reached the command).
  OPENAI_APIKEY: 'planted-openai-key',
  GITHUB_PAT: 'planted-gh-pat',
  DB_PASS: 'planted-db-pass',
  MYSQL_PWD: 'planted-mysql-pwd',
  NEURAL_HOOK_TEST_PLAIN: 'plain-value',
  NEURAL_HOOK_TEST_PATTERN_KEYBOARD: 'plain-words',
}

/** Runs `env` as the exec hook (with the planted variables in our environment) and returns its NAME=value lines. */
async function childEnvironment(extra: Record<string, string> = {}): Promise<Map<string, string>> {
  const saved = new Map<string, string | undefined>()
  const planted = { ...PLANTED, ...extra }
  for (const [k, v] of Object.entries(planted)) {
    saved.set(k, process.env[k])
    process.env[k] = v
  }
  try {
    // The command prints its environment once it has a signal to read, then keeps reading.
    const hook = await createHook(`exec:read line && env && cat >/dev/null`)
    const h = harness([buyer], { hooks: [hook] })
    try {
      await h.engine.start()
      h.feed(tick('A'))
      await waitFor(() => h.of('log').some((l) => l.message.startsWith('NEURAL_HOOK_TEST_PLAIN=')), 5000, 'the env listing')
    } finally {
      await h.engine.stop()
    }
    const vars = new Map<string, string>()
    for (const l of h.of('log')) {
      const i = l.message.indexOf('=')
      if (i > 0) vars.set(l.message.slice(0, i), l.message.slice(i + 1))
    }
    return vars
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
}

describe('exec hook environment: credentials stripped', function () {
  this.timeout(20_000)

  it('gives the command no credential, but everything else', async () => {
    const vars = await childEnvironment()
    for (const name of ['KALSHI_API_SECRET', 'KALSHI_API_KEY_ID', 'KALSHI_PRIVATE_KEY_PATH', 'NATS_TOKEN', 'AWS_SECRET_ACCESS_KEY', 'GITHUB_TOKEN', 'OPENAI_APIKEY', 'GITHUB_PAT', 'DB_PASS', 'MYSQL_PWD']) {
      expect(vars.has(name), `${name} reached the hook command`).to.equal(false)
    }
    for (const [name, text] of vars) expect(text, name).to.not.include('planted')
    expect(vars.get('NEURAL_HOOK_TEST_PLAIN')).to.equal('plain-value')
    // Whole-word matching keeps the names that merely contain those words.
    expect(vars.get('PATH')).to.equal(process.env.PATH)
    expect(vars.get('NEURAL_HOOK_TEST_PATTERN_KEYBOARD')).to.equal('plain-words')
  })

  it('passes a credential the user names in NEURAL_HOOK_PASS_ENV, and only that one', async () => {
    const vars = await childEnvironment({ NEURAL_HOOK_PASS_ENV: 'NATS_TOKEN' })
    expect(vars.get('NATS_TOKEN')).to.equal('planted-nats-token')
    expect(vars.has('KALSHI_API_SECRET')).to.equal(false)
    expect(vars.has('KALSHI_API_KEY_ID')).to.equal(false)
  })
})
