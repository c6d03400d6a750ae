/**
 * score-model — after each score, compare the market's home win probability with a simple
 * score-and-time model and signal when they disagree by more than the fee.
 *
 * The model: the home team's final margin is today's margin plus a normal error whose spread shrinks
 * with the time left, sd = `sd` × √(share of the game left) (an NFL final margin has a standard
 * deviation of about 13.5 points from kickoff). P(home wins) = Φ(margin / sd). No pregame line: the
 * market's own opening price already holds that, so the strategy only acts on scores, late in games,
 * where the margin dominates.
 *
 * The market: the home team's winner market (KXNFLGAME-<game>-<HOME>), yes bid/ask from ctx.store.
 * The fee: Kalshi's taker fee, 0.07 × P × (1 − P) per contract, rounded up to the cent.
 * If the model is above the yes ask by more than fee + `minEdge`, buy yes at the ask; if it is below
 * the yes bid by as much, buy no at 1 − bid. One signal per score at most.
 *
 * Params:
 *   sd        number  13.5  spread of a full game's final margin, points
 *   minEdge   number  0.03  disagreement beyond the fee needed to act, dollars
 *   quantity  number  1     contracts per signal
 *
 *   neural run-strategy strategies/score-model.ts --env sim
 */
import type { GameState, Strategy } from 'neural'

type Params = { sd: number; minEdge: number; quantity: number }

const QUARTER_SECONDS = 900

/** Share of regulation left (0–1) from the quarter and the "MM:SS" clock; overtime counts as none. */
export function shareLeft(state: Pick<GameState, 'status' | 'period' | 'clock'>): number {
  if (state.status === 'scheduled') return 1
  if (state.status === 'final') return 0
  const period = state.period ?? 1
  if (period > 4) return 0
  const m = /^(\d+):(\d{2})$/.exec(state.clock ?? '')
  const inPeriod = m ? Number(m[1]) * 60 + Number(m[2]) : QUARTER_SECONDS
  return Math.min(1, Math.max(0, ((4 - period) * QUARTER_SECONDS + inPeriod) / (4 * QUARTER_SECONDS)))
}

/** P(home wins) from the margin and the time left. */
export function homeWinModel(state: Pick<GameState, 'status' | 'period' | 'clock' | 'away' | 'home'>, sd: number): number {
  const margin = state.home.points - state.away.points
  const spread = sd * Math.sqrt(shareLeft(state))
  if (spread < 1e-6) return margin > 0 ? 1 : margin < 0 ? 0 : 0.5
  return normalCdf(margin / spread)
}

/** Kalshi's taker fee per contract at price p, rounded up to the cent. */
export function takerFee(p: number): number {
  return Math.ceil(Math.round(0.07 * p * (1 - p) * 1e6) / 1e4) / 100
}

function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2
  const t = 1 / (1 + 0.3275911 * x)
  const y = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x)
  return z >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y)
}

/** Per game: the points last seen, so only a change of score acts. */
const lastPoints = new Map<string, number>()

const strategy: Strategy<Params> = {
  name: 'score-model',
  markets: ['KXNFLGAME*'],
  params: { sd: 13.5, minEdge: 0.03, quantity: 1 },

  onStart() {
    lastPoints.clear()
  },

  onGame(state, ctx) {
    const points = state.away.points + state.home.points
    const before = lastPoints.get(state.game)
    lastPoints.set(state.game, points)
    if (before === undefined || before === points || state.status !== 'live') return
    const ticker = `KXNFLGAME-${state.game}-${state.home.team}`
    const market = ctx.store.get(ticker)
    if (market?.yesBid === undefined || market.yesAsk === undefined) return
    const model = homeWinModel(state, ctx.params.sd)
    const why = `model ${(model * 100).toFixed(1)}% after ${state.away.team} ${state.away.points}–${state.home.points} ${state.home.team}`
    if (model - market.yesAsk > takerFee(market.yesAsk) + ctx.params.minEdge) {
      return { action: 'BUY', ticker, side: 'yes', quantity: ctx.params.quantity, limitPrice: market.yesAsk, confidence: Math.min(1, model - market.yesAsk), reason: `${why} > ask ${market.yesAsk}` }
    }
    const noAsk = Math.round((1 - market.yesBid) * 10_000) / 10_000
    if (market.yesBid - model > takerFee(noAsk) + ctx.params.minEdge) {
      return { action: 'BUY', ticker, side: 'no', quantity: ctx.params.quantity, limitPrice: noAsk, confidence: Math.min(1, market.yesBid - model), reason: `${why} < bid ${market.yesBid}` }
    }
  },
}

export default strategy
