import { expect } from 'chai'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import { importsNeuralAtRuntime } from '../../src/strategy/user-module.js'
import { ensureBuilt, ROOT } from '../commands/helpers.js'

describe('user modules', () => {
  describe("whether a file takes values from 'neural' (not only types)", () => {
    const cases: Array<[string, boolean]> = [
      ["import { parseNflTicker, type Signal } from 'neural'", true],
      ['import { defineStrategy } from "neural"', true],
      ["import * as neural from 'neural'", true],
      ["import neural from 'neural'", true],
      ["export { takerFeeDollars } from 'neural'", true],
      ["const neural = await import('neural')", true],
      ["import type { Strategy } from 'neural'", false],
      ["import { type Strategy, type Signal } from 'neural'", false],
      ["export type { Strategy } from 'neural'", false],
      ["import { readFileSync } from 'node:fs'\n// neural", false],
      ["import { x } from 'neural-helpers'", false],
    ]
    for (const [source, expected] of cases) {
      it(`${JSON.stringify(source)} → ${expected}`, () => {
        expect(importsNeuralAtRuntime(source)).to.equal(expected)
      })
    }
  })

  // In a strategy's worker the host has loaded neural already; a TypeScript strategy importing it must
  // get that copy, not a second one loaded through tsx's hooks (~0.4 s of CPU per strategy, and two
  // of every class).
  describe('a TypeScript file in a thread of its own (built neural, as the CLI runs it)', function () {
    this.timeout(60_000)
    before(() => ensureBuilt())

    const sameNeural = (ownThread: boolean) => new Promise<boolean>((resolve, reject) => {
      const dist = (rel: string) => JSON.stringify(pathToFileURL(join(ROOT, 'dist', rel)).href)
      const file = JSON.stringify(join(ROOT, 'test/fixtures/strategies/neural-identity.ts'))
      const worker = new Worker(`
        const { parentPort } = require('node:worker_threads')
        import(${dist('strategy/user-module.js')})
          .then((m) => m.importUserModule(${file}, { ownThread: ${ownThread} }))
          .then(async (ns) => parentPort.postMessage(ns.parseNflTicker === (await import(${dist('index.js')})).parseNflTicker))`, { eval: true })
      worker.once('message', (same: boolean) => { resolve(same); void worker.terminate() })
      worker.once('error', reject)
    })

    it("gets the copy of neural already loaded in the thread", async () => {
      expect(await sameNeural(true)).to.equal(true)
    })

    it('(a file loaded in a shared thread gets a copy of its own: tsx scopes its hooks to that one import)', async () => {
      expect(await sameNeural(false)).to.equal(false)
    })
  })
})
