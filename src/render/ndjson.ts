/**
 * NDJSON to a stream (stdout by default): one JSON object per line, field names as in src/core/types.ts.
 *
 * Writing is the hot path of `stream --json`: each event is stringified once, lines are joined, and
 * the stream gets one write per turn of the event loop (setImmediate) instead of one per event.
 * When the reader goes away (`neural stream --json | head -5`), the write fails with EPIPE: the
 * writer stops quietly, drops what is pending and calls `onClosed` (by default: exit 0).
 *
 * A reader that stays but stops reading must not make the process grow without bound: while the pipe
 * is full, at most `maxBufferedBytes` of lines wait; further lines are dropped and counted (the feed is
 * never slowed down for a slow reader), and once the pipe takes data again a `{"type":"dropped","lines":N}`
 * line says how many were lost. Summary and error lines are never dropped.
 */

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
  let lines: string[] = []
  let scheduled: NodeJS.Immediate | undefined
  let closed = false
  let waitingForDrain = false
  const maxBufferedBytes = options.maxBufferedBytes ?? 1024 * 1024
  let queuedBytes = 0
  let dropped = 0
  let droppedUnreported = 0

  const close = () => {
    if (closed) return
    closed = true
    lines = []
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
    if (closed || lines.length === 0 || waitingForDrain) return true
    const chunk = take()
    try {
      const ok = stream.write(chunk)
      if (!ok) {
        // Keep queueing while the pipe is full; write the backlog in one piece on drain.
        waitingForDrain = true
        stream.once('drain', () => {
          waitingForDrain = false
          if (lines.length > 0 && !scheduled) scheduled = setImmediate(writeOut)
        })
      }
      return ok
    } catch (error) {
      onError(error as NodeJS.ErrnoException)
      return false
    }
  }

  /** The queued lines as one chunk, after the notice of what was dropped since the last one. */
  const take = (): string => {
    if (droppedUnreported > 0) {
      lines.unshift(JSON.stringify({ type: 'dropped', lines: droppedUnreported }))
      droppedUnreported = 0
    }
    const chunk = lines.join('\n') + '\n'
    lines = []
    queuedBytes = 0
    return chunk
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
      if (lines.length === 0) return resolve(true)
      stream.write(take(), () => resolve(true))
    })
  }

  return {
    write(value) {
      if (closed) return
      const line = JSON.stringify(value)
      if (waitingForDrain && queuedBytes + line.length > maxBufferedBytes && !KEPT_TYPES.has((value as { type?: string })?.type ?? '')) {
        dropped++
        droppedUnreported++
        return
      }
      lines.push(line)
      queuedBytes += line.length + 1
      if (!scheduled && !waitingForDrain) scheduled = setImmediate(writeOut)
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
