import { expect } from 'chai'
import { ensureBuilt, jsonLines, runNeural, tempDir } from '../commands/helpers.js'
import { TYPO_FILE } from '../strategy/helpers.js'

describe('neural dashboard: input', function () {
  this.timeout(60_000)
  const tmp = tempDir('neural-dashboard-input-')
  before(() => ensureBuilt())
  after(() => tmp.remove())

  it('refuses a hook that places orders, in one line, exit 2, before serving anything', async () => {
    const r = await runNeural(['dashboard', '--env', 'sim', '--strategy', 'strategies/arb.ts', '--hook', 'kalshi'], { runtimeDir: tmp.dir })
    expect(r.code).to.equal(2)
    expect(r.stderr.trim().split('\n')).to.have.length(1)
    expect(r.stderr).to.match(/--hook/).and.not.include('dashboard: http')
  })

  it('type-checks a .ts --strategy as run-strategy does: exit 2, STRATEGY_TYPECHECK', async () => {
    const r = await runNeural(['dashboard', '--env', 'sim', '--strategy', TYPO_FILE, '--json'], { runtimeDir: tmp.dir })
    expect(r.code, r.stderr).to.equal(2)
    expect(jsonLines(r.stdout).at(-1)).to.include({ type: 'error', code: 'STRATEGY_TYPECHECK', message: `${TYPO_FILE}: 2 type errors (--no-typecheck skips this check)` })
  })

  it('refuses a port out of range', async () => {
    const r = await runNeural(['dashboard', '--env', 'sim', '--port', '70000', '--json'], { runtimeDir: tmp.dir })
    expect(r.code).to.equal(2)
    expect(JSON.parse(r.stdout.trim())).to.include({ type: 'error', code: 'BAD_PORT' })
  })
})
