/**
 * NDJSON to a stream (stdout by default): one JSON object per line, field names as in src/core/types.ts.
 *
 * Writing is the hot path of `stream --json`: market events are written as bytes by per-type writers
 * (event-json.ts) into one buffer, other records by JSON.stringify, and the stream gets that buffer in
 * one write per turn of the event loop (setImmediate) instead of one per event.
 * When the reader goes away (`neural stream --json | head -5`), the write fails with EPIPE: the
 * writer stops quietly, drops what is pending and calls `onClosed` (by default: exit 0).
 *
 * A reader that stays but stops reading must not make the process grow without bound: while the pipe
 * is full, at most `maxBufferedBytes` of lines wait; further lines are dropped and counted (the feed is
 * never slowed down for a slow reader), and once the pipe takes data again a `{"type":"dropped","lines":N}`
 * line says how many were lost. Summary and error lines are never dropped.
 */
import type { ConnectionEvent, MarketEvent } from '../core/types.js'
import { LineBuffer } from './event-json.js'

export interface NdjsonWriterOptions {
  /** @default process.stdout */
  stream?: NodeJS.WritableStream
  /** Called once when the reader has gone away (EPIPE). @default () => process.exit(0) */
  onClosed?: () => void
  /** Lines waiting for a full pipe beyond this many bytes are dropped and counted. @default 1 MiB */
  maxBufferedBytes?: number
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
  let scheduled: NodeJS.Immediate | undefined
  let closed = false
  let waitingForDrain = false
  const maxBufferedBytes = options.maxBufferedBytes ?? 1024 * 1024
  let dropped = 0
  let droppedUnreported = 0

  const close = () => {
    if (closed) return
    closed = true
    lines.take()
    if (scheduled) clearImmediate(scheduled)
    scheduled = undefined
    onClosed()
  }
  const onError = (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') close()
    else throw error
  }
  stream.on('error', onError)

  const writeOut = (): boolean => {
    scheduled = undefined
    if (closed || lines.pos === 0 || waitingForDrain) return true
    const chunk = take()
    try {
      const ok = reusable ? stream.write(chunk, () => lines.release(chunk)) : stream.write(chunk)
      if (!ok) {
        // Keep queueing while the pipe is full; write the backlog in one piece on drain.
        waitingForDrain = true
        stream.once('drain', () => {
          waitingForDrain = false
          if (lines.pos > 0 && !scheduled) scheduled = setImmediate(writeOut)
        })
      }
      return ok
    } catch (error) {
      onError(error as NodeJS.ErrnoException)
      return false
    }
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
      if (closed) return resolve(true)
      if (waitingForDrain) {
        stream.once('drain', () => resolve(flushNow()))
        return
      }
      if (lines.pos === 0) return resolve(true)
      stream.write(take(), () => resolve(true))
    })
  }

  /**
   * After a line was added at `start`: while the pipe is full, drop it when the backlog is over its
   * bound; otherwise write on the next turn of the event loop, or at once when a chunk's worth is
   * queued (in the benchmark one turn took up to 4,500 events, a megabyte of lines).
   */
  const queued = (start: number, kept: boolean) => {
    if (waitingForDrain) {
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
