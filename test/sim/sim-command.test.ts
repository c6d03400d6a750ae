import { expect } from 'chai'
import Sim from '../../src/commands/sim.js'
import { runCommand } from '../support/run-command.js'

describe('neural sim command', () => {
  const originalWait = Sim.waitForStop
  afterEach(() => { Sim.waitForStop = originalWait })

  it('prints its REST and WebSocket URLs, serves them, and closes when asked to stop', async () => {
    let stop!: () => void
    Sim.waitForStop = () => new Promise<void>((resolve) => { stop = resolve })
    const lines: string[] = []
    const write = process.stdout.write.bind(process.stdout)
    process.stdout.write = ((chunk: string | Uint8Array) => { lines.push(String(chunk)); return true }) as typeof process.stdout.write
    let run: Promise<unknown>
    try {
      run = Sim.run(['--port', '0', '--seed', '7', '--markets', '10', '--error-every', '1000'], import.meta.url)
      const deadline = Date.now() + 5000
      while (!lines.some((l) => l.includes('WebSocket')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    } finally {
      process.stdout.write = write
    }
    const text = lines.join('')
    expect(text).to.match(/Simulated exchange \(not Kalshi\) running, seed 7, 277 markets/)
    const apiUrl = /REST\s+(\S+)/.exec(text)![1]!
    expect(/WebSocket\s+(\S+)/.exec(text)![1]).to.equal(apiUrl.replace('http://', 'ws://').replace('/trade-api/v2', '/trade-api/ws/v2'))
    expect((await fetch(`${apiUrl}/series/KXSIMBENCH`)).status).to.equal(200)
    process.stdout.write = (() => true) as typeof process.stdout.write
    try {
      stop()
      expect(await run!).to.deep.equal({ apiUrl, wsUrl: apiUrl.replace('http://', 'ws://').replace('/trade-api/v2', '/trade-api/ws/v2') })
    } finally {
      process.stdout.write = write
    }
    const refused = await fetch(`${apiUrl}/exchange/status`).then(() => 'answered', () => 'refused')
    expect(refused).to.equal('refused')
  })
})

describe('neural sim command, base command contract', () => {
  const originalWait = Sim.waitForStop
  afterEach(() => { Sim.waitForStop = originalWait })

  it('under --json prints one line with its URLs, serving them until asked to stop', async () => {
    let served: { apiUrl?: string; status: number } = { status: 0 }
    Sim.waitForStop = async (running) => {
      // Still running here: its URL must answer.
      served = { apiUrl: running?.apiUrl, status: (await fetch(`${running!.apiUrl}/exchange/status`)).status }
    }
    const r = await runCommand(Sim, ['--port', '0', '--seed', '7', '--json'], { id: 'sim' })
    expect(r.code, r.stderr).to.equal(0)
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l))
    expect(lines).to.have.length(1)
    expect(served).to.deep.equal({ apiUrl: lines[0].apiUrl, status: 200 })
    expect(lines[0]).to.include({ type: 'sim', simulated: true, seed: 7, markets: 267 })
    expect(lines[0].wsUrl).to.equal(lines[0].apiUrl.replace('http://', 'ws://').replace('/trade-api/v2', '/trade-api/ws/v2'))
  })

  it('refuses an unreadable --public-key with exit 2 and one error line, as JSON under --json', async () => {
    Sim.waitForStop = () => Promise.reject(new Error('must not start'))
    const r = await runCommand(Sim, ['--port', '0', '--public-key', '/nonexistent/key.pem', '--json'], { id: 'sim' })
    expect(r.code).to.equal(2)
    expect(r.stderr).to.equal('error: --public-key: cannot read /nonexistent/key.pem (ENOENT)\n')
    expect(JSON.parse(r.stdout)).to.deep.equal({ type: 'error', kind: 'input', code: 'PUBLIC_KEY_FILE', message: '--public-key: cannot read /nonexistent/key.pem (ENOENT)' })
  })
})
