/**
 * A second look when NFL targets found nothing: the most common slip is a game id with its teams
 * the wrong way round (Kalshi writes AWAY then HOME). One REST call checks the swapped event before
 * it is suggested, so the hint never names something that does not exist either.
 */
import type { RestClient } from '../core/rest-client.js'
import { NeuralError } from '../errors.js'
import { swappedNflEvent } from '../nfl/aliases.js'

/** `error` with "did you mean …?" added when a target's swapped game has open markets; `error` itself otherwise. */
export async function withSwappedGameHint(error: unknown, targets: readonly string[], rest: Pick<RestClient, 'listAllMarkets'>): Promise<unknown> {
  if (!(error instanceof NeuralError) || !['UNKNOWN_EVENT', 'NO_MARKETS', 'UNKNOWN_MARKET'].includes(error.code)) return error
  for (const target of targets) {
    const swapped = swappedNflEvent(target)
    if (!swapped) continue
    const event = swapped.replace(/\*$/, '').split('-').slice(0, 2).join('-')
    const found = await rest.listAllMarkets({ event_ticker: event, status: 'open' }).catch(() => [])
    if (found.length > 0) return new NeuralError(error.kind, error.code, `${error.message}; did you mean ${swapped}? (the away team comes first)`, { cause: error })
  }
  return error
}
