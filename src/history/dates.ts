import { NeuralError, HISTORY_ERROR_CODES as E } from '../errors.js'

/**
 * `--from`/`--to`: a date (YYYY-MM-DD, UTC; as --to it means the end of that day) or an ISO 8601
 * time. Returns epoch ms; undefined when not given.
 */
export function parseDateFlag(flag: 'from' | 'to', value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const text = value.trim()
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(text)
  const ms = dateOnly ? Date.parse(`${text}T00:00:00Z`) : /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : NaN
  if (!Number.isFinite(ms)) throw new NeuralError('input', E.BAD_DATE, `--${flag}: expected a date like 2025-09-04 or a time like 2025-09-04T17:00:00Z, got ${value}`)
  return dateOnly && flag === 'to' ? ms + 86_400_000 - 1 : ms
}

export function checkRange(fromMs: number | undefined, toMs: number | undefined): void {
  if (fromMs !== undefined && toMs !== undefined && fromMs > toMs) throw new NeuralError('input', E.BAD_DATE, '--from is after --to')
}
