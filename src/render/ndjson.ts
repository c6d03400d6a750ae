/**
 * NDJSON to a stream (stdout by default): one JSON object per line, field names as in src/core/types.ts.
 *
 * Writing is the hot path of `stream --json`: each event is stringified once, lines are joined, and
 * the stream gets one write per turn of the event loop (setImmediate) instead of one per event.
 * When the reader goes away (`neural stream --json | head -5`), the write fails with EPIPE: the
 * writer stops quietly, drops what is pending and calls `onClosed` (by default: exit 0).
 */

export interface NdjsonWriterOptions {
  /** @default process.stdout */
  stream?: NodeJS.WritableStream
  /** Called once when the reader has gone away (EPIPE). @default () => process.exit(0) */
  onClosed?: () => void
}

export interface NdjsonWriter {
  /** Queue one object; it is written on the next turn of the event loop. No-op once closed. */
  write(value: unknown): void
  /** Write what is queued now; resolves when the stream has taken it. */
  flush(): Promise<void>
  /** True once the reader has gone away. */
  readonly closed: boolean
}

export function createNdjsonWriter(options: NdjsonWriterOptions = {}): NdjsonWriter {
  const stream = options.stream ?? process.stdout
  const onClosed = options.onClosed ?? (() => process.exit(0))
  let lines: string[] = []
  let scheduled: NodeJS.Immediate | undefined
  let closed = false
  let waitingForDrain = false

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
    const chunk = lines.join('\n') + '\n'
    lines = []
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

  return {
    write(value) {
      if (closed) return
      lines.push(JSON.stringify(value))
      if (!scheduled && !waitingForDrain) scheduled = setImmediate(writeOut)
    },
    flush() {
      if (scheduled) clearImmediate(scheduled)
      scheduled = undefined
      return new Promise<void>((resolve) => {
        if (closed) return resolve()
        if (waitingForDrain) {
          stream.once('drain', () => resolve(this.flush()))
          return
        }
        if (lines.length === 0) return resolve()
        const chunk = lines.join('\n') + '\n'
        lines = []
        stream.write(chunk, () => resolve())
      })
    },
    get closed() {
      return closed
    },
  }
}
