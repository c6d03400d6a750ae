import { createServer, type IncomingMessage, type Server } from 'node:http'
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { expect } from 'chai'
import { createSigner, verifySignature } from '../../src/auth/signer.js'
import { loadConfig } from '../../src/config/load.js'
import type { Exchange } from '../../src/runtime/open-exchange.js'
import { buildStatusReport, checkExchange, formatStatusReport } from '../../src/runtime/status-report.js'
import { tempProject, testKey } from '../config/helpers.js'
import { closedPort } from '../support/ports.js'

const DEAD_PID = 99_999_999

describe('status report', () => {
  let server: Server
  let apiUrl: string
  let lastRequest: IncomingMessage | undefined
  let answer: { status: number; body: unknown } = { status: 200, body: { exchange_active: true, trading_active: false } }
  let project: ReturnType<typeof tempProject>
  let runtime: string

  before(async () => {
    server = createServer((req, res) => {
      lastRequest = req
      if (req.url !== '/trade-api/v2/exchange/status') {
        res.writeHead(404).end()
        return
      }
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/trade-api/v2`
  })
  after(() => new Promise<void>((resolve) => server.close(() => resolve())))
  beforeEach(() => {
    project = tempProject()
    runtime = mkdtempSync(path.join(tmpdir(), 'neural-status-'))
    answer = { status: 200, body: { exchange_active: true, trading_active: false } }
    lastRequest = undefined
  })
  afterEach(() => {
    project.cleanup()
    rmSync(runtime, { recursive: true, force: true })
  })

  const exchangeAt = (url: string, signed = false): Exchange => ({
    apiUrl: url,
    wsUrl: url.replace('http', 'ws').replace('/trade-api/v2', '/trade-api/ws/v2'),
    signer: signed ? createSigner('key-id-123456', testKey().pkcs1) : undefined,
    simulated: false,
    close: async () => undefined,
  })

  it('reports the exchange and trading flags from /exchange/status', async () => {
    const check = await checkExchange(exchangeAt(apiUrl), { timeoutMs: 2000 })
    expect(check).to.deep.include({ reachable: true, exchangeActive: true, tradingActive: false, signed: false, simulated: false })
    expect(check.error).to.equal(undefined)
  })

  it('signs the status request when a signer is at hand', async () => {
    await checkExchange(exchangeAt(apiUrl, true), { timeoutMs: 2000 })
    const h = lastRequest!.headers
    expect(h['kalshi-access-key']).to.equal('key-id-123456')
    expect(verifySignature(testKey().publicPem, String(h['kalshi-access-timestamp']), 'GET', '/trade-api/v2/exchange/status', String(h['kalshi-access-signature']))).to.equal(true)
  })

  it('reports an HTTP error with the exchange message', async () => {
    answer = { status: 401, body: { error: { code: 'unauthorized', message: 'bad key' } } }
    const check = await checkExchange(exchangeAt(apiUrl), { timeoutMs: 2000 })
    expect(check).to.deep.include({ reachable: true, error: 'HTTP 401: bad key' })
  })

  it('reports an unreachable exchange without throwing', async () => {
    const port = await closedPort()
    const check = await checkExchange(exchangeAt(`http://127.0.0.1:${port}/trade-api/v2`), { timeoutMs: 2000 })
    expect(check).to.deep.include({ reachable: false, error: 'ECONNREFUSED' })
  })

  it('builds one JSON report with redacted config, origins, exchange and processes', async () => {
    const keyFile = project.write('key.pem', testKey().pkcs1)
    mkdirSync(runtime, { recursive: true })
    writeFileSync(path.join(runtime, `${DEAD_PID}.json`), JSON.stringify({ pid: DEAD_PID, command: 'stream', args: ['KXNFLGAME'], startedAt: 5, environment: 'demo', connected: true, subscriptions: 2, messages: 10, ratePerSec: 1, reconnects: 0, updatedAt: 6 }))
    const loaded = await loadConfig({
      flags: { apiUrl },
      env: { KALSHI_ENVIRONMENT: 'demo', KALSHI_API_KEY_ID: 'a1b2c3d4-5555-6666', KALSHI_PRIVATE_KEY_PATH: keyFile },
      cwd: project.dir,
    })
    const report = await buildStatusReport({ loaded, exchange: exchangeAt(apiUrl, true), runtimeDir: runtime })
    const json = JSON.parse(JSON.stringify(report))
    expect(json.config).to.deep.include({
      environment: 'demo',
      apiKeyId: 'a1b2…',
      privateKey: `file ${keyFile}`,
      apiUrl,
      wsUrl: 'wss://external-api-ws.demo.kalshi.co/trade-api/ws/v2',
      strategies: [],
    })
    expect(json.config.origins).to.deep.include({ environment: 'env KALSHI_ENVIRONMENT', apiUrl: 'flag --api-url', wsUrl: 'default', apiKeyId: 'env KALSHI_API_KEY_ID', privateKey: 'env KALSHI_PRIVATE_KEY_PATH' })
    expect(json.exchange).to.deep.include({ reachable: true, exchangeActive: true, tradingActive: false, signed: true })
    expect(json.processes).to.have.length(1)
    expect(json.processes[0]).to.deep.include({ pid: DEAD_PID, alive: false })
    expect(JSON.stringify(report)).not.to.include('BEGIN')
    expect(JSON.stringify(report)).not.to.include('a1b2c3d4')
  })

  it('formats the report for people, dead processes marked dead', async () => {
    const loaded = await loadConfig({ flags: { env: 'demo', apiUrl }, env: {}, cwd: project.dir })
    const report = await buildStatusReport({ loaded, exchange: exchangeAt(apiUrl), runtimeDir: runtime })
    report.processes = [
      { pid: 42, command: 'stream', args: ['KXNFLGAME'], startedAt: 0, environment: 'demo', connected: true, subscriptions: 3, messages: 1200, ratePerSec: 12.5, lastMessageAt: 9_000, reconnects: 1, updatedAt: 9_500, alive: true },
      { pid: 43, command: 'run-strategy', args: ['s.ts'], startedAt: 0, environment: 'sim', connected: false, subscriptions: 0, messages: 0, ratePerSec: 0, reconnects: 0, updatedAt: 1, alive: false },
    ]
    const text = formatStatusReport(report, { colorLevel: 0, now: 10_000 })
    expect(text).to.include('  environment   demo  (flag --env)')
    expect(text).to.include(`  api url       ${apiUrl}  (flag --api-url)`)
    expect(text).to.include('  api key id    not set (unsigned)')
    expect(text).to.include('  retries       forever, first after 1 s, at most 30 s apart  (default)')
    expect(text).to.include('exchange active, trading inactive')
    expect(text).to.include('  42      stream KXNFLGAME  demo, connected, 3 markets, 1,200 messages, 12.5/s, last 1 s ago, 1 reconnect, up 10 s')
    expect(text).to.include('  43      run-strategy s.ts  dead (status file removed)')
    expect(text).not.to.include('\u001b[')
  })
})
