import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { createInterface } from 'node:readline'
import type { SignalEvent } from '../events.js'
import { childEnv } from './child-env.js'
import type { HookContext, HookResult, OrderHook } from './hook.js'

export interface ExecOptions {
  cwd?: string
  /** The environment credentials are stripped from (see child-env.ts). @default process.env */
  env?: NodeJS.ProcessEnv
  /** How long close() waits for the command to exit after its input ends, before SIGTERM; as long again before SIGKILL. @default 2000 */
  closeTimeoutMs?: number
}

/** Resolves true when `p` settles within `ms`, false otherwise. */
function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([p.then(() => true), new Promise<boolean>(resolve => { timer = setTimeout(() => resolve(false), ms) })]).finally(() => clearTimeout(timer))
}

/**
 * `--hook exec:<command>`: the command is started once through the shell and gets each signal as
 * one JSON line on its stdin. Its stdout and stderr become log lines (never our stdout, which may be
 * NDJSON). Its exit, a spawn failure or a broken pipe are reported; signals after that are refused.
 *
 * The shell and whatever it starts run in a process group of their own, which is signalled as a
 * whole: killing only the shell left its children running and holding the output pipes open, so
 * that close() waited for them to end of their own accord (a `sleep 20` held the run for 20 s), and
 * an interrupted run left them behind as orphans. For the same reason the group is ended when this
 * process exits by any path (Ctrl-C's deadline included) without close() having run.
 */
export class ExecHook implements OrderHook {
  readonly name: string
  private child?: ChildProcessWithoutNullStreams
  private down?: string
  private closing = false
  private exited?: Promise<void>
  private readonly killOnExit = () => this.signalGroup('SIGTERM')

  constructor(readonly command: string, private readonly options: ExecOptions = {}) {
    this.name = `exec:${command}`
  }

  start(ctx: HookContext): void {
    const child = spawn(this.command, { shell: true, detached: true, cwd: this.options.cwd, env: childEnv(this.options.env ?? process.env), stdio: ['pipe', 'pipe', 'pipe'] })
    this.child = child
    process.once('exit', this.killOnExit)
    const fail = (reason: string, cause?: unknown, consequence = '') => {
      this.down ??= reason
      ctx.report({ type: 'error', code: 'HOOK_ERROR', hook: this.name, message: `exec hook: ${reason}${consequence}`, ...(cause instanceof Error && cause.stack ? { stack: cause.stack } : {}), ts: ctx.now() })
    }
    this.exited = new Promise(resolve => {
      child.once('error', error => {
        fail(`could not run the command: ${error.message}`, error)
        resolve()
      })
      child.once('close', (code, signal) => {
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`
        if (!this.closing) fail(`the command ${how}`, undefined, '; signals are no longer delivered')
        else if (code !== 0 && !signal) fail(`the command ${how}`)
        this.down ??= `the command ${how}`
        process.off('exit', this.killOnExit)
        resolve()
      })
    })
    child.stdin.on('error', (error: NodeJS.ErrnoException) => {
      const what = error.code === 'EPIPE' ? 'the command closed its input (EPIPE)' : `writing to the command failed: ${error.message}`
      fail(what, error)
    })
    for (const [stream, level] of [[child.stdout, 'info'], [child.stderr, 'warn']] as const) {
      createInterface({ input: stream }).on('line', line => {
        ctx.report({ type: 'log', source: this.name, level, message: line, ts: ctx.now() })
      })
    }
  }

  async handle(signal: SignalEvent): Promise<HookResult> {
    const child = this.child
    if (!child) return { status: 'failed', message: 'exec hook was not started' }
    if (this.down !== undefined || !child.stdin.writable) return { status: 'failed', message: `not delivered: ${this.down ?? 'the command is not reading'}` }
    const ok = child.stdin.write(JSON.stringify(signal) + '\n')
    // A command that reads slowly holds the hook queue (bounded by the engine), never our memory.
    if (!ok) await new Promise<void>(resolve => {
      const done = () => { child.stdin.off('drain', done); child.stdin.off('close', done); resolve() }
      child.stdin.once('drain', done)
      child.stdin.once('close', done)
    })
    return { status: 'sent' }
  }

  async close(ctx?: HookContext): Promise<void> {
    const child = this.child
    if (!child || !this.exited) return
    this.closing = true
    child.stdin.end()
    const timeoutMs = this.options.closeTimeoutMs ?? 2000
    if (await within(this.exited, timeoutMs)) return
    const ending = (signal: string) => ctx?.report({ type: 'log', source: this.name, level: 'warn', message: `the command had not exited ${timeoutMs} ms after its input ended: sending ${signal} to it and what it started`, ts: ctx.now() })
    ending('SIGTERM')
    this.signalGroup('SIGTERM')
    if (await within(this.exited, timeoutMs)) return
    ending('SIGKILL')
    this.signalGroup('SIGKILL')
    if (await within(this.exited, timeoutMs)) return
    // Past SIGKILL only a process outside the group (one that left it) can hold the pipes: stop reading them.
    child.stdout.destroy()
    child.stderr.destroy()
    process.off('exit', this.killOnExit)
  }

  /** Signal the command's whole process group (the shell and everything it started). */
  private signalGroup(signal: NodeJS.Signals): void {
    const pid = this.child?.pid
    if (pid === undefined) return
    try {
      process.kill(-pid, signal)
    } catch {
      // ESRCH: the group is gone already.
    }
  }
}

export function createExecHook(command: string, options: ExecOptions = {}): ExecHook {
  return new ExecHook(command, options)
}
