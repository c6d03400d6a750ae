import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { expect } from 'chai'
import { listProcesses, publishStatus, runtimeDir } from '../../src/runtime/status-registry.js'

/** A pid above Linux's pid_max (2^22): never alive. */
const DEAD_PID = 99_999_999

describe('status registry', () => {
  let base: string
  let dir: string
  beforeEach(() => {
    base = mkdtempSync(path.join(tmpdir(), 'neural-runtime-'))
    dir = path.join(base, 'neural')
  })
  afterEach(() => rmSync(base, { recursive: true, force: true }))

  it('uses NEURAL_RUNTIME_DIR, then XDG_RUNTIME_DIR/neural, then the temp dir per user', () => {
    expect(runtimeDir({ NEURAL_RUNTIME_DIR: '/x/y', XDG_RUNTIME_DIR: '/run/user/1' })).to.equal('/x/y')
    expect(runtimeDir({ XDG_RUNTIME_DIR: '/run/user/1' })).to.equal('/run/user/1/neural')
    expect(runtimeDir({})).to.equal(path.join(tmpdir(), `neural-${process.getuid!()}`))
  })

  it('writes the status file at once, in a 0700 dir with mode 0600', async () => {
    const publisher = await publishStatus({ command: 'stream', args: ['KXNFLGAME'], environment: 'sim', startedAt: 1000 }, { dir, now: () => 1000 })
    try {
      expect(statSync(dir).mode & 0o777).to.equal(0o700)
      expect(statSync(publisher.file).mode & 0o777).to.equal(0o600)
      expect(JSON.parse(readFileSync(publisher.file, 'utf8'))).to.deep.equal({
        pid: process.pid, command: 'stream', args: ['KXNFLGAME'], startedAt: 1000, environment: 'sim',
        connected: false, subscriptions: 0, messages: 0, reconnects: 0, ratePerSec: 0, updatedAt: 1000,
      })
    } finally {
      await publisher.close()
    }
  })

  it('publishes updates with a rate over the last interval', async () => {
    let clock = 1000
    const publisher = await publishStatus({ command: 'stream', args: [], environment: 'demo', startedAt: 1000 }, { dir, now: () => clock })
    try {
      clock = 3000
      publisher.update({ connected: true, subscriptions: 4, messages: 50, lastMessageAt: 2900 })
      await publisher.write()
      const [listed] = await listProcesses({ dir })
      expect(listed).to.deep.include({ connected: true, subscriptions: 4, messages: 50, lastMessageAt: 2900, ratePerSec: 25, updatedAt: 3000, alive: true })
    } finally {
      await publisher.close()
    }
  })

  it('leaves no temp file behind after a write', async () => {
    const publisher = await publishStatus({ command: 'stream', args: [], environment: 'sim' }, { dir })
    try {
      await publisher.write()
      expect(readdirSync(dir)).to.deep.equal([`${process.pid}.json`])
    } finally {
      await publisher.close()
    }
  })

  it('rewrites the file every interval', async () => {
    let clock = 1000
    const publisher = await publishStatus({ command: 'stream', args: [], environment: 'sim' }, { dir, intervalMs: 10, now: () => clock })
    try {
      clock = 5000
      const deadline = Date.now() + 2000
      let updatedAt = 0
      while (updatedAt !== 5000 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 5))
        updatedAt = JSON.parse(readFileSync(publisher.file, 'utf8')).updatedAt
      }
      expect(updatedAt).to.equal(5000)
    } finally {
      await publisher.close()
    }
  })

  it('removes the file when the process exits without closing', async () => {
    const script = `import { publishStatus } from ${JSON.stringify(path.resolve('src/runtime/status-registry.ts'))}
const p = await publishStatus({ command: 'stream', args: [], environment: 'sim' }, { dir: ${JSON.stringify(dir)} })
console.log(p.file)
process.exit(0)`
    const { execFileSync } = await import('node:child_process')
    const file = execFileSync('node', ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' }).trim()
    expect(file).to.equal(path.join(dir, file.split('/').pop()!))
    expect(readdirSync(dir)).to.deep.equal([])
  })

  it('removes the file on close', async () => {
    const publisher = await publishStatus({ command: 'stream', args: [], environment: 'sim' }, { dir })
    await publisher.close()
    expect(readdirSync(dir)).to.deep.equal([])
  })

  it('tightens an existing runtime dir to 0700', async () => {
    const publisher = await publishStatus({ command: 'stream', args: [], environment: 'sim' }, { dir: base })
    try {
      expect(statSync(base).mode & 0o777).to.equal(0o700)
    } finally {
      await publisher.close()
    }
  })

  it('lists a dead process as dead and removes its file', async () => {
    const publisher = await publishStatus({ command: 'stream', args: [], environment: 'sim' }, { dir })
    const deadFile = path.join(dir, `${DEAD_PID}.json`)
    writeFileSync(deadFile, JSON.stringify({ pid: DEAD_PID, command: 'run-strategy', args: ['x.ts'], startedAt: 1, environment: 'sim', connected: true, subscriptions: 1, messages: 9, ratePerSec: 1, reconnects: 0, updatedAt: 2 }))
    try {
      const listed = await listProcesses({ dir })
      expect(listed.map((p) => [p.pid, p.alive])).to.deep.equal([[DEAD_PID, false], [process.pid, true]])
      expect(readdirSync(dir)).to.deep.equal([`${process.pid}.json`])
    } finally {
      await publisher.close()
    }
  })

  it('removes a temp file left by a dead process', async () => {
    const { mkdirSync } = await import('node:fs')
    mkdirSync(dir, { recursive: true })
    writeFileSync(path.join(dir, `${DEAD_PID}.json.tmp`), '{"pid":')
    expect(await listProcesses({ dir })).to.deep.equal([])
    expect(readdirSync(dir)).to.deep.equal([])
  })

  it('lists nothing when the runtime dir does not exist', async () => {
    expect(await listProcesses({ dir: path.join(base, 'absent') })).to.deep.equal([])
  })
})
