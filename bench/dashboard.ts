/**
 * The dashboard's cost: `neural dashboard` with one browser-like reader on /events against
 * `neural stream --json` (to /dev/null), both built binaries, each alone against the same simulator
 * in a process of its own, over the same channels, in alternating runs. The figure is CPU-seconds per
 * wall second of the dashboard process over that of the stream process, in each back-to-back pair.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { Child } from './children.js'
import { median } from './stats.js'

export interface DashboardFigures {
  simRatePerSec: number
  windowMs: number
  /** CPU-seconds per second, per run. */
  stream: number[]
  dashboard: number[]
  /** dashboard ÷ stream, per back-to-back pair; the median is the figure. */
  pairRatios: number[]
  ratio: number
  /** Data records the reader received per second (median). */
  sseRecordsPerSec: number
}

const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const CHANNELS = 'ticker,trade,orderbook,lifecycle'
const TICKS_PER_SEC = 100 // USER_HZ on Linux

/** CPU-seconds (user + system) the process `pid` has used so far, from /proc (10 ms steps). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SEC
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms))

function start(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'ignore'], env: { ...env, NO_COLOR: '1' } })
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  const exited = new Promise((r) => child.once('exit', r))
  child.kill('SIGINT')
  await Promise.race([exited, wait(10_000)])
  if (child.exitCode === null) child.kill('SIGKILL')
}

/** CPU-seconds per second of `child` over `windowMs`, after `warmupMs` of running. */
async function measure(child: ChildProcess, warmupMs: number, windowMs: number): Promise<number> {
  await wait(warmupMs)
  const t0 = performance.now()
  const c0 = cpuSeconds(child.pid!)
  await wait(windowMs)
  const c1 = cpuSeconds(child.pid!)
  return (c1 - c0) / ((performance.now() - t0) / 1000)
}

export async function dashboardFigures(options: { runs: number; windowMs: number; simRatePerSec: number; runtimeDir: string }): Promise<DashboardFigures> {
  const sim = await Child.spawnJson<{ apiUrl: string; wsUrl: string }>('sim-server.ts', ['--markets', '0', '--rate', String(options.simRatePerSec)], 'simulator (dashboard)')
  const env = { ...process.env, NEURAL_RUNTIME_DIR: options.runtimeDir }
  const common = ['KXNFLGAME*', '--ws-url', sim.info.wsUrl, '--api-url', sim.info.apiUrl, '--json']
  const stream: number[] = []
  const dashboard: number[] = []
  const rates: number[] = []
  const warmupMs = 3000
  try {
    for (let i = 0; i < options.runs; i++) {
      const s = start(['stream', ...common, '--channels', CHANNELS], env)
      s.stdout!.resume()
      stream.push(await measure(s, warmupMs, options.windowMs))
      await stop(s)

      const d = start(['dashboard', ...common], env)
      const url = await new Promise<string>((resolve, reject) => {
        const lines = createInterface({ input: d.stdout! })
        lines.once('line', (line) => resolve((JSON.parse(line) as { url: string }).url))
        d.once('exit', () => reject(new Error('neural dashboard exited before it printed its URL')))
      })
      d.stdout!.resume()
      const reader = new AbortController()
      let records = 0
      let counting = false
      const res = await fetch(new URL(`/events${new URL(url).search}`, url), { signal: reader.signal })
      void (async () => {
        try {
          for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
            if (!counting) continue
            // Each record is one "data: " line; counting the prefix is enough for a rate.
            const text = Buffer.from(chunk).toString('latin1')
            for (let at = text.indexOf('data: '); at !== -1; at = text.indexOf('data: ', at + 6)) records++
          }
        } catch {
          // aborted below
        }
      })()
      await wait(warmupMs)
      counting = true
      const t0 = performance.now()
      const c0 = cpuSeconds(d.pid!)
      await wait(options.windowMs)
      const seconds = (performance.now() - t0) / 1000
      dashboard.push((cpuSeconds(d.pid!) - c0) / seconds)
      rates.push(records / seconds)
      reader.abort()
      await stop(d)
    }
  } finally {
    await sim.child.stop()
  }
  const round = (n: number) => Math.round(n * 1000) / 1000
  const pairRatios = stream.map((s, i) => dashboard[i]! / s)
  return {
    simRatePerSec: options.simRatePerSec,
    windowMs: options.windowMs,
    stream: stream.map(round),
    dashboard: dashboard.map(round),
    pairRatios: pairRatios.map(round),
    ratio: round(median(pairRatios)),
    sseRecordsPerSec: Math.round(median(rates)),
  }
}
