import { expect } from 'chai'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MarketStore } from '../../src/core/market-store.js'
import type { GameState, Position } from '../../src/strategy/api.js'
import type { HookResult, OrderHook } from '../../src/strategy/hooks/hook.js'
import { loadStrategies } from '../../src/strategy/loader.js'
import { harness, tick, waitFor } from './helpers.js'

const PROBE = 'test/fixtures/strategies/context-probe.ts'

/** A hook that holds whatever it is sent, so ctx.positions() has something to show. */
function holdingHook(): OrderHook {
  const held: Position[] = []
  return {
    name: 'holding',
    handle: async (s): Promise<HookResult> => {
      held.push({ ticker: s.ticker, side: s.side, quantity: s.quantity, avgPriceDollars: 0.5, costDollars: 0.5 * s.quantity })
      return { status: 'filled', filledQuantity: s.quantity, priceDollars: 0.5 }
    },
    positions: () => held,
  }
}

async function run(isolated: boolean): Promise<string[]> {
  const strategies = await loadStrategies([PROBE], { isolated })
  const h = harness([], { strategies, store: new MarketStore(), clock: 'replay', params: ['size=2'], hooks: [holdingHook()] })
  try {
    await h.engine.start()
    h.feed(tick('KXTEST-E-B', { yesAsk: 0.61 }, 1_000))
    await h.engine.settle()
    h.feed(tick('KXTEST-E-A', { yesAsk: 0.4 }, 2_000))
    await h.engine.settle()
    h.feed(tick('KXTEST-E-A', { yesAsk: 0.41 }, 3_000))
    await h.engine.settle()
  } finally {
    await h.engine.stop()
  }
  return h.of('signal').map((s) => `${s.quantity} ${s.reason} @${s.ts}`)
}

describe('strategies in worker threads', function () {
  this.timeout(30_000)

  it('gives a strategy in a worker the same ctx and signals as in-process, on replay', async () => {
    const inProcess = await run(false)
    expect(inProcess).to.deep.equal([
      '2 B=0.61 now=2000 held=none writable=no api=1 @2000',
      '2 B=0.61 now=3000 held=KXTEST-E-A:yes:2 writable=no api=1 @3000',
    ])
    expect(await run(true)).to.deep.equal(inProcess)
  })

  it('refuses a broken file at load with the same one-line error as in-process', async () => {
    const inProcess = await loadStrategies(['test/fixtures/strategies/missing-name.ts']).then(() => '', (e: Error) => e.message)
    const isolated = await loadStrategies(['test/fixtures/strategies/missing-name.ts'], { isolated: true }).then(() => '', (e: Error) => e.message)
    expect(inProcess).to.match(/strategy has no name/)
    expect(isolated).to.equal(inProcess)
  })
})

describe('a strategy that keeps what it is sent', function () {
  this.timeout(120_000)

  it('is stopped at its heap limit between two handlers, and the run goes on', async () => {
    // 128 MB, not the default 512 (which only takes longer to fill): before the thread kept its limit,
    // V8's own aborted this whole process at any size (a growth of the array, far past the 16 MB V8
    // allows over a worker's limit).
    const strategies = await loadStrategies(['test/fixtures/strategies/hostile/leaks.ts'], { isolated: true, maxHeapMb: 128 })
    // Its handlers slow down as the array grows (seconds each on a loaded machine): the watchdog for
    // stuck threads is set out of the way, so that only the heap limit can stop it.
    const h = harness([], { strategies, store: new MarketStore(), clock: 'replay', isolation: { terminateAfterMs: 120_000 } })
    try {
      await h.engine.start()
      // Four million-number ticks keep 32 MB: well under the limit (with what their growth left to
      // collect, the heap in use may pass it: the thread must collect before it calls that a leak).
      for (let i = 0; i < 4; i++) {
        h.feed(tick('KXNFLGAME-25SEP04DALPHI-PHI', { yesAsk: 0.4 }, 1_000 + i))
        await h.engine.settle()
      }
      expect(h.of('error')).to.deep.equal([])
      // One tick a turn, as a live feed gives them, until the thread is stopped.
      for (let i = 4; !h.of('error').length; i++) {
        if (i > 100) throw new Error('still running after 100 ticks (800 MB kept)')
        h.feed(tick('KXNFLGAME-25SEP04DALPHI-PHI', { yesAsk: 0.4 }, 1_000 + i))
        await h.engine.settle()
      }
    } finally {
      await h.engine.stop()
    }
    expect(h.of('error').map((e) => [e.code, e.message])).to.deep.equal([
      ['STRATEGY_TERMINATED', 'strategy leaks ran out of memory (limit 128 MB) and was stopped; the run goes on without it'],
    ])
    // 128 MB is 16 ticks' worth, less what the thread itself holds and the array's spare room.
    expect(h.engine.summary().strategies[0]!.ticks).to.be.within(8, 17)
  })
})

describe('games for strategies in worker threads', function () {
  this.timeout(30_000)
  const PHI = 'KXNFLGAME-25SEP04DALPHI-PHI'
  const TEAMS = { '25SEP04DALPHI': ['DAL', 'PHI'], '25SEP07NYGWAS': ['NYG', 'WAS'] } as const
  const game = (id: keyof typeof TEAMS, away: number, home: number, updatedAt: number): GameState => ({
    game: id, status: 'live', period: 2, clock: '07:15',
    away: { team: TEAMS[id][0], points: away }, home: { team: TEAMS[id][1], points: home },
    updatedAt, source: { kind: 'kalshi-live-data', milestoneId: `m-${id}` },
  })

  async function runGames(isolated: boolean): Promise<string[]> {
    const strategies = await loadStrategies(['test/fixtures/strategies/game-probe.ts'], { isolated })
    expect(strategies[0]!.worker !== undefined).to.equal(isolated)
    const h = harness([], { strategies, store: new MarketStore(), clock: 'replay' })
    try {
      expect(h.engine.wantsGames()).to.equal(true)
      await h.engine.start()
      h.feed(tick(PHI, { yesAsk: 0.6 }, 1_000))
      await h.engine.settle()
      // Another game: not delivered to onGame, yet ctx.game answers for it.
      h.engine.dispatchGame(game('25SEP07NYGWAS', 3, 0, 2_000))
      await h.engine.settle()
      h.engine.dispatchGame(game('25SEP04DALPHI', 7, 3, 3_000))
      await h.engine.settle()
      // Two states in one turn of the event loop (one batch): both reach onGame, in order.
      h.engine.dispatchGame(game('25SEP04DALPHI', 7, 10, 4_000))
      h.engine.dispatchGame(game('25SEP04DALPHI', 14, 10, 5_000))
      h.feed(tick(PHI, { yesAsk: 0.55 }, 6_000))
      await h.engine.settle()
      expect(h.of('error')).to.deep.equal([])
    } finally {
      await h.engine.stop()
    }
    return h.of('log').map((e) => e.message)
  }

  it('delivers onGame and answers ctx.game in a worker exactly as in-process, on replay', async () => {
    const inProcess = await runGames(false)
    expect(inProcess).to.deep.equal([
      'tick KXNFLGAME-25SEP04DALPHI-PHI own=none other=none',
      'game 25SEP04DALPHI 7-3 live Q2 07:15 @3000 own=7-3 live Q2 07:15 other=3-0 live Q2 07:15 writable=no',
      'game 25SEP04DALPHI 7-10 live Q2 07:15 @4000 own=7-10 live Q2 07:15 other=3-0 live Q2 07:15 writable=no',
      'game 25SEP04DALPHI 14-10 live Q2 07:15 @5000 own=14-10 live Q2 07:15 other=3-0 live Q2 07:15 writable=no',
      'tick KXNFLGAME-25SEP04DALPHI-PHI own=14-10 live Q2 07:15 other=3-0 live Q2 07:15',
    ])
    expect(await runGames(true)).to.deep.equal(inProcess)
  })

  it('while a worker is behind, a newer state of a game replaces the one waiting, counted as conflated', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'neural-game-blocker-'))
    const release = join(dir, 'release')
    const strategies = await loadStrategies(['test/fixtures/strategies/game-blocker.ts'], { isolated: true })
    const h = harness([], { strategies, store: new MarketStore(), clock: 'replay', params: [`release=${release}`], isolation: { maxBatchesInFlight: 1, terminateAfterMs: 20_000 } })
    try {
      await h.engine.start()
      h.engine.dispatchGame(game('25SEP04DALPHI', 0, 0, 1_000))
      // Each in a later turn of the event loop, while the worker is held in the first onGame.
      for (const [away, at] of [[3, 2_000], [7, 3_000], [10, 4_000]] as const) {
        await new Promise((resolve) => setImmediate(resolve))
        h.engine.dispatchGame(game('25SEP04DALPHI', away, 0, at))
      }
      writeFileSync(release, '')
      await h.engine.settle()
      expect(h.of('error')).to.deep.equal([])
      expect(h.of('log').map((e) => e.message)).to.deep.equal(['game 0-0 ctx=0', 'game 10-0 ctx=10'])
    } finally {
      writeFileSync(release, '')
      await h.engine.stop()
      rmSync(dir, { recursive: true, force: true })
    }
    expect(h.engine.summary().strategies[0]!.conflated).to.equal(2)
  })
})

describe('stopping a strategy thread that is busy but alive', function () {
  this.timeout(30_000)
  let dir: string

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'neural-busy-'))
    // 600 ms of synchronous work on its first tick: over the 250 ms an urgent stop allows, far under the rest.
    writeFileSync(join(dir, 'busy.mjs'), "let n = 0\nexport default { name: 'busy', markets: ['*'], onTick() { if (n++ === 0) { const end = Date.now() + 600; while (Date.now() < end) {} } return [] } }\n")
  })

  after(() => rmSync(dir, { recursive: true, force: true }))

  async function stopWhileBusy(urgent: boolean) {
    const strategies = await loadStrategies([join(dir, 'busy.mjs')], { isolated: true })
    const h = harness([], { strategies, store: new MarketStore(), clock: 'replay' })
    await h.engine.start()
    h.feed(tick('KXTEST-E-A', { yesAsk: 0.4 }, 1_000))
    const summary = await h.engine.stop({ urgent })
    return { stats: summary.strategies.find((s) => s.name === 'busy')!, terminated: h.of('error').filter((e) => e.code === 'STRATEGY_TERMINATED') }
  }

  it('waits for it when the run reached its end (a loaded machine makes live threads slow)', async () => {
    const { stats, terminated } = await stopWhileBusy(false)
    expect(terminated).to.deep.equal([])
    expect(stats).to.include({ ticks: 1, errors: 0 })
  })

  it('terminates it on an urgent stop (Ctrl-C must end the run within a second)', async () => {
    const { stats, terminated } = await stopWhileBusy(true)
    expect(terminated.map((e) => e.message)).to.have.length(1)
    // The tick it was busy with counts: the thread never acknowledged it, but it had been called.
    expect(stats).to.include({ ticks: 1, errors: 1 })
    expect(terminated[0]!.message).to.match(/^strategy busy was terminated at stop: its thread had run synchronous code for \d+ ms/)
  })
})

describe('counts of a strategy whose thread is terminated', function () {
  this.timeout(30_000)
  const TICKER = 'KXNFLGAME-25SEP04DALPHI-PHI'
  let dir: string

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'neural-terminated-'))
    // 30 ms of synchronous work a tick (budget 10 ms: each is reported slow), then a loop on the fourth.
    writeFileSync(join(dir, 'slow-then-spins.mjs'), "let n = 0\nexport default { name: 'slow-then-spins', markets: ['*'], onTick() { const end = ++n < 4 ? performance.now() + 30 : Infinity; while (performance.now() < end) {} } }\n")
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  /** Five ticks in one turn of the event loop: one batch, which the thread never finishes. */
  async function terminatedInFirstBatch(file: string) {
    const strategies = await loadStrategies([file], { isolated: true })
    const h = harness([], { strategies, store: new MarketStore(), clock: 'replay', isolation: { terminateAfterMs: 1000 } })
    try {
      await h.engine.start()
      for (let i = 0; i < 5; i++) h.feed(tick(TICKER, { yesAsk: 0.4 + i / 100 }, 1_000 + i))
      await waitFor(() => h.of('error').some((e) => e.code === 'STRATEGY_TERMINATED'), 20_000, 'the strategy to be terminated')
    } finally {
      await h.engine.stop()
    }
    const { name: _name, ...counts } = h.engine.summary().strategies[0]!
    return { counts, terminated: h.of('error').map((e) => e.code), slow: h.of('slow').length }
  }

  it('keeps the calls made before a handler that loops for ever, that call included', async () => {
    const { counts, terminated } = await terminatedInFirstBatch('test/fixtures/strategies/hostile/spins.ts')
    expect(terminated).to.deep.equal(['STRATEGY_TERMINATED'])
    // Not `slow`: a loaded machine may make any call slow.
    expect(counts).to.include({ ticks: 3, trades: 0, books: 0, signals: 0, errors: 1, hung: 0, conflated: 0, dropped: 0 })
  })

  it('keeps the calls made before a handler that calls process.exit in its thread', async () => {
    const { counts, terminated } = await terminatedInFirstBatch('test/fixtures/strategies/hostile/exits.ts')
    expect(terminated).to.deep.equal(['STRATEGY_TERMINATED'])
    expect(counts).to.include({ ticks: 3, trades: 0, books: 0, signals: 0, errors: 1, hung: 0, conflated: 0, dropped: 0 })
  })

  it('keeps the slow calls it reported before it was terminated', async () => {
    const { counts, terminated, slow } = await terminatedInFirstBatch(join(dir, 'slow-then-spins.mjs'))
    expect(terminated).to.deep.equal(['STRATEGY_TERMINATED'])
    expect(slow).to.equal(3)
    expect(counts).to.deep.equal({ ticks: 4, trades: 0, books: 0, signals: 0, errors: 1, slow: 3, hung: 0, conflated: 0, dropped: 0 })
  })
})
