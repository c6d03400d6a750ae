import { copyFileSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect } from 'chai'
import { loadConfig } from '../../src/config/load.js'
import { DEFAULTS, RC_KEYS, RISK_KEYS } from '../../src/config/schema.js'
import { tempProject, testKey } from './helpers.js'

const EXAMPLE = fileURLToPath(new URL('../../.neuralrc.example', import.meta.url))

describe('.neuralrc.example', () => {
  it('loads as an rc file without errors', async () => {
    const project = tempProject()
    try {
      copyFileSync(EXAMPLE, path.join(project.dir, '.neuralrc.yaml'))
      project.write('kalshi-key.pem', testKey().pkcs1)
      const { config, warnings } = await loadConfig({ env: {}, cwd: project.dir })
      expect(config.environment).to.equal('demo')
      expect(config.privateKeyPath).to.equal(path.join(project.dir, 'kalshi-key.pem'))
      expect(config.strategyParams).to.deep.equal({ 'mean-reversion': { windowSize: 20, threshold: 0.05 } })
      expect(warnings).to.deep.equal([])
    } finally {
      project.cleanup()
    }
  })

  it('documents every rc key', () => {
    const text = readFileSync(EXAMPLE, 'utf8')
    for (const key of [...RC_KEYS, ...RISK_KEYS]) expect(text, key).to.match(new RegExp(`^\\s*#?\\s*${key}:`, 'm'))
  })

  it("states each key's default as the code has it", () => {
    // Found from outside: the file said retryAttempts defaults to 10 where the code (and the README) say 0.
    const text = readFileSync(EXAMPLE, 'utf8')
    const stated = new Map<string, string>()
    // A comment block that says "Default: X." and the key it documents, on the first line after it.
    for (const m of text.matchAll(/Default: ([^\s.(;,]+)[^\n]*\n(?:#[^\n]*\n)*#?\s*(\w+):/g)) stated.set(m[2]!, m[1]!)
    const keys = Object.keys(DEFAULTS) as (keyof typeof DEFAULTS)[]
    for (const key of keys) expect(stated.get(key), key).to.equal(String(DEFAULTS[key]))
  })
})
