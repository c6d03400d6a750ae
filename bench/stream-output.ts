/**
 * The output path of `neural stream`: the built CLI (`node bin/run.js stream`) subscribed to the
 * flood server's markets on ticker, trade and orderbook, with stdout on /dev/null, once with --json
 * and once with human output (no TTY, so no colour: as when printing into a file), against the bare
 * `ws` client (client-bare.ts) on the same frames. Each client is a process of its own and stays
 * connected; in each run the three take turns (bare, --json, human) on the same number of frames.
 *
 * The figure is frames per CPU-second of the client process, read from /proc/PID/stat before the
 * flood and once the process has gone idle after it (the CLI cannot report over IPC, and its output
 * goes nowhere we could count); the ratios are ours ÷ bare per run, and their median.
 *
 * Part of `npm run bench`; alone: `node --import tsx bench/stream-output.ts [--quick]` (after `npm run build`).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { checkBuilt } from './built.js'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { listProcesses } from '../src/runtime/status-registry.js'
import { Child } from './children.js'
import { median } from './stats.js'
import type { FloodReply } from './control.js'
import { cpuSeconds } from './dashboard.js'
import { benchTickers } from './tickers.js'

export interface StreamOutputFigures {
  markets: number
  /** Frames per run and client. */
  messages: number
  /** Frames per CPU-second of the client process, per run. */
  bare: number[]
  json: number[]
  human: number[]
  /** --json ÷ bare and human ÷ bare in each run; the medians are the figures. */
  jsonPairRatios: number[]
  humanPairRatios: number[]
  jsonRatio: number
  humanRatio: number
}

export const STREAM_OUTPUT_TARGET = { streamJsonRatio: 0.55, humanRatio: 0.3 }

export const STREAM_OUTPUT_PLAN = {
  // /proc counts CPU in 10 ms ticks: 200,000 frames keep even the bare client above 40 ticks.
  quick: { markets: 500, warmup: 50_000, messages: 200_000, runs: 2 },
  full: { markets: 500, warmup: 100_000, messages: 500_000, runs: 3 },
}

type Flooded = Extract<FloodReply, { type: 'flooded' }>
type Listening = Extract<FloodReply, { type: 'listening' }>
type Kind = 'bare' | 'json' | 'human'
const KINDS: Kind[] = ['bare', 'json', 'human']

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const BIN = path.join(ROOT, 'bin', 'run.js')
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms))
const round = (n: number) => Math.round(n * 1000) / 1000


/** Resolves once the process has used less than one clock tick of CPU over `quietMs`. */
async function untilIdle(pid: number, quietMs = 100, pollMs = 20): Promise<void> {
  const samples: { at: number; cpu: number }[] = []
  for (;;) {
    const now = performance.now()
    samples.push({ at: now, cpu: cpuSeconds(pid) })
    while (samples.length > 1 && now - samples[1]!.at >= quietMs) samples.shift()
    const first = samples[0]!
    if (now - first.at >= quietMs && samples.at(-1)!.cpu - first.cpu < 0.01 + 1e-9) return
    await wait(pollMs)
  }
}

/** CLI processes still running: killed if the benchmark exits first (Ctrl-C, a failure). */
const running = new Set<ChildProcess>()
process.once('exit', () => {
  for (const proc of running) proc.kill('SIGKILL')
})

class Cli {
  private stderr = ''
  private constructor(readonly kind: Kind, readonly proc: ChildProcess) {
    running.add(proc)
    proc.once('exit', () => running.delete(proc))
    proc.stderr!.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-2000)))
  }

  static start(kind: 'json' | 'human', wsUrl: string, markets: number, runtimeDir: string): Cli {
    const devNull = openSync('/dev/null', 'w')
    try {
      const args = ['stream', ...benchTickers(markets), '--channels', 'ticker,trade,orderbook', '--env', 'sim', '--ws-url', `${wsUrl}?client=${kind}`, '--api-url', 'http://127.0.0.1:9/trade-api/v2']
      if (kind === 'json') args.push('--json')
      const env: NodeJS.ProcessEnv = { ...process.env, NEURAL_RUNTIME_DIR: runtimeDir, NO_COLOR: '1' }
      delete env.FORCE_COLOR
      // `--profile` (as for the rest of the benchmark): CPU profiles of both CLI processes in bench/profiles/.
      const nodeArgs = process.argv.includes('--profile') ? ['--cpu-prof', '--cpu-prof-dir', path.join(ROOT, 'bench', 'profiles'), '--cpu-prof-name', `stream-${kind}.cpuprofile`] : []
      return new Cli(kind, spawn(process.execPath, [...nodeArgs, BIN, ...args], { cwd: ROOT, stdio: ['ignore', devNull, 'pipe'], env }))
    } finally {
      closeSync(devNull)
    }
  }

  /** Messages the process says it has taken (its status file, rewritten every second), once subscribed; undefined before. */
  async messages(runtimeDir: string): Promise<number | undefined> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) throw new Error(`neural stream (${this.kind}) exited: ${this.stderr.trim()}`)
    return (await listProcesses({ dir: runtimeDir })).find((p) => p.pid === this.proc.pid)?.messages
  }

  async until(runtimeDir: string, atLeast: number, timeoutMs: number, what: string): Promise<void> {
    const deadline = performance.now() + timeoutMs
    for (;;) {
      const n = await this.messages(runtimeDir)
      if (n !== undefined && n >= atLeast) return
      if (performance.now() > deadline) throw new Error(`neural stream (${this.kind}): no ${what} within ${timeoutMs} ms (${n ?? 'no status'} messages); stderr: ${this.stderr.trim()}`)
      await wait(50)
    }
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return
    const exited = new Promise((r) => this.proc.once('exit', r))
    this.proc.kill('SIGINT')
    await Promise.race([exited, wait(5_000)])
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL')
  }
}

export async function streamOutputFigures(mode: 'quick' | 'full', runtimeDir: string, progress: (text: string) => void): Promise<StreamOutputFigures> {
  checkBuilt()
  const plan = STREAM_OUTPUT_PLAN[mode]
  const flood = Child.fork('flood-server.ts', ['--markets', String(plan.markets)], 'flood server (stream output)')
  const clis: Cli[] = []
  let bare: Child | undefined
  try {
    const { wsUrl } = await flood.next<Listening>('listening', 60_000)
    bare = Child.fork('client-bare.ts', ['--mode', 'stream', '--ws-url', `${wsUrl}?client=bare`, '--markets', String(plan.markets)], 'bare client (stream output)')
    const json = Cli.start('json', wsUrl, plan.markets, runtimeDir)
    const human = Cli.start('human', wsUrl, plan.markets, runtimeDir)
    clis.push(json, human)
    await bare.next('ready', 60_000)
    // The status file appears once the targets are subscribed.
    for (const cli of clis) await cli.until(runtimeDir, 0, 60_000, 'subscription')
    const pids: Record<Kind, number> = { bare: bare.proc.pid!, json: json.proc.pid!, human: human.proc.pid! }
    const sent: Record<Kind, number> = { bare: 0, json: 0, human: 0 }
    /** Frames per CPU-second of `kind` over `count` frames. */
    const measure = async (kind: Kind, count: number): Promise<number> => {
      await untilIdle(pids[kind])
      const before = cpuSeconds(pids[kind])
      flood.send({ cmd: 'flood', client: kind, count })
      await flood.next<Flooded>('flooded', 300_000)
      await untilIdle(pids[kind])
      const cpu = cpuSeconds(pids[kind]) - before
      sent[kind] += count
      return Math.round(count / cpu)
    }
    for (const kind of KINDS) await measure(kind, plan.warmup)
    const figures: Record<Kind, number[]> = { bare: [], json: [], human: [] }
    for (let i = 0; i < plan.runs; i++) {
      for (const kind of KINDS) figures[kind].push(await measure(kind, plan.messages))
      progress(`stream output run ${i + 1}: per CPU-second bare ws ${figures.bare[i]!.toLocaleString('en-US')}, stream --json ${figures.json[i]!.toLocaleString('en-US')}, human ${figures.human[i]!.toLocaleString('en-US')} frames`)
    }
    // Every frame reached each CLI (a client that reconnected would have missed some).
    for (const cli of clis) await cli.until(runtimeDir, sent[cli.kind], 10_000, `${sent[cli.kind]} messages`)
    const jsonPairRatios = figures.json.map((x, i) => x / figures.bare[i]!)
    const humanPairRatios = figures.human.map((x, i) => x / figures.bare[i]!)
    return {
      markets: plan.markets,
      messages: plan.messages,
      ...figures,
      jsonPairRatios: jsonPairRatios.map(round),
      humanPairRatios: humanPairRatios.map(round),
      jsonRatio: round(median(jsonPairRatios)),
      humanRatio: round(median(humanPairRatios)),
    }
  } finally {
    await Promise.all([...clis.map((c) => c.stop()), bare?.stop(), flood.stop()])
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'neural-bench-output-'))
  streamOutputFigures(process.argv.includes('--quick') ? 'quick' : 'full', dir, (text) => process.stderr.write(`bench: ${text}\n`))
    .then((figures) => process.stdout.write(JSON.stringify(figures, null, 2) + '\n'))
    .catch((error: unknown) => {
      process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`)
      process.exitCode = 1
    })
    .finally(() => rmSync(dir, { recursive: true, force: true }))
}
