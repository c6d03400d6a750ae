import { configError, NeuralError } from '../errors.js'
import { RC_KEYS, RC_VALUE_SPECS, RISK_KEYS, STRATEGIES_SPEC } from './schema.js'
import { displayValue, validate } from './values.js'

/**
 * Check the rc file whole: unknown keys and bad values even where a flag or the environment overrides
 * them, because a typo there would otherwise sit unnoticed.
 */
export function checkRcFile(data: Record<string, unknown>, label: string): void {
  const allowed: readonly string[] = RC_KEYS
  for (const key of Object.keys(data)) {
    if (!allowed.includes(key)) throw unknownKey(key, allowed, label)
  }
  for (const [key, spec] of Object.entries(RC_VALUE_SPECS)) {
    if (data[key] !== undefined) validate(key, { source: 'rc', label, raw: data[key] }, spec, data[key])
  }
  if (data.privateKey !== undefined && data.privateKeyPath !== undefined) {
    throw configError('CONFIG_VALUE', `invalid privateKey from ${label}: expected only one of privateKey and privateKeyPath`)
  }
  if (data.risk !== undefined) {
    const risk = data.risk
    if (typeof risk !== 'object' || risk === null || Array.isArray(risk)) {
      throw configError('CONFIG_VALUE', `invalid risk${displayValue('risk', risk)} from ${label}: expected a mapping of ${RISK_KEYS.join(', ')}`)
    }
    for (const key of Object.keys(risk)) {
      if (!(RISK_KEYS as readonly string[]).includes(key)) throw unknownKey(`risk.${key}`, RISK_KEYS.map((k) => `risk.${k}`), label)
    }
  }
  if (data.strategies !== undefined) validate('strategies', { source: 'rc', label, raw: data.strategies }, STRATEGIES_SPEC, data.strategies)
}

function unknownKey(key: string, allowed: readonly string[], label: string): NeuralError {
  const lower = key.toLowerCase()
  const near = allowed.find((k) => editDistance(k.toLowerCase(), lower) <= 3) ?? allowed.find((k) => k.toLowerCase().startsWith(lower))
  const hint = near ? `did you mean "${near}"? ` : ''
  return configError('CONFIG_UNKNOWN_KEY', `unknown key "${key}" in ${label}: ${hint}allowed keys are ${allowed.join(', ')}`)
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1))
      diagonal = above
    }
  }
  return row[b.length]!
}
