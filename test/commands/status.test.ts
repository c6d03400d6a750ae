/**
 * `neural status` end to end: it sees a running `neural stream`, and cleans up after one killed with
 * SIGKILL. The stream is always the built binary; status runs in this process except once.
 */
import { expect } from 'chai'
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Status from '../../src/commands/status.js'
import { runCommand } from '../support/run-command.js'
import { ensureBuilt, jsonLines, linesOf, Neural, runNeural, tempDir } from './helpers.js'

interface Listed {
  pid: number
  command: string
  args: string[]
  environment: string
  connected: boolean
  subscriptions: number
  messages: number
  reconnects: number
  alive: boolean
}

describe('neural status', function () {
  this.timeout(30_000)
  const tmp = tempDir()
  const runtimeDir = join(tmp.dir, 'run')
  let stream: Neural | undefined

  before(ensureBuilt)

  let strategyRun: Neural | undefined

  after(() => {
    stream?.child.kill('SIGKILL')
    strategyRun?.child.kill('SIGKILL')
    tmp.remove()
  })

  async function status(json = true, binary = false): Promise<{ code: number | null; stdout: string; processes: Listed[] }> {
    const argv = ['--env', 'sim', ...(json ? ['--json'] : [])]
    const r = binary ? await runNeural(['status', ...argv], { runtimeDir }) : await runCommand(Status, argv, { id: 'status', env: { NEURAL_RUNTIME_DIR: runtimeDir } })
    expect(r.stderr).to.equal('')
    // Found from outside: the status object was the only JSON output without a type.
    if (json) expect(jsonLines(r.stdout)[0]!.type).to.equal('status')
    return { code: r.code, stdout: r.stdout, processes: json ? ((jsonLines(r.stdout)[0]!.processes as Listed[]) ?? []) : [] }
  }

  it('lists no process before any runs', async () => {
    const r = await status()
    expect(r.code).to.equal(0)
    expect(r.processes).to.deep.equal([])
  })

  describe('while a stream runs', () => {
    const statusFile = () => join(runtimeDir, `${stream!.pid}.json`)

    before(async () => {
      stream = new Neural(['stream', 'KXNFLGAME*', '--env', 'sim', '--json'], { runtimeDir, timeoutMs: 25_000 })
      // The file is rewritten every second; wait until it shows data.
      // Fails at once if the child exits; the long deadline is for a loaded machine.
      await stream!.until(() => {
        try {
          return JSON.parse(readFileSync(statusFile(), 'utf8')).messages > 0
        } catch {
          return false
        }
      }, 25_000, 'a status file with messages')
    })

    it('lists it as connected, with its markets and messages', async () => {
      const r = await status(true, true)
      expect(r.code).to.equal(0)
      const mine = r.processes.filter((p) => p.pid === stream!.pid)
      expect(mine).to.have.length(1)
      expect(mine[0]).to.deep.include({ command: 'stream', args: ['KXNFLGAME*'], environment: 'sim', connected: true, subscriptions: 32, reconnects: 0, alive: true })
      expect(mine[0]!.messages).to.be.greaterThan(0)
    })

    it('shows it in the human report', async () => {
      const r = await status(false)
      const line = linesOf(r.stdout).find((l) => l.startsWith(`  ${stream!.pid} `))
      expect(line).to.match(/^ {2}\d+ +stream KXNFLGAME\* {2}sim, connected, 32 markets, [\d,]+ messages, \d+\.\d\/s, (last [\d.]+ s ago|no messages yet), 0 reconnects, up [\d.]+ s$/)
    })

    it('keeps the status file private: mode 0600 in a 0700 dir', () => {
      expect(statSync(runtimeDir).mode & 0o777).to.equal(0o700)
      expect(statSync(statusFile()).mode & 0o777).to.equal(0o600)
    })

    it('reports it dead and removes its file once it was killed with SIGKILL', async () => {
      const pid = stream!.pid
      stream!.child.kill('SIGKILL')
      const end = await stream!.done
      expect(end.signal).to.equal('SIGKILL')
      // SIGKILL leaves no chance to clean up: the file is still there.
      expect(existsSync(statusFile())).to.equal(true)
      const r = await status()
      expect(r.processes.filter((p) => p.pid === pid).map((p) => p.alive)).to.deep.equal([false])
      expect(readdirSync(runtimeDir).filter((n) => n.startsWith(`${pid}.`))).to.deep.equal([])
      const again = await status()
      expect(again.processes.filter((p) => p.pid === pid)).to.deep.equal([])
    })
  })

  describe('while run-strategy runs', () => {
    before(async () => {
      const file = join(tmp.dir, 'quiet.mjs')
      writeFileSync(file, "export default { name: 'quiet', markets: ['KXNFLGAME*'], onTick() { return [] } }\n")
      strategyRun = new Neural(['run-strategy', file, '--env', 'sim', '--json'], { runtimeDir, timeoutMs: 25_000 })
      const statusFile = join(runtimeDir, `${strategyRun.pid}.json`)
      await strategyRun.until(() => {
        try {
          return JSON.parse(readFileSync(statusFile, 'utf8')).messages > 0
        } catch {
          return false
        }
      }, 25_000, 'a status file with messages')
    })

    it('counts its markets, as for a stream, not its channel subscriptions', async () => {
      const r = await status()
      const mine = r.processes.filter((p) => p.pid === strategyRun!.pid)
      expect(mine).to.have.length(1)
      expect(mine[0]).to.deep.include({ command: 'run-strategy', environment: 'sim', connected: true, subscriptions: 32, alive: true })
      strategyRun!.child.kill('SIGTERM')
      expect((await strategyRun!.done).code).to.equal(143)
    })
  })
})
