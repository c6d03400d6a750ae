/**
 * The fast path for a TypeScript file in a thread of its own (src/strategy/self-contained.ts): a file
 * that needs nothing but 'neural' and Node's built-ins is compiled and imported natively; any other
 * comes back undefined with none of its code run, for tsx to load.
 */
import { expect } from 'chai'
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import { importSelfContained } from '../../src/strategy/self-contained.js'
import { ensureBuilt, ROOT, tempDir } from '../commands/helpers.js'

const NEURAL = join(ROOT, 'dist', 'index.js')

describe('self-contained TypeScript files, compiled without tsx', function () {
  this.timeout(60_000)
  const tmp = tempDir('neural-self-contained-')
  /** Where the compiled module is written while it loads: a folder of this test's, to see it emptied. */
  const scratch = join(tmp.dir, 'scratch')
  let savedTmpdir: string | undefined
  let n = 0

  before(async () => {
    await ensureBuilt()
    mkdirSync(scratch)
    savedTmpdir = process.env.TMPDIR
    process.env.TMPDIR = scratch
  })

  after(() => {
    if (savedTmpdir === undefined) delete process.env.TMPDIR
    else process.env.TMPDIR = savedTmpdir
    tmp.remove()
  })

  /** A strategy file in a folder of its own; its top level records that it ran under `marker`. */
  function file(source: string, name = 'strategy.ts'): { path: string; marker: string } {
    const dir = join(tmp.dir, `case-${++n}`)
    mkdirSync(dir, { recursive: true })
    const marker = `__selfContained${n}`
    writeFileSync(join(dir, name), `;(globalThis as Record<string, unknown>).${marker} = true\n${source}`)
    return { path: join(dir, name), marker }
  }

  const ran = (marker: string) => (globalThis as Record<string, unknown>)[marker] === true

  it("imports a file that takes values from 'neural' and Node's modules, with the neural it is given", async () => {
    const f = file([
      "import { parseNflTicker, type Strategy } from 'neural'",
      "import { basename } from 'node:path'",
      'enum Side { Yes = "yes", No = "no" }',
      'export const parse = parseNflTicker',
      "export const base = basename('/a/b.ts')",
      'export const side: string = Side.No',
      "const strategy: Strategy = { name: 'fast', markets: ['*'], onTick() {} }",
      'export default strategy',
    ].join('\n'))
    const ns = await importSelfContained(f.path, NEURAL)
    expect(ns).to.not.equal(undefined)
    expect((ns!.default as { name: string }).name).to.equal('fast')
    expect(ns!.base).to.equal('b.ts')
    expect(ns!.side).to.equal('no')
    const neural = (await import(pathToFileURL(NEURAL).href)) as Record<string, unknown>
    expect(ns!.parse).to.equal(neural.parseNflTicker)
    expect(ran(f.marker)).to.equal(true)
    expect(readdirSync(scratch), 'the compiled module is removed once loaded').to.deep.equal([])
  })

  it('keeps stack traces on the TypeScript file and line', async () => {
    const f = file([
      'interface Reason { text: string }',
      "const reason: Reason = { text: 'boom' }",
      'export function fail(): never {',
      '  throw new Error(reason.text)',
      '}',
    ].join('\n'))
    const ns = await importSelfContained(f.path, NEURAL)
    let stack = ''
    try {
      ;(ns!.fail as () => never)()
    } catch (error) {
      stack = (error as Error).stack ?? ''
    }
    // Line 5 of the file: the marker line comes first.
    expect(stack.split('\n')[1]).to.include(`${f.path}:5:9`)
  })

  it("takes the neural that Node's resolution finds from the file before the one it is given", async () => {
    const f = file("import { which } from 'neural'\nexport const got = which\n")
    const pkg = join(f.path, '..', 'node_modules', 'neural')
    mkdirSync(pkg, { recursive: true })
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'neural', type: 'module', exports: { '.': { import: './index.js' } } }))
    writeFileSync(join(pkg, 'index.js'), "export const which = 'installed beside the strategy'\n")
    const ns = await importSelfContained(f.path, NEURAL)
    expect(ns!.got).to.equal('installed beside the strategy')
  })

  it('throws what the top level of the file throws', async () => {
    const f = file("throw new Error('top level says no')\n")
    let message = ''
    await importSelfContained(f.path, NEURAL).catch((error: Error) => (message = error.message))
    expect(message).to.equal('top level says no')
    expect(readdirSync(scratch)).to.deep.equal([])
  })

  it('leaves nothing behind when its thread is ended while the top level of the file runs', async () => {
    const f = file("import { parentPort } from 'node:worker_threads'\nparentPort?.postMessage('looping')\nfor (;;) { /* never loads */ }\n")
    const module = JSON.stringify(pathToFileURL(join(ROOT, 'dist', 'strategy', 'self-contained.js')).href)
    const worker = new Worker(`import(${module}).then((m) => m.importSelfContained(${JSON.stringify(f.path)}, ${JSON.stringify(NEURAL)}))`, { eval: true })
    try {
      await new Promise<void>((resolve, reject) => {
        worker.once('message', () => resolve())
        worker.once('error', reject)
        worker.once('exit', (code) => reject(new Error(`the thread ended (${code}) before the file's top level ran`)))
      })
    } finally {
      await worker.terminate()
    }
    expect(readdirSync(scratch)).to.deep.equal([])
  })

  const needsTsx: Array<[string, string]> = [
    ['a file beside it', "import { x } from './helper.js'\nexport const y = x\n"],
    ['a package', "import { expect } from 'chai'\nexport const y = expect\n"],
    ['import.meta', 'export const here = import.meta.url\n'],
    ['require', "export const fs = require('node:fs')\n"],
    ['__dirname', 'export const dir = __dirname\n'],
    ['a dynamic import', "export const later = () => import('node:fs')\n"],
    ['CommonJS exports', 'export = { name: 1 }\n'],
    ['a syntax error', 'export const x = (\n'],
  ]
  for (const [what, source] of needsTsx) {
    it(`leaves a file that uses ${what} to tsx, without running any of it`, async () => {
      const f = file(source)
      if (what === 'a file beside it') writeFileSync(join(f.path, '..', 'helper.ts'), 'export const x = 1\n')
      expect(await importSelfContained(f.path, NEURAL)).to.equal(undefined)
      expect(ran(f.marker)).to.equal(false)
      expect(readdirSync(scratch)).to.deep.equal([])
    })
  }

  it("leaves a file to tsx when the neural it would get is TypeScript (neural run from source)", async () => {
    const f = file("import { parseNflTicker } from 'neural'\nexport const p = parseNflTicker\n")
    expect(await importSelfContained(f.path, join(ROOT, 'src', 'index.ts'))).to.equal(undefined)
    expect(ran(f.marker)).to.equal(false)
  })
})
