/**
 * NDJSON to a stream (stdout by default): one JSON object per line, field names as in src/core/types.ts.
 *
 * Writing is the hot path of `stream --json`: market events are written as bytes by per-type writers
 * (event-json.ts) into one buffer, other records by JSON.stringify, and the stream gets that buffer
 * once per turn of the event loop (setImmediate) instead of once per event.
 * When the reader goes away (`neural stream --json | head -5`), the write fails with EPIPE: the
 * writer stops quietly, drops what is pending and calls `onClosed` (by default: exit 0).
 *
 * A reader that stays but stops reading must not make the process grow without bound: while the pipe
 * is full, at most `maxBufferedBytes` of lines wait; further lines are dropped and counted (the feed is
 * never slowed down for a slow reader), and once the pipe takes data again a `{"type":"dropped","lines":N}`
 * line says how many were lost. Summary and error lines are never dropped.
 *
 * The reader never gets part of a line, however the process ends: on a pipe the buffer is written as
 * writes of whole lines of at most PIPE_BUF bytes, each once the last is taken (line-sender.ts says why).
 */
import type { ConnectionEvent, MarketEvent } from '../core/types.js'
import { LineBuffer } from './event-json.js'
import { defaultAtomicWriteBytes, LineSender } from './line-sender.js'

export { PIPE_BUF } from './line-sender.js'

export interface NdjsonWriterOptions {
  /** @default process.stdout */
  stream?: NodeJS.WritableStream
  /** Called once when the reader has gone away (EPIPE). @default () => process.exit(0) */
  onClosed?: () => void
  /** Lines waiting for a full pipe beyond this many bytes are dropped and counted. @default 1 MiB */
  maxBufferedBytes?: number
  /**
   * Largest write: chunks are cut on line ends into writes of at most this many bytes (a longer line
   * goes alone), each handed over once the stream has taken the last. undefined: a chunk in one write.
   * @default PIPE_BUF when `stream` is process.stdout on a pipe or socket, else undefined
   */
  atomicWriteBytes?: number
}

export interface NdjsonWriter {
  /** Queue one object; it is written on the next turn of the event loop. No-op once closed. */
  write(value: unknown): void
  /** Queue a market or connection event: the same line as write(), made without JSON.stringify. */
  event(event: MarketEvent | ConnectionEvent): void
  /** Write what is queued now; resolves when the stream has taken it (true), or false after `timeoutMs` if it has not. */
  flush(timeoutMs?: number): Promise<boolean>
  /** True once the reader has gone away. */
  readonly closed: boolean
  /** Lines dropped because the reader was too slow. */
  readonly dropped: number
}

/** Lines that must reach the reader even when it is slow. */
const KEPT_TYPES = new Set(['summary', 'error'])

export function createNdjsonWriter(options: NdjsonWriterOptions = {}): NdjsonWriter {
  const stream = options.stream ?? process.stdout
  const onClosed = options.onClosed ?? (() => process.exit(0))
  const lines = new LineBuffer()
  // process.stdout (a file, a pipe or a terminal) calls back once the OS has the bytes; a stream in
  // general may still hold the chunk after its callback (a PassThrough nobody reads), so its chunks are not reused.
  const reusable = stream === process.stdout
  const atomicWriteBytes = 'atomicWriteBytes' in options ? options.atomicWriteBytes : defaultAtomicWriteBytes(stream)
  let scheduled: NodeJS.Immediate | undefined
  let closed = false
  /** Flushes waiting for the stream to take what it holds. */
  let whenTaken: (() => void)[] = []
  const maxBufferedBytes = options.maxBufferedBytes ?? 1024 * 1024
  let dropped = 0
  let droppedUnreported = 0

  const close = () => {
    if (closed) return
    closed = true
    lines.take()
    sender.stop()
    if (scheduled) clearImmediate(scheduled)
    scheduled = undefined
    onClosed()
    taken()
  }
  const onError = (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') close()
    else throw error
  }
  stream.on('error', onError)
  // While the stream holds a write (sender.waiting), lines queue, and may be dropped.
  const sender = new LineSender({
    stream,
    atomicWriteBytes,
    onTaken: () => taken(),
    onError,
    onSent: reusable ? (chunk) => lines.release(chunk) : undefined,
  })

  /** The stream has taken everything: queued lines go on the next turn, a flush waiting on it goes on. */
  const taken = () => {
    if (!closed && lines.pos > 0 && !scheduled) scheduled = setImmediate(writeOut)
    const waiters = whenTaken
    whenTaken = []
    for (const resume of waiters) resume()
  }

  const writeOut = (): void => {
    scheduled = undefined
    if (closed || lines.pos === 0 || sender.waiting) return
    sender.send(take())
  }

  /** The queued lines as one chunk, after the notice of what was dropped since the last one. */
  const take = (): Buffer => {
    const chunk = lines.take()!
    if (droppedUnreported === 0) return chunk
    const notice = Buffer.from(JSON.stringify({ type: 'dropped', lines: droppedUnreported }) + '\n')
    droppedUnreported = 0
    return Buffer.concat([notice, chunk])
  }

  const flushNow = (): Promise<boolean> => {
    if (scheduled) clearImmediate(scheduled)
    scheduled = undefined
    return new Promise<boolean>((resolve) => {
      if (!closed && !sender.waiting) writeOut()
      if (closed || !sender.waiting) return resolve(true)
      whenTaken.push(() => resolve(flushNow()))
    })
  }

  /**
   * After a line was added at `start`: while the pipe is full, drop it when the backlog is over its
   * bound; otherwise write on the next turn of the event loop, or at once when a chunk's worth is
   * queued (in the benchmark one turn took up to 4,500 events, a megabyte of lines).
   */
  const queued = (start: number, kept: boolean) => {
    if (sender.waiting) {
      if (lines.pos > maxBufferedBytes && !kept) {
        lines.rewind(start)
        dropped++
        droppedUnreported++
      }
      return
    }
    if (lines.full) {
      if (scheduled) clearImmediate(scheduled)
      writeOut()
    } else if (!scheduled) scheduled = setImmediate(writeOut)
  }

  return {
    write(value) {
      if (closed) return
      const start = lines.pos
      lines.text(JSON.stringify(value))
      lines.newline()
      queued(start, KEPT_TYPES.has((value as { type?: string })?.type ?? ''))
    },
    event(event) {
      if (closed) return
      const start = lines.pos
      lines.event(event)
      lines.newline()
      queued(start, false)
    },
    flush(timeoutMs) {
      const done = flushNow()
      if (timeoutMs === undefined) return done
      let timer: NodeJS.Timeout | undefined
      const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)))
      return Promise.race([done, late]).finally(() => clearTimeout(timer))
    },
    get closed() {
      return closed
    },
    get dropped() {
      return dropped
    },
  }
}
