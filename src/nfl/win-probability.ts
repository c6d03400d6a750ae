import { PRICE_SCALE, dollarsNumberToUnits } from '../core/fixed-point.js'

/** The prices of one winner market, in dollars. */
export interface WinnerQuote {
  yesBid?: number
  yesAsk?: number
  /** Last traded yes price. */
  yesPrice?: number
}

export interface WinProbability {
  away: number
  home: number
}

/**
 * One team's implied probability from its winner market: the mid of yes bid and ask; with one side
 * missing, that side alone; with both missing, the last price; with nothing, undefined.
 * Worked in price units so the mid of 0.38 and 0.42 is 0.40 exactly.
 */
export function impliedProbability(q: WinnerQuote | undefined): number | undefined {
  const units = impliedUnits(q)
  return units === undefined ? undefined : units / PRICE_SCALE
}

function impliedUnits(q: WinnerQuote | undefined): number | undefined {
  if (!q) return undefined
  const bid = q.yesBid === undefined ? undefined : dollarsNumberToUnits(q.yesBid)
  const ask = q.yesAsk === undefined ? undefined : dollarsNumberToUnits(q.yesAsk)
  if (bid !== undefined && ask !== undefined) return (bid + ask) / 2
  if (bid !== undefined) return bid
  if (ask !== undefined) return ask
  return q.yesPrice === undefined ? undefined : dollarsNumberToUnits(q.yesPrice)
}

/**
 * Each team's win probability from the two winner markets. The two implied probabilities usually sum
 * to more than 1 (the spread), so they are normalised: away = a / (a + h), home = 1 − away (so the two
 * sum to exactly 1). When only one team's market has prices, that team gets its implied p and the other
 * 1 − p. Undefined when neither has prices, or both imply 0.
 */
export function winProbability(away: WinnerQuote | undefined, home: WinnerQuote | undefined): WinProbability | undefined {
  const a = impliedUnits(away)
  const h = impliedUnits(home)
  if (a !== undefined && h !== undefined) {
    if (a + h === 0) return undefined
    const p = a / (a + h)
    return { away: p, home: 1 - p }
  }
  if (a !== undefined) return { away: a / PRICE_SCALE, home: (PRICE_SCALE - a) / PRICE_SCALE }
  if (h !== undefined) return { away: (PRICE_SCALE - h) / PRICE_SCALE, home: h / PRICE_SCALE }
  return undefined
}
