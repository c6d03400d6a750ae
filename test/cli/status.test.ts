import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { expect } from 'chai'
import { tempProject } from '../config/helpers.js'
import Status from '../../src/commands/status.js'
import { runCommand } from '../support/run-command.js'

const DEAD_PID = 99_999_999

describe('neural status', function () {
  let project: ReturnType<typeof tempProject>
  let runtime: string
  beforeEach(() => {
    project = tempProject()
    runtime = mkdtempSync(path.join(tmpdir(), 'neural-status-cli-'))
  })
  afterEach(() => {
    project.cleanup()
    rmSync(runtime, { recursive: true, force: true })
  })

  it('prints one JSON object for sim: the simulator answers, live and dead processes listed, dead ones cleaned', async () => {
    mkdirSync(runtime, { recursive: true })
    const status = (pid: number) => ({ pid, command: 'stream', args: ['KXNFLGAME'], startedAt: pid === DEAD_PID ? 1 : 2, environment: 'sim', connected: true, subscriptions: 32, messages: 100, ratePerSec: 10, reconnects: 0, updatedAt: 3 })
    // This test process stands in for a live `neural stream`.
    writeFileSync(path.join(runtime, `${process.pid}.json`), JSON.stringify(status(process.pid)))
    writeFileSync(path.join(runtime, `${DEAD_PID}.json`), JSON.stringify(status(DEAD_PID)))
    const r = await runCommand(Status, ['--env', 'sim', '--json'], { cwd: project.dir, env: { NEURAL_RUNTIME_DIR: runtime } })
    expect(r.code).to.equal(0)
    expect(r.stdout.trim().split('\n')).to.have.length(1)
    const report = JSON.parse(r.stdout)
    expect(report.config).to.deep.include({ environment: 'sim' })
    expect(report.config.origins).to.deep.include({ environment: 'flag --env', apiUrl: 'in-process simulator' })
    expect(report.exchange).to.deep.include({ simulated: true, signed: true, reachable: true, exchangeActive: true, tradingActive: true })
    expect(report.processes.map((p: { pid: number; alive: boolean }) => [p.pid, p.alive])).to.deep.equal([[DEAD_PID, false], [process.pid, true]])
    expect(readdirSync(runtime)).to.deep.equal([`${process.pid}.json`])
  })

  it('prints the human report with the simulator marker', async () => {
    const r = await runCommand(Status, ['--env', 'sim'], { cwd: project.dir, env: { NEURAL_RUNTIME_DIR: runtime } })
    expect(r.code).to.equal(0)
    expect(r.stdout).to.match(/^config\n  environment   sim  \(flag --env\)\n/)
    expect(r.stdout).to.match(/\nexchange\n  \[sim\] exchange active, trading active \(\d+ ms\)  http:\/\/127\.0\.0\.1:\d+\/trade-api\/v2\n/)
    expect(r.stdout).to.match(/\nprocesses\n  none running\n$/)
  })
})
