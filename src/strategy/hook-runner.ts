import type { MarketEvent } from '../core/types.js'
import type { Position } from './api.js'
import type { EngineEvent, OrderEvent, PortfolioEvent, SignalEvent } from './events.js'
import type { HookContext, HookResult, OrderHook } from './hooks/hook.js'

export interface HookRunnerOptions {
  /** A hook call still pending after this long is reported and skipped. */
  hookTimeoutMs: number
  /** Signals waiting for the hooks before new ones are refused. */
  maxPendingSignals: number
}

const TIMED_OUT = Symbol('timed out')

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    promise,
    new Promise<typeof TIMED_OUT>(resolve => {
      timer = setTimeout(() => resolve(TIMED_OUT), ms)
      timer.unref()
    }),
  ]).finally(() => clearTimeout(timer))
}

/**
 * Hands signals to the hooks one at a time, in the order they were emitted, through one promise
 * chain: a hook never sees two signals at once, and a replay that awaits `idle()` after each event
 * fills the paper portfolio in a fixed order. Every call into a hook is guarded and timed out.
 */
export class HookRunner {
  private chain: Promise<void> = Promise.resolve()
  private pending = 0

  constructor(
    readonly hooks: readonly OrderHook[],
    private readonly ctx: HookContext,
    private readonly options: HookRunnerOptions,
  ) {}

  /** Signals submitted and not yet handled. */
  get busy(): boolean {
    return this.pending > 0
  }

  get names(): string[] {
    return this.hooks.map(h => h.name)
  }

  /** Start every hook; signals queued meanwhile wait until all have started. */
  start(): Promise<void> {
    const ready = (async () => {
      for (const hook of this.hooks) {
        try {
          await hook.start?.(this.ctx)
        } catch (error) {
          this.error(hook, error)
        }
      }
    })()
    this.chain = this.chain.then(() => ready)
    return ready
  }

  /** Queue a signal for every hook. Never waits. */
  submit(signal: SignalEvent): void {
    const max = this.options.maxPendingSignals
    if (this.pending >= max) {
      for (const hook of this.hooks) this.order(hook, signal, { status: 'refused', message: `${max} signals already waiting for the hook` })
      return
    }
    this.pending++
    this.chain = this.chain.then(async () => {
      for (const hook of this.hooks) await this.handle(hook, signal)
    }).finally(() => {
      this.pending--
    })
  }

  /** Run `task` after every signal submitted so far has been handled (a report then reflects them). */
  after(task: () => void): void {
    this.chain = this.chain.then(task)
  }

  /** Resolves when every signal submitted so far has been handled (or timed out). */
  async idle(): Promise<void> {
    for (;;) {
      const chain = this.chain
      await chain
      if (chain === this.chain) return
    }
  }

  /** Give market events to hooks that want them (the kalshi hook reads fills). */
  onEvent(event: MarketEvent): void {
    for (const hook of this.hooks) {
      if (!hook.onEvent) continue
      try {
        hook.onEvent(event, this.ctx)
      } catch (error) {
        this.error(hook, error)
      }
    }
  }

  positions(): Position[] {
    const out: Position[] = []
    for (const hook of this.hooks) {
      if (!hook.positions) continue
      try {
        out.push(...hook.positions())
      } catch (error) {
        this.error(hook, error)
      }
    }
    return out
  }

  /** Portfolio reports of the hooks that keep one (paper, kalshi). */
  reports(): PortfolioEvent[] {
    const out: PortfolioEvent[] = []
    for (const hook of this.hooks) {
      if (!hook.summary) continue
      try {
        out.push({ type: 'portfolio', hook: hook.name, ...hook.summary(this.ctx) })
      } catch (error) {
        this.error(hook, error)
      }
    }
    return out
  }

  /** Finish the backlog (up to `timeoutMs`), then close every hook (each up to `timeoutMs`). */
  async close(timeoutMs: number): Promise<void> {
    await withTimeout(this.idle(), timeoutMs)
    for (const hook of this.hooks) {
      try {
        await withTimeout(Promise.resolve(hook.close?.(this.ctx)), timeoutMs)
      } catch (error) {
        this.error(hook, error)
      }
    }
  }

  private async handle(hook: OrderHook, signal: SignalEvent): Promise<void> {
    const timeoutMs = this.options.hookTimeoutMs
    try {
      const result = await withTimeout(Promise.resolve().then(() => hook.handle(signal, this.ctx)), timeoutMs)
      if (result === TIMED_OUT) {
        this.ctx.report({ type: 'error', code: 'HOOK_ERROR', hook: hook.name, strategy: signal.strategy, message: `${hook.name}: no answer within ${timeoutMs} ms for ${signal.action} ${signal.ticker}; moving on`, ts: this.ctx.now() })
        return
      }
      if (result.status !== 'logged') this.order(hook, signal, result)
    } catch (error) {
      this.error(hook, error, signal.strategy)
    }
  }

  private order(hook: OrderHook, signal: SignalEvent, result: HookResult): void {
    const event: OrderEvent = {
      type: 'order',
      hook: hook.name,
      strategy: signal.strategy,
      action: signal.action,
      ticker: signal.ticker,
      side: signal.side,
      quantity: signal.quantity,
      ...result,
      ts: this.ctx.now(),
    }
    this.ctx.report(event)
  }

  private error(hook: OrderHook, error: unknown, strategy?: string): void {
    const message = error instanceof Error ? error.message : String(error)
    const event: EngineEvent = {
      type: 'error',
      code: 'HOOK_ERROR',
      hook: hook.name,
      ...(strategy !== undefined ? { strategy } : {}),
      message: `${hook.name}: ${message}`,
      ...(error instanceof Error && error.stack ? { stack: error.stack } : {}),
      ts: this.ctx.now(),
    }
    this.ctx.report(event)
  }
}
