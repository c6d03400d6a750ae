/**
 * Where run-strategy's reports go: NDJSON lines under --json, otherwise signals and orders on
 * stdout and problems on stderr. Repeated strategy errors are summarised (see ReportThrottle).
 */
import type { NeuralError } from '../errors.js'
import type { NdjsonWriter } from './ndjson.js'
import { StrategyFormatter } from './strategy-events.js'
import type { EngineEvent, SummaryEvent } from '../strategy/events.js'
import { ReportThrottle } from './report-throttle.js'

export interface StrategyOutput {
  engineEvent(event: EngineEvent): void
  problem(error: Pick<NeuralError, 'kind' | 'code' | 'message'>): void
  summary(summary: SummaryEvent): void
}

export function createStrategyOutput(options: { writer?: NdjsonWriter; colorLevel: 0 | 1 | 2 | 3; debug: boolean; simulated?: boolean }): StrategyOutput {
  const { writer, debug } = options
  const formatter = new StrategyFormatter({ colorLevel: options.colorLevel, debug, simulated: options.simulated })
  const throttle = new ReportThrottle<EngineEvent>()
  const show = (event: EngineEvent & { suppressed?: number }) => {
    if (writer) {
      // Stacks only on --debug: they are for the strategy's author, not for a pipeline.
      const { stack: _stack, ...rest } = event as { stack?: string }
      writer.write(debug ? event : rest)
      return
    }
    const line = formatter.format(event)
    ;(line.stream === 'out' ? process.stdout : process.stderr).write(line.text + '\n')
  }
  return {
    engineEvent(event) {
      if (event.type === 'error' || event.type === 'slow' || event.type === 'hung') {
        const held = throttle.admit(`${event.type}:${event.strategy ?? ''}:${'code' in event ? event.code : event.handler}`, event)
        if (held === undefined) return
        show(held > 0 ? { ...event, suppressed: held } : event)
        return
      }
      show(event)
    },
    problem(e) {
      if (writer) writer.write({ type: 'error', kind: e.kind, code: e.code, message: e.message })
      else process.stderr.write(`${e.kind}: ${e.message}\n`)
    },
    summary(summary) {
      // The last of each kind still held back, before the summary closes the run's output.
      for (const { last, before } of throttle.heldBack()) if (last) show(before > 0 ? { ...last, suppressed: before } : last)
      if (writer) writer.write(summary)
      else process.stdout.write(formatter.summary(summary) + '\n')
    },
  }
}
