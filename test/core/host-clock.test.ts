/**
 * hostMonotonicMs (src/core/host-clock.ts) is what the benchmark's latencies are measured with, a
 * stamp made in one process and read in another: in a process that has only just loaded it, it must
 * already read the host's monotonic clock, not that clock minus the time `performance` took to load.
 */
import { expect } from 'chai'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { ensureBuilt, ROOT } from '../commands/helpers.js'

describe('the host monotonic clock', function () {
  this.timeout(30_000)
  before(() => ensureBuilt())

  it('agrees with process.hrtime to a few microseconds in a fresh process, first read included', async () => {
    const module = JSON.stringify(pathToFileURL(join(ROOT, 'dist', 'core', 'host-clock.js')).href)
    // The smallest gap of three reads: another process may take the core between two of them.
    const script = `import { hostMonotonicMs } from ${module}
      const gaps = []
      for (let i = 0; i < 3; i++) { const before = Number(process.hrtime.bigint()) / 1e6; const ours = hostMonotonicMs(); const after = Number(process.hrtime.bigint()) / 1e6; gaps.push(ours < before ? ours - before : ours > after ? ours - after : 0) }
      console.log(JSON.stringify(gaps))`
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script])
    const gaps = JSON.parse(stdout) as number[]
    expect(Math.min(...gaps.map(Math.abs)), `ms outside [hrtime before, hrtime after]: ${stdout}`).to.be.below(0.05)
  })
})
