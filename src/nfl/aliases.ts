/**
 * NFL spellings users write that are not Kalshi tickers, and hints for NFL tickers that name nothing.
 *
 * The guide this tool follows calls `KXNFLGAME-25SEP04DALPHI-WINNER` a ticker and builds
 * `…-SPREAD` and `…-TOTAL` the same way; Kalshi has no such markets (a game's winner is two
 * markets, `…-DAL` and `…-PHI`; spreads and totals live in the KXNFLSPREAD and KXNFLTOTAL series).
 * So those spellings are read as names for the game's markets of that kind: an event wildcard.
 */
import { inputError } from '../errors.js'
import { GAME_FORMAT_HINT, NFL_SERIES, parseGameId, type NflMarketKind } from './tickers.js'

const KIND_BY_SUFFIX: Record<string, NflMarketKind> = { WINNER: 'winner', SPREAD: 'spread', TOTAL: 'total' }
const NFL_SERIES_NAMES = new Set<string>(Object.values(NFL_SERIES))

export interface NflAlias {
  /** What the user wrote. */
  input: string
  /** The event wildcard it stands for, e.g. "KXNFLSPREAD-25SEP04DALPHI*". */
  target: string
  /** One line saying so. */
  note: string
}

/** `KXNFLGAME-<game>-WINNER|SPREAD|TOTAL` (any NFL series, any case) → the game's event wildcard of that kind; undefined otherwise. */
export function expandNflAlias(input: string): NflAlias | undefined {
  const m = /^(KXNFL[A-Z]+)-([0-9A-Z]+)-(WINNER|SPREAD|TOTAL)$/.exec(input.trim().toUpperCase())
  if (!m || !NFL_SERIES_NAMES.has(m[1]!)) return undefined
  const kind = KIND_BY_SUFFIX[m[3]!]!
  const game = parseGameId(m[2]!)
  const target = `${NFL_SERIES[kind]}-${m[2]}*`
  const what = kind === 'winner' ? 'winner markets (one per team)' : `${kind} markets`
  return { input, target, note: `${input} is not a Kalshi ticker: streaming the ${what} of ${game.away} @ ${game.home}, ${target}` }
}

/**
 * Refuse, with what would work, an NFL series ticker followed by something that is not a game
 * (`KXNFLGAME-INVALID`): the generic advice "add * (KXNFLGAME-INVALID*)" names nothing either.
 */
export function checkNflTarget(input: string): void {
  const m = /^(KXNFL[A-Z]+)-([^-*]+)(?:-[^*]*)?\*?$/.exec(input.trim().toUpperCase())
  if (!m || !NFL_SERIES_NAMES.has(m[1]!)) return
  try {
    parseGameId(m[2]!)
  } catch (error) {
    const why = (error as Error).message.replace(`: ${GAME_FORMAT_HINT}`, '')
    throw inputError('BAD_TARGET', `bad target "${input}": ${why}; ${m[1]} tickers name a game like ${m[1]}-25SEP04DALPHI* (yy MON dd AWAY HOME), or a market like ${m[1] === NFL_SERIES.winner ? 'KXNFLGAME-25SEP04DALPHI-PHI' : `${m[1]}-25SEP04DALPHI-…`}, or use ${m[1]}* for every game`)
  }
}

/** The same event with the teams the other way round (`KXNFLGAME-25SEP04PHIDAL*` → `KXNFLGAME-25SEP04DALPHI*`), for an NFL event that has no markets. */
export function swappedNflEvent(target: string): string | undefined {
  const m = /^(KXNFL[A-Z]+)-([0-9A-Z]+)(-[0-9A-Z]+)?(\*?)$/.exec(target.trim().toUpperCase())
  if (!m || !NFL_SERIES_NAMES.has(m[1]!)) return undefined
  try {
    const game = parseGameId(m[2]!)
    return `${m[1]}-${game.gameId.slice(0, 7)}${game.home}${game.away}${m[3] ?? ''}${m[4]}`
  } catch {
    return undefined
  }
}
