/**
 * Live status of running `stream` / `run-strategy` processes, for `neural status`.
 *
 * Each process keeps one small JSON file, `<pid>.json`, in the runtime dir ($XDG_RUNTIME_DIR/neural,
 * else <tmpdir>/neural-<uid>; NEURAL_RUNTIME_DIR overrides). The dir is 0700 and files 0600 because
 * they name markets and commands. Files are replaced atomically (write a temp file, rename) so a
 * reader never sees half a file, rewritten every second, and removed on exit. A reader that finds
 * a file whose pid no longer exists (the process was killed -9) reports it dead and removes it.
 * The file is optional: a running command whose runtime dir is unusable (a file in the way, no
 * permission) says so once on stderr and carries on unlisted; `neural status` reports RUNTIME_DIR.
 */
import { chmodSync, mkdirSync, statSync, unlinkSync, type Stats } from 'node:fs'
import { readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Environment } from '../config/endpoints.js'
import { configError, NeuralError } from '../errors.js'
import { chalkFor } from '../render/color.js'

export interface ProcessStatus {
  pid: number
  command: string
  args: string[]
  /** Epoch ms. */
  startedAt: number
  environment: Environment
  connected: boolean
  /** Markets subscribed. */
  subscriptions: number
  /** Data messages received so far. */
  messages: number
  /** Messages per second over the last publishing interval. */
  ratePerSec: number
  /** Epoch ms of the last data message. */
  lastMessageAt?: number
  reconnects: number
  /** Markets with no data for longer than expected, and markets whose data arrives late (at most 5 of each named, worst first). */
  health?: StatusHealth
  /** The NATS bus connection, when the process publishes to it (`--publish`) or reads from it (`--source`). */
  bus?: BusStatus
  /** Epoch ms of this file's last write. */
  updatedAt: number
}

export interface StatusHealth {
  staleCount: number
  stale: { ticker: string; silentMs: number }[]
  laggingCount: number
  lagging: { ticker: string; lagMs: number }[]
}

/** A process's NATS bus connection: a publisher counts messages published, a consumer messages received. */
export interface BusStatus {
  url: string
  connected: boolean
  published?: number
  received?: number
}

/** The fields a running process changes as it goes. */
export type LiveStatus = Pick<ProcessStatus, 'connected' | 'subscriptions' | 'messages' | 'reconnects'> & Partial<Pick<ProcessStatus, 'lastMessageAt' | 'ratePerSec' | 'bus' | 'health'>>

export interface ListedProcess extends ProcessStatus {
  /** False when the pid no longer exists; the file has then been removed. */
  alive: boolean
}

export function runtimeDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.NEURAL_RUNTIME_DIR) return env.NEURAL_RUNTIME_DIR
  // The XDG spec: a relative path there is invalid and ignored (it would land wherever the command runs).
  if (env.XDG_RUNTIME_DIR && path.isAbsolute(env.XDG_RUNTIME_DIR)) return path.join(env.XDG_RUNTIME_DIR, 'neural')
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user'
  return path.join(tmpdir(), `neural-${uid}`)
}

/**
 * Create the dir 0700, or tighten it; refuse one owned by another user (a shared /tmp could hold a
 * planted dir). Throws RUNTIME_DIR when the dir cannot be used.
 */
export function ensureRuntimeDir(dir: string): void {
  let info: Stats
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    info = statSync(dir)
  } catch (error) {
    throw unusableRuntimeDir(dir, error)
  }
  if (typeof process.getuid === 'function' && info.uid !== process.getuid()) {
    throw configError('RUNTIME_DIR', `runtime dir ${dir} belongs to another user: set NEURAL_RUNTIME_DIR to a dir of your own`)
  }
  try {
    if ((info.mode & 0o777) !== 0o700) chmodSync(dir, 0o700)
  } catch (error) {
    throw unusableRuntimeDir(dir, error)
  }
}

/** Why a file system call failed, in words, for the errnos a runtime dir meets. */
const REASONS: Record<string, string> = {
  ENOTDIR: 'not a directory',
  EEXIST: 'not a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
}

/** RUNTIME_DIR for a file system failure in the runtime dir, the errno in words. */
export function unusableRuntimeDir(dir: string, error: unknown): NeuralError {
  const code = (error as NodeJS.ErrnoException)?.code ?? ''
  const why = REASONS[code] ?? ((error as Error)?.message || String(error))
  return configError('RUNTIME_DIR', `runtime dir ${dir} is unusable (${why}): set NEURAL_RUNTIME_DIR to a dir of your own`, error)
}

export interface StatusPublisher {
  /** The file being written; nothing is written when the runtime dir is unusable (a warning said so). */
  readonly file: string
  /** Merge in the latest live figures; they are written on the next tick. */
  update(live: Partial<LiveStatus>): void
  /** Write now (also done every `intervalMs`). */
  write(): Promise<void>
  /** Stop writing and remove the file. */
  close(): Promise<void>
}

export interface PublishOptions {
  /** @default runtimeDir() */
  dir?: string
  /** @default 1000 */
  intervalMs?: number
  /** @default process.pid */
  pid?: number
  /** @default Date.now */
  now?: () => number
  /**
   * Told, once per dir, when the runtime dir is unusable (publishing is then skipped).
   * @default a `warning:` line on stderr
   */
  warn?: (message: string) => void
}

/** Dirs already warned about: a run that starts several feeds says it once. */
const warnedDirs = new Set<string>()

function warnOnStderr(message: string): void {
  process.stderr.write(`${chalkFor(process.stderr).yellow('warning:')} ${message}\n`)
}

/**
 * Start publishing this process's status: writes at once, then every `intervalMs`, and removes the
 * file on close() or, failing that, when the process exits. Never fails for the runtime dir: when it
 * cannot be used or the first write fails, `warn` is told and nothing is published.
 */
export async function publishStatus(
  identity: { command: string; args: string[]; environment: Environment; startedAt?: number },
  options: PublishOptions = {},
): Promise<StatusPublisher> {
  const dir = options.dir ?? runtimeDir()
  const pid = options.pid ?? process.pid
  const now = options.now ?? Date.now
  const intervalMs = options.intervalMs ?? 1000
  const file = path.join(dir, `${pid}.json`)
  const tmp = `${file}.tmp`
  const live: LiveStatus = { connected: false, subscriptions: 0, messages: 0, reconnects: 0 }
  const startedAt = identity.startedAt ?? now()
  let lastRate = { at: startedAt, messages: 0 }
  let closed = false
  let writing: Promise<void> = Promise.resolve()

  const snapshot = (): ProcessStatus => {
    const at = now()
    let ratePerSec = live.ratePerSec
    if (ratePerSec === undefined) {
      const seconds = (at - lastRate.at) / 1000
      ratePerSec = seconds > 0 ? Math.round(((live.messages - lastRate.messages) / seconds) * 10) / 10 : 0
      lastRate = { at, messages: live.messages }
    }
    return { pid, command: identity.command, args: identity.args, startedAt, environment: identity.environment, ...live, ratePerSec, updatedAt: at }
  }

  const write = (): Promise<void> => {
    // Serialised: two overlapping writes would race on the same temp file. A failed write (a full
    // disk) must not stop the ones after it.
    writing = writing.catch(() => undefined).then(async () => {
      if (closed) return
      await writeFile(tmp, JSON.stringify(snapshot()) + '\n', { mode: 0o600 })
      await rename(tmp, file)
    })
    return writing
  }

  const removeOnExit = () => {
    try {
      unlinkSync(file)
    } catch {
      // already gone
    }
  }
  try {
    ensureRuntimeDir(dir)
    process.once('exit', removeOnExit)
    await write()
  } catch (error) {
    process.removeListener('exit', removeOnExit)
    await unlink(tmp).catch(() => undefined)
    closed = true
    const problem = error instanceof NeuralError ? error : unusableRuntimeDir(dir, error)
    const warn = options.warn ?? warnOnStderr
    if (!warnedDirs.has(dir)) warn(`${problem.message}; \`neural status\` will not list this process`)
    warnedDirs.add(dir)
    return { file, update: () => undefined, write: async () => undefined, close: async () => undefined }
  }
  const timer = setInterval(() => void write().catch(() => undefined), intervalMs)
  // The status file must never keep a finished process alive.
  timer.unref()

  return {
    file,
    update(patch) {
      Object.assign(live, patch)
    },
    write,
    async close() {
      clearInterval(timer)
      closed = true
      await writing.catch(() => undefined)
      await unlink(file).catch(() => undefined)
      await unlink(tmp).catch(() => undefined)
      // Only now: a process that exits while the file is being removed still removes it on the way out.
      process.removeListener('exit', removeOnExit)
    },
  }
}

export interface ListOptions {
  /** @default runtimeDir() */
  dir?: string
  /** @default signal 0 to the pid */
  isAlive?: (pid: number) => boolean
}

export function pidIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Every published process, oldest first; files of dead processes are removed and listed with alive: false. */
export async function listProcesses(options: ListOptions = {}): Promise<ListedProcess[]> {
  const dir = options.dir ?? runtimeDir()
  const isAlive = options.isAlive ?? pidIsAlive
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw unusableRuntimeDir(dir, error)
  }
  const listed: ListedProcess[] = []
  for (const name of names) {
    const m = /^(\d+)\.json(\.tmp)?$/.exec(name)
    if (!m) continue
    const file = path.join(dir, name)
    const pid = Number(m[1])
    const alive = isAlive(pid)
    if (m[2]) {
      // A temp file left by a process killed mid-write.
      if (!alive) await unlink(file).catch(() => undefined)
      continue
    }
    let status: ProcessStatus
    try {
      status = JSON.parse(await readFile(file, 'utf8')) as ProcessStatus
    } catch {
      // Removed between readdir and read (the process exited), or not ours: skip it.
      continue
    }
    if (!alive) await unlink(file).catch(() => undefined)
    listed.push({ ...status, pid, alive })
  }
  return listed.sort((a, b) => a.startedAt - b.startedAt || a.pid - b.pid)
}
