/**
 * End-to-end plumbing: run the built CLI (`node bin/run.js`) as a child process against simulators
 * on 127.0.0.1 port 0, collect its output, and watch what reaches the exchange through a counting
 * TCP proxy. Shared by test/commands and test/reliability.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildState } from '../../bench/built.js'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const BIN = join(ROOT, 'bin', 'run.js')

let built: Promise<void> | undefined

/**
 * `npm run build` (tsc, then the oclif manifest) once per test run when dist is missing or older than src (`npm test` has just
 * built, so this usually costs nothing). tsc emits even when files outside ours fail to typecheck,
 * so only a missing command file counts as a failed build.
 */
export function ensureBuilt(): Promise<void> {
  built ??= (async () => {
    const dist = join(ROOT, 'dist')
    if (buildState() === 'current') return
    // Async: a blocked event loop would starve any simulator this process is running.
    await new Promise<void>((resolve) => spawn('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' }).on('close', () => resolve()))
    if (!existsSync(join(dist, 'commands', 'stream.js'))) throw new Error('npm run build did not produce dist/commands/stream.js')
  })()
  return built
}

/** A temp dir removed by the returned function. */
export function tempDir(prefix = 'neural-e2e-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** The environment minus anything that would change the config under test, plus NO_COLOR and a private runtime dir. */
export function cliEnv(runtimeDir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('KALSHI_') && !k.startsWith('NEURAL_') && k !== 'FORCE_COLOR' && k !== 'NODE_ENV' && k !== 'XDG_RUNTIME_DIR') env[k] = v
  }
  return { ...env, NO_COLOR: '1', NEURAL_RUNTIME_DIR: runtimeDir, ...extra }
}

export interface RunResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export interface RunOptions {
  /** NEURAL_RUNTIME_DIR of the child. */
  runtimeDir: string
  env?: NodeJS.ProcessEnv
  cwd?: string
  /** Kill the child (SIGKILL) if it runs longer than this. @default 30000 */
  timeoutMs?: number
}

/** A running `neural` child whose output accumulates as it arrives. */
export class Neural {
  readonly child: ChildProcess
  stdout = ''
  stderr = ''
  readonly done: Promise<RunResult>
  private readonly waiters = new Set<() => void>()

  constructor(args: string[], options: RunOptions) {
    this.child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? ROOT,
      env: cliEnv(options.runtimeDir, options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    this.child.stdout!.on('data', (d: Buffer) => {
      this.stdout += d.toString()
      this.wake()
    })
    this.child.stderr!.on('data', (d: Buffer) => {
      this.stderr += d.toString()
      this.wake()
    })
    const killer = setTimeout(() => this.child.kill('SIGKILL'), options.timeoutMs ?? 30_000)
    this.done = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        clearTimeout(killer)
        this.wake()
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr })
      })
    })
  }

  get pid(): number {
    return this.child.pid!
  }

  /** Complete stdout lines so far. */
  lines(): string[] {
    const all = this.stdout.split('\n')
    all.pop()
    return all
  }

  /** Resolves once `pred` holds (checked on every chunk of output); rejects after `timeoutMs` or if the child exits first. */
  async until(pred: () => boolean, timeoutMs = 10_000, what = 'output'): Promise<void> {
    const deadline = Date.now() + timeoutMs
    let exited = false
    void this.done.then(() => (exited = true))
    while (!pred()) {
      if (exited) throw new Error(`neural exited before ${what}; stdout:\n${this.stdout.slice(-2000)}\nstderr:\n${this.stderr.slice(-2000)}`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`timed out waiting for ${what}; stderr:\n${this.stderr.slice(-2000)}`)
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(t)
          this.waiters.delete(wake)
          resolve()
        }
        const t = setTimeout(wake, Math.min(left, 200))
        this.waiters.add(wake)
      })
    }
  }

  private wake(): void {
    for (const w of [...this.waiters]) w()
  }
}

/** Run async jobs with at most `concurrency` at once (the machine has 2 cores; a dozen node starts at once slow every one). */
export async function limited<T>(concurrency: number, jobs: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(jobs.length)
  let next = 0
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++
      results[i] = await jobs[i]!()
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker))
  return results
}

const SIGNAL_CLOCK = join(ROOT, 'test', 'fixtures', 'lifecycle', 'signal-clock.cjs')

/**
 * The environment that makes a child time, by its own clock, how long it takes from seeing SIGINT or
 * SIGTERM to its exit (test/fixtures/lifecycle/signal-clock.cjs), written to `file`. A promise such as
 * "gone within a second of Ctrl-C" is the child's: timed here, the span would also hold how long a
 * starved machine took to deliver the signal and the exit, which is most of it under load.
 */
export function signalClockEnv(file: string): NodeJS.ProcessEnv {
  return { NODE_OPTIONS: `--require=${SIGNAL_CLOCK}`, SIGNAL_CLOCK_FILE: file }
}

/** What signalClockEnv's child measured; throws if it never saw a signal. */
export function signalToExitMs(file: string): number {
  return (JSON.parse(readFileSync(file, 'utf8')) as { signalToExitMs: number }).signalToExitMs
}

/** Run `neural <args>` to the end. */
export function runNeural(args: string[], options: RunOptions): Promise<RunResult> {
  return new Neural(args, options).done
}

/** Parse every stdout line as JSON (throws, naming the line, if one is not). */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  const lines = stdout.split('\n')
  if (lines.at(-1) === '') lines.pop()
  return lines.map((line, i) => {
    try {
      return JSON.parse(line) as Record<string, unknown>
    } catch {
      throw new Error(`stdout line ${i + 1} is not JSON: ${line.slice(0, 200)}`)
    }
  })
}

/** Lines of a text, without the empty string after the final newline. */
export function linesOf(text: string): string[] {
  const lines = text.split('\n')
  if (lines.at(-1) === '') lines.pop()
  return lines
}

export async function waitFor(pred: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

/**
 * A TCP proxy in front of a simulator: everything passes through unchanged, and the client→server
 * bytes are scanned so a test can count WebSocket handshakes and orders, list the requests, and see
 * every signature header sent.
 */
export class CountingProxy {
  readonly server: Server
  port = 0
  /** WebSocket upgrade requests seen. */
  upgrades = 0
  /** Every KALSHI-ACCESS-SIGNATURE value sent (REST and WebSocket). */
  readonly signatures = new Set<string>()
  /** Every KALSHI-ACCESS-KEY value sent. */
  readonly keyIds = new Set<string>()
  /** Every request line seen (method and path without the query). */
  readonly requests: string[] = []
  /** Order requests seen (POST /trade-api/v2/portfolio/orders). */
  orders = 0
  private readonly sockets = new Set<Socket>()

  constructor(private readonly targetPort: number) {
    this.server = createServer((client) => {
      const upstream = createConnection({ host: '127.0.0.1', port: this.targetPort })
      this.sockets.add(client)
      this.sockets.add(upstream)
      let head = ''
      let counted = 0
      let scanned = 0
      client.on('data', (chunk: Buffer) => {
        // Request heads are ASCII; WebSocket frames from a client are masked, so they never match.
        if (head.length < 4_000_000) {
          head += chunk.toString('latin1')
          for (const m of head.matchAll(/kalshi-access-signature:[ \t]*([^\r\n]+)\r\n/gi)) this.signatures.add(m[1].trim())
          for (const m of head.matchAll(/kalshi-access-key:[ \t]*([^\r\n]+)\r\n/gi)) this.keyIds.add(m[1].trim())
          const n = (head.match(/^GET \/trade-api\/ws\/v2[ ?]/gm) ?? []).length
          this.upgrades += n - counted
          counted = n
          // A request may follow a JSON body on the same line (bodies end without a newline): not anchored.
          const re = /(GET|POST|DELETE|PUT) (\/\S*) HTTP\/1\.1\r\n/g
          re.lastIndex = scanned
          for (let m = re.exec(head); m; m = re.exec(head)) {
            this.requests.push(`${m[1]} ${m[2]!.split('?')[0]}`)
            if (m[1] === 'POST' && m[2] === '/trade-api/v2/portfolio/orders') this.orders++
            scanned = re.lastIndex
          }
        }
        upstream.write(chunk)
      })
      upstream.on('data', (chunk: Buffer) => client.write(chunk))
      const end = () => {
        client.destroy()
        upstream.destroy()
        this.sockets.delete(client)
        this.sockets.delete(upstream)
      }
      client.on('close', end)
      upstream.on('close', end)
      client.on('error', end)
      upstream.on('error', end)
    })
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    this.port = (this.server.address() as { port: number }).port
    return this
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/trade-api/v2`
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/trade-api/ws/v2`
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}
