/**
 * What `npm install -g neural` gets (issue 14): what a user needs and nothing else — the licence the
 * package.json names, no source maps pointing at sources that are not shipped, no development
 * entry point, and no install-time script that would warn on a global install.
 */
import { expect } from 'chai'
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { ROOT } from './helpers.js'

describe('the npm package', function () {
  this.timeout(60_000)
  let files: string[]
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { license: string; scripts: Record<string, string>; bin: Record<string, string> }

  before(async () => {
    const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 })
    files = (JSON.parse(stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path)
  })

  it('ships the MIT LICENSE that package.json names', () => {
    expect(pkg.license).to.equal('MIT')
    expect(files).to.include('LICENSE')
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).to.match(/^MIT License\n/)
  })

  it('ships the CLI entry, the built library and the example strategies, and no source map, test or dev entry', () => {
    expect(files).to.include.members(['bin/run.js', 'dist/index.js', 'dist/index.d.ts', 'dist/commands/stream.js', 'strategies/arb.ts', 'README.md'])
    expect(files.filter((f) => f.endsWith('.map'))).to.deep.equal([])
    expect(files.filter((f) => f === 'bin/dev.js' || f.startsWith('src/') || f.startsWith('test/'))).to.deep.equal([])
    expect(Object.values(pkg.bin)).to.deep.equal(['./bin/run.js'])
  })

  it('builds when packed, not on install (a global install ran `prepare` and warned)', () => {
    expect(pkg.scripts).to.not.have.property('prepare')
    expect(pkg.scripts).to.not.have.property('install')
    expect(pkg.scripts).to.not.have.property('postinstall')
    expect(pkg.scripts.prepack).to.equal('npm run build')
  })
})
