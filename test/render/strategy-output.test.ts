import { expect } from 'chai'
import type { NdjsonWriter } from '../../src/render/ndjson.js'
import { createStrategyOutput } from '../../src/render/strategy-output.js'
import type { EngineEvent, SummaryEvent } from '../../src/strategy/events.js'

/** A writer that keeps what it is given. */
function keeping(): NdjsonWriter & { lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = []
  return { lines, write: (value: unknown) => { lines.push(value as Record<string, unknown>) } } as unknown as NdjsonWriter & { lines: Record<string, unknown>[] }
}

const hookError = (n: number): EngineEvent => ({ type: 'error', code: 'HOOK_ERROR', hook: 'module:./h.mjs', strategy: 's', message: `module:./h.mjs: reject #${n}`, ts: n })
const summary = { type: 'summary', strategies: [], signals: 3, events: 3, hooks: ['module:./h.mjs'] } as unknown as SummaryEvent

describe('strategy output: repeated reports', () => {
  it('shows the first of a kind, holds back repeats, and shows the last one held back before the summary', () => {
    const writer = keeping()
    const output = createStrategyOutput({ writer, colorLevel: 0, debug: false })
    for (let n = 1; n <= 4; n++) output.engineEvent(hookError(n))
    expect(writer.lines.map((l) => l.message)).to.deep.equal(['module:./h.mjs: reject #1'])
    output.summary(summary)
    // Found from outside: a hook that rejected every signal showed only its first rejection.
    expect(writer.lines.map((l) => [l.type, l.message, l.suppressed])).to.deep.equal([
      ['error', 'module:./h.mjs: reject #1', undefined],
      ['error', 'module:./h.mjs: reject #4', 2],
      ['summary', undefined, undefined],
    ])
  })

  it('adds nothing before the summary when nothing was held back', () => {
    const writer = keeping()
    const output = createStrategyOutput({ writer, colorLevel: 0, debug: false })
    output.engineEvent(hookError(1))
    output.summary(summary)
    expect(writer.lines.map((l) => l.type)).to.deep.equal(['error', 'summary'])
  })
})
