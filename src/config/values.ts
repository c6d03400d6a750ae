import { configError } from '../errors.js'
import { maskKeyId } from './redact.js'
import type { ValueSpec } from './schema.js'
import type { ConfigSource } from './types.js'

/** One place a value may come from. `raw` undefined means "not given here". */
export interface Candidate {
  source: ConfigSource
  label: string
  raw: unknown
}

export function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]
  // An empty variable (KALSHI_API_URL=) means unset, as in most shells' `${VAR:-default}`.
  return value === undefined || value.trim() === '' ? undefined : value
}

/** "30" → 30; anything that is not a plain number stays as it is so validation reports it. */
export function numberFrom(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw
  const trimmed = raw.trim()
  return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(trimmed) ? Number(trimmed) : raw
}

export function validate<T>(key: string, from: Candidate, spec: ValueSpec<T>, value: unknown): T {
  const result = spec.schema.safeParse(value)
  if (result.success) {
    if (spec.max && (result.data as number) > spec.max.value) {
      throw configError('CONFIG_VALUE', `invalid ${key}${displayValue(key, from.raw)} from ${from.label}: expected ${spec.max.allowed}`)
    }
    return result.data
  }
  throw configError('CONFIG_VALUE', `invalid ${key}${displayValue(key, from.raw)} from ${from.label}: expected ${spec.allowed}`, result.error)
}

/** The value as quoted in an error: never the key text, the key id masked, long values cut. */
export function displayValue(key: string, raw: unknown): string {
  if (key === 'privateKey' || key === 'privateKeyPath') return ''
  if (key === 'apiKeyId' && typeof raw === 'string') return ` ${JSON.stringify(maskKeyId(raw))}`
  let text: string
  try {
    text = JSON.stringify(raw) ?? String(raw)
  } catch {
    text = String(raw)
  }
  return ` ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`
}
