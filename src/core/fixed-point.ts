/**
 * Kalshi sends prices as fixed-point dollar strings ("0.5600", four decimals) and counts as
 * fixed-point strings ("250.00"); older messages carry integer cents and integer counts.
 * We hold prices as integer ten-thousandths of a dollar ("price units") and counts as integer
 * hundredths so that sums and complements (no = 1 - yes) are exact, and turn them into
 * numbers only once, at the edge: 5600 / 10000 === 0.56 exactly as the literal 0.56.
 */

/** Price units per dollar: Kalshi's dollar strings have four decimals. */
export const PRICE_SCALE = 10_000
/** Count units per contract: Kalshi's `_fp` counts have two decimals. */
export const COUNT_SCALE = 100

/** Parse a decimal string with at most `decimals` fraction digits into an integer of that scale, or undefined. */
export function parseScaled(text: unknown, decimals: number): number | undefined {
  if (typeof text !== 'string') return undefined
  const s = text.trim()
  const m = /^(-)?(\d+)(?:\.(\d*))?$/.exec(s)
  if (!m) return undefined
  const frac = (m[3] ?? '')
  if (frac.length > decimals && !/^0*$/.test(frac.slice(decimals))) return undefined
  const fracPadded = (frac + '0'.repeat(decimals)).slice(0, decimals)
  const v = Number(m[2]) * 10 ** decimals + (fracPadded ? Number(fracPadded) : 0)
  if (!Number.isSafeInteger(v)) return undefined
  return m[1] ? -v : v
}

/** "0.5600" → 5600 price units. */
export function dollarsToUnits(text: unknown): number | undefined {
  return parseScaled(text, 4)
}

/** Legacy integer cents (56) → 5600 price units. */
export function centsToUnits(cents: unknown): number | undefined {
  return typeof cents === 'number' && Number.isInteger(cents) ? cents * 100 : undefined
}

/** "250.00" → 25000 count units; legacy integer counts are accepted too. */
export function countToUnits(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? Math.round(value * COUNT_SCALE) : undefined
  return parseScaled(value, 2)
}

export function unitsToDollars(units: number): number {
  return units / PRICE_SCALE
}

export function unitsToCount(units: number): number {
  return units / COUNT_SCALE
}

/** 5600 → "0.5600" (the wire form). */
export function formatDollars(units: number): string {
  const sign = units < 0 ? '-' : ''
  const a = Math.abs(units)
  return `${sign}${Math.floor(a / PRICE_SCALE)}.${String(a % PRICE_SCALE).padStart(4, '0')}`
}

/** 25000 → "250.00" (the wire form). */
export function formatCount(units: number): string {
  const sign = units < 0 ? '-' : ''
  const a = Math.abs(units)
  return `${sign}${Math.floor(a / COUNT_SCALE)}.${String(a % COUNT_SCALE).padStart(2, '0')}`
}

/** Dollars as a number (0.56) → price units, rounding away binary noise. */
export function dollarsNumberToUnits(dollars: number): number {
  return Math.round(dollars * PRICE_SCALE)
}
