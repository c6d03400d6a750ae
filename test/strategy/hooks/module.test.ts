import { expect } from 'chai'
import { fileURLToPath } from 'node:url'
import { NeuralError } from '../../../src/errors.js'
import type { Strategy } from '../../../src/strategy/api.js'
import { createHook } from '../../../src/strategy/hooks/create-hook.js'
import { harness, tick } from '../helpers.js'

const repo = fileURLToPath(new URL('../../..', import.meta.url))
const hooks = 'test/fixtures/strategies/hooks'
const buyer: Strategy = { name: 'buyer', markets: ['*'], onTick: t => ({ action: 'BUY', ticker: t.ticker, side: 'yes', quantity: 1, confidence: 0.5, reason: 'test' }) }
const g = globalThis as unknown as { __neuralHookRecord?: { signal: Record<string, unknown>; yesAsk: number | undefined }[] }

async function hookError(spec: string): Promise<NeuralError> {
  try {
    await createHook(spec, { cwd: repo })
  } catch (error) {
    expect(error).to.be.instanceOf(NeuralError)
    return error as NeuralError
  }
  throw new Error('no error')
}

describe('module hook', () => {
  afterEach(() => { delete g.__neuralHookRecord })

  it('calls the default-exported function with each signal and a read-only store', async () => {
    const hook = await createHook(`module:${hooks}/record.ts`, { cwd: repo })
    const h = harness([buyer], { hooks: [hook], clock: 'replay' })
    h.feed(tick('A', { yesAsk: 0.45 }, 1_000), tick('B', { yesAsk: 0.55 }, 2_000))
    await h.engine.settle()
    expect(g.__neuralHookRecord!.map(r => [r.signal.ticker, r.signal.ts, r.yesAsk])).to.deep.equal([['A', 1_000, 0.45], ['B', 2_000, 0.55]])
    expect(Object.isFrozen(g.__neuralHookRecord![0]!.signal)).to.equal(true)
    expect(h.of('order').map(o => [o.hook, o.status])).to.deep.equal([[`module:${hooks}/record.ts`, 'sent'], [`module:${hooks}/record.ts`, 'sent']])
  })

  it('reports every throw from the hook and goes on', async () => {
    const hook = await createHook(`module:${hooks}/throws.mjs`, { cwd: repo })
    const h = harness([buyer], { hooks: [hook] })
    h.feed(tick('A'), tick('B'))
    await h.engine.settle()
    expect(h.of('error').map(e => [e.code, e.hook, e.strategy, e.message])).to.deep.equal([
      ['HOOK_ERROR', `module:${hooks}/throws.mjs`, 'buyer', `module:${hooks}/throws.mjs: hook cannot handle A`],
      ['HOOK_ERROR', `module:${hooks}/throws.mjs`, 'buyer', `module:${hooks}/throws.mjs: hook cannot handle B`],
    ])
    expect(h.of('signal')).to.have.length(2)
  })

  it('refuses a module that exports no function', async () => {
    const e = await hookError(`module:${hooks}/no-function.ts`)
    expect(e.message).to.equal(`--hook module:${hooks}/no-function.ts: exports no function (export default function (signal) { ... } or export function onSignal)`)
    expect(e.code).to.equal('HOOK_LOAD')
  })

  it('refuses a module file that does not exist', async () => {
    const e = await hookError(`module:${hooks}/absent.ts`)
    expect(e.message).to.equal(`--hook module:${hooks}/absent.ts: file not found`)
  })
})

describe('createHook', () => {
  it('refuses an unknown hook name and lists the known ones', async () => {
    const e = await hookError('papr')
    expect(e.message).to.equal("unknown hook 'papr' (one of: log, paper, exec:<command>, module:<file>, kalshi)")
    expect(e.exitCode).to.equal(2)
  })

  it('refuses exec: without a command', async () => {
    expect((await hookError('exec:')).message).to.equal('--hook exec:<command>: the command is empty')
  })

  it('makes the log hook by default name, which only prints', async () => {
    const hook = await createHook('log')
    const h = harness([buyer], { hooks: [hook] })
    h.feed(tick('A'))
    await h.engine.settle()
    expect(h.of('signal')).to.have.length(1)
    expect(h.of('order')).to.deep.equal([])
  })
})
