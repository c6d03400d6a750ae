import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import lockfile from 'proper-lockfile'

export interface AccountLockOptions {
  /** A directory of this user's (the runtime dir): every neural process on the machine must use the same. */
  dir: string
  /** What names the account: the API URL and the key id. */
  account: string
  /** How long an order waits for another process's order on the same account. @default 60000 */
  waitMs?: number
}

/** What a holder of the lock learns: whether another process placed an order since this one last caught up. */
export interface AccountTurn {
  othersTraded: boolean
  /** Call once the account has been read afresh: the orders counted so far are known. */
  caughtUp(): void
  /** Call after sending an order (whatever its outcome), before the turn ends. */
  traded(): void
}

/**
 * One order at a time per account across the neural processes of this machine, with a count of
 * the orders placed, so that each process learns when another has traded.
 *
 * Found from outside: two runs started together each read the account once (no position), and
 * each sent its maxPositionPerMarket, so the account held twice the limit. Under this lock a
 * process checks its limits, sends its order and counts it before the next one may; a process
 * that finds the count moved re-reads the account from the exchange before it checks.
 *
 * proper-lockfile: a lock dir, refreshed while held and taken over once stale (a process killed
 * while holding it does not block the account for ever).
 */
export class AccountLock {
  private readonly file: string
  private readonly countFile: string
  private seen = 0

  constructor(private readonly options: AccountLockOptions) {
    const id = createHash('sha256').update(options.account).digest('hex').slice(0, 16)
    this.file = path.join(options.dir, `orders-${id}`)
    this.countFile = `${this.file}.count`
  }

  /** Run `task` holding the lock. `task` is told whether another process traded since this one last held it. */
  async hold<T>(task: (turn: AccountTurn) => Promise<T>): Promise<T> {
    const release = await this.acquire()
    try {
      const count = this.readCount()
      return await task({
        othersTraded: count !== this.seen,
        caughtUp: () => {
          this.seen = count
        },
        traded: () => {
          this.seen = this.readCount() + 1
          writeFileSync(this.countFile, String(this.seen), { mode: 0o600 })
        },
      })
    } finally {
      await release().catch(() => undefined)
    }
  }

  private async acquire(): Promise<() => Promise<void>> {
    mkdirSync(this.options.dir, { recursive: true, mode: 0o700 })
    const deadline = Date.now() + (this.options.waitMs ?? 60_000)
    for (let waitMs = 2; ; waitMs = Math.min(50, waitMs * 2)) {
      try {
        // A holder killed mid-order frees the lock after `stale`; while held it is refreshed every stale / 2.
        return await lockfile.lock(this.file, { realpath: false, stale: 10_000, onCompromised: () => undefined })
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') {
          throw new Error(`the account's order lock in ${this.options.dir} could not be taken: ${(error as Error).message}`, { cause: error })
        }
        if (Date.now() >= deadline) {
          throw new Error(`another neural process has held this account's order lock for ${Math.round((this.options.waitMs ?? 60_000) / 1000)} s`)
        }
        await new Promise((resolve) => setTimeout(resolve, waitMs))
      }
    }
  }

  private readCount(): number {
    try {
      const n = Number(readFileSync(this.countFile, 'utf8'))
      return Number.isSafeInteger(n) ? n : 0
    } catch {
      return 0
    }
  }
}
