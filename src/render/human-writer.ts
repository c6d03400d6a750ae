/**
 * Human lines to a stream (stdout by default), written once per turn of the event loop instead of
 * once per event, books coalesced: on the benchmark's frames, in one process, output cost 2.1 µs a
 * frame this way against 3.1 µs writing each line as it came (a write, a system call, per event).
 *
 * Within one turn's lines, a market's book is shown once, with its last state, where its last update came:
 * a busy book changes many times a millisecond, and a line per delta is more than a person can read
 * (under --json every book is written). Ticks, trades and every other line are kept, in order.
 * Lines are formatted in order at the end of their turn (dropped ones not at all), so each price is
 * coloured against the value shown before it.
 *
 * A reader that stops reading must not make the process grow without bound: while more than
 * `maxBufferedBytes` wait (here and in the stream), a turn's lines are dropped and counted (the feed
 * is never slowed down), with one warning on stderr. Kept lines (the summary) are never dropped.
 *
 * The reader never gets part of a line, however the process ends: on a pipe, lines go as writes of
 * whole lines of at most PIPE_BUF bytes, each once the last is taken (line-sender.ts), and wait here
 * meanwhile. So everything for stdout goes through this writer, the summary too (event-sink.ts):
 * a line written to the stream directly would pass the lines held here. Once the stream has taken a
 * held write, what waits goes at once, not a turn later, so that nothing is left here whenever the
 * stream is seen empty (on Ctrl-C, base-command.ts waits a moment for that, else puts the summary on stderr).
 */
import type { MarketEvent } from '../core/types.js'
import type { HumanFormatter } from './human.js'
import { defaultAtomicWriteBytes, LineSender } from './line-sender.js'

export interface HumanWriterOptions {
  formatter: HumanFormatter
  /** @default process.stdout */
  out?: NodeJS.WritableStream & { writableLength?: number }
  /** Called once when lines are first dropped. */
  onFirstDrop?: () => void
  /** Lines waiting (here and in the stream) beyond this many bytes make the next ones be dropped. @default 1 MiB */
  maxBufferedBytes?: number
  /**
   * Largest write: lines go in writes of whole lines of at most this many bytes (a longer line alone),
   * each handed over once the stream has taken the last. undefined: a turn's lines in one write.
   * @default PIPE_BUF when `out` is process.stdout on a pipe or socket, else undefined
   */
  atomicWriteBytes?: number
}

/** Entries of one turn before they are written at once (a replay can deliver far more in one turn). */
const MAX_PENDING = 4096

/** A line that is never dropped for a slow reader (the summary). */
interface KeptLine {
  kept: string
}

export class HumanWriter {
  private readonly formatter: HumanFormatter
  private readonly out: NodeJS.WritableStream & { writableLength?: number }
  private readonly maxBufferedBytes: number
  private readonly onFirstDrop: () => void
  private readonly sender: LineSender
  /** Events and lines of this turn, in order; a book that was shown again later in the turn leaves a hole. */
  private pending: (MarketEvent | string | KeptLine | undefined)[] = []
  /** Where each market's book waits in `pending`. */
  private readonly books = new Map<string, number>()
  /** Formatted lines waiting for the stream to take the write it holds. */
  private waiting: Buffer[] = []
  private waitingBytes = 0
  private scheduled: NodeJS.Immediate | undefined
  private closed = false
  /** Lines dropped because the reader was too slow. */
  dropped = 0

  constructor(options: HumanWriterOptions) {
    this.formatter = options.formatter
    this.out = options.out ?? process.stdout
    this.maxBufferedBytes = options.maxBufferedBytes ?? 1024 * 1024
    this.onFirstDrop = options.onFirstDrop ?? (() => undefined)
    const gone = (error: NodeJS.ErrnoException) => error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED'
    this.sender = new LineSender({
      stream: this.out,
      atomicWriteBytes: 'atomicWriteBytes' in options ? options.atomicWriteBytes : defaultAtomicWriteBytes(this.out),
      onTaken: () => this.writeOut(),
      onError: (error) => {
        if (gone(error)) this.close()
        else throw error
      },
    })
    this.out.on('error', (error: NodeJS.ErrnoException) => {
      // The reader went away: what is pending can never be read. (Ending the run is the command's business.)
      if (gone(error)) this.close()
    })
  }

  event(e: MarketEvent): void {
    if (this.closed) return
    if (e.type === 'book') {
      const at = this.books.get(e.ticker)
      if (at !== undefined) this.pending[at] = undefined
      this.books.set(e.ticker, this.pending.length)
    }
    this.queue(e)
  }

  /** A line of text, written in its place among the events; `keep`: never dropped for a slow reader (the summary). */
  line(text: string, options: { keep?: boolean } = {}): void {
    if (!this.closed) this.queue(options.keep ? { kept: text } : text)
  }

  /** Hand what is pending to the stream now (before a summary line, or on the way out); on a full pipe it waits here. */
  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled)
    this.scheduled = undefined
    if (this.closed || this.pending.length === 0) return
    const pending = this.pending
    this.pending = []
    this.books.clear()
    // A reader too slow for the bound: this turn's lines are dropped (not formatted, so each price shown
    // is still coloured against the one shown before it), kept lines still go.
    const tooSlow = (this.out.writableLength ?? 0) + this.sender.unsent + this.waitingBytes > this.maxBufferedBytes
    let lines = 0
    let text = ''
    for (const entry of pending) {
      if (entry === undefined) continue
      if (typeof entry === 'object' && 'kept' in entry) text += entry.kept + '\n'
      else if (tooSlow) lines++
      else text += (typeof entry === 'string' ? entry : this.formatter.format(entry)) + '\n'
    }
    if (lines > 0) {
      if (this.dropped === 0) this.onFirstDrop()
      this.dropped += lines
    }
    if (text === '') return
    const chunk = Buffer.from(text)
    this.waiting.push(chunk)
    this.waitingBytes += chunk.length
    this.writeOut()
  }

  /** What waits goes to the stream as one chunk, unless the stream still holds a write. */
  private writeOut(): void {
    if (this.closed || this.sender.waiting || this.waiting.length === 0) return
    const chunk = this.waiting.length === 1 ? this.waiting[0]! : Buffer.concat(this.waiting)
    this.waiting = []
    this.waitingBytes = 0
    this.sender.send(chunk)
  }

  private queue(entry: MarketEvent | string | KeptLine): void {
    this.pending.push(entry)
    if (this.pending.length >= MAX_PENDING) this.flush()
    else this.scheduled ??= setImmediate(() => this.flush())
  }

  private close(): void {
    this.closed = true
    this.sender.stop()
    this.pending = []
    this.books.clear()
    this.waiting = []
    this.waitingBytes = 0
    if (this.scheduled) clearImmediate(this.scheduled)
    this.scheduled = undefined
  }
}
