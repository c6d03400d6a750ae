import { expect } from 'chai'
import { DashboardHub, type DashboardRecord } from '../../src/dashboard/hub.js'
import { pageWeight, startDashboardServer, type DashboardServer } from '../../src/dashboard/server.js'
import { waitFor } from '../commands/helpers.js'
import { readEvents } from './sse.js'

const tick = (ticker: string, yesBid: number, lastUpdate: number): DashboardRecord => ({ type: 'ticker', ticker, yesBid, yesAsk: yesBid + 0.02, lastUpdate, receivedAt: lastUpdate })
const trade = (ticker: string, price: number, ts: number): DashboardRecord => ({ type: 'trade', ticker, side: 'yes', quantity: 1, price, noPrice: 1 - price, ts, receivedAt: ts })

describe('dashboard hub', () => {
  it('sends one ticker per market per frame (the latest), and every trade in order', () => {
    const hub = new DashboardHub()
    const frames: DashboardRecord[][] = []
    hub.onFrame((r) => frames.push(r))
    hub.publish(tick('A', 0.1, 1))
    hub.publish(trade('A', 0.11, 2))
    hub.publish(tick('B', 0.5, 3))
    hub.publish(tick('A', 0.2, 4))
    hub.publish(trade('A', 0.21, 5))
    hub.flush()
    expect(frames).to.have.length(1)
    const [frame] = frames
    expect(frame!.filter((r) => r.type === 'ticker').map((r) => [r.ticker, r.yesBid])).to.deep.equal([['B', 0.5], ['A', 0.2]])
    expect(frame!.filter((r) => r.type === 'trade').map((r) => r.price)).to.deep.equal([0.11, 0.21])
    hub.flush()
    expect(frames, 'nothing new: no frame').to.have.length(1)
  })

  it('counts what it cannot send in a frame instead of dropping it silently', () => {
    const hub = new DashboardHub({ maxAppendPerFrame: 3 })
    const frames: DashboardRecord[][] = []
    hub.onFrame((r) => frames.push(r))
    for (let i = 0; i < 10; i++) hub.publish(trade('A', 0.5, i))
    hub.flush()
    expect(frames[0]!.filter((r) => r.type === 'trade')).to.have.length(3)
    expect(frames[0]!.at(-1)).to.include({ type: 'dropped', count: 7 })
  })

  it('gives a page that opens later each market once and the recent history', () => {
    const hub = new DashboardHub({ historyLength: 2 })
    hub.publish(tick('A', 0.1, 1))
    hub.publish(tick('A', 0.3, 2))
    for (let i = 0; i < 5; i++) hub.publish(trade('A', 0.5, i))
    const snap = hub.snapshot()
    expect(snap.filter((r) => r.type === 'ticker')).to.deep.equal([tick('A', 0.3, 2)])
    expect(snap.filter((r) => r.type === 'trade').map((r) => r.ts)).to.deep.equal([3, 4])
  })

  it('publishes derived views just before a frame is cut', () => {
    const hub = new DashboardHub()
    const frames: DashboardRecord[][] = []
    hub.onFrame((r) => frames.push(r))
    let n = 0
    hub.onBeforeFlush(() => hub.publish({ type: 'game', game: 'G', n: ++n }))
    hub.flush()
    hub.flush()
    expect(frames.map((f) => f.map((r) => r.n))).to.deep.equal([[1], [2]])
  })
})

describe('dashboard server', () => {
  let server: DashboardServer | undefined
  let readers = new AbortController()
  afterEach(async () => {
    readers.abort()
    await server?.close()
    server = undefined
    readers = new AbortController()
  })

  it('refuses every route without the token, and with a wrong one', async () => {
    server = await startDashboardServer({ hub: new DashboardHub() })
    const base = `http://127.0.0.1:${server.port}`
    for (const path of ['/', '/events', '/app.js', '/uplot.js', '/nope']) {
      expect((await fetch(`${base}${path}`)).status, path).to.equal(401)
      expect((await fetch(`${base}${path}?token=${server.token.slice(1)}x`)).status, path).to.equal(401)
    }
    expect(server.url).to.equal(`${base}/?token=${server.token}`)
    const events = new AbortController()
    const res = await fetch(`${base}/events?token=${server.token}`, { signal: events.signal })
    expect(res.headers.get('content-type')).to.match(/^text\/event-stream/)
    events.abort()
    expect(server.token).to.match(/^[A-Za-z0-9_-]{43}$/)
  })

  it('serves the page with its own scripts (the chart library included), read-only', async () => {
    server = await startDashboardServer({ hub: new DashboardHub() })
    const page = await fetch(server.url)
    expect(page.status).to.equal(200)
    expect(page.headers.get('referrer-policy')).to.equal('no-referrer')
    const html = await page.text()
    expect(html).to.include(`app.js?token=${server.token}`).and.not.include('__TOKEN__').and.not.match(/https?:\/\//)
    const uplot = await fetch(`http://127.0.0.1:${server.port}/uplot.js?token=${server.token}`)
    expect(uplot.status).to.equal(200)
    expect(await uplot.text()).to.include('uPlot')
    expect((await fetch(server.url, { method: 'POST' })).status).to.equal(405)
    const weight = await pageWeight()
    expect(weight.every((w) => w.bytes > 0)).to.equal(true)
  })

  it('starts a new browser with the state so far, then streams frames', async () => {
    const hub = new DashboardHub()
    server = await startDashboardServer({ hub, frameMs: 20 })
    hub.publish(tick('A', 0.1, 1))
    hub.publish(tick('A', 0.4, 2))
    const got: DashboardRecord[] = []
    expect(await readEvents(`http://127.0.0.1:${server.port}/events?token=${server.token}`, got, readers.signal)).to.equal(200)
    await waitFor(() => got.length >= 1, 5000, 'the snapshot')
    expect(got[0]).to.deep.equal(tick('A', 0.4, 2))
    hub.publish(trade('A', 0.41, 3))
    await waitFor(() => got.some((r) => r.type === 'trade'), 5000, 'a frame')
    expect(server.clients()).to.equal(1)
  })
})
