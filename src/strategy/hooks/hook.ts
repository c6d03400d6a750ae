import type { MarketStoreView } from '../../core/market-store.js'
import type { MarketEvent } from '../../core/types.js'
import type { Position } from '../api.js'
import type { EngineEvent, HookStatus, SignalEvent } from '../events.js'
import type { PortfolioReport } from './portfolio.js'

/** What the engine gives a hook: the live store (hooks are our code: no read-only wrapper), time, and a way to report. */
export interface HookContext {
  readonly store: MarketStoreView
  /** Engine clock: event time on replay, wall clock live. */
  now(): number
  /** Emit an event (errors, log lines) from outside `handle`, e.g. when an exec hook's command exits. */
  report(event: EngineEvent): void
}

/** What a hook did with one signal. */
export interface HookResult {
  status: HookStatus
  filledQuantity?: number
  priceDollars?: number
  feeDollars?: number
  orderId?: string
  /** The risk limit that refused the signal. */
  limit?: string
  message?: string
}

/**
 * Where signals go after they are printed (`--hook`). The engine hands signals to hooks one at a
 * time, in order, so a hook never sees two signals at once; a throw from any method is reported and
 * never stops the run.
 */
export interface OrderHook {
  readonly name: string
  start?(ctx: HookContext): void | Promise<void>
  handle(signal: SignalEvent, ctx: HookContext): Promise<HookResult>
  /** Market events the hook cares about (the kalshi hook reads fills, the paper hook settlements). */
  onEvent?(event: MarketEvent, ctx: HookContext): void
  /** Positions held, for ctx.positions() in strategies. */
  positions?(): Position[]
  /** Portfolio and P&L now: printed every `--report-every` seconds and at exit. */
  summary?(ctx: HookContext): PortfolioReport
  close?(ctx: HookContext): Promise<void>
}

/** The default hook: the signal is printed by the renderer and nothing else happens. */
export function createLogHook(): OrderHook {
  return {
    name: 'log',
    handle: async () => ({ status: 'logged' }),
  }
}
