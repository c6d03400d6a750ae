/**
 * arb — buy a set of NFL contracts that pays at least $1 whatever happens, for less than $1 after fees.
 *
 * On one Kalshi book yes ask + no ask is never below $1 (the matching engine would have matched the
 * two orders), so the arbitrage that does appear is across markets, when one leg's quotes lag a move:
 *   - winner pair: exactly one team wins (a tie pays $0.50 on each), so YES on both teams pays $1,
 *     and so does NO on both. Fires when both asks plus the taker fee of each leg are below $1.
 *   - ladders (KXNFLSPREAD per team, KXNFLTOTAL): "over the lower line" is never less likely than
 *     "over the higher line", so YES at the lower line + NO at the higher line pays at least $1.
 *     Fires when a ladder prices itself out of order by more than the fees.
 * The fee is Kalshi's taker fee per leg (neural's fee module: ceil to the cent of 0.07 × C × P × (1 − P)).
 * Every leg is a limit order at the ask the book shows, so it fills there or not at all.
 *
 * mode=book keeps the seed's simple single-market check (yes ask + no ask < threshold, no fees, no
 * confirmation). On a consistent book, which Kalshi's always is, it never fires: it is here to show
 * that, and to replay old recordings of crossed quotes, not to trade.
 *
 * Signals: one BUY per leg, limited to its ask. An opportunity fires once, and again only after it
 * has closed.
 *
 * Params:
 *   quantity   number  1      contracts per leg
 *   minEdge    number  0.02   dollars a set must clear after fees, per contract
 *   confirmMs  number  100    an opportunity must last this long before it fires (a quote that just
 *                             moved may be half of a requote whose other half is a frame behind)
 *   mode       string  cross  cross (winner pairs and ladders) or book (yes + no on one market)
 *   threshold  number  0.98   mode=book: fire when yes ask + no ask is below this (dollars)
 *
 *   neural run-strategy strategies/arb.ts --env sim --hook paper --duration 10
 */
import { parseNflTicker, takerFeeDollars, type Signal, type Strategy, type StrategyContext } from 'neural'

type Params = { quantity: number; minEdge: number; confirmMs: number; mode: string; threshold: number }

/** Integer ten-thousandths of a dollar, so sums of prices compare exactly. */
const units = (dollars: number) => Math.round(dollars * 10_000)
const dollars = (u: number) => (u / 10_000).toFixed(2)

/** A leg to buy: market, side, and the ask it is priced at (units). */
interface Leg { ticker: string; side: 'yes' | 'no'; askUnits: number }

/**
 * Opportunities seen and waiting to be confirmed, opportunities fired and still open (each fires
 * once), and the markets of each ladder and winner pair seen so far.
 */
interface Candidate { why: string; legs: () => Leg[] | undefined; since: number }
const pending = new Map<string, Candidate>()
const open = new Set<string>()
const ladders = new Map<string, Map<number, string>>()
const winners = new Map<string, Set<string>>()

/** Per-ticker parse and per-(contracts, price) fee, cached: onTick runs on every tick of every NFL market. */
const parses = new Map<string, ReturnType<typeof parseNflTicker>>()
function parsed(ticker: string): ReturnType<typeof parseNflTicker> {
  if (!parses.has(ticker)) parses.set(ticker, parseNflTicker(ticker))
  return parses.get(ticker)
}
const feeCache = new Map<string, number>()
function feeUnits(contracts: number, askUnits: number): number {
  const key = `${contracts}@${askUnits}`
  let fee = feeCache.get(key)
  if (fee === undefined) feeCache.set(key, (fee = units(takerFeeDollars(contracts, askUnits / 10_000))))
  return fee
}

function asks(ctx: StrategyContext<Params>, ticker: string): { yes: number; no: number } | undefined {
  const s = ctx.store.get(ticker)
  if (!s || s.yesAsk === undefined || s.yesBid === undefined) return undefined
  return { yes: units(s.yesAsk), no: 10_000 - units(s.yesBid) }
}

/** Cost, taker fees and what is left of the $1 a set pays (units, for `quantity` sets); undefined when not worth it. */
function price(ctx: StrategyContext<Params>, legs: Leg[]): { cost: number; fees: number; edge: number } | undefined {
  const q = ctx.params.quantity
  if (!legs.every(l => l.askUnits >= 100 && l.askUnits <= 9_900)) return undefined
  const cost = legs.reduce((sum, l) => sum + l.askUnits * q, 0)
  const fees = legs.reduce((sum, l) => sum + feeUnits(q, l.askUnits), 0)
  const edge = 10_000 * q - cost - fees
  return edge >= units(ctx.params.minEdge) * q ? { cost, fees, edge } : undefined
}

/**
 * Note a set of legs. A quote that moved a moment ago may be half of a requote still on its way (the
 * other leg's new quote a few frames behind), so an opportunity fires only once it has lasted
 * `confirmMs`: a leg that really lags stays stale for longer than that.
 */
function watch(ctx: StrategyContext<Params>, key: string, why: string, legs: () => Leg[] | undefined): void {
  const now = legs()
  if (!now || !price(ctx, now)) {
    pending.delete(key)
    open.delete(key)
    return
  }
  if (!open.has(key) && !pending.has(key)) pending.set(key, { why, legs, since: ctx.clock.now() })
}

/** Re-price every waiting opportunity on the current book; fire those that lasted. */
function sweep(ctx: StrategyContext<Params>): Signal[] {
  const out: Signal[] = []
  const q = ctx.params.quantity
  for (const [key, c] of pending) {
    const legs = c.legs()
    const p = legs && price(ctx, legs)
    if (!legs || !p) {
      pending.delete(key)
      continue
    }
    if (ctx.clock.now() - c.since < ctx.params.confirmMs) continue
    pending.delete(key)
    open.add(key)
    const reason = `${c.why}: ${legs.map(l => `${l.side} ${l.ticker} ${dollars(l.askUnits)}`).join(' + ')} = ${dollars(p.cost / q)} + fees ${dollars(p.fees)} for $${q} payout, edge ${dollars(p.edge)}`
    out.push(...legs.map(l => ({ action: 'BUY' as const, ticker: l.ticker, side: l.side, quantity: q, limitPrice: l.askUnits / 10_000, confidence: 0.9, reason })))
  }
  return out
}

function winnerPair(ctx: StrategyContext<Params>, ticker: string, event: string, partner: string): void {
  const [first, second] = ticker < partner ? [ticker, partner] : [partner, ticker]
  for (const side of ['yes', 'no'] as const) {
    watch(ctx, `${event}:${side}`, `both teams ${side.toUpperCase()}`, () => {
      const a = asks(ctx, first)
      const b = asks(ctx, second)
      return a && b ? [{ ticker: first, side, askUnits: a[side] }, { ticker: second, side, askUnits: b[side] }] : undefined
    })
  }
}

/** Every adjacent pair of rungs around `ticker` on its ladder (lines ascending). */
function ladder(ctx: StrategyContext<Params>, ladderKey: string, ticker: string, line: number): void {
  let rungs = ladders.get(ladderKey)
  if (!rungs) ladders.set(ladderKey, (rungs = new Map()))
  rungs.set(line, ticker)
  const lines = [...rungs.keys()].sort((x, y) => x - y)
  for (let i = 0; i + 1 < lines.length; i++) {
    const low = rungs.get(lines[i]!)!
    const high = rungs.get(lines[i + 1]!)!
    if (low !== ticker && high !== ticker) continue
    watch(ctx, `${low}<${high}`, 'ladder out of order', () => {
      const lo = asks(ctx, low)
      const hi = asks(ctx, high)
      return lo && hi ? [{ ticker: low, side: 'yes', askUnits: lo.yes }, { ticker: high, side: 'no', askUnits: hi.no }] : undefined
    })
  }
}

const strategy: Strategy<Params> = {
  name: 'arb',
  markets: ['KXNFLGAME*', 'KXNFLSPREAD*', 'KXNFLTOTAL*'],
  params: { quantity: 1, minEdge: 0.02, confirmMs: 100, mode: 'cross', threshold: 0.98 },
  // A handler takes well under a millisecond, but wall-clock time on a busy machine (other processes,
  // GC) reaches 20–30 ms now and then; a slow report should mean the strategy, not the machine.
  budgetMs: 50,

  onStart(ctx) {
    // Warm the parser and the fee module here (onStart has its own time limit), not on the first tick.
    parsed('KXNFLGAME-25SEP04DALPHI-PHI')
    feeUnits(1, 5_000)
    open.clear()
    pending.clear()
    ladders.clear()
    winners.clear()
    if (ctx.params.mode !== 'cross' && ctx.params.mode !== 'book') ctx.log.warn(`mode '${ctx.params.mode}' is neither cross nor book; using cross`)
  },

  onTick(tick, ctx) {
    if (ctx.params.mode === 'book') {
      // The seed's simple check, kept as it was (no fees, no confirmation). Usually impossible:
      // Kalshi's book never offers yes and no for less than $1 together.
      const a = asks(ctx, tick.ticker)
      if (!a || a.yes + a.no >= units(ctx.params.threshold)) return void open.delete(tick.ticker)
      if (open.has(tick.ticker) || a.yes < 100 || a.yes > 9_900 || a.no < 100 || a.no > 9_900) return
      open.add(tick.ticker)
      const q = ctx.params.quantity
      const reason = `yes ask ${dollars(a.yes)} + no ask ${dollars(a.no)} = ${dollars(a.yes + a.no)} < ${ctx.params.threshold}`
      return (['yes', 'no'] as const).map(side => ({ action: 'BUY' as const, ticker: tick.ticker, side, quantity: q, limitPrice: a[side] / 10_000, confidence: 0.9, reason }))
    }
    const t = parsed(tick.ticker)
    if (t?.level === 'market' && t.kind === 'winner') {
      // The partner is the event's other winner market (as the exchange spells it: seen, not built).
      let pair = winners.get(t.eventTicker)
      if (!pair) winners.set(t.eventTicker, (pair = new Set()))
      pair.add(tick.ticker)
      const partner = [...pair].find(x => x !== tick.ticker)
      if (partner !== undefined) winnerPair(ctx, tick.ticker, t.eventTicker, partner)
    }
    // Ladder rungs ordered by the number in the ticker: within one ladder it orders them as the lines do.
    else if (t?.level === 'market' && t.kind === 'spread' && t.team && t.line !== undefined) ladder(ctx, `${t.eventTicker}:${t.team}`, tick.ticker, t.line)
    else if (t?.level === 'market' && t.kind === 'total' && t.line !== undefined) ladder(ctx, t.eventTicker, tick.ticker, t.line)
    return sweep(ctx)
  },
}

export default strategy
