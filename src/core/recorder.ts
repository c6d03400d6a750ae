/**
 * Record raw frames as NDJSON, and read them back for replay. Each line is
 * {"receivedAt": ms, "frame": "<raw text>"}; the first line is a header. Writes are buffered and
 * flushed with fs.writeSync, so a SIGINT/SIGTERM handler that calls flushSync() leaves a file in
 * which every line is valid JSON and nothing received before the signal is missing.
 */
import { closeSync, createReadStream, fchmodSync, openSync, writeSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { inputError } from '../errors.js'

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
}

export class Recorder {
  private fd: number | undefined
  private chunks: string[] = []
  private bytes = 0
  private readonly bufferBytes: number
  private readonly timer?: NodeJS.Timeout
  /** Frames written so far. */
  frames = 0

  constructor(readonly file: string, options: RecorderOptions = {}) {
    this.bufferBytes = options.bufferBytes ?? 65_536
    // 0600: a record can hold fills (private account data).
    this.fd = openSync(file, 'w', 0o600)
    fchmodSync(this.fd, 0o600)
    const header: RecordHeader = { ...options.header, type: RECORD_TYPE, version: RECORD_VERSION, startedAt: (options.now ?? Date.now)() }
    writeSync(this.fd, JSON.stringify(header) + '\n')
    const interval = options.flushIntervalMs ?? 1000
    if (interval > 0) {
      this.timer = setInterval(() => this.flushSync(), interval)
      this.timer.unref()
    }
  }

  /** Buffer one frame. The frame text is kept byte for byte (JSON-escaped inside the line). */
  write(frame: string, receivedAt: number): void {
    if (this.fd === undefined) return
    const line = '{"receivedAt":' + receivedAt + ',"frame":' + JSON.stringify(frame) + '}\n'
    this.chunks.push(line)
    this.bytes += line.length
    this.frames++
    if (this.bytes >= this.bufferBytes) this.flushSync()
  }

  /** Write everything buffered, synchronously. Safe to call from a signal handler. */
  flushSync(): void {
    if (this.fd === undefined || this.chunks.length === 0) return
    const text = this.chunks.join('')
    this.chunks = []
    this.bytes = 0
    writeSync(this.fd, text)
  }

  /** Flush and close. Further writes are ignored. */
  close(): void {
    if (this.fd === undefined) return
    if (this.timer) clearInterval(this.timer)
    this.flushSync()
    closeSync(this.fd)
    this.fd = undefined
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
