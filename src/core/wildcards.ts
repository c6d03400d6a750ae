/**
 * Wildcard targets (a series or an event) and the markets each one brought in. They follow the
 * exchange: a market created or activated under a wildcard joins, one determined or settled leaves
 * (unless the user named it), and a periodic REST refresh catches what the lifecycle channel missed.
 */
import { NeuralError } from '../errors.js'
import type { RestClient } from './rest-client.js'
import { targetMatches, type Target } from './targets.js'
import type { Lifecycle } from './types.js'

export interface Wildcard {
  target: Target
  tickers: Set<string>
}

/** The user's wishes that decide whether a wildcard's market is watched. */
export interface Wants {
  /** Watched market tickers. */
  readonly desired: Set<string>
  /** Tickers the user named. */
  readonly explicit: ReadonlySet<string>
  /** Tickers the user unsubscribed although a wildcard brought them in. */
  readonly excluded: ReadonlySet<string>
  /** Tickers the exchange refused, with the reason. */
  readonly unknownTickers: ReadonlyMap<string, string>
}

export class Wildcards {
  private readonly byText = new Map<string, Wildcard>()

  get size(): number {
    return this.byText.size
  }

  /** Track a wildcard target (again) with the markets it resolved to, except the excluded ones. */
  add(target: Target, tickers: readonly string[], excluded: ReadonlySet<string>): void {
    const w = this.byText.get(target.text) ?? { target, tickers: new Set<string>() }
    for (const ticker of tickers) if (!excluded.has(ticker)) w.tickers.add(ticker)
    this.byText.set(target.text, w)
  }

  /** Forget a market in every wildcard; true if any had brought it in. */
  release(ticker: string): boolean {
    let held = false
    for (const w of this.byText.values()) if (w.tickers.delete(ticker)) held = true
    return held
  }

  /**
   * Follow a lifecycle event: a new market under a wildcard joins `desired`, a finished market
   * brought in only by wildcards leaves it. True if `desired` changed.
   */
  follow(event: Lifecycle, watched: boolean, wants: Wants): boolean {
    const t = event.ticker
    if ((event.event === 'created' || event.event === 'activated') && !watched && !wants.excluded.has(t) && !wants.unknownTickers.has(t)) {
      const w = this.matching(t)
      if (w) {
        w.tickers.add(t)
        wants.desired.add(t)
        return true
      }
    } else if ((event.event === 'determined' || event.event === 'settled') && watched && !wants.explicit.has(t)) {
      if (this.release(t)) {
        wants.desired.delete(t)
        return true
      }
    }
    return false
  }

  /**
   * Re-resolve every wildcard through REST: new open markets join, markets no longer open leave.
   * A wildcard that cannot be resolved keeps its markets (reported to `onError`). True if `desired` changed.
   */
  async refresh(rest: RestClient, wants: Wants, onError: (error: NeuralError) => void): Promise<boolean> {
    let changed = false
    for (const w of this.byText.values()) {
      let tickers: string[]
      try {
        const markets = await rest.listAllMarkets(w.target.kind === 'series' ? { series_ticker: w.target.value, status: 'open' } : { event_ticker: w.target.value, status: 'open' })
        tickers = markets.map((m) => m.ticker)
      } catch (error) {
        onError(error instanceof NeuralError ? error : new NeuralError('network', 'REFRESH_FAILED', `could not refresh ${w.target.text}: ${(error as Error).message}`, { cause: error }))
        continue
      }
      const now = new Set(tickers)
      for (const t of tickers) {
        if (!w.tickers.has(t) && !wants.excluded.has(t) && !wants.unknownTickers.has(t)) {
          w.tickers.add(t)
          wants.desired.add(t)
          changed = true
        }
      }
      for (const t of [...w.tickers]) {
        if (!now.has(t)) {
          w.tickers.delete(t)
          if (!wants.explicit.has(t) && !this.heldByOther(t, w)) {
            wants.desired.delete(t)
            changed = true
          }
        }
      }
    }
    return changed
  }

  /** A new event (event_lifecycle) that a wildcard covers: its markets are worth looking up. */
  coversEvent(eventTicker: string): boolean {
    for (const w of this.byText.values()) if (w.target.value === eventTicker || targetMatches(w.target, eventTicker)) return true
    return false
  }

  private matching(ticker: string): Wildcard | undefined {
    for (const w of this.byText.values()) if (targetMatches(w.target, ticker)) return w
    return undefined
  }

  private heldByOther(ticker: string, except: Wildcard): boolean {
    for (const w of this.byText.values()) if (w !== except && w.tickers.has(ticker)) return true
    return false
  }
}
