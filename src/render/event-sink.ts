/**
 * Where a streaming command's events go: NDJSON on stdout under --json, aligned human lines
 * otherwise (books coalesced per market within each turn of the event loop: see human-writer.ts).
 * Connection notices and errors go to stderr in human mode so stdout stays data; everything for
 * stdout goes through the one writer, which keeps it in order and never leaves the reader part of a line.
 */
import type { NdjsonWriter } from './ndjson.js'
import { HumanFormatter, type SummaryView } from './human.js'
import { HumanWriter } from './human-writer.js'
import { colorLevel, chalkFor } from './color.js'
import type { ConnectionEvent, MarketEvent } from '../core/types.js'
import type { NeuralError } from '../errors.js'

export interface EventSink {
  event(event: MarketEvent | ConnectionEvent): void
  /** A problem worth reporting that does not end the command. */
  problem(error: Pick<NeuralError, 'kind' | 'code' | 'message'>): void
  /** A record of any other type (signal, portfolio, ...) — written as is under --json, as `human` otherwise. */
  record(value: { type: string }, human: string): void
  /** The end-of-run summary. */
  summary(value: SummaryView & { type: 'summary' }): void
  /** Output lines dropped so far because the reader of stdout was too slow. */
  droppedLines?(): number
}

export function jsonSink(writer: NdjsonWriter): EventSink {
  return {
    event: (e) => writer.event(e),
    problem: (e) => writer.write({ type: 'error', kind: e.kind, code: e.code, message: e.message }),
    record: (value) => writer.write(value),
    summary: (value) => writer.write(value),
    droppedLines: () => writer.dropped,
  }
}

/** Human lines waiting for a slow stdout beyond this many bytes are dropped and counted. */
export const HUMAN_MAX_BUFFERED_BYTES = 1024 * 1024

export function humanSink(options: { simulated: boolean; out?: NodeJS.WriteStream; err?: NodeJS.WriteStream; maxBufferedBytes?: number }): EventSink {
  const out = options.out ?? process.stdout
  const err = options.err ?? process.stderr
  const formatter = new HumanFormatter({ colorLevel: colorLevel(out), simulated: options.simulated })
  // Lines are written once per turn of the event loop, books coalesced per market (human-writer.ts).
  const writer = new HumanWriter({
    formatter,
    out,
    maxBufferedBytes: options.maxBufferedBytes ?? HUMAN_MAX_BUFFERED_BYTES,
    // A reader that stopped reading: lines are dropped and counted rather than kept (the feed is never slowed).
    onFirstDrop: () => err.write(`warning: stdout is not being read fast enough; dropping output lines (counted in the summary)\n`),
  })
  const errFormatter = new HumanFormatter({ colorLevel: colorLevel(err), simulated: options.simulated })
  const red = chalkFor(err).red
  let open = false
  let everOpen = false
  return {
    event: (e) => {
      if (e.type !== 'connection') {
        writer.event(e)
        return
      }
      if (isNotice(e, open, everOpen)) err.write(errFormatter.format(e) + '\n')
      if (e.state === 'connected') open = everOpen = true
      else if (e.state === 'disconnected') open = false
    },
    problem: (e) => err.write(`${red(`${e.kind}:`)} ${e.message}\n`),
    record: (_value, human) => writer.line(human),
    // Through the writer, never straight to stdout: on a pipe, lines may wait there, and must not come after it.
    summary: (value) => {
      writer.line(formatter.summary(value), { keep: true })
      writer.flush()
    },
    droppedLines: () => writer.dropped,
  }
}

/**
 * Which connection events a person needs to see: drops, reconnects and recoveries. The first
 * connect (the spinner shows it), our own close at the end, the handshake attempts after a drop
 * (the "reconnecting" line says it) and "failed" (the command's error line follows) would only
 * repeat what is already on the screen. Under --json every event is written.
 */
function isNotice(e: ConnectionEvent, open: boolean, everOpen: boolean): boolean {
  switch (e.state) {
    case 'connecting':
    case 'failed':
      return false
    case 'connected':
      return (e.connection ?? 1) > 1
    case 'disconnected':
      // Also emitted after a handshake that never opened: only the loss of an open connection is news.
      return open && e.byClient !== true
    case 'reconnecting':
      // Before the first connect, one quick retry (the second try) is not news (it is also how a refused
      // key is retried once for clock skew, and the error line follows); a third try means the exchange
      // is hard to reach.
      return everOpen || (e.attempt ?? 1) > 2
  }
}

export function sinkFor(json: boolean, writer: () => NdjsonWriter, simulated: boolean): EventSink {
  return json ? jsonSink(writer()) : humanSink({ simulated })
}
