/**
 * Tickers of the simulator's synthetic benchmark markets (series KXSIMBENCH, 100 per event), worked
 * out from the count so a client process does not have to build the sim's world to know them. The
 * servers check this list against their world at start-up, so a change of naming in the sim fails
 * loudly instead of measuring a client subscribed to nothing.
 */
export function benchTickers(count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const event = String(Math.floor(i / 100) + 1).padStart(3, '0')
    return `KXSIMBENCH-25SEP07-E${event}-M${String(i + 1).padStart(5, '0')}`
  })
}

/** Throws unless `actual` lists exactly the tickers benchTickers(count) works out. */
export function checkBenchTickers(actual: readonly string[], count: number): void {
  const expected = benchTickers(count)
  const have = new Set(actual)
  const missing = expected.filter((t) => !have.has(t))
  if (missing.length > 0 || actual.length !== count) {
    throw new Error(`the simulator's benchmark markets are not named as bench/tickers.ts expects (e.g. ${missing[0] ?? actual[0]}); update benchTickers`)
  }
}
