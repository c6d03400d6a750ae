import { expect } from 'chai'
import { execFileSync } from 'node:child_process'
import { pathToFileURL } from 'node:url'
import { join } from 'node:path'
import { PromotedMemoryWatch } from '../../src/core/young-generation.js'
import { ensureBuilt, ROOT } from '../commands/helpers.js'

const MB = 1024 * 1024

/** A watch over scripted readings (MB), recording when it collected; instant collections, a second apart. */
function scripted(readingsMb: number[], thresholdBytes = 2 * MB) {
  const readings = [...readingsMb]
  let last = 0
  let clockMs = 0
  const collectedAt: number[] = []
  const watch = new PromotedMemoryWatch({
    // Each reading a second after the last; a collection takes no time.
    readBytes: () => {
      clockMs += 1000
      return (last = readings.shift() ?? last) * MB
    },
    collect: () => collectedAt.push(last),
    thresholdBytes,
    now: () => clockMs,
  })
  return { watch, collectedAt }
}

describe('PromotedMemoryWatch (memory the small young generation strands outside the heap)', () => {
  it('collects once the memory has grown by the threshold over its low point, and takes the reading after as the new low point', () => {
    // check: 80 (low) → 81 → 82.5 (collect; after it 80.5) → 81.5 → 82.6 (collect; after it 81), threshold 2
    const { watch, collectedAt } = scripted([80, 81, 82.5, 80.5, 81.5, 82.6, 81])
    const outcomes = [watch.check(), watch.check(), watch.check(), watch.check(), watch.check()]
    expect(outcomes).to.deep.equal([false, false, true, false, true])
    expect(collectedAt).to.deep.equal([82.5, 82.6])
    expect(watch.collected).to.equal(2)
  })

  it('follows the memory down without collecting, and never collects while it stays within the threshold of its lowest', () => {
    const { watch, collectedAt } = scripted([90, 85, 86.9, 84, 85.9, 85.9])
    for (let i = 0; i < 6; i++) expect(watch.check()).to.equal(false)
    expect(collectedAt).to.deep.equal([])
  })

  it('settles once the memory grows for good: one collection per threshold of lasting growth, none after', () => {
    // Buffers the program keeps: the memory climbs to 66 and stays, whatever a collection frees.
    const { watch, collectedAt } = scripted([60, 63, 63, 66, 66, 66, 66, 66])
    const outcomes = [watch.check(), watch.check(), watch.check(), watch.check(), watch.check()]
    expect(outcomes).to.deep.equal([false, true, true, false, false])
    expect(collectedAt).to.deep.equal([63, 66])
  })

  it('waits a hundred times as long as its last collection took before the next, whatever the memory does', () => {
    // The memory grows 3 MB a check for good (buffers of the program's own); each collection takes 50 ms.
    let clockMs = 0
    let mb = 100
    const collectedAtMs: number[] = []
    const watch = new PromotedMemoryWatch({
      readBytes: () => mb * MB,
      collect: () => {
        collectedAtMs.push(clockMs)
        clockMs += 50
      },
      now: () => clockMs,
    })
    for (let second = 0; second < 20; second++) {
      watch.check()
      mb += 3
      clockMs += 1000 - (clockMs % 1000)
    }
    // At 1 s (103 over the low point of 100), then not before 1.05 + 5 = 6.05 s: 7 s, then 13 s, then 19 s.
    expect(collectedAtMs).to.deep.equal([1000, 7000, 13_000, 19_000])
  })

  /**
   * Run `body` in a process of its own (the flags are process-wide) after keepYoungGenerationSmall(),
   * with `watch` (what it returned) and `gc` (from a context made after the call) in scope; what the
   * body logs as JSON is the result.
   */
  async function inOwnProcess<T>(body: string): Promise<T> {
    await ensureBuilt()
    const url = pathToFileURL(join(ROOT, 'dist', 'core', 'young-generation.js')).href
    const script = `
      const { keepYoungGenerationSmall } = await import(${JSON.stringify(url)})
      const { runInNewContext } = await import('node:vm')
      const watch = keepYoungGenerationSmall()
      const gc = runInNewContext('gc')
      ${body}
    `
    return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as T
  }

  it('is wired into keepYoungGenerationSmall with a full collection that works (in a process of its own)', async function () {
    this.timeout(60_000)
    // After the call a new context has V8's gc(): an object only a WeakRef holds is gone after it
    // (WeakRefs keep their target to the end of the job that made or read them, hence a turn of the
    // event loop before the collection).
    const out = await inOwnProcess<Record<string, unknown>>(`
      const ref = new WeakRef({ payload: new Array(1000).fill('x') })
      const tick = () => new Promise((resolve) => setTimeout(resolve, 0))
      await tick()
      const before = ref.deref() !== undefined
      await tick()
      gc()
      console.log(JSON.stringify({ gc: typeof gc, before, after: ref.deref() !== undefined }))
    `)
    expect(out).to.deep.equal({ gc: 'function', before: true, after: false })
  })

  it('in a process of its own: buffers promoted and then dropped are freed within seconds, not left for V8', async function () {
    this.timeout(60_000)
    // What a flood does to a socket's reads, faster: 1 MB of 64 KB Buffers every 50 ms, alive across two
    // scavenges (so promoted to the old generation), then dropped. V8 alone would not run a full
    // collection for them while its heap hardly grows; the watch does, once a second at most.
    const out = await inOwnProcess<{ collected: number; peakMb: number; afterMb: number; again: boolean }>(`
      const deadline = Date.now() + 30_000
      let peak = 0
      while (watch.collected === 0 && Date.now() < deadline) {
        let held = Array.from({ length: 16 }, () => Buffer.alloc(64 * 1024, 1))
        gc({ type: 'minor' })
        gc({ type: 'minor' })
        held = undefined
        peak = Math.max(peak, process.memoryUsage().arrayBuffers)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      // V8 frees the backing stores on a thread of its own after the collection, slower on a busy machine.
      const freedBy = Date.now() + 15_000
      while (process.memoryUsage().arrayBuffers > peak - 1048576 && Date.now() < freedBy) await new Promise((resolve) => setTimeout(resolve, 20))
      console.log(JSON.stringify({ collected: watch.collected, peakMb: peak / 1048576, afterMb: process.memoryUsage().arrayBuffers / 1048576, again: keepYoungGenerationSmall() === undefined }))
    `)
    expect(out.collected, JSON.stringify(out)).to.equal(1)
    expect(out.peakMb, JSON.stringify(out)).to.be.greaterThan(2)
    expect(out.afterMb, JSON.stringify(out)).to.be.lessThan(out.peakMb - 1)
    expect(out.again).to.equal(true)
  })
})
