/** The shape of bench/results.json, and the table printed from it. */
import type { LatencySummary } from './control.js'

import type { FanoutFigures } from './fanout.js'
import type { DashboardFigures } from './dashboard.js'
import type { StartupFigures } from './startup.js'
import { median } from './stats.js'
import type { StreamOutputFigures } from './stream-output.js'

/** The load averages say how much else ran on the machine: tail latencies on a 2-core box follow them. */
export interface Machine { cores: number; cpuModel: string; node: string; platform: string; totalMemoryMb: number; loadAverage1mAtStart: number; loadAverage1mAtEnd: number }

/** Frames per wall-clock second, and per CPU-second of the client process (steadier on a busy machine). */
export interface ThroughputSide { runsPerSec: number[]; medianPerSec: number; runsPerCpuSec: number[]; medianPerCpuSec: number }

export interface LatencySide extends LatencySummary {
  /** Frames per second the client handled over its window (first frame to last). */
  receivedPerSec: number
  complete: boolean
  /** Median of the last tenth minus median of the first tenth of the window. */
  growthMs: number
  /** A frame missing, or the lag over the bound (run.ts TARGET.maxLagMs) anywhere in the window. */
  backlogGrows: boolean
}

export interface LatencyRow {
  ratePerSec: number
  messages: number
  /** Rate the server actually achieved (its pacing has 1 ms steps). */
  sentPerSec: number
  neural: LatencySide
  bare: LatencySide
  /** Ours ÷ bare p99, the median over the pairs of windows (`p99Ratios`, when more than one ran). */
  p99Ratio?: number
  p99Ratios?: number[]
}

export interface MemoryFigures { idleRssMb: number; peakRssMb: number; maxRssMb: number; heapUsedMb: number; books: number; frames: number }
/** At the end of the window; `atCheckpoint`: the same after its first `memory.checkpoint` frames. */
export interface MemorySide extends MemoryFigures { atCheckpoint?: MemoryFigures }

export interface ConnectSide { runsMs: number[]; medianMs: number; medianConnectMs: number; medianSubscribeMs: number }

/**
 * The peer rows: pmxt-core's Kalshi client against ours on the same trade and orderbook frames (the
 * flood server with the legacy integer twins, which pmxt reads). `core`: our stream alone (books,
 * store, trades to a listener that does nothing), the like of pmxt's client; `neural`: the strategy
 * path with the three samples. `coreCpuRatios` / `cpuRatios`: ours ÷ pmxt's frames per CPU-second, per
 * round, and their medians. RSS: each client's high-water mark at the end.
 */
export interface PeerFigures {
  pmxtVersion: string
  messages: number
  markets: number
  core: ThroughputSide
  neural: ThroughputSide
  pmxt: ThroughputSide
  coreCpuRatios: number[]
  coreCpuRatio: number
  cpuRatios: number[]
  cpuRatio: number
  coreRssMb: number
  neuralRssMb: number
  pmxtRssMb: number
}

export interface Results {
  /**
   * Headline figures. `throughputRatio`: ours ÷ bare ws + Map (issue 18's baseline: it keeps each
   * market's latest message), frames per CPU-second, strategies in process; `parseOnlyThroughputRatio`:
   * ours ÷ the parse-only baseline, the stricter one; `isolatedThroughputRatio`: ours ÷ bare ws + Map
   * with the strategies in worker threads (as run-strategy runs them). RSS with 5,000 markets; p99 at 10k msgs/s; `versionMs` and `firstTickMs` wall
   * times of the built CLI (`--version`; `stream --env sim` to its first tick); `streamJsonRatio`,
   * `humanRatio`: `neural stream` to /dev/null ÷ bare ws, frames per CPU-second (see streamOutput);
   * `peerRatio`: our stream ÷ pmxt-core's Kalshi client on trade and orderbook frames, per CPU-second (see peer).
   */
  summary: { throughputRatio: number; parseOnlyThroughputRatio: number; isolatedThroughputRatio: number; peakRssMb: number; bareRssMb: number; p99Ms: number; bareP99Ms: number; connectMs: number; versionMs: number; firstTickMs: number; streamJsonRatio: number; humanRatio: number; peerRatio?: number }
  targets: Record<string, { target: string; value: number; met: boolean }>
  mode: 'quick' | 'full'
  date: string
  machine: Machine
  /**
   * `ratio` is the median of `pairRatios`, each ours ÷ bare ws + Map (`bareMap`) over runs back to
   * back; `cpuRatio` the same per CPU-second; `parseOnlyCpuRatio` per CPU-second against the
   * parse-only baseline (`bare`) of the same pairs.
   */
  throughput: { messages: number; markets: number; neural: ThroughputSide; bareMap: ThroughputSide; bare: ThroughputSide; pairRatios: number[]; ratio: number; cpuRatio: number; cpuRatios: number[]; parseOnlyCpuRatio: number; parseOnlyCpuRatios: number[] }
  /**
   * The same client with the three samples in worker threads, as run-strategy runs them;
   * `ratioToInProcess`: median of each run ÷ the in-process run before it; `cpuRatioToBare`: median
   * of each run's frames per CPU-second (the workers' CPU included) ÷ bare ws + Map's in its pair.
   */
  isolatedStrategies?: { neural: ThroughputSide; ratioToInProcess: number; pairRatios: number[]; cpuRatioToBare: number }
  peer?: PeerFigures
  latency: { markets: number; windowMs: number; rows: LatencyRow[] }
  /** `messages`: frames each client took before its RSS was read. */
  /** `neural`, `bare`: each kind's median run by peak RSS; `ratio`: the median of the runs' ours ÷ bare. */
  memory: { markets: number; messages: number; checkpoint: number; neural: MemorySide; bare: MemorySide; pairRatios?: number[]; ratio?: number; runs?: { neural: MemorySide[]; bare: MemorySide[] } }
  connect: { markets: number; runs: number; neural: ConnectSide; neuralNoBatchPause: ConnectSide; bare: ConnectSide }
  /** One publisher → N consumers over NATS (in one process: a lower bound on separate machines). */
  fanout: FanoutFigures | { skipped: string }
  /** `neural dashboard` with one reader ÷ `neural stream --json`, CPU-seconds per second against the same simulator. */
  dashboard?: DashboardFigures
  /** The built CLI, a fresh process per run: `--version` to exit (beside `node -e 0`), `stream --env sim` to its first ticker line. */
  startup?: StartupFigures
  /** The built `neural stream` (ticker, trade, orderbook) writing to /dev/null, --json and human, against bare ws on the same frames. */
  streamOutput?: StreamOutputFigures
}

const f = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a')
const k = (n: number) => `${Math.round(n / 1000).toLocaleString('en-US')}k`
const ok = (met: boolean) => (met ? 'ok' : 'MISSED')

/** A plain-text table: metric, ours, bare ws, target, verdict. */
export function renderTable(r: Results): string {
  const rows: string[][] = [['metric', 'neural', 'bare ws', 'target', '']]
  const t = r.targets
  const tp = r.throughput
  rows.push([`throughput, ${k(tp.messages)} msgs unpaced, per CPU-second of the client (msgs; bare: ws + Map)`, k(tp.neural.medianPerCpuSec), k(tp.bareMap.medianPerCpuSec), '≥ 70% of bare', `${Math.round(tp.cpuRatio * 100)}% ${ok(t.throughputRatio!.met)}`])
  rows.push(['  per wall-clock second (msgs/s)', k(tp.neural.medianPerSec), k(tp.bareMap.medianPerSec), '', `${Math.round(tp.ratio * 100)}%`])
  rows.push(['  against the parse-only baseline, per CPU-second (msgs)', k(tp.neural.medianPerCpuSec), k(tp.bare.medianPerCpuSec), '', `${Math.round(tp.parseOnlyCpuRatio * 100)}%`])
  if (r.isolatedStrategies) {
    const iso = r.isolatedStrategies
    rows.push(['  strategies in worker threads, per CPU-second (msgs)', k(iso.neural.medianPerCpuSec), '', '', `${Math.round(iso.cpuRatioToBare * 100)}% of bare`])
    rows.push(['  the same, per wall-clock second (msgs/s)', k(iso.neural.medianPerSec), '', '', `${Math.round(iso.ratioToInProcess * 100)}% of in-process`])
  }
  if (r.peer) {
    const p = r.peer
    rows.push([`peer, trade + orderbook frames, ${k(p.messages)} unpaced: our stream, per CPU-second (msgs; 2nd column: pmxt-core ${p.pmxtVersion})`, k(p.core.medianPerCpuSec), k(p.pmxt.medianPerCpuSec), '', `${f(p.coreCpuRatio)}× pmxt's`])
    rows.push(['  peak RSS at the end (MB; 2nd column: pmxt-core)', f(p.coreRssMb, 1), f(p.pmxtRssMb, 1), '', `${f(p.coreRssMb / p.pmxtRssMb)}× pmxt's`])
    rows.push(['  our strategy path (three samples) on the same frames, per CPU-second (msgs)', k(p.neural.medianPerCpuSec), k(p.pmxt.medianPerCpuSec), '', `${f(p.cpuRatio)}× pmxt's`])
    rows.push(['  its peak RSS at the end (MB)', f(p.neuralRssMb, 1), f(p.pmxtRssMb, 1), '', `${f(p.neuralRssMb / p.pmxtRssMb)}× pmxt's`])
  }
  for (const row of r.latency.rows) {
    const label = `latency @ ${k(row.ratePerSec)}/s p50 / p99 / p99.9 (ms)`
    const side = (s: LatencySide) => `${f(s.p50Ms)} / ${f(s.p99Ms)} / ${f(s.p999Ms)}`
    const target = row.ratePerSec === 10_000 ? 'p99 ≤ 1 ms, ≤ 1.5× bare' : ''
    rows.push([label, side(row.neural), side(row.bare), target, row.ratePerSec === 10_000 ? `${f(row.p99Ratio ?? row.neural.p99Ms / row.bare.p99Ms)}× ${ok(t.p99Ms!.met && t.p99VsBare!.met)}` : ''])
    const lag = (s: LatencySide) => `max ${f(s.maxMs)}, ${f(s.firstTenthP50Ms)} → ${f(s.lastTenthP50Ms)}${s.complete ? '' : ' (incomplete)'}`
    rows.push([`  lag max, median first → last tenth (ms), handled ${k(row.neural.receivedPerSec)}/s of ${k(row.sentPerSec)}/s`, lag(row.neural), lag(row.bare), row.ratePerSec === 50_000 ? 'max ≤ 50 ms' : '', row.ratePerSec === 50_000 ? ok(t.noBacklogAt50k!.met) : ''])
  }
  const m = r.memory
  rows.push([`peak RSS, ${m.markets.toLocaleString('en-US')} markets with books, after ${k(m.messages)} frames (MB)`, f(m.neural.maxRssMb, 1), f(m.bare.maxRssMb, 1), '≤ 1.25× bare', `${f(m.ratio ?? m.neural.maxRssMb / m.bare.maxRssMb)}× ${ok(t.peakRssMb!.met)}`])
  rows.push([`  after ${k(m.checkpoint)} frames (MB)`, f(m.neural.atCheckpoint?.maxRssMb ?? NaN, 1), f(m.bare.atCheckpoint?.maxRssMb ?? NaN, 1), 'flat after it', t.rssFlat ? ok(t.rssFlat.met) : ''])
  rows.push(['  RSS before connecting (MB)', f(m.neural.idleRssMb, 1), f(m.bare.idleRssMb, 1), '', ''])
  rows.push([`connect + auth + subscribe ${r.connect.markets} markets, to the last snapshot (ms, median)`, f(r.connect.neural.medianMs, 1), f(r.connect.bare.medianMs, 1), '≤ 150 ms', ok(t.connectMs!.met)])
  rows.push(['  of which key import + connect + signed handshake (ms)', f(r.connect.neural.medianConnectMs, 1), f(r.connect.bare.medianConnectMs, 1), '', ''])
  rows.push(['  same, batchPauseMs 0 (diagnostic)', f(r.connect.neuralNoBatchPause.medianMs, 1), '', '', ''])
  if ('skipped' in r.fanout) rows.push(['bus fan-out', `skipped: ${r.fanout.skipped}`, '', '', ''])
  else {
    const fo = r.fanout
    rows.push([`bus fan-out, 1 publisher → ${fo.consumers} consumers, ${k(fo.messages)} ticks (deliveries/s)`, k(fo.deliveredPerSec), '', '', fo.lost ? `${fo.lost} lost` : 'none lost'])
    rows.push(['  publisher → consumer handler p50 / p99 (ms)', `${f(fo.p50LatencyMs)} / ${f(fo.p99LatencyMs)}`, '', '', ''])
  }
  if (r.dashboard) {
    const d = r.dashboard
    rows.push([`dashboard ÷ stream --json CPU, sim at ${k(d.simRatePerSec)} updates/s`, f(d.ratio), '', '', `${Math.round(d.sseRecordsPerSec).toLocaleString('en-US')} records/s to the page`])
  }
  if (r.startup) {
    const s = r.startup
    rows.push(['neural --version, built CLI (ms, median; node -e 0 beside it)', f(s.version.medianMs, 0), `node ${f(s.node.medianMs, 0)}`, '≤ 350 ms', ok(t.versionMs!.met)])
    rows.push(["stream 'KXNFLGAME*' --env sim --json to its first tick (ms)", f(s.firstTick.medianMs, 0), '', '≤ 1,000 ms', ok(t.firstTickMs!.met)])
  }
  if (r.streamOutput) {
    const so = r.streamOutput
    const ratio = (x: number, met: boolean | undefined) => `${Math.round(x * 100)}%${met === undefined ? '' : ` ${ok(met)}`}`
    rows.push([`stream --json to /dev/null, ${k(so.messages)} frames (per CPU-second)`, k(median(so.json)), k(median(so.bare)), '≥ 55% of bare', ratio(so.jsonRatio, t.streamJsonRatio?.met)])
    rows.push(['stream, human output to /dev/null (per CPU-second)', k(median(so.human)), k(median(so.bare)), '≥ 30% of bare', ratio(so.humanRatio, t.humanRatio?.met)])
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)))
  const line = (row: string[]) => row.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()
  const out = [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)]
  const mc = r.machine
  out.push('', `${r.mode} run, ${r.date}, ${mc.cores} cores (${mc.cpuModel}), Node ${mc.node}, load average ${mc.loadAverage1mAtStart} → ${mc.loadAverage1mAtEnd}`)
  return out.join('\n')
}
