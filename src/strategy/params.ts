import { NeuralError } from '../errors.js'
import type { ParamValue, Params } from './api.js'
import { describeValue } from './signal.js'

/** One `--param` flag: `key=value` (every strategy declaring `key`) or `name.key=value` (one strategy). */
export interface ParamFlag {
  strategy?: string
  key: string
  value: string
  /** The flag as typed, for messages. */
  text: string
}

export function parseParamFlag(text: string): ParamFlag {
  const eq = text.indexOf('=')
  if (eq <= 0) throw new NeuralError('input', 'PARAM', `--param ${text}: expected key=value or strategy.key=value`)
  const left = text.slice(0, eq).trim()
  const value = text.slice(eq + 1)
  const dot = left.lastIndexOf('.')
  if (dot === -1) return { key: left, value, text }
  const strategy = left.slice(0, dot)
  const key = left.slice(dot + 1)
  if (!strategy || !key) throw new NeuralError('input', 'PARAM', `--param ${text}: expected key=value or strategy.key=value`)
  return { strategy, key, value, text }
}

const TRUE = new Set(['true', '1', 'yes', 'on'])
const FALSE = new Set(['false', '0', 'no', 'off'])

/** Read a string as the type of `defaultValue`; undefined when it cannot be. */
export function coerceParam(text: string, defaultValue: ParamValue): ParamValue | undefined {
  if (typeof defaultValue === 'string') return text
  const t = text.trim()
  if (typeof defaultValue === 'number') {
    if (t === '') return undefined
    const n = Number(t)
    return Number.isFinite(n) ? n : undefined
  }
  const lower = t.toLowerCase()
  if (TRUE.has(lower)) return true
  if (FALSE.has(lower)) return false
  return undefined
}

function typeName(v: ParamValue): string {
  return typeof v === 'boolean' ? 'true or false' : `a ${typeof v}`
}

export interface StrategyParamsSource {
  name: string
  params?: Params
}

/**
 * Each strategy's params: its defaults, overridden by the rc file (`strategyParams[name]`),
 * overridden by `--param` flags. Throws a one-line NeuralError for an unknown key or a value that
 * does not fit the default's type. Returns frozen objects.
 */
export function resolveParams(
  strategies: readonly StrategyParamsSource[],
  flags: readonly (string | ParamFlag)[] = [],
  rcParams: Record<string, Record<string, unknown>> = {},
): Map<string, Readonly<Params>> {
  const parsed = flags.map(f => (typeof f === 'string' ? parseParamFlag(f) : f))
  const out = new Map<string, Readonly<Params>>()
  for (const s of strategies) {
    const defaults = s.params ?? {}
    const params: Params = { ...defaults }
    for (const [key, raw] of Object.entries(rcParams[s.name] ?? {})) {
      if (!Object.hasOwn(defaults, key)) {
        throw new NeuralError('config', 'PARAM', `rc file: strategy ${s.name} has no param '${key}' (${known(defaults)})`)
      }
      const d = defaults[key]!
      const v = typeof raw === typeof d ? (raw as ParamValue) : typeof raw === 'string' ? coerceParam(raw, d) : undefined
      if (v === undefined) throw new NeuralError('config', 'PARAM', `rc file: ${s.name}.${key} must be ${typeName(d)}, got ${describeValue(raw)}`)
      params[key] = v
    }
    for (const f of parsed) {
      if (f.strategy !== undefined && f.strategy !== s.name) continue
      if (!Object.hasOwn(defaults, f.key)) continue
      const d = defaults[f.key]!
      const v = coerceParam(f.value, d)
      if (v === undefined) throw new NeuralError('input', 'PARAM', `--param ${f.text}: ${s.name}.${f.key} must be ${typeName(d)}`)
      params[f.key] = v
    }
    out.set(s.name, Object.freeze(params))
  }
  for (const f of parsed) {
    const targets = strategies.filter(s => f.strategy === undefined || s.name === f.strategy)
    if (f.strategy !== undefined && targets.length === 0) {
      throw new NeuralError('input', 'PARAM', `--param ${f.text}: no strategy named ${f.strategy} (running: ${strategies.map(s => s.name).join(', ')})`)
    }
    if (!targets.some(s => Object.hasOwn(s.params ?? {}, f.key))) {
      const where = f.strategy ?? targets.map(s => s.name).join(', ')
      const names = targets.map(s => known(s.params ?? {})).join('; ')
      throw new NeuralError('input', 'PARAM', `--param ${f.text}: unknown param '${f.key}' for ${where} (${names})`)
    }
  }
  return out
}

function known(defaults: Params): string {
  const keys = Object.keys(defaults)
  return keys.length ? `params: ${keys.join(', ')}` : 'it has no params'
}
