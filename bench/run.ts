/**
 * `npm run bench` (full, 6-8 minutes on 2 cores) or `npm run bench -- --quick` (about a minute).
 *
 * Every server and every client runs in a process of its own, on 127.0.0.1:
 *  1. throughput and latency: bench/flood-server.ts feeds our client (client-neural.ts: the whole
 *     user path up to the three sample strategies) and then, identically, the bare-ws baseline
 *     (client-bare.ts); both clients run under plain node, transpiled beforehand (plain.ts). The
 *     throughput pairs also run the baseline keeping each market's latest message in a Map, the
 *     one issue 18 states the strategy-path target against;
 *  1b. the peer row: pmxt-core's Kalshi client (client-pmxt.ts) and ours taking turns on trade and
 *     orderbook frames from a flood server of their own, with the legacy integer twins pmxt reads;
 *  2. peak RSS: a flood server with 5,000 markets, each client subscribed to all of them (ours with
 *     books kept) and fed enough frames that the store's per-market history is full; three fresh
 *     pairs of processes in a full run, medians;
 *  3. connect + signed handshake + subscribe 500 markets: against the simulator, which verifies the
 *     signature with the public key we hand it; a fresh client process per run, timed from before the
 *     key is imported to the last book snapshot;
 *  4. start-up of the built CLI (bench/startup.ts): `neural --version`, and `neural stream --env sim`
 *     to its first tick.
 * Prints a table and writes bench/results.json (a full run; committed) or bench/results.quick.json (--quick; not committed).
 * `--profile` runs our stream client under --cpu-prof (profiles in bench/profiles/; the peer row's in bench/profiles/peer/).
 */
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Child, killAllChildren, stopAllChildren } from './children.js'
import { median, medianBy } from './stats.js'
import { fanoutFigures } from './fanout.js'
import { dashboardFigures } from './dashboard.js'
import { startupFigures } from './startup.js'
import { STREAM_OUTPUT_TARGET, streamOutputFigures } from './stream-output.js'
import type { ClientReply, FloodReply } from './control.js'
import { renderTable, type ConnectSide, type LatencySide, type Machine, type MemorySide, type PeerFigures, type Results, type ThroughputSide } from './results.js'

const PMXT_VERSION = (JSON.parse(readFileSync(fileURLToPath(new URL('../node_modules/pmxt-core/package.json', import.meta.url)), 'utf8')) as { version: string }).version

type Counted = Extract<ClientReply, { type: 'counted' }>
type Flooded = Extract<FloodReply, { type: 'flooded' }>
type Listening = Extract<FloodReply, { type: 'listening' }>
type Memory = Extract<ClientReply, { type: 'memory' }>
type Connected = Extract<ClientReply, { type: 'connected' }>

const quick = process.argv.includes('--quick')
const profile = process.argv.includes('--profile')

const PLAN = quick
  ? { floodMarkets: 500, warmup: 50_000, throughputMessages: 200_000, throughputRuns: 2, latencyRates: [1_000, 10_000, 50_000], latencyWindowMs: 2_000, latencyRuns: 1, memoryMarkets: 5_000, memoryMessages: 500_000, memoryCheckpoint: 250_000, memoryRuns: 1, connectMarkets: 500, connectRuns: 3, fanoutConsumers: 4, fanoutMessages: 20_000, dashboardRuns: 1, dashboardWindowMs: 4_000, dashboardSimRate: 5_000, startupRuns: 3 }
  : { floodMarkets: 500, warmup: 100_000, throughputMessages: 1_000_000, throughputRuns: 3, latencyRates: [1_000, 10_000, 50_000], latencyWindowMs: 10_000, latencyRuns: 3, memoryMarkets: 5_000, memoryMessages: 3_000_000, memoryCheckpoint: 1_000_000, memoryRuns: 3, connectMarkets: 500, connectRuns: 5, fanoutConsumers: 4, fanoutMessages: 100_000, dashboardRuns: 3, dashboardWindowMs: 10_000, dashboardSimRate: 5_000, startupRuns: 5 }

/**
 * Issue 18's targets: throughput per CPU-second of the client (steadier than per wall-clock second
 * on a shared machine); p99 and peak RSS also against the baseline in the same run; no backlog at
 * 50k/s means the lag stays under `maxLagMs` over the whole window; RSS is flat when the peak after
 * the checkpoint is within `rssGrowth` of the peak at it.
 */
const TARGET = { throughputRatio: 0.7, p99Ms: 1, p99VsBare: 1.5, peakRssVsBare: 1.25, rssGrowth: 1.05, connectMs: 150, maxLagMs: 50, versionMs: 350, firstTickMs: 1000 }
const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url))

const progress = (text: string) => process.stderr.write(`bench: ${text}\n`)

function machine(loadAtStart: number): Machine {
  const cpus = os.cpus()
  const load = (n: number) => Math.round(n * 100) / 100
  return {
    cores: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    totalMemoryMb: Math.round(os.totalmem() / 1024 / 1024),
    loadAverage1mAtStart: load(loadAtStart),
    loadAverage1mAtEnd: load(os.loadavg()[0]!),
  }
}

type Kind = 'neural' | 'bare'
const KINDS: Kind[] = ['neural', 'bare']

/** Arm the client for `count` frames, then have the server send them to it (unpaced, or at `ratePerSec`). */
async function measure(kind: Kind | 'isolated' | 'bare-map' | 'pmxt' | 'core', client: Child, server: Child, count: number, ratePerSec: number | undefined, latency: boolean): Promise<{ counted: Counted; flooded: Flooded }> {
  const windowMs = ratePerSec ? (count * 1000) / ratePerSec : 0
  client.send({ cmd: 'expect', count, latency, timeoutMs: windowMs + 120_000 })
  await client.next('armed', 10_000)
  // Clients that count nothing per frame learn from an end frame that the window is over.
  server.send({ cmd: 'flood', client: kind, count, ratePerSec, end: kind === 'bare' || kind === 'bare-map' || kind === 'pmxt' })
  const [flooded, counted] = await Promise.all([server.next<Flooded>('flooded', windowMs + 120_000), client.next<Counted>('counted', windowMs + 125_000)])
  return { counted, flooded }
}

/** A client's throughput runs, per wall-clock second and per CPU-second, with their medians. */
function throughputSide(perSec: number[], perCpuSec: number[]): ThroughputSide {
  return { runsPerSec: perSec, medianPerSec: median(perSec), runsPerCpuSec: perCpuSec, medianPerCpuSec: median(perCpuSec) }
}

/** The client's RSS figures, asked for over IPC (without the message's type). */
async function memoryOf(client: Child): Promise<Omit<Memory, 'type'>> {
  client.send({ cmd: 'memory' })
  const { type: _type, ...figures } = await client.next<Memory>('memory', 10_000)
  return figures
}

function latencySide(c: Counted): LatencySide {
  const l = c.latency!
  const growthMs = l.lastTenthP50Ms - l.firstTenthP50Ms
  return { ...l, receivedPerSec: c.perSec, complete: c.complete, growthMs, backlogGrows: !c.complete || l.maxMs > TARGET.maxLagMs }
}

interface LatencyFigures { side: LatencySide; sentPerSec: number; messages: number }
interface StreamFigures {
  throughput: Record<Kind, ThroughputSide> & { bareMap: ThroughputSide }
  pairRatios: number[]
  /** Ours ÷ the baseline that keeps each market's latest message in a Map (issue 18's), per CPU-second, per pair. */
  cpuRatios: number[]
  /** Ours ÷ the parse-only baseline, per CPU-second, per pair. */
  parseOnlyCpuRatios: number[]
  latency: Map<number, Record<Kind, LatencyFigures> & { p99Ratios: number[] }>
  isolated: IsolatedFigures
}

/** The same client with the samples in worker threads (as run-strategy runs them), run right after each in-process run. */
interface IsolatedFigures { side: ThroughputSide; pairRatios: number[]; cpuRatiosToBare: number[] }

/**
 * Both clients connect to the flood server and take turns: warm-up, then throughput runs in pairs
 * (ours, then the baseline, back to back), then each latency window for one and then the other.
 * Taking turns keeps the comparison fair on a machine whose load drifts.
 */
async function streamFigures(server: Child, wsUrl: string): Promise<StreamFigures> {
  const clients = {} as Record<Kind, Child>
  for (const kind of KINDS) {
    const nodeArgs = kind === 'neural' && profile ? ['--cpu-prof', '--cpu-prof-dir', path.join(BENCH_DIR, 'profiles')] : []
    clients[kind] = Child.fork(`client-${kind}.ts`, ['--mode', 'stream', '--ws-url', `${wsUrl}?client=${kind}`, '--markets', String(PLAN.floodMarkets)], `${kind} client`, nodeArgs, true)
  }
  const isolated = Child.fork('client-neural.ts', ['--mode', 'stream', '--ws-url', `${wsUrl}?client=isolated`, '--markets', String(PLAN.floodMarkets), '--isolated'], 'neural client (isolated strategies)', [], true)
  // The throughput target's baseline (issue 18: "ws + JSON.parse + Map"), in the throughput pairs only.
  const bareMap = Child.fork('client-bare.ts', ['--mode', 'stream', '--ws-url', `${wsUrl}?client=bare-map`, '--markets', String(PLAN.floodMarkets), '--keep-latest'], 'bare ws + Map client', [], true)
  const isolatedRuns: number[] = []
  const isolatedCpuRuns: number[] = []
  /** Per CPU-second (all threads, so the workers too) against the Map baseline's run of the same round. */
  const isolatedCpuRatios: number[] = []
  try {
    for (const kind of KINDS) await clients[kind].next('ready', 60_000)
    await isolated.next('ready', 60_000)
    await bareMap.next('ready', 60_000)
    for (const kind of KINDS) await measure(kind, clients[kind], server, PLAN.warmup, undefined, false)
    await measure('bare-map', bareMap, server, PLAN.warmup, undefined, false)
    await measure('isolated', isolated, server, PLAN.warmup, undefined, false)
    const runs: Record<Kind, number[]> = { neural: [], bare: [] }
    const cpuRuns: Record<Kind, number[]> = { neural: [], bare: [] }
    const bareMapRuns: number[] = []
    const bareMapCpuRuns: number[] = []
    const pairRatios: number[] = []
    const cpuRatios: number[] = []
    const parseOnlyCpuRatios: number[] = []
    for (let i = 0; i < PLAN.throughputRuns; i++) {
      for (const kind of KINDS) {
        const { counted } = await measure(kind, clients[kind], server, PLAN.throughputMessages, undefined, false)
        if (!counted.complete) throw new Error(`${kind}: only ${counted.received} of ${PLAN.throughputMessages} frames arrived`)
        runs[kind].push(counted.perSec)
        cpuRuns[kind].push(counted.perCpuSec)
      }
      const kept = await measure('bare-map', bareMap, server, PLAN.throughputMessages, undefined, false)
      if (!kept.counted.complete) throw new Error(`bare-map: only ${kept.counted.received} of ${PLAN.throughputMessages} frames arrived`)
      bareMapRuns.push(kept.counted.perSec)
      bareMapCpuRuns.push(kept.counted.perCpuSec)
      const iso = await measure('isolated', isolated, server, PLAN.throughputMessages, undefined, false)
      if (!iso.counted.complete) throw new Error(`isolated: only ${iso.counted.received} of ${PLAN.throughputMessages} frames arrived`)
      isolatedRuns.push(iso.counted.perSec)
      isolatedCpuRuns.push(iso.counted.perCpuSec)
      isolatedCpuRatios.push(iso.counted.perCpuSec / kept.counted.perCpuSec)
      progress(`throughput run ${i + 1}: neural with strategies in worker threads ${iso.counted.perSec.toLocaleString('en-US')} msgs/s (${iso.counted.perCpuSec.toLocaleString('en-US')} per CPU-s)`)
      pairRatios.push(runs.neural[i]! / kept.counted.perSec)
      cpuRatios.push(cpuRuns.neural[i]! / kept.counted.perCpuSec)
      parseOnlyCpuRatios.push(cpuRuns.neural[i]! / cpuRuns.bare[i]!)
      progress(`throughput run ${i + 1}: neural ${runs.neural[i]!.toLocaleString('en-US')} msgs/s (${cpuRuns.neural[i]!.toLocaleString('en-US')} per CPU-s), bare ws + Map ${kept.counted.perSec.toLocaleString('en-US')} msgs/s (${kept.counted.perCpuSec.toLocaleString('en-US')} per CPU-s), bare ws parse-only ${runs.bare[i]!.toLocaleString('en-US')} msgs/s (${cpuRuns.bare[i]!.toLocaleString('en-US')} per CPU-s)`)
    }
    const latency: StreamFigures['latency'] = new Map()
    for (const rate of PLAN.latencyRates) {
      const messages = Math.round((rate * PLAN.latencyWindowMs) / 1000)
      // The p99 target's rate gets `latencyRuns` pairs of windows: a p99 over seconds moves with
      // whatever else the machine does, so one window each could not settle a 1.5× target.
      const pairs = rate === 10_000 ? PLAN.latencyRuns : 1
      const windows: Record<Kind, LatencyFigures[]> = { neural: [], bare: [] }
      for (let i = 0; i < pairs; i++) {
        for (const kind of KINDS) {
          const { counted, flooded } = await measure(kind, clients[kind], server, messages, rate, true)
          const figures = { side: latencySide(counted), sentPerSec: flooded.achievedPerSec, messages }
          windows[kind].push(figures)
          const l = figures.side
          progress(`${kind} latency @ ${rate}/s${pairs > 1 ? ` (${i + 1} of ${pairs})` : ''}: p50 ${l.p50Ms.toFixed(3)} p99 ${l.p99Ms.toFixed(3)} p99.9 ${l.p999Ms.toFixed(3)} ms`)
        }
      }
      const p99Ratios = windows.neural.map((n, i) => n.side.p99Ms / windows.bare[i]!.side.p99Ms)
      latency.set(rate, { neural: medianBy(windows.neural, (w) => w.side.p99Ms), bare: medianBy(windows.bare, (w) => w.side.p99Ms), p99Ratios })
    }
    const side = (kind: Kind) => throughputSide(runs[kind], cpuRuns[kind])
    const isolatedSide = throughputSide(isolatedRuns, isolatedCpuRuns)
    return {
      throughput: { neural: side('neural'), bare: side('bare'), bareMap: throughputSide(bareMapRuns, bareMapCpuRuns) },
      pairRatios,
      cpuRatios,
      parseOnlyCpuRatios,
      latency,
      isolated: { side: isolatedSide, pairRatios: isolatedRuns.map((x, i) => x / runs.neural[i]!), cpuRatiosToBare: isolatedCpuRatios },
    }
  } finally {
    await Promise.all([...KINDS.map((k) => clients[k].stop()), isolated.stop(), bareMap.stop()])
  }
}

/**
 * The peer rows: pmxt-core's Kalshi client and ours take turns on the same trade and orderbook frames
 * (a flood server of their own, with the legacy twins pmxt reads), `throughputRuns` rounds after a
 * warm-up, per CPU-second; then each one's peak RSS. Ours twice: the stream alone (books, store,
 * trades to a listener that does nothing), the like of pmxt's client, which runs no user code; and
 * the whole strategy path with the three samples.
 */
async function peerFigures(server: Child, wsUrl: string): Promise<PeerFigures> {
  const nodeArgs = profile ? ['--cpu-prof', '--cpu-prof-dir', path.join(BENCH_DIR, 'profiles', 'peer')] : []
  const base = ['--mode', 'stream', '--markets', String(PLAN.floodMarkets), '--channels', 'trade,orderbook']
  const clients = {
    core: Child.fork('client-neural.ts', [...base, '--ws-url', `${wsUrl}?client=core`, '--no-strategies'], 'neural stream client (peer)', nodeArgs, true),
    neural: Child.fork('client-neural.ts', [...base, '--ws-url', `${wsUrl}?client=neural`], 'neural client (peer)', [], true),
    pmxt: Child.fork('client-pmxt.ts', ['--mode', 'stream', '--ws-url', `${wsUrl}?client=pmxt`, '--markets', String(PLAN.floodMarkets)], 'pmxt-core client', [], true),
  }
  const kinds = ['core', 'neural', 'pmxt'] as const
  try {
    for (const kind of kinds) await clients[kind].next('ready', 120_000)
    for (const kind of kinds) await measure(kind, clients[kind], server, PLAN.warmup, undefined, false)
    const runs = { core: [] as Counted[], neural: [] as Counted[], pmxt: [] as Counted[] }
    for (let i = 0; i < PLAN.throughputRuns; i++) {
      for (const kind of kinds) {
        const { counted } = await measure(kind, clients[kind], server, PLAN.throughputMessages, undefined, false)
        if (!counted.complete) throw new Error(`${kind} (peer): only ${counted.received} of ${PLAN.throughputMessages} frames arrived`)
        runs[kind].push(counted)
      }
      progress(`peer run ${i + 1}: per CPU-s neural stream ${runs.core[i]!.perCpuSec.toLocaleString('en-US')}, neural with the samples ${runs.neural[i]!.perCpuSec.toLocaleString('en-US')}, pmxt-core ${runs.pmxt[i]!.perCpuSec.toLocaleString('en-US')}`)
    }
    const rss = async (client: Child) => (await memoryOf(client)).maxRssMb
    const side = (c: Counted[]) => throughputSide(c.map((x) => x.perSec), c.map((x) => x.perCpuSec))
    const ratios = (ours: Counted[]) => ours.map((n, i) => Math.round((n.perCpuSec / runs.pmxt[i]!.perCpuSec) * 1000) / 1000)
    const coreCpuRatios = ratios(runs.core)
    const cpuRatios = ratios(runs.neural)
    return {
      pmxtVersion: PMXT_VERSION, messages: PLAN.throughputMessages, markets: PLAN.floodMarkets,
      core: side(runs.core), neural: side(runs.neural), pmxt: side(runs.pmxt),
      coreCpuRatios, coreCpuRatio: median(coreCpuRatios), cpuRatios, cpuRatio: median(cpuRatios),
      coreRssMb: await rss(clients.core), neuralRssMb: await rss(clients.neural), pmxtRssMb: await rss(clients.pmxt),
    }
  } finally {
    await Promise.all(kinds.map((k) => clients[k].stop()))
  }
}

/**
 * Peak RSS with every benchmark market subscribed and its book kept: each client in turn takes
 * `memoryMessages` frames unpaced (enough, in a full run, for every market's bounded history in the
 * store to fill), reporting its RSS after the first `memoryCheckpoint` of them and at the end. A
 * fresh pair of processes per run, `memoryRuns` runs: RSS at start-up alone moves by a few MB from
 * one process to the next (measured 58-63 MB for the same client), so one run could not settle a 1.25× target.
 */
async function memoryFigures(server: Child, wsUrl: string): Promise<MemoryFigures> {
  const runs: Record<Kind, MemorySide[]> = { neural: [], bare: [] }
  for (let run = 0; run < PLAN.memoryRuns; run++) {
    for (const kind of KINDS) {
      const client = Child.fork(`client-${kind}.ts`, ['--mode', 'stream', '--ws-url', `${wsUrl}?client=${kind}`, '--markets', String(PLAN.memoryMarkets)], `${kind} memory client`, [], true)
      try {
        await client.next('ready', 120_000)
        const first = await measure(kind, client, server, PLAN.memoryCheckpoint, undefined, false)
        const atCheckpoint = await memoryOf(client)
        const { counted } = await measure(kind, client, server, PLAN.memoryMessages - PLAN.memoryCheckpoint, undefined, false)
        const side = await memoryOf(client)
        runs[kind].push({ ...side, atCheckpoint })
        progress(`memory run ${run + 1}, ${kind}: peak RSS ${atCheckpoint.maxRssMb} MB after ${first.counted.received.toLocaleString('en-US')} frames, ${side.maxRssMb} MB after ${(first.counted.received + counted.received).toLocaleString('en-US')} with ${PLAN.memoryMarkets} markets (${counted.perSec.toLocaleString('en-US')}/s)`)
      } finally {
        await client.stop()
      }
    }
  }
  // Each kind's median run by peak RSS stands for it; the ratio is the median of the runs' pair ratios.
  const pairRatios = runs.neural.map((n, i) => n.maxRssMb / runs.bare[i]!.maxRssMb)
  const growths = runs.neural.map((n) => n.maxRssMb / n.atCheckpoint!.maxRssMb)
  return { neural: medianBy(runs.neural, (r) => r.maxRssMb), bare: medianBy(runs.bare, (r) => r.maxRssMb), pairRatios, ratio: median(pairRatios), growth: median(growths), runs }
}

/** The memory phase: the median runs, every run, and the medians of the per-run ratios. */
interface MemoryFigures { neural: MemorySide; bare: MemorySide; pairRatios: number[]; ratio: number; growth: number; runs: Record<Kind, MemorySide[]> }

async function connectFigures(kind: 'neural' | 'bare', wsUrl: string, keyFile: string, extra: string[] = []): Promise<ConnectSide> {
  const runs: Connected[] = []
  for (let i = 0; i < PLAN.connectRuns; i++) {
    const client = Child.fork(`client-${kind}.ts`, ['--mode', 'connect', '--ws-url', wsUrl, '--markets', String(PLAN.connectMarkets), '--key-file', keyFile, ...extra], `${kind} connect client`, [], true)
    try {
      runs.push(await client.next<Connected>('connected', 60_000))
    } finally {
      await client.stop()
    }
  }
  const side = { runsMs: runs.map((r) => r.totalMs), medianMs: median(runs.map((r) => r.totalMs)), medianConnectMs: median(runs.map((r) => r.connectMs)), medianSubscribeMs: median(runs.map((r) => r.subscribeMs)) }
  progress(`${kind}${extra.length ? ' ' + extra.join(' ') : ''} connect+subscribe ${side.medianMs.toFixed(1)} ms median`)
  return side
}

async function main(): Promise<void> {
  const started = Date.now()
  const loadAtStart = os.loadavg()[0]!
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'neural-bench-'))
  try {
    // A throwaway key pair: the sim verifies the client's signatures against the public half.
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const publicFile = path.join(tmp, 'bench.pub.pem')
    const privateFile = path.join(tmp, 'bench.key.pem')
    writeFileSync(publicFile, publicKey.export({ type: 'spki', format: 'pem' }))
    writeFileSync(privateFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 })

    // First, while nothing of the benchmark's own is running: each figure is one fresh process.
    progress(`${quick ? 'quick' : 'full'} run; start-up of the built CLI, ${PLAN.startupRuns} runs each`)
    const startup = await startupFigures({ runs: PLAN.startupRuns, runtimeDir: tmp, profileDir: profile ? path.join(BENCH_DIR, 'profiles') : undefined })
    progress(`neural --version ${startup.version.medianMs} ms (node -e 0: ${startup.node.medianMs} ms), stream --env sim to its first tick ${startup.firstTick.medianMs} ms`)

    progress(`flood server with ${PLAN.floodMarkets} markets`)
    const flood = Child.fork('flood-server.ts', ['--markets', String(PLAN.floodMarkets)], 'flood server')
    const listening = await flood.next<Listening>('listening', 60_000)
    const stream = await streamFigures(flood, listening.wsUrl)
    await flood.stop()

    progress(`flood server with ${PLAN.floodMarkets} markets, trade and orderbook frames with the legacy integers, for the pmxt-core peer row`)
    const peerFlood = Child.fork('flood-server.ts', ['--markets', String(PLAN.floodMarkets), '--legacy-wire'], 'flood server (peer)')
    const peerListening = await peerFlood.next<Listening>('listening', 60_000)
    const peer = await peerFigures(peerFlood, peerListening.wsUrl)
    await peerFlood.stop()

    progress(`flood server with ${PLAN.memoryMarkets} markets`)
    const bigFlood = Child.fork('flood-server.ts', ['--markets', String(PLAN.memoryMarkets)], 'flood server (memory)')
    const bigListening = await bigFlood.next<Listening>('listening', 60_000)
    const memory = await memoryFigures(bigFlood, bigListening.wsUrl)
    await bigFlood.stop()

    progress(`simulator with ${PLAN.connectMarkets} markets for connect + subscribe`)
    const small = await Child.spawnJson<{ wsUrl: string }>('sim-server.ts', ['--markets', String(PLAN.connectMarkets), '--public-key', publicFile], 'simulator (connect)')
    const conNeural = await connectFigures('neural', small.info.wsUrl, privateFile)
    const conNoPause = await connectFigures('neural', small.info.wsUrl, privateFile, ['--batch-pause-ms', '0'])
    const conBare = await connectFigures('bare', small.info.wsUrl, privateFile)
    await small.child.stop()

    progress(`bus fan-out: one publisher, ${PLAN.fanoutConsumers} consumers, ${PLAN.fanoutMessages.toLocaleString('en-US')} ticks`)
    const fanout = await fanoutFigures(PLAN.fanoutConsumers, PLAN.fanoutMessages)

    progress(`dashboard vs stream --json: the simulator at ${PLAN.dashboardSimRate.toLocaleString('en-US')} updates/s, ${PLAN.dashboardRuns} pair(s)`)
    const dashboard = await dashboardFigures({ runs: PLAN.dashboardRuns, windowMs: PLAN.dashboardWindowMs, simRatePerSec: PLAN.dashboardSimRate, runtimeDir: tmp })
    progress(`dashboard ${dashboard.ratio}× the CPU of stream --json (pairs ${dashboard.pairRatios.join(', ')}), ${dashboard.sseRecordsPerSec} records/s to the browser`)

    progress('stream output: neural stream --json and human output to /dev/null against bare ws, per CPU-second')
    const streamOutput = await streamOutputFigures(quick ? 'quick' : 'full', tmp, progress)

    const round = (n: number, d = 3) => Math.round(n * 10 ** d) / 10 ** d
    // The median of back-to-back pairs: each ratio compares two runs under the same machine load.
    const ratio = median(stream.pairRatios)
    const cpuRatio = median(stream.cpuRatios)
    const parseOnlyCpuRatio = median(stream.parseOnlyCpuRatios)
    const isolatedCpuRatio = median(stream.isolated.cpuRatiosToBare)
    const rssRatio = memory.ratio
    const rssGrowth = memory.growth
    const rows = PLAN.latencyRates.map((rate) => {
      const { neural: n, bare: b, p99Ratios } = stream.latency.get(rate)!
      return { ratePerSec: rate, messages: n.messages, sentPerSec: n.sentPerSec, neural: n.side, bare: b.side, ...(p99Ratios.length > 1 ? { p99Ratios: p99Ratios.map((x) => round(x)) } : {}), p99Ratio: round(median(p99Ratios)) }
    })
    const at10k = rows.find((r) => r.ratePerSec === 10_000)!
    const at50k = rows.find((r) => r.ratePerSec === 50_000)!
    const results: Results = {
      summary: {
        throughputRatio: round(cpuRatio),
        parseOnlyThroughputRatio: round(parseOnlyCpuRatio),
        isolatedThroughputRatio: round(isolatedCpuRatio),
        peakRssMb: memory.neural.maxRssMb,
        bareRssMb: memory.bare.maxRssMb,
        p99Ms: round(at10k.neural.p99Ms),
        bareP99Ms: round(at10k.bare.p99Ms),
        connectMs: round(conNeural.medianMs, 1),
        versionMs: startup.version.medianMs,
        firstTickMs: startup.firstTick.medianMs,
        streamJsonRatio: streamOutput.jsonRatio,
        humanRatio: streamOutput.humanRatio,
        peerRatio: round(peer.coreCpuRatio),
      },
      targets: {
        throughputRatio: { target: `≥ ${TARGET.throughputRatio} of bare ws + Map per CPU-second`, value: round(cpuRatio), met: cpuRatio >= TARGET.throughputRatio },
        p99Ms: { target: `p99 ≤ ${TARGET.p99Ms} ms at 10k msgs/s`, value: round(at10k.neural.p99Ms), met: at10k.neural.p99Ms <= TARGET.p99Ms },
        p99VsBare: { target: `p99 ≤ ${TARGET.p99VsBare}× bare ws's at 10k msgs/s`, value: round(at10k.p99Ratio), met: at10k.p99Ratio <= TARGET.p99VsBare },
        noBacklogAt50k: { target: `every frame handled, lag ≤ ${TARGET.maxLagMs} ms over the whole 50k msgs/s window`, value: round(at50k.neural.maxMs), met: !at50k.neural.backlogGrows },
        peakRssMb: { target: `≤ ${TARGET.peakRssVsBare}× bare ws's with ${PLAN.memoryMarkets} markets`, value: round(rssRatio), met: rssRatio <= TARGET.peakRssVsBare },
        rssFlat: { target: `peak RSS after ${PLAN.memoryMessages.toLocaleString('en-US')} frames ≤ ${TARGET.rssGrowth}× the peak after ${PLAN.memoryCheckpoint.toLocaleString('en-US')}`, value: round(rssGrowth), met: rssGrowth <= TARGET.rssGrowth },
        connectMs: { target: `≤ ${TARGET.connectMs} ms for ${PLAN.connectMarkets} markets`, value: round(conNeural.medianMs, 1), met: conNeural.medianMs <= TARGET.connectMs },
        versionMs: { target: `neural --version ≤ ${TARGET.versionMs} ms`, value: startup.version.medianMs, met: startup.version.medianMs <= TARGET.versionMs },
        firstTickMs: { target: `stream --env sim to its first tick ≤ ${TARGET.firstTickMs} ms`, value: startup.firstTick.medianMs, met: startup.firstTick.medianMs <= TARGET.firstTickMs },
        streamJsonRatio: { target: `≥ ${STREAM_OUTPUT_TARGET.streamJsonRatio} of bare ws per CPU-second`, value: streamOutput.jsonRatio, met: streamOutput.jsonRatio >= STREAM_OUTPUT_TARGET.streamJsonRatio },
        humanRatio: { target: `≥ ${STREAM_OUTPUT_TARGET.humanRatio} of bare ws per CPU-second`, value: streamOutput.humanRatio, met: streamOutput.humanRatio >= STREAM_OUTPUT_TARGET.humanRatio },
      },
      mode: quick ? 'quick' : 'full',
      date: new Date().toISOString(),
      machine: machine(loadAtStart),
      throughput: {
        messages: PLAN.throughputMessages, markets: PLAN.floodMarkets, neural: stream.throughput.neural, bareMap: stream.throughput.bareMap, bare: stream.throughput.bare,
        pairRatios: stream.pairRatios.map((x) => round(x)), ratio: round(ratio), cpuRatio: round(cpuRatio), cpuRatios: stream.cpuRatios.map((x) => round(x)),
        parseOnlyCpuRatio: round(parseOnlyCpuRatio), parseOnlyCpuRatios: stream.parseOnlyCpuRatios.map((x) => round(x)),
      },
      peer: { ...peer, coreCpuRatio: round(peer.coreCpuRatio), cpuRatio: round(peer.cpuRatio) },
      isolatedStrategies: { neural: stream.isolated.side, ratioToInProcess: round(median(stream.isolated.pairRatios)), pairRatios: stream.isolated.pairRatios.map((x) => round(x)), cpuRatioToBare: round(isolatedCpuRatio) },
      latency: { markets: PLAN.floodMarkets, windowMs: PLAN.latencyWindowMs, rows },
      memory: { markets: PLAN.memoryMarkets, messages: PLAN.memoryMessages, checkpoint: PLAN.memoryCheckpoint, neural: memory.neural, bare: memory.bare, pairRatios: memory.pairRatios.map((x) => round(x)), ratio: round(rssRatio), runs: memory.runs },
      connect: { markets: PLAN.connectMarkets, runs: PLAN.connectRuns, neural: conNeural, neuralNoBatchPause: conNoPause, bare: conBare },
      fanout,
      dashboard,
      startup,
      streamOutput,
    }
    // A quick run never overwrites the committed full run.
    const file = path.join(BENCH_DIR, quick ? 'results.quick.json' : 'results.json')
    writeFileSync(file, JSON.stringify(results, null, 2) + '\n')
    process.stdout.write(renderTable(results) + '\n')
    progress(`wrote ${path.relative(process.cwd(), file)} in ${Math.round((Date.now() - started) / 1000)} s`)
  } finally {
    await stopAllChildren()
    rmSync(tmp, { recursive: true, force: true })
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAllChildren()
    process.exit(130)
  })
}
process.once('exit', killAllChildren)

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`)
  killAllChildren()
  process.exit(1)
})
