/**
 * Run a command class in this process, the way bin/run.js would run it, and collect what it wrote
 * and the exit code it chose. Tests of flags → options → result use this instead of starting node
 * (a child with tsx costs seconds on a loaded 2-core machine); a few end-to-end runs of the built
 * binary per command stay in test/commands.
 *
 * Runs are serialised: stdout/stderr, the environment and the working directory are process-wide.
 * Everything is restored in `finally`, also when the command throws.
 */
import { Config, Errors, type Command } from '@oclif/core'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

export interface CommandResult {
  code: number
  stdout: string
  stderr: string
}

export interface RunCommandOptions {
  /**
   * Extra environment (on top of the process's, minus KALSHI_*, NEURAL_*, FORCE_COLOR). NO_COLOR is set,
   * and NEURAL_RUNTIME_DIR to a dir of this run's own (removed after it) unless the test sets it or
   * XDG_RUNTIME_DIR: a command would otherwise publish its status under the user's shared runtime dir.
   */
  env?: NodeJS.ProcessEnv
  cwd?: string
  /** The command id shown in usage hints (e.g. 'stream', 'nfl game'). */
  id?: string
}

let config: Promise<Config> | undefined
let queue: Promise<unknown> = Promise.resolve()

type CommandClass = abstract new (argv: string[], config: Config) => Command

export function runCommand(Cmd: CommandClass, argv: string[], options: RunCommandOptions = {}): Promise<CommandResult> {
  const run = queue.then(() => runNow(Cmd, argv, options))
  queue = run.catch(() => undefined)
  return run
}

async function runNow(Cmd: CommandClass, argv: string[], options: RunCommandOptions): Promise<CommandResult> {
  config ??= Config.load(ROOT)
  const loaded = await config
  let stdout = ''
  let stderr = ''
  const out = process.stdout.write
  const err = process.stderr.write
  const capture = (append: (s: string) => void) =>
    function (chunk: string | Uint8Array, encoding?: unknown, cb?: unknown): boolean {
      append(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString())
      const done = typeof encoding === 'function' ? encoding : cb
      if (typeof done === 'function') process.nextTick(done as () => void)
      return true
    }
  const savedEnv = { ...process.env }
  const cwd = process.cwd()
  const listeners = { out: process.stdout.listeners('error'), err: process.stderr.listeners('error') }
  // The suite's own switch stays (.mocharc.cjs): without it every strategy, backtest and type-check
  // thread of a command run here would load neural from source through tsx, about half a CPU-second each.
  for (const k of Object.keys(process.env)) {
    if ((k.startsWith('KALSHI_') || k.startsWith('NEURAL_') || k === 'FORCE_COLOR') && k !== 'NEURAL_THREADS_FROM_DIST') delete process.env[k]
  }
  const ownRuntimeDir =
    options.env?.NEURAL_RUNTIME_DIR === undefined && options.env?.XDG_RUNTIME_DIR === undefined
      ? mkdtempSync(join(tmpdir(), 'neural-run-command-'))
      : undefined
  Object.assign(process.env, { NO_COLOR: '1' }, ownRuntimeDir ? { NEURAL_RUNTIME_DIR: ownRuntimeDir } : {}, options.env)
  if (options.cwd) process.chdir(options.cwd)
  process.stdout.write = capture((s) => (stdout += s)) as typeof process.stdout.write
  process.stderr.write = capture((s) => (stderr += s)) as typeof process.stderr.write
  let code = 0
  try {
    // The class may be abstract in its type (BaseCommand fixtures); every one given here implements run().
    const command = new (Cmd as unknown as new (argv: string[], config: Config) => Command)(argv, loaded)
    if (options.id) command.id = options.id
    // _run is what oclif's own runner calls: init, run, catch, finally.
    await (command as unknown as { _run(): Promise<unknown> })._run()
  } catch (error) {
    if (error instanceof Errors.ExitError) code = error.oclif.exit ?? 1
    else throw error
  } finally {
    process.stdout.write = out
    process.stderr.write = err
    process.chdir(cwd)
    if (ownRuntimeDir) rmSync(ownRuntimeDir, { recursive: true, force: true })
    for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k]
    Object.assign(process.env, savedEnv)
    // The NDJSON writer listens for EPIPE on stdout; a finished command's listener must not pile up.
    for (const l of process.stdout.listeners('error')) if (!listeners.out.includes(l)) process.stdout.removeListener('error', l as () => void)
    for (const l of process.stderr.listeners('error')) if (!listeners.err.includes(l)) process.stderr.removeListener('error', l as () => void)
  }
  return { code, stdout, stderr }
}

/**
 * The command's result, or a failure once `ms` have passed (a run that should have ended and did
 * not). A command still running keeps stdout and stderr captured: they are given back so mocha can report.
 */
export function runCommandWithin(ms: number, start: () => Promise<CommandResult>): Promise<CommandResult> {
  const { write: out } = process.stdout
  const { write: err } = process.stderr
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      process.stdout.write = out
      process.stderr.write = err
      reject(new Error(`still running after ${ms} ms`))
    }, ms)
  })
  return Promise.race([start(), late]).finally(() => clearTimeout(timer))
}
