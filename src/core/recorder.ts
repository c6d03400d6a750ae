/**
 * Record raw frames as NDJSON, and read them back for replay. Each line is
 * {"receivedAt": ms, "frame": "<raw text>"}; the first line is a header. Writes are buffered and
 * flushed with fs.writeSync, so a SIGINT/SIGTERM handler that calls flushSync() leaves a file in
 * which every line is valid JSON and nothing received before the signal is missing.
 */
import { closeSync, createReadStream, fchmodSync, ftruncateSync, openSync, writeSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { inputError, NeuralError } from '../errors.js'

export const RECORD_TYPE = 'neural-record'
export const RECORD_VERSION = 1

export interface RecordHeader {
  type: typeof RECORD_TYPE
  version: number
  startedAt: number
  [key: string]: unknown
}

export interface RecordedFrame {
  receivedAt: number
  frame: string
}

export interface RecorderOptions {
  /** Flush when this many bytes are buffered. @default 65536 */
  bufferBytes?: number
  /** Also flush on this period so a quiet stream still reaches the disk. @default 1000 */
  flushIntervalMs?: number
  /** Extra header fields (e.g. the targets). */
  header?: Record<string, unknown>
  now?: () => number
  /**
   * The first write that fails (a full disk, a file size limit, an I/O error): recording stops, the
   * file is cut back to its last complete line, and this is called once. Without it the error is thrown.
   */
  onError?: (error: NeuralError) => void
}

export class Recorder {
  private fd: number | undefined
  private chunks: string[] = []
  private bytes = 0
  private readonly bufferBytes: number
  private readonly timer?: NodeJS.Timeout
  /** Bytes of complete lines on disk: where the file is cut back to when a write fails. */
  private committedBytes = 0
  private readonly onError?: (error: NeuralError) => void
  /** Frames handed to write() so far (buffered or on disk). */
  frames = 0
  /** Frames whose line is complete on disk. */
  writtenFrames = 0
  private pendingFrames = 0
  /** Set once a write failed: recording has stopped. */
  error?: NeuralError

  constructor(readonly file: string, options: RecorderOptions = {}) {
    this.bufferBytes = options.bufferBytes ?? 65_536
    this.onError = options.onError
    // 0600: a record can hold fills (private account data).
    this.fd = openSync(file, 'w', 0o600)
    fchmodSync(this.fd, 0o600)
    const header: RecordHeader = { ...options.header, type: RECORD_TYPE, version: RECORD_VERSION, startedAt: (options.now ?? Date.now)() }
    this.writeLines(JSON.stringify(header) + '\n', 0)
    const interval = options.flushIntervalMs ?? 1000
    if (interval > 0 && this.fd !== undefined) {
      this.timer = setInterval(() => this.flushSync(), interval)
      this.timer.unref()
    }
  }

  /** Buffer one frame (its text, or the socket's UTF-8 bytes). The frame text is kept byte for byte (JSON-escaped inside the line). */
  write(frame: string | Buffer, receivedAt: number): void {
    if (this.fd === undefined) return
    const line = '{"receivedAt":' + receivedAt + ',"frame":' + JSON.stringify(typeof frame === 'string' ? frame : frame.toString('utf8')) + '}\n'
    this.chunks.push(line)
    this.bytes += line.length
    this.frames++
    this.pendingFrames++
    if (this.bytes >= this.bufferBytes) this.flushSync()
  }

  /** Write everything buffered, synchronously. Safe to call from a signal handler, and never throws once onError is set. */
  flushSync(): void {
    if (this.fd === undefined || this.chunks.length === 0) return
    const text = this.chunks.join('')
    const frames = this.pendingFrames
    this.chunks = []
    this.bytes = 0
    this.pendingFrames = 0
    this.writeLines(text, frames)
  }

  /** Flush and close. Further writes are ignored. */
  close(): void {
    if (this.fd === undefined) return
    if (this.timer) clearInterval(this.timer)
    this.flushSync()
    if (this.fd !== undefined) closeSync(this.fd)
    this.fd = undefined
  }

  /**
   * Write whole lines. writeSync may take part of a buffer (a disk filling up) and throw on the next
   * call: on any failure the file is cut back to the end of its last complete line, so every line a
   * reader finds is whole, and recording stops.
   */
  private writeLines(text: string, frames: number): void {
    const fd = this.fd!
    const data = Buffer.from(text, 'utf8')
    let done = 0
    try {
      while (done < data.length) done += writeSync(fd, data, done, data.length - done)
      this.committedBytes += data.length
      this.writtenFrames += frames
    } catch (cause) {
      // Whole lines that did reach the disk stay (frames counted per line), a torn one is cut.
      const whole = data.subarray(0, done).lastIndexOf(0x0a) + 1
      let kept = 0
      for (let i = 0; i < whole; i++) if (data[i] === 0x0a) kept++
      if (frames > 0) this.writtenFrames += kept
      this.committedBytes += whole
      try {
        ftruncateSync(fd, this.committedBytes)
      } catch {
        // Nothing more can be done; the reader skips a torn last line.
      }
      this.fail(cause)
    }
  }

  private fail(cause: unknown): void {
    if (this.timer) clearInterval(this.timer)
    this.chunks = []
    this.bytes = 0
    this.pendingFrames = 0
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd)
      } catch {
        // already unusable
      }
      this.fd = undefined
    }
    const code = (cause as NodeJS.ErrnoException)?.code
    const why = code === 'ENOSPC' ? 'the disk is full' : code === 'EFBIG' ? 'the file size limit was reached' : code === 'EDQUOT' ? 'the disk quota is used up' : ((cause as Error)?.message ?? String(cause))
    this.error = new NeuralError('io', 'RECORD_WRITE', `cannot write the record file ${this.file}: ${why}; it holds ${this.writtenFrames} frames up to its last complete line`, { cause })
    if (!this.onError) throw this.error
    this.onError(this.error)
  }
}

/**
 * Read a record file: the header is checked, then every frame is yielded in order. A torn last
 * line (the process died mid-write) is skipped; a bad line anywhere else is an input error.
 */
export async function* readRecord(file: string): AsyncGenerator<RecordedFrame> {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity })
  let lineNo = 0
  let pendingError: Error | undefined
  try {
    for await (const line of lines) {
      lineNo++
      if (pendingError) throw pendingError
      if (line === '') continue
      if (lineNo === 1) {
        let header: unknown
        try {
          header = JSON.parse(line)
        } catch {
          throw inputError('BAD_RECORD', `${file} is not a neural record (first line is not JSON)`)
        }
        const h = header as Partial<RecordHeader>
        if (h?.type !== RECORD_TYPE) throw inputError('BAD_RECORD', `${file} is not a neural record (no "${RECORD_TYPE}" header)`)
        if (h.version !== RECORD_VERSION) throw inputError('BAD_RECORD', `${file} is a version ${String(h.version)} record; this neural reads version ${RECORD_VERSION}`)
        continue
      }
      let entry: unknown
      try {
        entry = JSON.parse(line)
      } catch {
        pendingError = inputError('BAD_RECORD', `${file}:${lineNo}: line is not valid JSON`)
        continue
      }
      const e = entry as Partial<RecordedFrame>
      if (typeof e?.receivedAt !== 'number' || typeof e.frame !== 'string') {
        throw inputError('BAD_RECORD', `${file}:${lineNo}: expected {"receivedAt": ms, "frame": "..."}`)
      }
      yield { receivedAt: e.receivedAt, frame: e.frame }
    }
    if (lineNo === 0) throw inputError('BAD_RECORD', `${file} is empty`)
  } finally {
    lines.close()
  }
}
