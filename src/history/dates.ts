/** `--from`/`--to` of `neural history` and `neural backtest`: the dates and times they take. */
import { NeuralError, HISTORY_ERROR_CODES as E } from '../errors.js'

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/
const TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:?\d{2})?$/i

const EXPECTED = 'a date like 2025-09-04 or a time like 2025-09-04T17:00:00Z'

/** Epoch ms of that UTC moment; undefined when the day does not exist (2025-02-30: Date.UTC would roll it over to March 2). */
function utcMs(year: number, month: number, day: number, h = 0, min = 0, s = 0, ms = 0): number | undefined {
  const t = new Date(0)
  t.setUTCFullYear(year, month - 1, day)
  if (t.getUTCFullYear() !== year || t.getUTCMonth() !== month - 1 || t.getUTCDate() !== day) return undefined
  t.setUTCHours(h, min, s, ms)
  return t.getTime()
}

/**
 * `--from`/`--to`: a date (YYYY-MM-DD, UTC; as --to it means the end of that day) or an ISO 8601
 * time (YYYY-MM-DDTHH:MM, optional :SS and fraction; Z or ±HH:MM, else UTC like a date, never the
 * machine's zone). Anything that is not a real day or time of day (2025-02-30, 24:00, 23:60, an
 * offset past 23:59) is BAD_DATE: Date.parse would roll some of them over silently. Returns epoch ms;
 * undefined when not given.
 */
export function parseDateFlag(flag: 'from' | 'to', value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const text = value.trim()
  const date = DATE.exec(text)
  const time = date ? undefined : TIME.exec(text)
  const [, y, mo, d, h = '0', min = '0', s = '0', fraction = '', zone = 'Z'] = date ?? time ?? []
  if (!y) throw new NeuralError('input', E.BAD_DATE, `--${flag}: expected ${EXPECTED}, got ${value}`)
  const day = utcMs(Number(y), Number(mo), Number(d))
  if (day === undefined) throw new NeuralError('input', E.BAD_DATE, `--${flag}: ${text} is not a date that exists (expected ${EXPECTED})`)
  if (date) return flag === 'to' ? day + 86_400_000 - 1 : day
  const offset = /^[+-](\d{2}):?(\d{2})$/.exec(zone)
  const [offsetH, offsetMin] = offset ? [Number(offset[1]), Number(offset[2])] : [0, 0]
  if (Number(h) > 23 || Number(min) > 59 || Number(s) > 59 || offsetH > 23 || offsetMin > 59) {
    throw new NeuralError('input', E.BAD_DATE, `--${flag}: ${text} is not a time that exists (expected ${EXPECTED})`)
  }
  const sign = zone.startsWith('-') ? -1 : 1
  const ms = Number(fraction.slice(0, 3).padEnd(3, '0'))
  return utcMs(Number(y), Number(mo), Number(d), Number(h), Number(min), Number(s), ms)! - sign * (offsetH * 60 + offsetMin) * 60_000
}

export function checkRange(fromMs: number | undefined, toMs: number | undefined): void {
  if (fromMs !== undefined && toMs !== undefined && fromMs > toMs) throw new NeuralError('input', E.BAD_DATE, '--from is after --to')
}
