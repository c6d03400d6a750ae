/**
 * The built CLI (`node bin/run.js`) as a child process for the bus end-to-end tests: output collected
 * as it arrives, NDJSON lines parsed, and waits on output rather than on time.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { ensureBuilt, ROOT } from '../commands/helpers.js'

export { ensureBuilt, ROOT }

const BIN = join(ROOT, 'bin', 'run.js')

/** The test's environment minus anything that would change the config, plus NO_COLOR and a private runtime dir. */
function childEnv(runtimeDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('KALSHI_') && !k.startsWith('NEURAL_') && k !== 'FORCE_COLOR' && k !== 'NODE_ENV' && k !== 'XDG_RUNTIME_DIR') env[k] = v
  }
  return { ...env, NO_COLOR: '1', NEURAL_RUNTIME_DIR: runtimeDir }
}

const running = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

export interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
}

export class Neural {
  readonly child: ChildProcess
  stdout = ''
  stderr = ''
  readonly exited: Promise<Exit>
  exit?: Exit
  private wakers: (() => void)[] = []
  private readonly parsed: unknown[] = []
  /** Where the first line not yet parsed starts in stdout. */
  private parsedTo = 0

  constructor(args: string[], runtimeDir: string) {
    this.child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: childEnv(runtimeDir), stdio: ['ignore', 'pipe', 'pipe'] })
    running.add(this.child)
    this.child.stdout!.on('data', (d: Buffer) => {
      this.stdout += d.toString()
      this.wake()
    })
    this.child.stderr!.on('data', (d: Buffer) => {
      this.stderr += d.toString()
      this.wake()
    })
    this.exited = new Promise((resolve) =>
      this.child.on('close', (code, signal) => {
        running.delete(this.child)
        this.exit = { code, signal }
        this.wake()
        resolve(this.exit)
      }),
    )
  }

  get pid(): number {
    return this.child.pid!
  }

  /**
   * Complete stdout lines, parsed (the command ran with --json). Each line is parsed once: `until`
   * checks call this on every chunk of output, and reparsing all of a long run's output each time
   * grows with the square of its length.
   */
  json<T = Record<string, unknown>>(): T[] {
    for (let end = this.stdout.indexOf('\n', this.parsedTo); end !== -1; end = this.stdout.indexOf('\n', this.parsedTo)) {
      this.parsed.push(JSON.parse(this.stdout.slice(this.parsedTo, end)))
      this.parsedTo = end + 1
    }
    return this.parsed.slice() as T[]
  }

  /** Resolves once `check` holds, tested on each chunk of output and every 50 ms; rejects on timeout or when the child exits first. */
  async until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!check()) {
      if (this.exit) throw new Error(`neural exited (${JSON.stringify(this.exit)}) before ${what}; stderr:\n${this.stderr.slice(-2000)}`)
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; stderr:\n${this.stderr.slice(-2000)}`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50)
        this.wakers.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  /** Send a signal and wait for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGINT'): Promise<Exit> {
    if (!this.exit) this.child.kill(signal)
    return this.exited
  }

  private wake(): void {
    const wakers = this.wakers
    this.wakers = []
    for (const w of wakers) w()
  }
}
