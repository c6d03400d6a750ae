/**
 * Chunks of whole lines to a stream, so that the reader never gets part of a line however the process
 * ends (ndjson.ts and human-writer.ts both write this way). On a pipe or socket a chunk goes as writes
 * of whole lines of at most PIPE_BUF bytes, each handed over once the stream has taken the last, and
 * the OS takes such a write whole or not at all. A 48 KiB write into a full pipe was taken in part, the
 * rest left to Node; the exit on Ctrl-C (shutdown.ts's deadline, a reader too slow for the summary)
 * dropped that rest, and the reader's last line was `{"type":"ticker","t`. (Only a line longer than
 * PIPE_BUF, a very deep book, can still be cut.) Into `| cat`, 2M ticker lines cost ~5% more CPU this way.
 */
import { fstatSync } from 'node:fs'

/** Writes of at most this many bytes to a pipe are atomic: POSIX PIPE_BUF, 4096 on Linux (512 is all POSIX promises, and macOS's). */
export const PIPE_BUF = process.platform === 'linux' ? 4096 : 512

/** End of the next write of `chunk` from `at`: whole lines, at most `max` bytes (a longer line alone). */
export function writeEnd(chunk: Buffer, at: number, max: number): number {
  if (chunk.length - at <= max) return chunk.length
  const lastNewline = chunk.lastIndexOf(10, at + max - 1)
  if (lastNewline >= at) return lastNewline + 1
  const lineEnd = chunk.indexOf(10, at)
  return lineEnd === -1 ? chunk.length : lineEnd + 1
}

/**
 * Whether stdout is a pipe or a socket (a child's stdio from Node is a socketpair), where a write
 * into a full buffer may be taken in part; a file or a terminal takes each write whole.
 */
export function stdoutIsPipe(): boolean {
  try {
    const info = fstatSync(1)
    return info.isFIFO() || info.isSocket()
  } catch {
    return false
  }
}

/** `atomicWriteBytes` unless given: PIPE_BUF for process.stdout on a pipe or socket, else undefined (a chunk in one write). */
export function defaultAtomicWriteBytes(stream: NodeJS.WritableStream): number | undefined {
  return stream === process.stdout && stdoutIsPipe() ? PIPE_BUF : undefined
}

export interface LineSenderOptions {
  stream: NodeJS.WritableStream
  /**
   * Largest write: a chunk is cut on line ends into writes of at most this many bytes (a longer line
   * goes alone). undefined: a chunk in one write.
   */
  atomicWriteBytes: number | undefined
  /** The stream has taken the write it held and the chunk is all handed over: the next one may go. */
  onTaken: () => void
  /** A write threw (the caller decides which errors end its output). */
  onError: (error: NodeJS.ErrnoException) => void
  /** The last write of `chunk` went through without error: its memory may be reused. */
  onSent?: (chunk: Buffer) => void
}

/**
 * Sends one chunk at a time: on to the next write at once while the stream takes each as it comes
 * (nothing left in it), else from the held write's callback. While `waiting`, the caller keeps its
 * lines; `onTaken` says when it may send again.
 */
export class LineSender {
  /** True while the stream holds a write it has not taken (a full pipe). */
  waiting = false
  private readonly options: LineSenderOptions
  /** What is left of the chunk being sent. */
  private sending: { chunk: Buffer; at: number } | undefined
  private stopped = false

  constructor(options: LineSenderOptions) {
    this.options = options
  }

  /** Bytes of the chunk being sent not yet handed to the stream. */
  get unsent(): number {
    return this.sending ? this.sending.chunk.length - this.sending.at : 0
  }

  /** Start sending `chunk` (not while `waiting`). False when the stream holds a write; `onTaken` follows. */
  send(chunk: Buffer): boolean {
    if (this.stopped) return true
    this.sending = { chunk, at: 0 }
    return this.next()
  }

  /** The reader has gone away: the rest is dropped and nothing more is written. */
  stop(): void {
    this.stopped = true
    this.sending = undefined
  }

  private next(): boolean {
    const { stream, atomicWriteBytes } = this.options
    while (this.sending && !this.stopped) {
      const { chunk, at } = this.sending
      const end = atomicWriteBytes === undefined ? chunk.length : writeEnd(chunk, at, atomicWriteBytes)
      const last = end === chunk.length
      this.sending = last ? undefined : { chunk, at: end }
      let held = false
      const written = (error?: Error | null) => {
        if (last && !error) this.options.onSent?.(chunk)
        if (!held || error || this.stopped) return
        this.waiting = false
        if (this.next()) this.options.onTaken()
      }
      try {
        stream.write(at === 0 && last ? chunk : chunk.subarray(at, end), written)
      } catch (error) {
        this.options.onError(error as NodeJS.ErrnoException)
        return true
      }
      if ((stream as { writableLength?: number }).writableLength) {
        held = this.waiting = true
        return false
      }
    }
    return true
  }
}
