import { Writable } from 'node:stream'

/** A stream that records each write; while `holding`, it takes nothing until `release()` (a full pipe). */
export function holdingPipe(): { stream: Writable; writes: string[]; held: () => number; release: () => void; holding: boolean } {
  const pending: (() => void)[] = []
  const state = {
    writes: [] as string[],
    holding: false,
    held: () => pending.length,
    release: () => {
      state.holding = false
      for (const cb of pending.splice(0)) cb()
    },
    stream: new Writable({
      highWaterMark: 1024 * 1024,
      write(chunk: Buffer, _enc, cb) {
        state.writes.push(chunk.toString())
        if (state.holding) pending.push(cb)
        else cb()
      },
    }),
  }
  return state
}
