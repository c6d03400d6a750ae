/**
 * How the live `nfl` commands put changing state on screen: redrawn in place on a terminal, one
 * record per change otherwise, and never more often than a frame interval so a burst of updates
 * does not flood the terminal or the pipe.
 */

/** 'tty': redraw in place; 'lines': one human line (or panel) per change; 'json': one NDJSON object per change. */
export type LiveMode = 'tty' | 'lines' | 'json'

/** The mode for a command's flags and stdout. */
export function liveMode(json: boolean, out: { isTTY?: boolean } = process.stdout): LiveMode {
  if (json) return 'json'
  return out.isTTY ? 'tty' : 'lines'
}

/** ~10 frames per second: fast enough to feel live, slow enough that a burst costs one redraw. */
export const FRAME_INTERVAL_MS = 100

export interface TimerClock {
  now(): number
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export const systemClock: TimerClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
}

/**
 * Runs `fn` at most once per interval: the first request runs at once, requests within the interval
 * after a run collapse into one run at the end of it (so the last state is always shown).
 */
export class Throttle {
  private lastRunAt = -Infinity
  private timer: unknown
  private pending = false

  constructor(
    private readonly fn: () => void,
    private readonly intervalMs: number = FRAME_INTERVAL_MS,
    private readonly clock: TimerClock = systemClock,
  ) {}

  request(): void {
    if (this.pending) return
    const waitMs = this.lastRunAt + this.intervalMs - this.clock.now()
    if (waitMs <= 0) {
      this.run()
      return
    }
    this.pending = true
    this.timer = this.clock.setTimeout(() => this.run(), waitMs)
  }

  /** Run now if a run is pending (before a final summary, so the last state is not lost). */
  flush(): void {
    if (this.pending) this.run()
  }

  /** Drop a pending run. */
  cancel(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer)
    this.timer = undefined
    this.pending = false
  }

  /** Run now, whatever the interval. */
  run(): void {
    this.cancel()
    this.lastRunAt = this.clock.now()
    this.fn()
  }
}

const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g

/** Terminal rows `text` takes on a screen `columns` wide (long lines wrap). */
export function screenRows(text: string, columns?: number): number {
  const width = columns && columns > 0 ? columns : Infinity
  return text.split('\n').reduce((rows, line) => rows + Math.max(1, Math.ceil(line.replace(ANSI, '').length / width)), 0)
}

/**
 * A block of text redrawn in place: each draw moves the cursor up over the previous one and
 * clears to the end of the screen. An unchanged text is not redrawn.
 */
export class TerminalFrame {
  private rows = 0
  private last: string | undefined

  constructor(private readonly out: { write(text: string): unknown; columns?: number } = process.stdout) {}

  draw(text: string): void {
    if (text === this.last) return
    const erase = this.rows > 0 ? `\r\u001b[${this.rows}A\u001b[0J` : ''
    this.out.write(`${erase}${text}\n`)
    this.rows = screenRows(text, this.out.columns)
    this.last = text
  }

  /** Something else was written below the frame (a notice on stderr): the next draw starts afresh under it. */
  release(): void {
    this.rows = 0
    this.last = undefined
  }
}

/**
 * A record with its update time left out, for "did anything shown change?": a tick that changes no
 * price, line or volume is not worth another line.
 */
export function changeKey(record: { lastUpdate?: number; state?: { updatedAt?: number } }): string {
  // A game state re-read with nothing new (same score and clock) is not a change either.
  return JSON.stringify({ ...record, lastUpdate: undefined, state: record.state && { ...record.state, updatedAt: undefined } })
}
