/**
 * `neural stream` end to end on real Kalshi payloads: a small WebSocket server on 127.0.0.1:0 answers
 * the subscribes and then sends the frames of test/fixtures/kalshi/ as they were recorded or
 * documented, changing only `sid` (to the subscription it belongs to) and `seq` (numbered per sid).
 * The NDJSON numbers must equal the payload numbers, with no false gap, no unknown type and no
 * placeholder price.
 */
import { expect } from 'chai'
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { WebSocketServer, type WebSocket } from 'ws'
import { ensureBuilt, jsonLines, runNeural, tempDir, type RunResult } from './helpers.js'

const FIXTURES = new URL('../fixtures/kalshi/', import.meta.url)
const lines = (file: string): string[] => readFileSync(new URL(file, FIXTURES), 'utf8').trim().split('\n')
const ASYNCAPI = lines('asyncapi-examples.jsonl')
const RECORDED = lines('recorded-frames.jsonl')

/**
 * The replay, in order. The scoped error has the shape Kalshi sends when an error takes a place in a
 * book subscription's sequence (recorded on Kalshi: code 14 took seq 4 between deltas); the two
 * snapshots around it are real, so a client that skipped the error's number would report a gap.
 */
const REPLAY: string[] = [
  ASYNCAPI[0]!, RECORDED[0]!, RECORDED[1]!, // tickers: current, cents + dollars, empty sides
  ASYNCAPI[1]!, RECORDED[2]!, // trades
  ASYNCAPI[2]!, // book snapshot, seq 1
  '{"id":77,"sid":1,"seq":1,"type":"error","msg":{"code":14,"msg":"Market Ticker required"}}', // seq 2
  RECORDED[3]!, // legacy book snapshot, seq 3
  // market_lifecycle_v2 channel: event_lifecycle and event_fee_update, then two market events (the last
  // of the nine market events --count waits for, so the two before it are read for sure).
  ASYNCAPI[6]!, ASYNCAPI[7]!, ASYNCAPI[4]!, ASYNCAPI[5]!,
]
const MARKETS = ['FED-23DEC-T3.00', 'KXRANKLISTGOOGLESEARCH-26JAN-BIA', 'KXBTC15M-26JUL191145-45', 'HIGHNY-22DEC23-B53.5', 'KXBTCD-26MAR1213-T69499.99', 'KXBTCD-25AUG1218-T120249.99', 'INXD-23SEP14-B4487', 'KXBTC-25APR30-T0915-B95000']
const CHANNEL_OF: Record<string, string> = {
  ticker: 'ticker', trade: 'trade', orderbook_snapshot: 'orderbook_delta', orderbook_delta: 'orderbook_delta', error: 'orderbook_delta',
  market_lifecycle_v2: 'market_lifecycle_v2', event_lifecycle: 'market_lifecycle_v2', event_fee_update: 'market_lifecycle_v2',
}

/** Answers subscribes; once every channel has a sid, sends the replay with only sid and seq rewritten. */
class ReplayServer {
  readonly http: Server = createServer((_req, res) => res.writeHead(404).end())
  readonly wss = new WebSocketServer({ noServer: true })
  url = ''
  readonly commands: Record<string, unknown>[] = []

  async start(): Promise<this> {
    this.http.on('upgrade', (req, socket, head) => this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws)))
    await new Promise<void>((r) => this.http.listen(0, '127.0.0.1', r))
    this.url = `127.0.0.1:${(this.http.address() as AddressInfo).port}`
    return this
  }

  private onConnection(ws: WebSocket): void {
    const sids = new Map<string, number>()
    let nextSid = 1
    let sent = false
    ws.on('message', (data) => {
      const c = JSON.parse(data.toString()) as { id: number; cmd: string; params: { channels: string[] } }
      this.commands.push(c)
      if (c.cmd !== 'subscribe') return
      for (const channel of c.params.channels) {
        const sid = nextSid++
        sids.set(channel, sid)
        ws.send(JSON.stringify({ id: c.id, type: 'subscribed', msg: { channel, sid } }))
      }
      if (sent || !['ticker', 'trade', 'orderbook_delta', 'market_lifecycle_v2'].every((ch) => sids.has(ch))) return
      sent = true
      const seqs = new Map<number, number>()
      for (const text of REPLAY) {
        const sid = sids.get(CHANNEL_OF[JSON.parse(text).type as string]!)!
        let out = text.replace(/"sid":\d+/, `"sid":${sid}`)
        if (/"seq":\d+/.test(out)) {
          const seq = (seqs.get(sid) ?? 0) + 1
          seqs.set(sid, seq)
          out = out.replace(/"seq":\d+/, `"seq":${seq}`)
        }
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

describe('neural stream on real Kalshi payloads', function () {
  this.timeout(60_000)
  const tmp = tempDir()
  let server: ReplayServer
  let run: RunResult
  let out: Record<string, unknown>[]

  before(async function () {
    this.timeout(120_000)
    await ensureBuilt()
    server = await new ReplayServer().start()
    run = await runNeural(
      ['stream', ...MARKETS, '--env', 'sim', '--api-url', `http://${server.url}/trade-api/v2`, '--ws-url', `ws://${server.url}/trade-api/ws/v2`, '--channels', 'ticker,trade,orderbook,lifecycle', '--json', '--count', '9'],
      { runtimeDir: join(tmp.dir, 'run'), timeoutMs: 50_000 },
    )
    out = jsonLines(run.stdout)
  })

  after(async () => {
    await server?.close()
    tmp.remove()
  })

  const one = (type: string, ticker: string) => {
    const found = out.filter((l) => l.type === type && l.ticker === ticker)
    expect(found, `${type} ${ticker} in\n${run.stdout}\n${run.stderr}`).to.have.length(1)
    return found[0]!
  }

  it('asks for use_yes_price explicitly on the orderbook subscribe', () => {
    const book = server.commands.find((c) => (c.params as { channels?: string[] })?.channels?.includes('orderbook_delta')) as { params: Record<string, unknown> }
    expect(book.params.use_yes_price).to.equal(false)
  })

  it('exits 0 with no gap, no unknown type and no malformed frame', () => {
    expect(run.code, run.stderr).to.equal(0)
    expect(out.at(-1)).to.deep.include({ type: 'summary', events: 9, gaps: 0, unknownTypes: 0, malformed: 0 })
    // The one error line is the exchange's own scoped error, reported by its name.
    expect(out.filter((l) => l.type === 'error').map((l) => l.code)).to.deep.equal(['WS_MARKET_TICKER_REQUIRED'])
  })

  it('prints the ticker numbers of the payloads, ts_ms as the time, and no placeholder price', () => {
    expect(one('ticker', 'FED-23DEC-T3.00')).to.deep.include({ yesBid: 0.45, yesAsk: 0.53, yesBidSize: 300, yesAskSize: 150, yesPrice: 0.48, noPrice: 0.52, volume: 33896, openInterest: 20422, lastUpdate: 1669149841000 })
    expect(one('ticker', 'KXRANKLISTGOOGLESEARCH-26JAN-BIA')).to.deep.include({ yesBid: 0.11, yesAsk: 0.12, yesPrice: 0.12, volume: 351970, openInterest: 182646, lastUpdate: 1732579880000 })
    const empty = one('ticker', 'KXBTC15M-26JUL191145-45')
    expect(empty).to.not.have.any.keys('yesBid', 'yesAsk', 'yesBidSize', 'yesAskSize')
    expect(empty).to.deep.include({ yesPrice: 0.999, volume: 2233487.48, openInterest: 618700.14, lastUpdate: 1784475900544 })
  })

  it('prints the trade numbers and direction of the payloads', () => {
    expect(one('trade', 'HIGHNY-22DEC23-B53.5')).to.deep.include({ tradeId: 'd91bc706-ee49-470d-82d8-11418bda6fed', side: 'no', price: 0.36, noPrice: 0.64, quantity: 136, isBlockTrade: false, ts: 1669149841000 })
    expect(one('trade', 'KXBTCD-26MAR1213-T69499.99')).to.deep.include({ side: 'yes', price: 0.89, noPrice: 0.11, quantity: 3, ts: 1773331880000 })
  })

  it('prints both books with the payload levels, across the error that took a sequence number', () => {
    expect(one('book', 'FED-23DEC-T3.00')).to.deep.include({ yes: [[0.22, 333], [0.08, 300]], no: [[0.56, 146], [0.54, 20]], yesBid: 0.22, yesAsk: 0.44, noBid: 0.56, noAsk: 0.78, seq: 1 })
    const legacy = one('book', 'KXBTCD-25AUG1218-T120249.99')
    expect(legacy).to.deep.include({ yesBid: 0.23, yesAsk: 0.26, noBid: 0.74, noAsk: 0.77, seq: 3 })
    expect((legacy.yes as number[][])[0]).to.deep.equal([0.23, 200])
    expect((legacy.no as number[][]).length).to.equal(12)
  })

  it('prints the market lifecycle events and counts event_lifecycle / event_fee_update as known', () => {
    expect(one('lifecycle', 'INXD-23SEP14-B4487')).to.deep.include({ event: 'created', openTs: 1694635200000, closeTs: 1694721600000 })
    expect(one('lifecycle', 'KXBTC-25APR30-T0915-B95000')).to.deep.include({ event: 'metadata_updated' })
  })
})
