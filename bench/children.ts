/**
 * The orchestrator's child processes: forked (IPC for control) or spawned (a JSON line on stdout),
 * always `node --import tsx`, always stopped at the end, on error and on Ctrl-C: nothing the
 * benchmark starts may outlive it on a 2-core machine.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { ChildMessage } from './control.js'

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url))
const live = new Set<Child>()

export class Child {
  private readonly inbox: ChildMessage[] = []
  private waiter?: { type: string; resolve: (m: ChildMessage) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
  /** Set by a "failed" message or the exit: every later wait rejects with it. */
  private failure?: Error
  readonly exited: Promise<void>

  private constructor(readonly label: string, readonly proc: ChildProcess) {
    live.add(this)
    this.exited = new Promise((resolve) => {
      proc.once('exit', (code, signal) => {
        live.delete(this)
        this.fail(new Error(`${label} exited (${signal ?? `code ${code}`})`))
        resolve()
      })
    })
    proc.on('message', (m: ChildMessage) => {
      if (m.type === 'failed') return this.fail(new Error(`${label}: ${(m as unknown as { message: string }).message}`))
      if (this.waiter && this.waiter.type === m.type) {
        const w = this.waiter
        this.waiter = undefined
        clearTimeout(w.timer)
        w.resolve(m)
      } else {
        this.inbox.push(m)
      }
    })
  }

  /** A bench script with an IPC channel. `nodeArgs` go before the script (e.g. --cpu-prof). */
  static fork(script: string, args: string[], label: string, nodeArgs: string[] = []): Child {
    const proc = fork(BENCH_DIR + script, args, { execArgv: ['--import', 'tsx', ...nodeArgs], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
    return new Child(label, proc)
  }

  /** A bench script that announces itself with one JSON line on stdout; its stdin is held open (closing it stops the child). */
  static async spawnJson<T>(script: string, args: string[], label: string, timeoutMs = 60_000): Promise<{ child: Child; info: T }> {
    const proc = spawn(process.execPath, ['--import', 'tsx', BENCH_DIR + script, ...args], { stdio: ['pipe', 'pipe', 'inherit'] })
    const child = new Child(label, proc)
    const lines = createInterface({ input: proc.stdout! })
    const info = await new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${label}: no start-up line within ${timeoutMs} ms`)), timeoutMs)
      lines.once('line', (line) => {
        clearTimeout(timer)
        try {
          resolve(JSON.parse(line) as T)
        } catch {
          reject(new Error(`${label}: start-up line is not JSON: ${line}`))
        }
      })
      proc.once('exit', () => reject(new Error(`${label} exited before it started`)))
    })
    return { child, info }
  }

  send(m: object): void {
    this.proc.send?.(m)
  }

  /** The next message of `type` from the child (earlier ones of other types are kept for later). */
  next<T extends ChildMessage>(type: string, timeoutMs: number): Promise<T> {
    const i = this.inbox.findIndex((m) => m.type === type)
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0] as T)
    if (this.failure) return Promise.reject(this.failure)
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined
        reject(new Error(`${this.label}: no "${type}" within ${timeoutMs} ms`))
      }, timeoutMs)
      this.waiter = { type, resolve: resolve as (m: ChildMessage) => void, reject, timer }
    })
  }

  /** Ask politely (IPC stop, or closing stdin), then SIGTERM, then SIGKILL. */
  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return
    // A child that is exiting by itself (a connect client after its figure) may close the channel first: no 'error' for that.
    if (this.proc.connected) this.proc.send({ cmd: 'stop' }, () => undefined)
    this.proc.stdin?.end()
    const t1 = setTimeout(() => this.proc.kill('SIGTERM'), 2000)
    const t2 = setTimeout(() => this.proc.kill('SIGKILL'), 5000)
    await this.exited
    clearTimeout(t1)
    clearTimeout(t2)
  }

  private fail(error: Error): void {
    this.failure ??= error
    const w = this.waiter
    if (!w) return
    this.waiter = undefined
    clearTimeout(w.timer)
    w.reject(error)
  }
}

/** Kill every child still running (by its own pid), synchronously: used on the way out. */
export function killAllChildren(): void {
  for (const c of live) c.proc.kill('SIGKILL')
  live.clear()
}

export async function stopAllChildren(): Promise<void> {
  await Promise.all([...live].map((c) => c.stop()))
}
