import { expect } from 'chai'
import Sim from '../../src/commands/sim.js'

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
