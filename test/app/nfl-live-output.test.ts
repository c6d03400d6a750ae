import { expect } from 'chai'
import { liveMode, screenRows, TerminalFrame, Throttle, type TimerClock } from '../../src/render/nfl-live-output.js'

/** A clock whose time and timers move only when the test says so. */
class FakeClock implements TimerClock {
  time = 1_000
  private timers: { at: number; fn: () => void; id: number }[] = []
  private nextId = 1

  now(): number {
    return this.time
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++
    this.timers.push({ at: this.time + ms, fn, id })
    return id
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle)
  }

  get pending(): number {
    return this.timers.length
  }

  advance(ms: number): void {
    const end = this.time + ms
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0]
      if (!due) break
      this.timers = this.timers.filter((t) => t !== due)
      this.time = due.at
      due.fn()
    }
    this.time = end
  }
}

describe('nfl live output', () => {
  describe('Throttle', () => {
    it('runs the first request at once', () => {
      const clock = new FakeClock()
      const runs: number[] = []
      new Throttle(() => runs.push(clock.now()), 100, clock).request()
      expect(runs).to.deep.equal([1_000])
    })

    it('collapses a burst within the interval into one run at the end of it', () => {
      const clock = new FakeClock()
      const runs: number[] = []
      const t = new Throttle(() => runs.push(clock.now()), 100, clock)
      t.request()
      for (let i = 0; i < 50; i++) {
        clock.advance(1)
        t.request()
      }
      expect(runs).to.deep.equal([1_000])
      clock.advance(100)
      expect(runs).to.deep.equal([1_000, 1_100])
    })

    it('runs at once again when a request comes after a quiet interval', () => {
      const clock = new FakeClock()
      const runs: number[] = []
      const t = new Throttle(() => runs.push(clock.now()), 100, clock)
      t.request()
      clock.advance(250)
      t.request()
      expect(runs).to.deep.equal([1_000, 1_250])
      expect(clock.pending).to.equal(0)
    })

    it('flush runs a pending request now and leaves no timer', () => {
      const clock = new FakeClock()
      const runs: number[] = []
      const t = new Throttle(() => runs.push(clock.now()), 100, clock)
      t.request()
      clock.advance(10)
      t.request()
      t.flush()
      expect(runs).to.deep.equal([1_000, 1_010])
      expect(clock.pending).to.equal(0)
    })

    it('flush does nothing when no run is pending', () => {
      const clock = new FakeClock()
      let runs = 0
      const t = new Throttle(() => runs++, 100, clock)
      t.request()
      t.flush()
      expect(runs).to.equal(1)
    })
  })

  describe('TerminalFrame', () => {
    function terminal(columns?: number) {
      const writes: string[] = []
      return { writes, out: { columns, write: (s: string) => writes.push(s) } }
    }

    it('draws the first frame as is and each later one over the previous frame', () => {
      const { writes, out } = terminal(80)
      const frame = new TerminalFrame(out)
      frame.draw('a\nb\nc')
      frame.draw('d\ne')
      frame.draw('f')
      expect(writes).to.deep.equal(['a\nb\nc\n', '\r\u001b[3A\u001b[0Jd\ne\n', '\r\u001b[2A\u001b[0Jf\n'])
    })

    it('does not redraw an unchanged frame', () => {
      const { writes, out } = terminal(80)
      const frame = new TerminalFrame(out)
      frame.draw('a\nb')
      frame.draw('a\nb')
      expect(writes).to.have.length(1)
    })

    it('counts wrapped rows when moving up over a line wider than the terminal', () => {
      const { writes, out } = terminal(10)
      const frame = new TerminalFrame(out)
      frame.draw(`${'x'.repeat(25)}\ny`)
      frame.draw('z')
      expect(writes[1]).to.equal('\r\u001b[4A\u001b[0Jz\n')
    })

    it('after release draws the next frame below what was written in between', () => {
      const { writes, out } = terminal(80)
      const frame = new TerminalFrame(out)
      frame.draw('a\nb')
      frame.release()
      frame.draw('a\nb')
      expect(writes).to.deep.equal(['a\nb\n', 'a\nb\n'])
    })
  })

  it('screenRows ignores colour codes and counts an empty line as one row', () => {
    expect(screenRows('\u001b[1mabcdefghij\u001b[22m\n\nab', 10)).to.equal(3)
    expect(screenRows('abcdefghijk', 10)).to.equal(2)
    expect(screenRows('abc', undefined)).to.equal(1)
  })

  it('liveMode is json under --json, tty on a terminal and lines otherwise', () => {
    expect(liveMode(true, { isTTY: true })).to.equal('json')
    expect(liveMode(false, { isTTY: true })).to.equal('tty')
    expect(liveMode(false, { isTTY: false })).to.equal('lines')
  })
})
