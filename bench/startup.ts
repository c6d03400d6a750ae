/**
 * Start-up of the built CLI (`node bin/run.js`, dist/ and oclif.manifest.json), a fresh process per run:
 *  - versionMs: `neural --version` from spawn to exit, each run next to a plain `node -e 0` (Node's
 *    own start-up on this machine at that moment);
 *  - firstTickMs: `neural stream 'KXNFLGAME*' --env sim --json` from spawn to its first ticker line
 *    on stdout: start-up, the in-process simulator, connect, signed handshake and subscribe.
 * `npm run bench` builds first; a dist older than src is refused here rather than measured.
 */
import { spawn } from 'node:child_process'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { createInterface } from 'node:readline'
import { checkBuilt } from './built.js'
import { median } from './stats.js'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const BIN = path.join(ROOT, 'bin', 'run.js')
const FIRST_TICK_ARGS = ['stream', 'KXNFLGAME*', '--env', 'sim', '--json']
const RUN_TIMEOUT_MS = 30_000

export interface StartupSide { runsMs: number[]; medianMs: number }

export interface StartupFigures {
  runs: number
  /** `node -e 0`, run alternately with `--version`. */
  node: StartupSide
  version: StartupSide
  firstTick: StartupSide
}

export interface StartupOptions {
  runs: number
  /** NEURAL_RUNTIME_DIR of the children (the status registry writes there). */
  runtimeDir: string
  /** With --profile: one more run of each under --cpu-prof, not timed, its profile written here. */
  profileDir?: string
}

const side = (runsMs: number[]): StartupSide => ({ runsMs: runsMs.map((ms) => Math.round(ms * 10) / 10), medianMs: Math.round(median(runsMs) * 10) / 10 })

export async function startupFigures(options: StartupOptions): Promise<StartupFigures> {
  checkBuilt()
  const node: number[] = []
  const version: number[] = []
  const firstTick: number[] = []
  for (let i = 0; i < options.runs; i++) {
    node.push(await timeToExit(['-e', '0'], options.runtimeDir))
    version.push(await timeToExit([BIN, '--version'], options.runtimeDir))
  }
  for (let i = 0; i < options.runs; i++) firstTick.push(await timeToFirstTick([BIN, ...FIRST_TICK_ARGS], options.runtimeDir))
  if (options.profileDir) {
    const prof = (name: string) => ['--cpu-prof', '--cpu-prof-dir', options.profileDir!, '--cpu-prof-name', `${name}.cpuprofile`]
    await timeToExit([...prof('startup-version'), BIN, '--version'], options.runtimeDir)
    await timeToFirstTick([...prof('startup-first-tick'), BIN, ...FIRST_TICK_ARGS], options.runtimeDir)
  }
  return { runs: options.runs, node: side(node), version: side(version), firstTick: side(firstTick) }
}

/** The environment minus anything that would change neural's config (KALSHI_*, NEURAL_*). */
function childEnv(runtimeDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('KALSHI_') && !k.startsWith('NEURAL_')) env[k] = v
  return { ...env, NEURAL_RUNTIME_DIR: runtimeDir }
}

function timeToExit(args: string[], runtimeDir: string): Promise<number> {
  const t0 = performance.now()
  const child = spawn(process.execPath, args, { cwd: ROOT, env: childEnv(runtimeDir), stdio: 'ignore' })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS)
    child.once('error', reject)
    child.once('exit', (code, signal) => {
      const ms = performance.now() - t0
      clearTimeout(timer)
      if (code === 0) resolve(ms)
      else reject(new Error(`node ${args.join(' ')} exited with ${signal ?? `code ${code}`}`))
    })
  })
}

/** Spawn to the first `"type":"ticker"` line on stdout; the child is then stopped, and waited for, before the next run. */
function timeToFirstTick(args: string[], runtimeDir: string): Promise<number> {
  const t0 = performance.now()
  const child = spawn(process.execPath, args, { cwd: ROOT, env: childEnv(runtimeDir), stdio: ['ignore', 'pipe', 'pipe'] })
  const killOnExit = () => child.kill('SIGKILL')
  process.once('exit', killOnExit)
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const first = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ticker line within ${RUN_TIMEOUT_MS} ms from neural ${FIRST_TICK_ARGS.join(' ')}; stderr: ${stderr}`)), RUN_TIMEOUT_MS)
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.includes('"type":"ticker"')) return
      clearTimeout(timer)
      resolve(performance.now() - t0)
    })
    void exited.then(() => {
      clearTimeout(timer)
      reject(new Error(`neural ${FIRST_TICK_ARGS.join(' ')} exited before its first ticker line; stderr: ${stderr}`))
    })
  })
  // SIGTERM lets it stop as on Ctrl-C (and write its profile under --cpu-prof); SIGKILL if it does not.
  const stop = async () => {
    child.kill('SIGTERM')
    const hard = setTimeout(() => child.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(hard)
    process.off('exit', killOnExit)
  }
  return first.finally(stop)
}

