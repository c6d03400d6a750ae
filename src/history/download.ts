/**
 * `neural history`: resolve what to download, then for each market fetch its trades (cursor
 * pages, newest first) and candlesticks (the batch form per event; the historical tier for markets
 * behind GET /historical/cutoff) into the store. Incremental: the store remembers, per market and
 * kind, every span of time already complete (--from/--to can leave gaps between them) and the cursor
 * of a window in progress, and asks only for the rest.
 * Pacing and 429 back-off are the RestClient's.
 */
import type { MarketInfo, RestClient } from '../core/rest-client.js'
import { parseTargets } from '../core/targets.js'
import { NeuralError } from '../errors.js'
import { gameEventTickers, gameIdSpellings } from '../nfl/tickers.js'
import { type HistoricalCutoff, type PeriodMinutes, getCandles, getCandlesBatch, getHistoricalCutoff, getTradesPage } from './api.js'
import { type HistoryStore, type Span, type SyncWindow, addSpan, uncovered } from './store.js'

export interface HistoryProgress {
  /** Steps done of `total` (one for each market's trades and one for its candles). */
  done: number
  total: number
  newTrades: number
  requests: number
}

export interface DownloadOptions {
  client: RestClient
  store: HistoryStore
  markets: readonly MarketInfo[]
  /** Epoch ms; default: each market's open time. */
  fromMs?: number
  /** Epoch ms; default: now. */
  toMs?: number
  periodMinutes?: PeriodMinutes
  /** Trades per page (Kalshi: 1–1000). @default 1000 */
  tradePageLimit?: number
  now?: () => number
  signal?: AbortSignal
  onProgress?: (p: HistoryProgress) => void
}

export interface HistorySummary {
  type: 'history'
  /** What the store holds for the markets asked about. */
  markets: number
  trades: number
  candles: number
  /** Trades this run added (0 when nothing new was there). */
  newTrades: number
  db: string
}

/** Kalshi's single-market candlestick requests are kept to this many periods (the batch form allows 10,000 candles in all). */
const MAX_PERIODS_PER_REQUEST = 5000
const MAX_BATCH_CANDLES = 10_000
const MAX_BATCH_TICKERS = 100

/**
 * Markets for `neural history` arguments: TICKER, SERIES*, EVENT*, or `nfl GAME`. Wildcards and
 * games take settled markets only (history that will not change), unless `includeOpen`; a market
 * ticker named outright is taken whatever its status.
 */
export async function resolveHistoryMarkets(args: readonly string[], client: RestClient, options: { includeOpen?: boolean } = {}): Promise<MarketInfo[]> {
  const status = options.includeOpen ? undefined : 'settled' as const
  if (args.length === 0) throw new NeuralError('input', 'USAGE', "give what to download: a market ticker, a series (KXNFLGAME*), an event (KXNFLGAME-25SEP04DALPHI*) or nfl GAME (nfl 25SEP04DALPHI)")
  const found = new Map<string, MarketInfo>()
  const add = (list: MarketInfo[]) => { for (const m of list) if (!found.has(m.ticker)) found.set(m.ticker, m) }
  if (args[0]!.toLowerCase() === 'nfl') {
    if (args.length < 2) throw new NeuralError('input', 'USAGE', 'nfl needs a game, e.g. neural history nfl 25SEP04DALPHI')
    for (const game of args.slice(1)) {
      let any = false
      for (const spelling of gameIdSpellings(game)) {
        for (const event of gameEventTickers(spelling)) {
          const list = await client.listAllMarkets({ event_ticker: event, status })
          if (list.length) any = true
          add(list)
        }
        if (any) break
      }
      if (!any) throw new NeuralError('input', 'NO_MARKETS', `no ${status ? 'settled ' : ''}markets for the NFL game ${game} (check the date and teams, e.g. 25SEP04DALPHI${status ? '; --open includes open ones' : ''})`)
    }
    return [...found.values()]
  }
  for (const t of parseTargets(args)) {
    if (t.kind === 'market') {
      add([await client.getMarket(t.value)])
      continue
    }
    const list = await client.listAllMarkets(t.kind === 'series' ? { series_ticker: t.value, status } : { event_ticker: t.value, status })
    if (list.length === 0) throw new NeuralError('input', t.kind === 'series' ? 'UNKNOWN_SERIES' : 'UNKNOWN_EVENT', `no ${status ?? ''}${status ? ' ' : ''}markets match ${t.text} (check the ${t.kind} ticker${status ? '; --open includes open ones' : ''})`)
    add(list)
  }
  return [...found.values()]
}

const sec = (ms: number) => Math.floor(ms / 1000)

/** The seconds [fromTs, toTs] of a market worth asking about: its trading life, cut to --from/--to and now. */
function spanOf(m: MarketInfo, o: DownloadOptions, nowMs: number): [number, number] | undefined {
  const open = m.openTime ? Date.parse(m.openTime) : NaN
  const close = m.closeTime ? Date.parse(m.closeTime) : NaN
  const from = Math.max(o.fromMs ?? -Infinity, Number.isFinite(open) ? open : 0)
  const to = Math.min(o.toMs ?? Infinity, nowMs, Number.isFinite(close) ? close + 60_000 : Infinity)
  return from <= to ? [sec(from), sec(to)] : undefined
}

class Interrupted extends Error {}

function aborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new Interrupted()
}

export class HistoryDownloader {
  private newTrades = 0
  private done = 0
  private total = 0
  private cutoff: HistoricalCutoff = {}
  /** True when the signal stopped the run: the store holds every whole page so far, and the next run continues from there. */
  interrupted = false

  constructor(private readonly o: DownloadOptions) {}

  async run(): Promise<HistorySummary> {
    try {
      await this.download()
    } catch (error) {
      if (!(error instanceof Interrupted)) throw error
      this.interrupted = true
    }
    return this.summary()
  }

  private async download(): Promise<void> {
    const { store, markets } = this.o
    const nowMs = (this.o.now ?? Date.now)()
    const period = this.o.periodMinutes ?? 1
    this.total = markets.length * 2
    this.cutoff = await getHistoricalCutoff(this.o.client)
    await store.upsertMarkets(markets)
    this.report()
    for (const m of markets) {
      aborted(this.o.signal)
      const span = spanOf(m, this.o, nowMs)
      if (span) await this.trades(m.ticker, span[0], span[1])
      this.step()
    }
    const byEvent = new Map<string, MarketInfo[]>()
    for (const m of markets) byEvent.set(m.eventTicker, [...(byEvent.get(m.eventTicker) ?? []), m])
    for (const group of byEvent.values()) {
      aborted(this.o.signal)
      await this.candles(group, period, nowMs)
      for (const _ of group) this.step()
    }
  }

  async summary(): Promise<HistorySummary> {
    const c = await this.o.store.countsFor(this.o.markets.map((m) => m.ticker))
    return { type: 'history', ...c, newTrades: this.newTrades, db: this.o.store.file }
  }

  private step(): void {
    this.done++
    this.report()
  }

  private report(): void {
    this.o.onProgress?.({ done: this.done, total: this.total, newTrades: this.newTrades, requests: this.o.client.requests })
  }

  private async trades(ticker: string, fromTs: number, toTs: number): Promise<void> {
    const { store } = this.o
    const s = await store.getSync(ticker, 'trades')
    let covered = s.window ? await this.tradeWindow(ticker, s.window) : s.covered
    for (const { fromTs: a, toTs: b } of uncovered(covered, fromTs, toTs)) {
      // Trades older than the cutoff are only on /historical/trades.
      const cut = this.cutoff.tradesCreatedMs === undefined ? -Infinity : sec(this.cutoff.tradesCreatedMs)
      if (a < cut) covered = await this.tradeWindow(ticker, { fromTs: a, toTs: Math.min(b, cut - 1), historical: true, cursor: '' })
      if (b >= cut) covered = await this.tradeWindow(ticker, { fromTs: Math.max(a, cut), toTs: b, historical: false, cursor: '' })
    }
  }

  /**
   * Page through one window; after each page its trades and the next cursor are committed together,
   * and with the last page the window joins the covered spans (returned).
   */
  private async tradeWindow(ticker: string, w: SyncWindow): Promise<Span[]> {
    let cursor = w.cursor
    for (;;) {
      aborted(this.o.signal)
      let page
      try {
        page = await getTradesPage(this.o.client, { ticker, minTs: w.fromTs, maxTs: w.toTs, limit: this.o.tradePageLimit, cursor: cursor || undefined, historical: w.historical })
      } catch (error) {
        // A saved cursor the exchange no longer takes: start the window again (stored trades are not stored twice).
        if (cursor && error instanceof NeuralError && error.code === 'BAD_REQUEST') { cursor = ''; continue }
        throw error
      }
      const covered = await this.o.store.transaction(async () => {
        this.newTrades += await this.o.store.addTrades(page.trades.filter((t) => t.ticker === ticker))
        await this.o.store.setWindow(ticker, 'trades', page.cursor ? { ...w, cursor: page.cursor } : undefined)
        return page.cursor ? undefined : this.o.store.addCovered(ticker, 'trades', { fromTs: w.fromTs, toTs: w.toTs })
      })
      this.report()
      if (covered) return covered
      cursor = page.cursor
    }
  }

  /**
   * The candles of one event's markets that the store lacks: the historical tier one market at a time,
   * the others in batch requests over each stretch some of them lack. Each request's span is recorded
   * as covered for each market asked, within that market's span, in the transaction that stores its
   * candles.
   */
  private async candles(group: MarketInfo[], period: PeriodMinutes, nowMs: number): Promise<void> {
    const kind = `candles:${period}`
    const periodSec = period * 60
    const live: Array<{ m: MarketInfo; span: Span; gaps: Span[] }> = []
    for (const m of group) {
      const found = spanOf(m, this.o, nowMs)
      if (!found) continue
      const span = { fromTs: found[0], toTs: found[1] }
      // Re-ask the last period before a covered span ends: on an open market it may still have changed.
      const gaps = uncovered((await this.o.store.getSync(m.ticker, kind)).covered, span.fromTs, span.toTs, periodSec)
      if (gaps.length === 0) continue
      const close = m.closeTime ? Date.parse(m.closeTime) : NaN
      const archived = this.cutoff.marketSettledMs !== undefined && Number.isFinite(close) && close < this.cutoff.marketSettledMs
      if (archived) for (const gap of gaps) await this.singleCandles(m, gap, period, true)
      else live.push({ m, span, gaps })
    }
    // One batch request serves every market lacking part of a stretch.
    for (const stretch of live.flatMap((l) => l.gaps).reduce<Span[]>(addSpan, [])) {
      const wanting = live.filter((l) => l.gaps.some((g) => g.fromTs <= stretch.toTs && g.toTs >= stretch.fromTs))
      for (let i = 0; i < wanting.length; i += MAX_BATCH_TICKERS) {
        const part = wanting.slice(i, i + MAX_BATCH_TICKERS)
        const periodsPerRequest = Math.max(1, Math.min(MAX_PERIODS_PER_REQUEST, Math.floor(MAX_BATCH_CANDLES / part.length)))
        for (let a = stretch.fromTs; a <= stretch.toTs; a += periodsPerRequest * periodSec) {
          aborted(this.o.signal)
          const b = Math.min(stretch.toTs, a + periodsPerRequest * periodSec - 1)
          const got = await getCandlesBatch(this.o.client, part.map((p) => p.m.ticker), a, b, period)
          await this.o.store.transaction(async () => {
            for (const p of part) {
              await this.o.store.putCandles(got.get(p.m.ticker) ?? [])
              const asked = { fromTs: Math.max(a, p.span.fromTs), toTs: Math.min(b, p.span.toTs) }
              if (asked.fromTs <= asked.toTs) await this.o.store.addCovered(p.m.ticker, kind, asked)
            }
          })
          this.report()
        }
      }
    }
  }

  private async singleCandles(m: MarketInfo, gap: Span, period: PeriodMinutes, historical: boolean): Promise<void> {
    const kind = `candles:${period}`
    const step = MAX_PERIODS_PER_REQUEST * period * 60
    const series = m.seriesTicker ?? m.eventTicker.split('-')[0]!
    for (let a = gap.fromTs; a <= gap.toTs; a += step) {
      aborted(this.o.signal)
      const b = Math.min(gap.toTs, a + step - 1)
      const got = await getCandles(this.o.client, { series, ticker: m.ticker, startTs: a, endTs: b, periodMinutes: period, historical })
      await this.o.store.transaction(async () => {
        await this.o.store.putCandles(got)
        await this.o.store.addCovered(m.ticker, kind, { fromTs: a, toTs: b })
      })
      this.report()
    }
  }
}

export async function downloadHistory(options: DownloadOptions): Promise<HistorySummary> {
  return new HistoryDownloader(options).run()
}
