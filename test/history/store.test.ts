import { expect } from 'chai'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { HistoryStore, addSpan, defaultDbPath, uncovered } from '../../src/history/store.js'
import type { HistoryTrade } from '../../src/history/api.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const trade = (id: string, createdMs = 1_000): HistoryTrade => ({ tradeId: id, ticker: 'KXT-1', yesPriceUnits: 4_400, countUnits: 250, takerSide: 'yes', createdMs, isBlockTrade: false })

describe('history store (DuckDB)', function () {
  this.timeout(60_000)
  let dir: string
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'neural-store-')) })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('stores a trade once, however often it is added, and says how many were new', async () => {
    const store = await HistoryStore.open(join(dir, 'a.duckdb'))
    try {
      expect(await store.addTrades([trade('a'), trade('b')])).to.equal(2)
      expect(await store.addTrades([trade('b'), trade('c'), trade("it's")])).to.equal(2)
      expect((await store.trades(['KXT-1'])).map((t) => t.tradeId).sort()).to.deep.equal(['a', 'b', 'c', "it's"])
    } finally {
      store.close()
    }
  })

  it('refuses a number that is not a safe integer, naming it, and the rows before it in that call are not kept for the next', async () => {
    const store = await HistoryStore.open(join(dir, 'r.duckdb'))
    try {
      const bad = { ...trade('bad'), yesPriceUnits: 44.5 }
      const error = await store.addTrades([trade('first'), bad]).then(() => undefined, (e: unknown) => e as Error & { code?: string })
      expect(error?.message).to.equal('refusing to store 44.5 as INTEGER')
      expect(error?.code).to.equal('HISTORY_DB')
      expect(await store.addTrades([trade('next')])).to.equal(1)
      expect((await store.trades(['KXT-1'])).map((t) => t.tradeId)).to.deep.equal(['next'])
    } finally {
      store.close()
    }
  })

  it('a failed transaction leaves nothing behind', async () => {
    const store = await HistoryStore.open(join(dir, 'b.duckdb'))
    try {
      await store.transaction(async () => {
        await store.addTrades([trade('x')])
        await store.addCovered('KXT-1', 'trades', { fromTs: 1, toTs: 2 })
        throw new Error('killed mid-page')
      }).catch(() => undefined)
      expect(await store.counts()).to.deep.equal({ markets: 0, trades: 0, candles: 0 })
      expect(await store.getSync('KXT-1', 'trades')).to.deep.equal({ covered: [] })
    } finally {
      store.close()
    }
  })

  it('reopens with what was committed, including a window in progress', async () => {
    const file = join(dir, 'c.duckdb')
    let store = await HistoryStore.open(file)
    await store.transaction(async () => {
      await store.addTrades([trade('x')])
      await store.addCovered('KXT-1', 'trades', { fromTs: 10, toTs: 20 })
      await store.addCovered('KXT-1', 'trades', { fromTs: 50, toTs: 60 })
      await store.setWindow('KXT-1', 'trades', { fromTs: 21, toTs: 40, historical: false, cursor: 'c1' })
    })
    store.close()
    store = await HistoryStore.open(file)
    try {
      expect(await store.getSync('KXT-1', 'trades')).to.deep.equal({
        covered: [{ fromTs: 10, toTs: 20 }, { fromTs: 50, toTs: 60 }], window: { fromTs: 21, toTs: 40, historical: false, cursor: 'c1' },
      })
      expect((await store.counts()).trades).to.equal(1)
    } finally {
      store.close()
    }
  })

  it('keeps every covered span of a market and kind apart, joining those that overlap or touch', async () => {
    const store = await HistoryStore.open(join(dir, 's.duckdb'))
    try {
      await store.addCovered('KXT-1', 'candles:1', { fromTs: 100, toTs: 200 })
      await store.addCovered('KXT-1', 'candles:1', { fromTs: 500, toTs: 600 })
      await store.addCovered('KXT-1', 'candles:60', { fromTs: 0, toTs: 1000 })
      expect((await store.getSync('KXT-1', 'candles:1')).covered).to.deep.equal([{ fromTs: 100, toTs: 200 }, { fromTs: 500, toTs: 600 }])
      await store.addCovered('KXT-1', 'candles:1', { fromTs: 201, toTs: 499 })
      expect((await store.getSync('KXT-1', 'candles:1')).covered).to.deep.equal([{ fromTs: 100, toTs: 600 }])
      expect((await store.getSync('KXT-1', 'candles:60')).covered).to.deep.equal([{ fromTs: 0, toTs: 1000 }])
    } finally {
      store.close()
    }
  })

  it('addSpan joins a span into ordered spans; uncovered gives the rest of a span, widened into its neighbours', () => {
    const spans = [{ fromTs: 10, toTs: 20 }, { fromTs: 40, toTs: 50 }]
    expect(addSpan(spans, { fromTs: 60, toTs: 70 })).to.deep.equal([...spans, { fromTs: 60, toTs: 70 }])
    expect(addSpan(spans, { fromTs: 0, toTs: 5 })).to.deep.equal([{ fromTs: 0, toTs: 5 }, ...spans])
    expect(addSpan(spans, { fromTs: 21, toTs: 39 })).to.deep.equal([{ fromTs: 10, toTs: 50 }])
    expect(addSpan(spans, { fromTs: 15, toTs: 45 })).to.deep.equal([{ fromTs: 10, toTs: 50 }])
    expect(addSpan(spans, { fromTs: 22, toTs: 38 })).to.deep.equal([spans[0], { fromTs: 22, toTs: 38 }, spans[1]])
    expect(uncovered([], 0, 100)).to.deep.equal([{ fromTs: 0, toTs: 100 }])
    expect(uncovered(spans, 12, 48)).to.deep.equal([{ fromTs: 20, toTs: 40 }])
    expect(uncovered(spans, 0, 100)).to.deep.equal([{ fromTs: 0, toTs: 10 }, { fromTs: 20, toTs: 40 }, { fromTs: 50, toTs: 100 }])
    expect(uncovered(spans, 0, 100, 5)).to.deep.equal([{ fromTs: 0, toTs: 10 }, { fromTs: 15, toTs: 40 }, { fromTs: 45, toTs: 100 }])
    expect(uncovered(spans, 25, 35, 5)).to.deep.equal([{ fromTs: 25, toTs: 35 }])
    expect(uncovered(spans, 10, 20)).to.deep.equal([])
    expect(uncovered([{ fromTs: 0, toTs: 100 }], 10, 20, 60)).to.deep.equal([])
  })

  it('a file from before covered spans keeps its trades span and window, and forgets its candles span (it could claim a gap)', async () => {
    const file = join(dir, 'old.duckdb')
    const { DuckDBInstance } = await import('@duckdb/node-api')
    const instance = await DuckDBInstance.create(file)
    const db = await instance.connect()
    try {
      await db.run(`CREATE TABLE sync (ticker VARCHAR NOT NULL, kind VARCHAR NOT NULL, covered_from_ts BIGINT, covered_to_ts BIGINT,
        window_from_ts BIGINT, window_to_ts BIGINT, window_historical BOOLEAN, window_cursor VARCHAR, PRIMARY KEY (ticker, kind))`)
      await db.run(`INSERT INTO sync VALUES ('KXT-1', 'trades', 10, 20, 30, 40, true, 'c1'), ('KXT-2', 'trades', 5, 6, NULL, NULL, NULL, NULL),
        ('KXT-1', 'candles:1', 10, 90, NULL, NULL, NULL, NULL)`)
    } finally {
      db.closeSync()
      instance.closeSync()
    }
    for (let i = 0; i < 2; i++) {
      const store = await HistoryStore.open(file)
      try {
        expect(await store.getSync('KXT-1', 'trades')).to.deep.equal({ covered: [{ fromTs: 10, toTs: 20 }], window: { fromTs: 30, toTs: 40, historical: true, cursor: 'c1' } })
        expect(await store.getSync('KXT-2', 'trades')).to.deep.equal({ covered: [{ fromTs: 5, toTs: 6 }] })
        expect(await store.getSync('KXT-1', 'candles:1')).to.deep.equal({ covered: [] })
      } finally {
        store.close()
      }
    }
  })

  it('a second process gets HISTORY_DB_LOCKED; a file that is not a database gets HISTORY_DB', async () => {
    const file = join(dir, 'd.duckdb')
    const store = await HistoryStore.open(file)
    try {
      const script = `import('./src/history/store.js').then((m) => m.HistoryStore.open(${JSON.stringify(file)})).then(() => console.log('opened'), (e) => console.log(e.code))`
      const out = await new Promise<string>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] })
        let text = ''
        child.stdout.on('data', (d: Buffer) => (text += d.toString()))
        child.on('close', () => resolve(text.trim()))
      })
      expect(out).to.equal('HISTORY_DB_LOCKED')
    } finally {
      store.close()
    }
    const junk = join(dir, 'junk.duckdb')
    writeFileSync(junk, 'not a database at all\n'.repeat(100))
    await HistoryStore.open(junk).then((s) => { s.close(); expect.fail('opened junk') }, (e) => expect(e.code).to.equal('HISTORY_DB'))
  })

  it('lives under the XDG data directory by default', () => {
    expect(defaultDbPath({ XDG_DATA_HOME: '/data' })).to.equal('/data/neural/history.duckdb')
    expect(defaultDbPath({ XDG_DATA_HOME: 'relative' })).to.match(/\/\.local\/share\/neural\/history\.duckdb$/)
  })
})
