/**
 * Retry policy as plain typed data, and a sleep that Ctrl-C can cancel.
 */

export type Jitter = 'full' | 'equal' | 'none'

export interface RetryPolicy {
  /** Retries after a failure; 0 = forever. @default 0 */
  attempts: number
  /** Delay of the first retry before jitter. @default 500 */
  baseDelayMs: number
  /** Cap of the exponential delay. @default 30000 */
  maxDelayMs: number
  /**
   * 'full': uniform in [0, d]; 'equal': d/2 + uniform in [0, d/2]; 'none': d.
   * Jitter spreads reconnects of many clients after a shared outage. @default 'equal'
   */
  jitter: Jitter
}

export const DEFAULT_RETRY: Readonly<RetryPolicy> = Object.freeze({ attempts: 0, baseDelayMs: 500, maxDelayMs: 30_000, jitter: 'equal' })

/** True if retry number `attempt` (1-based) is allowed by the policy. */
export function canRetry(policy: RetryPolicy, attempt: number): boolean {
  return policy.attempts === 0 || attempt <= policy.attempts
}

/** Delay before retry number `attempt` (1-based): base · 2^(attempt-1), capped, then jittered. */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, Math.min(attempt - 1, 52)))
  const d = Math.max(0, exp)
  if (policy.jitter === 'full') return Math.round(random() * d)
  if (policy.jitter === 'equal') return Math.round(d / 2 + random() * (d / 2))
  return Math.round(d)
}

/** The delays a policy would produce, for display and tests (`count` of them when attempts is 0). */
export function backoffDelays(policy: RetryPolicy, count = policy.attempts, random: () => number = Math.random): number[] {
  const out: number[] = []
  for (let i = 1; i <= count; i++) out.push(backoffDelay(policy, i, random))
  return out
}

export class AbortedError extends Error {
  constructor() {
    super('aborted')
    this.name = 'AbortError'
  }
}

/** Resolve after `ms`, or reject with AbortedError as soon as `signal` aborts. The timer never keeps a dead process alive past abort. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortedError())
      return
    }
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(new AbortedError())
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, Math.max(0, ms))
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
