import { expect } from 'chai'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Strategy } from '../../../src/strategy/api.js'
import { createExecHook } from '../../../src/strategy/hooks/exec.js'
import { harness, tick, waitFor } from '../helpers.js'

const node = JSON.stringify(process.execPath)
/** Gone, or a zombie nobody has reaped yet (killed all the same). */
function ended(pid: number): boolean {
  const stat = `/proc/${pid}/stat`
  if (!existsSync(stat)) return true
  try {
    return readFileSync(stat, 'utf8').split(') ')[1]?.startsWith('Z') ?? true
  } catch {
    return true
  }
}

/** A shell whose child ignores its input and outlives the shell's own input: the child's pid comes out as the first line. */
const LINGERING = 'sleep 60 & echo $!; wait'

const buyer: Strategy = { name: 'buyer', markets: ['*'], onTick: t => ({ action: 'BUY', ticker: t.ticker, side: 'yes', quantity: 1, limitPrice: 0.45, confidence: 0.5, reason: 'test' }) }

describe('exec hook', () => {
  let tmp: string
  before(() => { tmp = mkdtempSync(path.join(tmpdir(), 'neural-exec-')) })
  after(() => rmSync(tmp, { recursive: true, force: true }))

  it('sends each signal as one JSON line on the command stdin', async () => {
    const out = path.join(tmp, 'signals.ndjson')
    const command = `${node} -e 'process.stdin.pipe(require("fs").createWriteStream(process.argv[1]))' ${JSON.stringify(out)}`
    const h = harness([buyer], { hooks: [createExecHook(command)], clock: 'replay' })
    await h.engine.start()
    h.feed(tick('A', {}, 1_000), tick('B', {}, 2_000))
    await h.engine.settle()
    await h.engine.stop()
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n').map(l => JSON.parse(l))
    expect(lines).to.deep.equal([
      { type: 'signal', strategy: 'buyer', action: 'BUY', ticker: 'A', side: 'yes', quantity: 1, limitPrice: 0.45, confidence: 0.5, reason: 'test', ts: 1_000 },
      { type: 'signal', strategy: 'buyer', action: 'BUY', ticker: 'B', side: 'yes', quantity: 1, limitPrice: 0.45, confidence: 0.5, reason: 'test', ts: 2_000 },
    ])
    expect(h.of('order').map(o => o.status)).to.deep.equal(['sent', 'sent'])
    expect(h.of('error')).to.deep.equal([])
  })

  it("turns the command's output into log lines, never our stdout", async () => {
    const command = `${node} -e 'require("readline").createInterface({input: process.stdin}).on("line", l => console.log("got " + JSON.parse(l).ticker))'`
    const h = harness([buyer], { hooks: [createExecHook(command)] })
    await h.engine.start()
    h.feed(tick('A'))
    await waitFor(() => h.of('log').length === 1, 3000, 'log line')
    expect(h.of('log')[0]).to.include({ source: `exec:${command}`, level: 'info', message: 'got A' })
    await h.engine.stop()
  })

  it('reports a command that exits, and refuses later signals without stopping the run', async () => {
    const command = `${node} -e 'process.exit(3)'`
    const h = harness([buyer], { hooks: [createExecHook(command)] })
    await h.engine.start()
    await waitFor(() => h.of('error').length === 1, 3000, 'exit report')
    expect(h.of('error')[0]).to.include({ code: 'HOOK_ERROR', hook: `exec:${command}`, message: 'exec hook: the command exited with code 3; signals are no longer delivered' })
    h.feed(tick('A'))
    await h.engine.settle()
    expect(h.of('order')).to.have.length(1)
    expect(h.of('order')[0]).to.include({ status: 'failed', message: 'not delivered: the command exited with code 3' })
    const summary = await h.engine.stop()
    expect(summary.signals).to.equal(1)
  })

  it('reports a command that cannot be found (the shell exits 127)', async () => {
    const command = 'neural-no-such-command-xyz'
    const h = harness([buyer], { hooks: [createExecHook(command)] })
    await h.engine.start()
    await waitFor(() => h.of('error').length === 1, 3000, 'exit report')
    expect(h.of('error')[0]!.message).to.equal('exec hook: the command exited with code 127; signals are no longer delivered')
    expect(h.of('log').map(l => l.level)).to.include('warn')
    await h.engine.stop()
  })

  it('reports a broken pipe when the command closes its input but keeps running', async () => {
    const command = `exec ${node} -e 'require("fs").closeSync(0); console.log("closed"); setTimeout(() => {}, 5000)'`
    const h = harness([buyer], { hooks: [createExecHook(command, { closeTimeoutMs: 50 })] })
    await h.engine.start()
    await waitFor(() => h.of('log').some(l => l.message === 'closed'), 3000, 'child ready')
    h.feed(tick('A'))
    await waitFor(() => h.of('error').length > 0, 3000, 'EPIPE report')
    expect(h.of('error')[0]!.message).to.equal('exec hook: the command closed its input (EPIPE)')
    h.feed(tick('B'))
    await h.engine.settle()
    expect(h.of('order').at(-1)).to.include({ status: 'failed', message: 'not delivered: the command closed its input (EPIPE)' })
    await h.engine.stop()
  })

  it("ends the command's whole process group at close, so that a child of the shell cannot hold the run", async () => {
    const h = harness([buyer], { hooks: [createExecHook(LINGERING, { closeTimeoutMs: 100 })] })
    await h.engine.start()
    await waitFor(() => h.of('log').length === 1, 5000, 'the sleep pid')
    const sleepPid = Number(h.of('log')[0]!.message)
    try {
      // Before the group was signalled, close() waited for the sleep to end by itself (60 s).
      let timer: NodeJS.Timeout | undefined
      const stopped = await Promise.race([h.engine.stop().then(() => true), new Promise<boolean>(resolve => { timer = setTimeout(() => resolve(false), 15_000) })])
      clearTimeout(timer)
      expect(stopped, 'the engine stopped').to.equal(true)
      expect(h.of('log').slice(1).map(l => l.message)).to.deep.equal(['the command had not exited 100 ms after its input ended: sending SIGTERM to it and what it started'])
      await waitFor(() => ended(sleepPid), 5000, 'the sleep to end')
    } finally {
      if (!ended(sleepPid)) process.kill(sleepPid, 'SIGKILL')
    }
  })

  it('ends the process group when this process exits without closing the hook (Ctrl-C past its deadline)', async () => {
    // A process of its own, which starts the hook and exits at once, as the shutdown deadline does.
    const script = `
      import { createExecHook } from ${JSON.stringify(path.resolve('src/strategy/hooks/exec.ts'))}
      const hook = createExecHook(${JSON.stringify(LINGERING)})
      hook.start({ store: undefined, now: () => 0, report: (e) => { if (e.type === 'log') { console.log(e.message); process.exit(130) } } })
    `
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 })
    expect(child.status, child.stderr).to.equal(130)
    const sleepPid = Number(child.stdout.trim())
    expect(sleepPid).to.be.greaterThan(0)
    try {
      await waitFor(() => ended(sleepPid), 5000, 'the sleep to end')
    } finally {
      if (!ended(sleepPid)) process.kill(sleepPid, 'SIGKILL')
    }
  })
})
