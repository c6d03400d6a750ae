import { formatCount, formatDollars } from '../core/fixed-point.js'
import type { SimEvent, SimMarket, SimSeries } from './catalog.js'
import type { LevelUnits } from './order-book.js'
import type { TradeRecord } from './world.js'
import { topOfBook } from './wire.js'

/** REST objects with the field names of Kalshi's OpenAPI (kalshi-typescript 3.30 models), legacy integer twins beside the `_dollars`/`_fp` fields. */

const iso = (ms: number) => new Date(ms).toISOString()
const cents = (units: number) => Math.round(units / 100)
const whole = (countUnits: number) => Math.round(countUnits / 100)

export function seriesJson(s: SimSeries): Record<string, unknown> {
  return {
    ticker: s.ticker, title: s.title, category: s.category, categories: [s.category], frequency: s.frequency, tags: s.tags,
    settlement_sources: [], contract_url: '', contract_terms_url: '', fee_type: s.feeType, fee_multiplier: s.feeMultiplier, additional_prohibitions: [],
  }
}

export function marketJson(m: SimMarket): Record<string, unknown> {
  const { yesBid, yesAsk } = topOfBook(m)
  const noBid = 10_000 - yesAsk
  const noAsk = 10_000 - yesBid
  const yesBidSize = m.book.quantity('yes', yesBid)
  const yesAskSize = m.book.quantity('no', noBid)
  return {
    ticker: m.ticker,
    event_ticker: m.eventTicker,
    market_type: 'binary',
    title: m.title,
    subtitle: m.subtitle,
    yes_sub_title: m.yesSubTitle,
    no_sub_title: m.noSubTitle,
    created_time: iso(m.openTimeMs),
    updated_time: iso(Date.now()),
    open_time: iso(m.openTimeMs),
    close_time: iso(m.closeTimeMs),
    expected_expiration_time: iso(m.closeTimeMs),
    expiration_time: iso(m.expirationTimeMs),
    latest_expiration_time: iso(m.expirationTimeMs),
    settlement_timer_seconds: 300,
    status: m.status,
    response_price_units: 'usd_cent',
    yes_bid_dollars: formatDollars(yesBid),
    yes_bid_size_fp: formatCount(yesBidSize),
    yes_ask_dollars: formatDollars(yesAsk),
    yes_ask_size_fp: formatCount(yesAskSize),
    no_bid_dollars: formatDollars(noBid),
    no_ask_dollars: formatDollars(noAsk),
    last_price_dollars: formatDollars(m.lastPrice),
    previous_price_dollars: formatDollars(m.previousPrice),
    previous_yes_bid_dollars: formatDollars(yesBid),
    previous_yes_ask_dollars: formatDollars(yesAsk),
    volume_fp: formatCount(m.volume),
    volume_24h_fp: formatCount(m.volume),
    open_interest_fp: formatCount(m.openInterest),
    notional_value_dollars: '1.0000',
    liquidity_dollars: '0.0000',
    result: m.result,
    // Once determined: what a YES contract pays (the simulator's games never tie).
    settlement_value_dollars: m.result === '' ? null : formatDollars(m.result === 'yes' ? 10_000 : 0),
    settlement_ts: m.settledTs === undefined ? null : iso(m.settledTs * 1000),
    can_close_early: m.canCloseEarly,
    expiration_value: '',
    rules_primary: m.rulesPrimary,
    rules_secondary: '',
    price_level_structure: 'linear_cent',
    price_ranges: [{ start: '0.0000', end: '1.0000', step: '0.0100' }],
    tick_size: 1,
    fractional_trading_enabled: false,
    ...(m.strikeType ? { strike_type: m.strikeType } : {}),
    ...(m.floorStrike !== undefined ? { floor_strike: m.floorStrike } : {}),
    ...(m.customStrike ? { custom_strike: m.customStrike } : {}),
    occurrence_datetime: m.occurrenceMs === undefined ? null : iso(m.occurrenceMs),
    // Legacy twins (cents, whole contracts).
    yes_bid: cents(yesBid),
    yes_ask: cents(yesAsk),
    no_bid: cents(noBid),
    no_ask: cents(noAsk),
    last_price: cents(m.lastPrice),
    previous_price: cents(m.previousPrice),
    previous_yes_bid: cents(yesBid),
    previous_yes_ask: cents(yesAsk),
    volume: whole(m.volume),
    volume_24h: whole(m.volume),
    open_interest: whole(m.openInterest),
    notional_value: 100,
    liquidity: 0,
    settlement_value: m.result === '' ? null : m.result === 'yes' ? 100 : 0,
  }
}

export function eventJson(e: SimEvent, withMarkets: boolean): Record<string, unknown> {
  return {
    event_ticker: e.ticker,
    series_ticker: e.seriesTicker,
    title: e.title,
    sub_title: e.subTitle,
    category: e.category,
    collateral_return_type: e.mutuallyExclusive ? 'MECNET' : '',
    mutually_exclusive: e.mutuallyExclusive,
    strike_date: iso(e.strikeTimeMs),
    settlement_sources: [],
    ...(withMarkets ? { markets: e.markets.map(marketJson) } : {}),
  }
}

/** Kalshi's event status, derived from its markets. */
export function eventStatus(e: SimEvent): 'unopened' | 'open' | 'closed' | 'settled' {
  if (e.markets.every((m) => m.status === 'finalized')) return 'settled'
  if (e.markets.every((m) => m.status === 'closed' || m.status === 'determined' || m.status === 'finalized')) return 'closed'
  if (e.markets.every((m) => m.status === 'initialized')) return 'unopened'
  return 'open'
}

/** Ascending price, best bid last, as Kalshi lists them; `depth` keeps the best N levels. */
export function orderbookJson(yesBestFirst: LevelUnits[], noBestFirst: LevelUnits[], depth: number): Record<string, unknown> {
  const cut = (levels: LevelUnits[]) => (depth > 0 ? levels.slice(0, depth) : levels).reverse()
  const yes = cut(yesBestFirst)
  const no = cut(noBestFirst)
  return {
    orderbook_fp: {
      yes_dollars: yes.map(([p, q]) => [formatDollars(p), formatCount(q)]),
      no_dollars: no.map(([p, q]) => [formatDollars(p), formatCount(q)]),
    },
    orderbook: {
      yes: yes.map(([p, q]) => [cents(p), whole(q)]),
      no: no.map(([p, q]) => [cents(p), whole(q)]),
      yes_dollars: yes.map(([p, q]) => [formatDollars(p), whole(q)]),
      no_dollars: no.map(([p, q]) => [formatDollars(p), whole(q)]),
    },
  }
}

/** A trade as GET /markets/trades lists it (`taker_book_side` is OpenAPI BookSide bid|ask: the taker's side of the yes book, so buying yes = bid). */
export function tradeJson(t: Pick<TradeRecord, 'tradeId' | 'ticker' | 'yesPrice' | 'count' | 'takerSide' | 'tsMs'>): Record<string, unknown> {
  return {
    trade_id: t.tradeId,
    ticker: t.ticker,
    count_fp: formatCount(t.count),
    yes_price_dollars: formatDollars(t.yesPrice),
    no_price_dollars: formatDollars(10_000 - t.yesPrice),
    taker_side: t.takerSide,
    taker_outcome_side: t.takerSide,
    taker_book_side: t.takerSide === 'yes' ? 'bid' : 'ask',
    created_time: iso(t.tsMs),
    is_block_trade: false,
    count: whole(t.count),
    yes_price: cents(t.yesPrice),
    no_price: cents(10_000 - t.yesPrice),
  }
}
