/**
 * The rc file search and a package.json: a broken one that may hold neural's config is a
 * CONFIG_PARSE error naming the file and the JSON problem; another project's broken one is not
 * neural's business; and nothing in the working dir but the rc search places is read or run.
 * The command cases run in the project dir (runCommand changes this process's working dir for the
 * run): cosmiconfig's explorer read package.json and .config/config.* from the process's working
 * dir, not from the dir the search starts in.
 */
import { existsSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import { expect } from 'chai'
import { loadConfig } from '../../src/config/load.js'
import Status from '../../src/commands/status.js'
import { runCommand } from '../support/run-command.js'
import { commands } from '../cli/fixtures/commands.js'
import { expectConfigError, tempProject } from './helpers.js'

describe('rc file search and package.json', function () {
  this.timeout(30_000)
  let project: ReturnType<typeof tempProject>
  beforeEach(() => {
    project = tempProject()
  })
  afterEach(() => project.cleanup())

  const load = () => loadConfig({ env: {}, cwd: project.dir })

  it('reports a broken package.json that mentions "neural" as CONFIG_PARSE with the file, line, column and reason', async () => {
    const file = project.write('package.json', '{"neural": ')
    await expectConfigError(load(), 'CONFIG_PARSE', `rc file ${file}: invalid JSON at line 1, column 11: Unexpected end of JSON input`)
  })

  it('skips a broken package.json that does not mention "neural" and reads the rc file beside it', async () => {
    project.write('package.json', '{"name": "other-project", ')
    const rc = project.write('.neuralrc.yaml', 'retryAttempts: 7\n')
    const { config, rcFile } = await load()
    expect(rcFile).to.equal(rc)
    expect(config.retryAttempts).to.equal(7)
  })

  it('stops the search at a broken package.json (the project root) all the same', async () => {
    project.write('package.json', '{"name": ')
    const sub = path.join(project.dir, 'a')
    mkdirSync(sub)
    const { rcFile } = await loadConfig({ env: {}, cwd: sub })
    expect(rcFile).to.equal(undefined)
  })

  it('reports a broken package.json named by --config even without "neural" in it', async () => {
    const file = project.write('package.json', '{"name": ')
    await expectConfigError(loadConfig({ env: {}, cwd: project.dir, configFile: 'package.json' }), 'CONFIG_PARSE', `rc file ${file}: invalid JSON at line 1, column 9: Unexpected end of JSON input`)
  })

  it('gives `status --json` a CONFIG_PARSE error line and exit 2 for a broken package.json in the working dir', async () => {
    const file = project.write('package.json', '{"neural": ')
    const r = await runCommand(Status, ['--env', 'sim', '--json'], { id: 'status', cwd: project.dir })
    expect(r.code).to.equal(2)
    const message = `rc file ${file}: invalid JSON at line 1, column 11: Unexpected end of JSON input`
    expect(JSON.parse(r.stdout)).to.deep.equal({ type: 'error', kind: 'config', code: 'CONFIG_PARSE', message })
    expect(r.stderr).to.equal(`error: ${message}\n`)
  })

  it('runs a command in a dir with another project\'s broken package.json', async () => {
    project.write('package.json', '{"name": "other-project", ')
    const r = await runCommand(commands.config!, ['--env', 'sim'], { cwd: project.dir })
    expect(r.stderr).to.equal('')
    expect(r.code).to.equal(0)
    expect(JSON.parse(r.stdout).config.environment).to.equal('sim')
  })

  it('does not run a .config/config.js of the working dir', async () => {
    mkdirSync(path.join(project.dir, '.config'))
    project.write('.config/config.js', 'require("node:fs").writeFileSync(require("node:path").join(__dirname, "ran"), "")\nmodule.exports = {}\n')
    const r = await runCommand(commands.config!, ['--env', 'sim'], { cwd: project.dir })
    expect(r.code).to.equal(0)
    expect(existsSync(path.join(project.dir, '.config', 'ran'))).to.equal(false)
  })
})
