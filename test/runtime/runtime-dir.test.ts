/**
 * An unusable runtime dir ($XDG_RUNTIME_DIR a file, or a file where <dir>/neural should be): the
 * status file is optional for a running command, which warns once and carries on; `status` cannot
 * list processes and says so with RUNTIME_DIR (exit 2). A relative XDG_RUNTIME_DIR is ignored (XDG spec).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { expect } from 'chai'
import { NeuralError } from '../../src/errors.js'
import { listProcesses, publishStatus, runtimeDir } from '../../src/runtime/status-registry.js'
import { cleanEnv, collect, type CliResult } from '../cli/run-cli.js'
import { BIN, ensureBuilt } from '../commands/helpers.js'

describe('an unusable runtime dir', function () {
  // The command cases start the built CLI and stream for a second.
  this.timeout(60_000)
  let base: string
  const children: ChildProcess[] = []
  before(async function () {
    this.timeout(300_000)
    await ensureBuilt()
  })
  beforeEach(() => {
    base = mkdtempSync(path.join(tmpdir(), 'neural-runtime-dir-'))
  })
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    rmSync(base, { recursive: true, force: true })
  })

  /** A regular file, to set XDG_RUNTIME_DIR to. */
  const aFile = () => {
    const file = path.join(base, 'not-a-dir')
    writeFileSync(file, '')
    return file
  }

  /** `neural <args>` (the built CLI), killed after 30 s (a hang fails the test instead of holding it). */
  const neural = async (args: string[], env: NodeJS.ProcessEnv, cwd = base): Promise<CliResult> => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: cleanEnv({ NO_COLOR: '1', ...env }), stdio: ['ignore', 'pipe', 'pipe'] })
    children.push(child)
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    try {
      return await collect(child)
    } finally {
      clearTimeout(timer)
    }
  }

  it('ignores a relative XDG_RUNTIME_DIR', () => {
    expect(runtimeDir({ XDG_RUNTIME_DIR: 'run/user' })).to.equal(path.join(tmpdir(), `neural-${process.getuid!()}`))
  })

  it('publishes nothing and warns once when XDG_RUNTIME_DIR is a regular file', async () => {
    const dir = path.join(aFile(), 'neural')
    const warnings: string[] = []
    const first = await publishStatus({ command: 'stream', args: [], environment: 'sim' }, { dir, warn: (m) => warnings.push(m) })
    const second = await publishStatus({ command: 'stream', args: [], environment: 'sim' }, { dir, warn: (m) => warnings.push(m) })
    first.update({ messages: 3 })
    await first.write()
    await first.close()
    await second.close()
    expect(warnings).to.deep.equal([`runtime dir ${dir} is unusable (not a directory): set NEURAL_RUNTIME_DIR to a dir of your own; \`neural status\` will not list this process`])
  })

  it('publishes nothing and warns when <dir>/neural is a regular file', async () => {
    const dir = path.join(base, 'neural')
    writeFileSync(dir, '')
    const warnings: string[] = []
    const publisher = await publishStatus({ command: 'stream', args: [], environment: 'sim' }, { dir, warn: (m) => warnings.push(m) })
    await publisher.close()
    expect(warnings).to.deep.equal([`runtime dir ${dir} is unusable (not a directory): set NEURAL_RUNTIME_DIR to a dir of your own; \`neural status\` will not list this process`])
  })

  it('lists processes in an unusable dir as a RUNTIME_DIR config error', async () => {
    const dir = path.join(aFile(), 'neural')
    const error = await listProcesses({ dir }).then(() => undefined, (e: unknown) => e)
    expect(error).to.be.instanceOf(NeuralError)
    expect((error as NeuralError).kind).to.equal('config')
    expect((error as NeuralError).code).to.equal('RUNTIME_DIR')
    expect((error as NeuralError).message).to.equal(`runtime dir ${dir} is unusable (not a directory): set NEURAL_RUNTIME_DIR to a dir of your own`)
  })

  it('lets `stream` run to its end with one warning line when XDG_RUNTIME_DIR is a regular file', async () => {
    const xdg = aFile()
    const r = await neural(['stream', 'KXNFLGAME-25SEP04DALPHI-PHI', '--env', 'sim', '--duration', '1', '--json'], { XDG_RUNTIME_DIR: xdg })
    expect(r.stderr).to.equal(`warning: runtime dir ${xdg}/neural is unusable (not a directory): set NEURAL_RUNTIME_DIR to a dir of your own; \`neural status\` will not list this process\n`)
    expect(r.code).to.equal(0)
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; messages?: number })
    expect(lines.at(-1)!.type).to.equal('summary')
    expect(lines.at(-1)!.messages).to.be.greaterThan(0)
  })

  it('gives `status --json` RUNTIME_DIR and exit 2 when XDG_RUNTIME_DIR is a regular file', async () => {
    const xdg = aFile()
    const r = await neural(['status', '--env', 'sim', '--json'], { XDG_RUNTIME_DIR: xdg })
    const message = `runtime dir ${xdg}/neural is unusable (not a directory): set NEURAL_RUNTIME_DIR to a dir of your own`
    expect(JSON.parse(r.stdout)).to.deep.equal({ type: 'error', kind: 'config', code: 'RUNTIME_DIR', message })
    expect(r.stderr).to.equal(`error: ${message}\n`)
    expect(r.code).to.equal(2)
  })

  it('does not create a runtime dir under the working dir for a relative XDG_RUNTIME_DIR', async () => {
    const cwd = path.join(base, 'work')
    const tmp = path.join(base, 'tmp')
    mkdirSync(cwd)
    mkdirSync(tmp)
    const r = await neural(['stream', 'KXNFLGAME-25SEP04DALPHI-PHI', '--env', 'sim', '--duration', '1', '--json'], { XDG_RUNTIME_DIR: 'run', TMPDIR: tmp }, cwd)
    expect(r.stderr).to.equal('')
    expect(r.code).to.equal(0)
    expect(existsSync(path.join(cwd, 'run'))).to.equal(false)
    // The fallback, <tmpdir>/neural-<uid>, was used (and the status file removed at the end).
    expect(readdirSync(path.join(tmp, `neural-${process.getuid!()}`))).to.deep.equal([])
  })
})
