/**
 * `neural nfl game` end to end on real Kalshi payloads. No public project keeps recorded frames of NFL
 * markets, so the frames of test/fixtures/kalshi/ (Kalshi's AsyncAPI examples and frames recorded from
 * Kalshi production) are replayed with their `market_ticker`, and `market_id` where present, rewritten
 * to the markets of game 25SEP04DALPHI; every other byte of each frame is unchanged apart from `sid`
 * (the subscription it belongs to) and `seq` (numbered per sid). The same small server answers the
 * REST calls of `nfl game` with Kalshi-shaped JSON (markets: OpenAPI `Market` fields, our values;
 * milestones and live data: the football fixtures of test/fixtures/kalshi/).
 *
 * The game records must carry the payload numbers, the win probability must be computed from them,
 * and the empty book's placeholder prices ($0 bid, $1 ask) must show nowhere; the stream summary must
 * have no gap, no unknown type and no malformed frame.
 */
import { expect } from 'chai'
import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { WebSocketServer, type WebSocket } from 'ws'
import { ensureBuilt, jsonLines, runNeural, tempDir, type RunResult } from './helpers.js'

const FIXTURES = new URL('../fixtures/kalshi/', import.meta.url)
const text = (file: string): string => readFileSync(new URL(file, FIXTURES), 'utf8')
const lines = (file: string): string[] => text(file).trim().split('\n')
const ASYNCAPI = lines('asyncapi-examples.jsonl')
const RECORDED = lines('recorded-frames.jsonl')

const GAME = '25SEP04DALPHI'
const DAL = `KXNFLGAME-${GAME}-DAL`
const PHI = `KXNFLGAME-${GAME}-PHI`
const SPREAD = `KXNFLSPREAD-${GAME}-PHI7`
const TOTAL = `KXNFLTOTAL-${GAME}-47`
/** Our market ids for the frames that carry one. */
const MARKET_ID: Record<string, string> = {
  [DAL]: '4d1c2b7e-93a0-4f55-8a61-0b6e2f1d9c01',
  [PHI]: '4d1c2b7e-93a0-4f55-8a61-0b6e2f1d9c02',
  [SPREAD]: '4d1c2b7e-93a0-4f55-8a61-0b6e2f1d9c03',
  [TOTAL]: '4d1c2b7e-93a0-4f55-8a61-0b6e2f1d9c04',
}

/** The replay, in order: each real frame and the market of the game it is sent as. */
const REPLAY: { frame: string; ticker: string }[] = [
  { frame: ASYNCAPI[0]!, ticker: DAL }, // ticker, current generation: bid 0.45, ask 0.53, last 0.48
  { frame: RECORDED[0]!, ticker: PHI }, // ticker, cents + dollars generation: bid 0.11, ask 0.12, last 0.12
  { frame: RECORDED[1]!, ticker: SPREAD }, // ticker, both sides empty: "0.0000" / "1.0000", last 0.999
  { frame: ASYNCAPI[1]!, ticker: TOTAL }, // trade at 0.36 (the taker sold yes)
  { frame: RECORDED[2]!, ticker: PHI }, // trade at 0.89 (the taker bought yes)
]
const CHANNEL_OF: Record<string, string> = { ticker: 'ticker', trade: 'trade' }

/**
 * A market as GET /markets lists it: the fields of Kalshi's OpenAPI `Market` (names and value formats),
 * our values. The winner markets' REST quotes differ from the frames', so the records show which won.
 */
function market(ticker: string, o: { bid: string; ask: string; last: string; volume: string; openInterest: string; yesSubTitle: string; strike?: number }): Record<string, unknown> {
  const event = ticker.slice(0, ticker.lastIndexOf('-'))
  const no = (d: string) => (1 - Number(d)).toFixed(4)
  return {
    ticker, event_ticker: event, market_type: 'binary', title: 'Dallas at Philadelphia', subtitle: '',
    yes_sub_title: o.yesSubTitle, no_sub_title: o.yesSubTitle,
    created_time: '2025-08-20T14:00:00Z', open_time: '2025-08-20T14:00:00Z', close_time: '2025-09-19T00:20:00Z',
    expected_expiration_time: '2025-09-05T03:30:00Z', expiration_time: '2025-09-19T00:20:00Z', latest_expiration_time: '2025-09-19T00:20:00Z',
    settlement_timer_seconds: 300, status: 'active', response_price_units: 'usd_cent',
    yes_bid_dollars: o.bid, yes_ask_dollars: o.ask, no_bid_dollars: no(o.ask), no_ask_dollars: no(o.bid),
    last_price_dollars: o.last, previous_price_dollars: o.last, previous_yes_bid_dollars: o.bid, previous_yes_ask_dollars: o.ask,
    volume_fp: o.volume, volume_24h_fp: o.volume, open_interest_fp: o.openInterest, notional_value_dollars: '1.0000', liquidity_dollars: '0.0000',
    result: '', can_close_early: true, expiration_value: '', rules_primary: `If ${o.yesSubTitle}, then the market resolves to Yes.`, rules_secondary: '',
    price_level_structure: 'linear_cent', price_ranges: [{ start: '0.0000', end: '1.0000', step: '0.0100' }], tick_size: 1,
    ...(o.strike === undefined ? {} : { strike_type: 'greater', floor_strike: o.strike }),
  }
}

const MARKETS = [
  market(DAL, { bid: '0.4000', ask: '0.4200', last: '0.4100', volume: '120000.00', openInterest: '64000.00', yesSubTitle: 'Dallas' }),
  market(PHI, { bid: '0.5800', ask: '0.6000', last: '0.5900', volume: '131000.00', openInterest: '70000.00', yesSubTitle: 'Philadelphia' }),
  // An empty book and no trade yet, as Kalshi's REST shows them: placeholders, never prices.
  market(SPREAD, { bid: '0.0000', ask: '1.0000', last: '0.0000', volume: '0.00', openInterest: '0.00', yesSubTitle: 'Philadelphia wins by over 6.5 Points', strike: 6.5 }),
  market(TOTAL, { bid: '0.5200', ask: '0.5500', last: '0.5300', volume: '8120.00', openInterest: '5040.00', yesSubTitle: 'Over 46.5 points scored', strike: 46.5 }),
]
const MILESTONES = JSON.parse(text('milestones-football.json')) as { milestones: { id: string; related_event_tickers: string[] }[] }
const LIVE_DATA = (JSON.parse(text('live-data-football-live.json')) as { live_data: { milestone_id: string } }).live_data

/** Replace one exact occurrence, and fail loudly when there is none: the replay must not go out unchanged by mistake. */
function replaceOnce(s: string, from: string | RegExp, to: string): string {
  const at = typeof from === 'string' ? s.indexOf(from) : s.search(from)
  if (at < 0) throw new Error(`${String(from)} not in ${s}`)
  return s.replace(from, to)
}

/** Answers the REST calls of `nfl game` and the subscribes; once ticker and trade have sids, sends the replay. */
class ReplayServer {
  readonly http: Server = createServer((req, res) => this.onRequest(req, res))
  readonly wss = new WebSocketServer({ noServer: true })
  url = ''
  /** Every REST request: method, path under the API base, query. */
  readonly requests: { method: string; path: string; query: URLSearchParams }[] = []
  /** REST requests answered 404: calls this server does not know. */
  readonly unanswered: string[] = []
  /** The frames as sent, with the original each came from. */
  readonly sent: { original: string; sent: string; ticker: string }[] = []

  async start(): Promise<this> {
    this.http.on('upgrade', (req, socket, head) => this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws)))
    await new Promise<void>((r) => this.http.listen(0, '127.0.0.1', r))
    this.url = `127.0.0.1:${(this.http.address() as AddressInfo).port}`
    return this
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x')
    const path = url.pathname.replace(/^\/trade-api\/v2/, '')
    const q = url.searchParams
    this.requests.push({ method: req.method!, path, query: q })
    const json = (body: unknown): void => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    }
    if (req.method === 'GET' && path === '/markets') {
      const status = q.get('status')
      const event = q.get('event_ticker')
      const series = q.get('series_ticker')
      return json({
        cursor: '',
        markets: MARKETS.filter((m) => (!event || m.event_ticker === event) && (!series || (m.event_ticker as string).startsWith(`${series}-`)) && (!status || status === 'open')),
      })
    }
    if (req.method === 'GET' && path === '/milestones') {
      const related = q.get('related_event_ticker')
      return json({ cursor: '', milestones: MILESTONES.milestones.filter((m) => !related || m.related_event_tickers.includes(related)) })
    }
    if (req.method === 'GET' && path === '/live_data/batch') {
      const ids = q.getAll('milestone_ids').flatMap((v) => v.split(','))
      return json({ live_datas: ids.includes(LIVE_DATA.milestone_id) ? [LIVE_DATA] : [] })
    }
    this.unanswered.push(`${req.method} ${path}`)
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'not_found', message: 'not found' } }))
  }

  private onConnection(ws: WebSocket): void {
    const sids = new Map<string, number>()
    let nextSid = 1
    let replayed = false
    ws.on('message', (data) => {
      const c = JSON.parse(data.toString()) as { id: number; cmd: string; params: { channels: string[] } }
      if (c.cmd !== 'subscribe') return
      for (const channel of c.params.channels) {
        const sid = nextSid++
        sids.set(channel, sid)
        ws.send(JSON.stringify({ id: c.id, type: 'subscribed', msg: { channel, sid } }))
      }
      if (replayed || !sids.has('ticker') || !sids.has('trade')) return
      replayed = true
      const seqs = new Map<number, number>()
      for (const { frame, ticker } of REPLAY) {
        const { type, msg } = JSON.parse(frame) as { type: string; msg: { market_ticker: string; market_id?: string } }
        const sid = sids.get(CHANNEL_OF[type]!)!
        let out = replaceOnce(frame, `"market_ticker":"${msg.market_ticker}"`, `"market_ticker":"${ticker}"`)
        if (msg.market_id !== undefined) out = replaceOnce(out, `"market_id":"${msg.market_id}"`, `"market_id":"${MARKET_ID[ticker]}"`)
        out = replaceOnce(out, /"sid":\d+/, `"sid":${sid}`)
        if (/"seq":\d+/.test(out)) {
          const seq = (seqs.get(sid) ?? 0) + 1
          seqs.set(sid, seq)
          out = out.replace(/"seq":\d+/, `"seq":${seq}`)
        }
        this.sent.push({ original: frame, sent: out, ticker })
        ws.send(out)
      }
    })
  }

  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate()
    this.wss.close()
    await new Promise<void>((r) => this.http.close(() => r()))
  }
}

type Quote = { yesBid?: number; yesAsk?: number; yesPrice?: number }
type GameRecord = {
  type: 'game'; game: string; markets: number; volume: number; lastUpdate: number; state?: Record<string, unknown>
  away: { team: string; winProbability?: number } & Quote & { ticker?: string }
  home: { team: string; winProbability?: number } & Quote & { ticker?: string }
  spread: ({ ticker: string; team: string; line: number } & Quote)[]
  total: ({ ticker: string; line: number } & Quote)[]
}

describe('neural nfl game on real Kalshi payloads', function () {
  this.timeout(60_000)
  const tmp = tempDir()
  let server: ReplayServer
  let run: RunResult
  let out: Record<string, unknown>[]
  let games: GameRecord[]
  let last: GameRecord

  before(async function () {
    this.timeout(120_000)
    await ensureBuilt()
    server = await new ReplayServer().start()
    // `nfl game` has no --count: the run ends at --duration. The frames go out with the answers to the
    // subscribes and the duration starts once subscribed, so it only bounds the run; the records are read after it.
    run = await runNeural(
      ['nfl', 'game', GAME, '--env', 'sim', '--api-url', `http://${server.url}/trade-api/v2`, '--ws-url', `ws://${server.url}/trade-api/ws/v2`, '--json', '--duration', '4'],
      { runtimeDir: join(tmp.dir, 'run'), timeoutMs: 50_000 },
    )
    out = jsonLines(run.stdout)
    games = out.filter((l) => l.type === 'game') as unknown as GameRecord[]
    last = games.at(-1)!
  })

  after(async () => {
    await server?.close()
    tmp.remove()
  })

  const context = () => `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`

  it('sends the real frames with only market_ticker, market_id, sid and seq changed', () => {
    expect(server.sent.map((s) => s.ticker)).to.deep.equal(REPLAY.map((r) => r.ticker))
    for (const { original, sent } of server.sent) {
      const o = JSON.parse(original) as { sid: number; seq?: number; msg: { market_ticker: string; market_id?: string } }
      const s = JSON.parse(sent) as typeof o
      let back = sent
        .replace(`"market_ticker":"${s.msg.market_ticker}"`, `"market_ticker":"${o.msg.market_ticker}"`)
        .replace(`"sid":${s.sid}`, `"sid":${o.sid}`)
      if (o.msg.market_id !== undefined) back = back.replace(`"market_id":"${s.msg.market_id}"`, `"market_id":"${o.msg.market_id}"`)
      if (o.seq !== undefined) back = back.replace(`"seq":${s.seq}`, `"seq":${o.seq}`)
      expect(back).to.equal(original)
    }
  })

  it('answers every REST call of nfl game (markets per event, wildcards, milestones, live data)', () => {
    const seen = server.requests.map((r) => `${r.method} ${r.path}?${r.query}`).join('\n')
    expect(server.unanswered, seen).to.deep.equal([])
    const markets = server.requests.filter((r) => r.path === '/markets')
    // Each event read twice: once to find the game's markets, once to resolve its wildcard for the stream.
    for (const kind of ['KXNFLGAME', 'KXNFLSPREAD', 'KXNFLTOTAL']) {
      expect(markets.filter((r) => r.query.get('event_ticker') === `${kind}-${GAME}` && r.query.get('status') === 'open'), seen).to.have.length(2)
    }
    expect(server.requests.filter((r) => r.path === '/milestones').map((r) => r.query.get('related_event_ticker')), seen).to.deep.equal([`KXNFLGAME-${GAME}`])
    expect(server.requests.filter((r) => r.path === '/live_data/batch').length, seen).to.be.greaterThan(0)
  })

  it('exits 0 with no gap, no unknown type, no malformed frame and no problem', () => {
    expect(run.code, context()).to.equal(0)
    expect(out.at(-1), context()).to.deep.include({ type: 'summary', events: REPLAY.length, gaps: 0, unknownTypes: 0, malformed: 0, rejectedFrames: 0 })
    expect(out.filter((l) => l.type === 'error'), context()).to.deep.equal([])
  })

  it('shows the winner frames: their prices, and the win probability computed from them', () => {
    expect(last, context()).to.not.equal(undefined)
    expect(last.away).to.deep.include({ team: 'DAL', ticker: DAL, yesBid: 0.45, yesAsk: 0.53, yesPrice: 0.48 })
    // PHI: the bid and ask of the cents + dollars ticker, the last price of the trade after it.
    expect(last.home).to.deep.include({ team: 'PHI', ticker: PHI, yesBid: 0.11, yesAsk: 0.12, yesPrice: 0.89 })
    // Each side's mid (the last prices do not enter while both sides have a bid and an ask), normalised.
    const away = (0.45 + 0.53) / 2
    const home = (0.11 + 0.12) / 2
    expect(last.away.winProbability).to.be.closeTo(away / (away + home), 1e-12)
    expect(last.home.winProbability).to.be.closeTo(home / (away + home), 1e-12)
    expect(last.away.winProbability! + last.home.winProbability!).to.be.closeTo(1, 1e-15)
  })

  it('shows the spread market with its last price and no bid or ask: the empty sides are no prices', () => {
    expect(last.spread).to.have.length(1)
    expect(last.spread[0]).to.deep.equal({ ticker: SPREAD, team: 'PHI', line: 6.5, yesPrice: 0.999 })
  })

  it('shows the trade on the total market with the payload price, beside the REST quotes', () => {
    expect(last.total).to.deep.equal([{ ticker: TOTAL, line: 46.5, yesBid: 0.52, yesAsk: 0.55, yesPrice: 0.36 }])
  })

  it('sums the payload volumes and takes the latest payload time', () => {
    expect(last.markets).to.equal(4)
    // DAL volume_fp, PHI's legacy volume, the spread's volume_fp, and the total's REST volume_fp (trades add none).
    expect(last.volume).to.equal(2627473.48)
    expect(last.lastUpdate).to.equal(1784475900544) // the empty-sides ticker's ts_ms
    expect(last.state).to.deep.include({ game: GAME, status: 'live', period: 3, clock: '08:42' })
  })

  it('shows no placeholder price in any record, from REST or from the stream', () => {
    expect(games.length, context()).to.be.greaterThan(0)
    for (const g of games) {
      for (const q of [g.away, g.home, ...g.spread, ...g.total] as Quote[]) {
        for (const key of ['yesBid', 'yesAsk', 'yesPrice'] as const) {
          if (q[key] !== undefined) expect(q[key], JSON.stringify(g)).to.be.above(0).and.below(1)
        }
      }
      for (const s of g.spread) expect(s, JSON.stringify(g)).to.not.have.any.keys('yesBid', 'yesAsk')
      for (const side of [g.away, g.home]) {
        if (side.winProbability !== undefined) expect(side.winProbability).to.be.above(0).and.below(1)
      }
    }
  })
})
