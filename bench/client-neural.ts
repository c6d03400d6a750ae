/**
 * Our client, in its own process: the whole user path, socket → parse → normalise → market store
 * and order books (MarketStream) → StrategyEngine running the three sample strategies → a hook that
 * discards every signal. Forked by run.ts; reports over IPC. Run by plain node, this file transpiled
 * and neural's own modules taken from the build (plain.ts): the code the built CLI runs.
 *
 * Modes:
 *  - stream:  subscribe, then count the frames the orchestrator announces (throughput), optionally
 *             timing each from its "sent_at_ms" to the strategy handler it reaches (latency); RSS is
 *             sampled all along and reported on request (memory);
 *  - connect: time connect + signed handshake + subscribe, then exit.
 */
import { readFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createSigner } from '../src/auth/signer.js'
import { MarketStream, type ChannelName } from '../src/core/stream.js'
import type { MarketEvent } from '../src/core/types.js'
import { keepYoungGenerationSmall } from '../src/core/young-generation.js'
import type { Strategy } from '../src/strategy/api.js'
import { StrategyEngine } from '../src/strategy/engine.js'
import { loadStrategies } from '../src/strategy/loader.js'
import type { OrderHook } from '../src/strategy/hooks/hook.js'
import type { ClientCommand } from './control.js'
import { runChild, sendToParent } from './ipc.js'
import { CountWindow } from './count-window.js'
import { RssSampler } from './rss.js'
import { hostNowMs, LatencyRecorder, sentAtOf } from './latency.js'
import { benchTickers } from './tickers.js'

const { values: args } = parseArgs({
  options: {
    mode: { type: 'string', default: 'stream' },
    'ws-url': { type: 'string' },
    markets: { type: 'string', default: '500' },
    'key-file': { type: 'string' },
    'batch-size': { type: 'string' },
    'batch-pause-ms': { type: 'string' },
    // The samples loaded from files into worker threads, as run-strategy runs them (throughput only:
    // the latency mark cannot reach into another thread).
    isolated: { type: 'boolean', default: false },
    // The peer row subscribes trade and orderbook only: pmxt-core has no ticker channel.
    channels: { type: 'string', default: 'ticker,trade,orderbook' },
    // The stream alone (books, store, health; ticks and trades to a listener that does nothing): the
    // core's own work, for the peer row beside a client that runs no user code either.
    'no-strategies': { type: 'boolean', default: false },
  },
})

const CHANNELS = args.channels!.split(',') as ChannelName[]
/**
 * The samples, loaded from their files as run-strategy loads a strategy file. Run plain (plain.ts
 * transpiles them beside this file) they are JavaScript, imported with no loader; a TypeScript
 * strategy would bring in tsx's loader thread, ~22 MB more RSS on the benchmark machine.
 */
const SAMPLES = ['./strategies/arb.js', './strategies/momentum.js', './strategies/mean-reversion.js']
  .map((f) => fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? f.replace(/\.js$/, '.ts') : f, import.meta.url)))
const send = sendToParent

// ——— latency instrumentation: the frame listener keeps a reference; the handler reads the stamp ———
let frameNo = 0
let lastRaw: string | Buffer = ''
let markedFrame = -1
const recorder = new LatencyRecorder(1 << 20)
const countWindow = new CountWindow(recorder)

/** At the first strategy handler a frame reaches: the clock is read before anything else. */
function mark(): void {
  if (!countWindow.latencyOn || frameNo === markedFrame) return
  const now = hostNowMs()
  markedFrame = frameNo
  recorder.add(now - sentAtOf(lastRaw))
}

/** A sample strategy (already pointed at the benchmark markets) with `mark` at the top of each data handler. */
function instrument(s: Strategy): Strategy {
  const wrap = <F extends ((event: never, ctx: never) => unknown) | undefined>(fn: F): F =>
    (fn && ((event: never, ctx: never) => {
      mark()
      return fn.call(s, event, ctx)
    })) as F
  return { ...s, onTick: wrap(s.onTick), onTrade: wrap(s.onTrade), onBook: wrap(s.onBook) } as Strategy
}

/** The discarding signal sink: the engine's hook contract, doing nothing. */
const discard: OrderHook = { name: 'discard', handle: async () => ({ status: 'logged' }) }

function streamOptions(signer: ReturnType<typeof createSigner> | undefined) {
  return {
    wsUrl: args['ws-url']!,
    signer,
    channels: CHANNELS,
    batchSize: args['batch-size'] === undefined ? undefined : Number(args['batch-size']),
    batchPauseMs: args['batch-pause-ms'] === undefined ? undefined : Number(args['batch-pause-ms']),
    // As run-strategy's stream: none of the samples reads history.
    history: 'on-read' as const,
  }
}

async function userPath(signer: ReturnType<typeof createSigner> | undefined) {
  // As run-strategy does for its live stream (src/app/strategy-session.ts).
  keepYoungGenerationSmall()
  const stream = new MarketStream(streamOptions(signer))
  const strategies = args['no-strategies'] ? []
    : args.isolated
      ? await loadStrategies(SAMPLES, { isolated: true })
      : (await loadStrategies(SAMPLES)).map((l) => instrument(l.strategy))
  const engine = new StrategyEngine({ strategies, store: stream.store, hooks: [discard] })
  let signals = 0
  engine.onEvent((e) => {
    if (e.type === 'signal') signals++
  })
  await engine.start()
  stream.on('error', (e) => process.stderr.write(`[neural client] ${e.message}\n`))
  return { stream, engine, signals: () => signals }
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const until = performance.now() + timeoutMs
  while (!condition()) {
    if (performance.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

async function streamMode(): Promise<void> {
  const tickers = benchTickers(Number(args.markets))
  const setupStart = performance.now()
  const rss = new RssSampler()
  const { stream, engine, signals } = await userPath(undefined)
  rss.markIdle()

  // The wiring run-strategy has (src/app/strategy-session.ts): ticks and trades to the engine, and
  // books only when a strategy asks for them (none of the samples does; books are still kept).
  const feed = args['no-strategies'] ? (_e: MarketEvent) => undefined : (e: MarketEvent) => engine.dispatch(e)
  stream.on('tick', feed)
  stream.on('trade', feed)
  if (engine.subscriptions().books.length > 0) stream.on('book', feed)
  // Frames are counted as they enter the stream (not by the events it emits, which it may skip or
  // merge); the last one is complete once the socket callback returns, hence setImmediate, and once
  // every strategy has handled it: workers may still be behind, and their work belongs to the window.
  stream.on('frame', (raw) => {
    lastRaw = raw
    if (countWindow.isLast(++frameNo)) setImmediate(() => void engine.settle().then(() => countWindow.complete()))
  })

  await stream.start()
  const r = await stream.subscribe(tickers)
  if (r.unknown.length > 0) throw new Error(`refused: ${r.unknown[0]!.ticker} ${r.unknown[0]!.message}`)
  await waitFor(() => tickers.every((t) => stream.books.get(t)?.valid === true), 60_000, 'every snapshot')

  process.on('message', (m: ClientCommand) => {
    if (m.cmd === 'stop') void stream.close().then(() => engine.stop()).finally(() => process.exit(0))
    if (m.cmd === 'memory') {
      let books = 0
      for (const t of tickers) if (stream.books.get(t)?.valid) books++
      void send({ type: 'memory', ...rss.figures(), books, frames: stream.stats().messages })
    }
    if (m.cmd !== 'expect') return
    stream.once('frame', () => countWindow.start())
    const signalsBefore = signals()
    countWindow.arm(m, () => frameNo, () => ({ signals: signals() - signalsBefore }))
  })
  await send({ type: 'ready', markets: tickers.length, setupMs: performance.now() - setupStart })
}

/**
 * The same span as client-bare.ts: from before the key is read and imported to the moment every
 * subscribed market's book snapshot is in (`subscribe()` itself returns at the acknowledgements).
 */
async function connectMode(): Promise<void> {
  const tickers = benchTickers(Number(args.markets))
  const t0 = performance.now()
  const signer = createSigner('neural-bench', readFileSync(args['key-file']!, 'utf8'))
  const stream = new MarketStream(streamOptions(signer))
  const snapshotsIn = allSnapshots(stream, tickers)
  await stream.start()
  const t1 = performance.now()
  const r = await stream.subscribe(tickers)
  if (r.tickers.length !== tickers.length) throw new Error(`subscribed ${r.tickers.length} of ${tickers.length} markets${r.unknown[0] ? `: ${r.unknown[0].ticker} ${r.unknown[0].message}` : ''}`)
  const t2 = await snapshotsIn
  await send({ type: 'connected', connectMs: t1 - t0, subscribeMs: t2 - t1, totalMs: t2 - t0, markets: r.tickers.length })
  await stream.close()
}

/**
 * Resolves with the time at which every ticker's book holds a snapshot. Checked after each snapshot
 * frame has gone through the stream (a microtask runs once the socket's callback returns), and only
 * from the N-th snapshot on, so the check costs nothing measurable.
 */
function allSnapshots(stream: MarketStream, tickers: string[]): Promise<number> {
  return new Promise((resolve) => {
    let snapshots = 0
    const onFrame = (raw: string | Buffer) => {
      if (!raw.includes('"orderbook_snapshot"') || ++snapshots < tickers.length) return
      queueMicrotask(() => {
        if (!tickers.every((t) => stream.books.get(t)?.valid === true)) return
        const at = performance.now()
        stream.off('frame', onFrame)
        resolve(at)
      })
    }
    stream.on('frame', onFrame)
  })
}

const modes: Record<string, () => Promise<void>> = { stream: streamMode, connect: connectMode }
runChild(modes[args.mode!] ?? (() => Promise.reject(new Error(`unknown mode ${args.mode}`))), args.mode === 'stream')
