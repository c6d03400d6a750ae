/**
 * Callers waiting for a runner to become idle: `until` resolves true once `settled()` holds (checked
 * now and at each `wake()`), or false after `timeoutMs`. Shared by the in-process and worker runners.
 */
export class IdleWaiters {
  private waiters: (() => boolean)[] = []

  until(settled: () => boolean, timeoutMs?: number): Promise<boolean> {
    if (settled()) return Promise.resolve(true)
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined
      const waiter = () => {
        if (!settled()) return false
        clearTimeout(timer)
        resolve(true)
        return true
      }
      this.waiters.push(waiter)
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter)
          resolve(false)
        }, timeoutMs)
        timer.unref()
      }
    })
  }

  /** Something changed: resolve every waiter whose condition now holds. */
  wake(): void {
    // Called after every handler call: no waiters is the usual case, and must not allocate.
    if (this.waiters.length === 0) return
    this.waiters = this.waiters.filter((w) => !w())
  }
}
