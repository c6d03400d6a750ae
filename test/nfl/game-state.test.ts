import { expect } from 'chai'
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { parseLiveData } from '../../src/core/live-data.js'
import { RestClient } from '../../src/core/rest-client.js'
import { GameFeed } from '../../src/nfl/game-feed.js'
import { formatScoreLine, gameStateFromLiveData, scorer, type GameState } from '../../src/nfl/game-state.js'
import { parseGameId } from '../../src/nfl/tickers.js'

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/kalshi/${name}`, import.meta.url), 'utf8'))
const GAME = parseGameId('25SEP04DALPHI')
const MILESTONE = '3f9b2c1e-7a4d-4e0b-9c55-0d2f6a8b1e42'

describe('game state from Kalshi live data', () => {
  it('reads a live football game: status, quarter, clock, both scores, source', () => {
    const live = parseLiveData(fixture('live-data-football-live.json').live_data)
    const s = gameStateFromLiveData(live, GAME, 1_757_000_000_000)
    expect(s).to.deep.equal({
      game: '25SEP04DALPHI', status: 'live', period: 3, clock: '08:42',
      away: { team: 'DAL', points: 10 }, home: { team: 'PHI', points: 14 },
      updatedAt: 1_757_000_000_000, source: { kind: 'kalshi-live-data', milestoneId: MILESTONE },
    })
    expect(formatScoreLine(s)).to.equal('DAL 10 – 14 PHI · Q3 08:42')
  })

  it('reads Kalshi\'s documented example (details {}) as a scheduled 0–0 game', () => {
    const live = parseLiveData(fixture('live-data-openapi-example.json').live_data)
    const s = gameStateFromLiveData(live, GAME, 5)
    expect(s).to.include({ status: 'scheduled' })
    expect(s.away.points + s.home.points).to.equal(0)
    expect(s.period).to.equal(undefined)
    expect(formatScoreLine(s)).to.equal('DAL 0 – 0 PHI · scheduled')
  })

  it('maps finished to final and none to scheduled', () => {
    const [done, pre] = fixture('live-data-batch-football.json').live_datas.map(parseLiveData)
    const final = gameStateFromLiveData(done, GAME, 1)
    expect(final).to.include({ status: 'final', period: 4, clock: '00:00' })
    expect(formatScoreLine(final)).to.equal('DAL 20 – 24 PHI · final')
    expect(gameStateFromLiveData(pre, GAME, 1).status).to.equal('scheduled')
  })

  it('accepts numeric strings and a one-digit minute; refuses an unknown status or a live game without points', () => {
    const s = gameStateFromLiveData({ milestoneId: 'm', type: 'football_game', details: { status: 'live', home_points: '7', away_points: 3, round: '2', final_round_time_left: '8:05' } }, GAME, 1)
    expect(s).to.include({ period: 2, clock: '08:05' })
    expect(s.home.points).to.equal(7)
    expect(() => gameStateFromLiveData({ milestoneId: 'm', type: 'x', details: { status: 'halftime' } }, GAME, 1)).to.throw(/unknown status "halftime"/)
    expect(() => gameStateFromLiveData({ milestoneId: 'm', type: 'x', details: { status: 'live', home_points: 3 } }, GAME, 1)).to.throw(/without both teams' points/)
  })

  it('names the side that scored', () => {
    const at = (a: number, h: number): GameState => ({ game: 'g', status: 'live', away: { team: 'DAL', points: a }, home: { team: 'PHI', points: h }, updatedAt: 0, source: { kind: 'kalshi-live-data', milestoneId: 'm' } })
    expect(scorer(at(0, 0), at(0, 7))).to.equal('home')
    expect(scorer(at(0, 7), at(3, 7))).to.equal('away')
    expect(scorer(at(3, 7), at(3, 7))).to.equal(undefined)
  })
})

describe('live data over REST (a small server with the documented payloads)', () => {
  let server: Server
  let apiUrl: string
  const requests: URL[] = []
  let batch = fixture('live-data-batch-football.json')
  before(async () => {
    server = createServer((req, res) => {
      const url = new URL(req.url!, 'http://x')
      requests.push(url)
      const send = (body: unknown, status = 200) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)) }
      const path = url.pathname.replace('/trade-api/v2', '')
      if (path === '/milestones') return send(url.searchParams.get('related_event_ticker') === 'KXNFLGAME-25SEP04DALPHI' ? fixture('milestones-football.json') : { milestones: [], cursor: '' })
      if (path === `/live_data/milestone/${MILESTONE}`) return send(fixture('live-data-football-live.json'))
      if (path === '/live_data/batch') return send(batch)
      send({ error: { code: 'not_found', message: 'no such thing' } }, 404)
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/trade-api/v2`
  })
  after(async () => { await new Promise((r) => server.close(r)) })

  it('asks GET /milestones with limit and related_event_ticker, and parses the Milestone', async () => {
    const rest = new RestClient({ apiUrl })
    const { milestones, cursor } = await rest.getMilestones({ relatedEventTicker: 'KXNFLGAME-25SEP04DALPHI', limit: 10 })
    expect(cursor).to.equal('')
    expect(milestones[0]).to.deep.include({ id: MILESTONE, type: 'football_game', primaryEventTickers: ['KXNFLGAME-25SEP04DALPHI'] })
    const q = requests.at(-1)!.searchParams
    expect(q.get('limit')).to.equal('10')
    expect(q.get('related_event_ticker')).to.equal('KXNFLGAME-25SEP04DALPHI')
  })

  it('reads one milestone, and the batch with milestone_ids repeated (form, explode)', async () => {
    const rest = new RestClient({ apiUrl })
    expect((await rest.getLiveData(MILESTONE)).details).to.include({ status: 'live', home_points: 14 })
    const list = await rest.getLiveDatas([MILESTONE, 'other'])
    expect(list.map((l) => l.milestoneId)).to.deep.equal([MILESTONE, '8c0e7d3a-1b2f-4c6d-8e9f-a0b1c2d3e4f5'])
    expect(requests.at(-1)!.searchParams.getAll('milestone_ids')).to.deep.equal([MILESTONE, 'other'])
    await rest.getLiveData('nope').then(() => expect.fail('should throw'), (e) => expect(e.code).to.equal('UNKNOWN_MILESTONE'))
  })

  it('reports a failing read once, not every interval, until a read succeeds', async () => {
    const problems: string[] = []
    let fail = true
    const rest = {
      getMilestones: async () => ({ milestones: [{ id: MILESTONE, type: 'football_game', title: '', relatedEventTickers: [], primaryEventTickers: [], details: {} }], cursor: '' }),
      getLiveDatas: async () => {
        if (fail) throw new Error('socket hang up')
        return fixture('live-data-batch-football.json').live_datas.map(parseLiveData)
      },
    }
    const feed = new GameFeed({ rest, games: [GAME], onState: () => undefined, onProblem: (e) => problems.push(e.message) })
    await feed.findMilestones()
    await feed.poll()
    await feed.poll()
    expect(problems).to.deep.equal(['socket hang up'])
    fail = false
    await feed.poll()
    fail = true
    await feed.poll()
    expect(problems).to.deep.equal(['socket hang up', 'socket hang up'])
  })

  it('keeps a game state per game and reports only changes', async () => {
    const seen: Array<[GameState, GameState | undefined]> = []
    const problems: string[] = []
    const feed = new GameFeed({ rest: new RestClient({ apiUrl }), games: [GAME, parseGameId('25SEP05KCLAC')], onState: (s, p) => seen.push([s, p]), onProblem: (e) => problems.push(e.code), now: () => 42 })
    await feed.findMilestones()
    expect(problems).to.deep.equal(['NO_LIVE_DATA'])
    await feed.poll()
    await feed.poll()
    expect(seen).to.have.length(1)
    expect(seen[0]![0]).to.include({ status: 'final', updatedAt: 42 })
    expect(feed.get('25SEP04DALPHI')!.home.points).to.equal(24)
    // A corrected score is a change.
    batch = { live_datas: [{ ...batch.live_datas[0], details: { ...batch.live_datas[0].details, home_points: 27 } }] }
    await feed.poll()
    expect(seen).to.have.length(2)
    expect(scorer(seen[1]![1], seen[1]![0])).to.equal('home')
  })
})
