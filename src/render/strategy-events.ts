/**
 * Human lines for what the strategy engine reports: signals to stdout, problems to stderr
 * (the caller decides), a portfolio block, and the final summary.
 */
import { Chalk } from 'chalk'
import type { EngineEvent, SummaryEvent } from '../strategy/events.js'
import { formatPortfolio } from '../strategy/hooks/portfolio.js'
import { formatPrice, simulatedPrefix } from './human.js'

export class StrategyFormatter {
  private readonly c: InstanceType<typeof Chalk>
  private readonly simulated: boolean
  /** `simulated`: the feed is the simulator, so every line is marked `[sim]` as `stream`'s are. */
  constructor(options: { colorLevel: 0 | 1 | 2 | 3; debug?: boolean; simulated?: boolean }, private readonly debug = options.debug ?? false) {
    this.c = new Chalk({ level: options.colorLevel })
    this.simulated = options.simulated ?? false
  }

  /** One or more lines for an engine event; `stream` says where it belongs. */
  format(event: EngineEvent & { suppressed?: number }): { stream: 'out' | 'err'; text: string } {
    const line = this.line(event)
    if (event.suppressed) line.text += this.c.dim(` (${event.suppressed} more like it held back)`)
    line.text = this.mark(line.text)
    return line
  }

  /** Every line of `text` starts with the simulated-data marker when the feed is simulated. */
  private mark(text: string): string {
    if (!this.simulated) return text
    const marker = simulatedPrefix(this.c)
    return text.split('\n').map((l) => marker + l).join('\n')
  }

  private line(event: EngineEvent): { stream: 'out' | 'err'; text: string } {
    const c = this.c
    const time = new Date(event.ts).toISOString().slice(11, 23)
    switch (event.type) {
      case 'signal': {
        const action = event.action === 'BUY' ? c.green('BUY ') : c.red('SELL')
        const limit = event.limitPrice === undefined ? 'at market' : `limit ${formatPrice(event.limitPrice)}`
        return { stream: 'out', text: `${c.dim(time)}  ${c.bold(event.strategy)}  ${action} ${event.quantity} ${event.side.toUpperCase()} ${event.ticker} ${limit}  conf ${event.confidence.toFixed(2)}  ${c.dim(event.reason)}` }
      }
      case 'order': {
        const colour = event.status === 'filled' ? c.green : event.status === 'refused' || event.status === 'failed' ? c.red : c.yellow
        const price = event.priceDollars === undefined ? '' : ` @ ${formatPrice(event.priceDollars)}${event.feeDollars === undefined ? '' : ` + $${event.feeDollars.toFixed(2)} fee`}`
        const filled = event.filledQuantity === undefined ? '' : ` ${event.filledQuantity}/${event.quantity}`
        const why = event.limit ? ` (limit ${event.limit})` : event.message ? ` (${event.message})` : ''
        return { stream: 'out', text: `${c.dim(time)}  ${event.hook}: ${colour(event.status)}${filled} ${event.side.toUpperCase()} ${event.ticker}${price}${why}` }
      }
      case 'error': {
        const who = [event.strategy, event.handler, event.hook].filter(Boolean).join(' ')
        const stack = this.debug && event.stack ? `\n${event.stack}` : ''
        return { stream: 'err', text: `${c.red('strategy error:')} ${who ? `${who}: ` : ''}${event.message} [${event.code}]${stack}` }
      }
      case 'slow':
        return { stream: 'err', text: `${c.yellow('slow:')} ${event.strategy} ${event.handler} took ${event.elapsedMs} ms (budget ${event.budgetMs} ms)${event.pending ? ', still running' : ''}` }
      case 'hung':
        return { stream: 'err', text: `${c.yellow('hung:')} ${event.strategy} ${event.handler} pending for ${event.pendingMs} ms; its newest events wait` }
      case 'log':
        return { stream: 'err', text: `${c.dim(time)}  ${event.source} ${event.level}: ${event.message}` }
      case 'portfolio':
        return { stream: 'out', text: formatPortfolio(event, event.hook) }
      case 'settlement': {
        const pnl = `${event.pnlDollars < 0 ? '-' : '+'}$${Math.abs(event.pnlDollars).toFixed(2)}`
        return { stream: 'out', text: `${c.dim(time)}  ${event.hook}: settled ${event.quantity} ${event.side.toUpperCase()} ${event.ticker} (result ${event.result}, ${formatPrice(event.settlementValueDollars)} a YES): paid $${event.payoutDollars.toFixed(2)}, ${pnl}` }
      }
    }
  }

  summary(summary: SummaryEvent): string {
    const lines = [this.c.bold(`${summary.signals} signal${summary.signals === 1 ? '' : 's'} from ${summary.events} events, hooks: ${summary.hooks.join(', ')}`)]
    for (const s of summary.strategies) {
      const extra = [s.errors && `${s.errors} errors`, s.slow && `${s.slow} slow`, s.hung && `${s.hung} hung`, s.conflated && `${s.conflated} conflated`, s.dropped && `${s.dropped} dropped`].filter(Boolean).join(', ')
      lines.push(`  ${s.name}: ${s.ticks} ticks, ${s.trades} trades, ${s.books} books, ${s.signals} signals${extra ? `, ${extra}` : ''}`)
    }
    if (summary.pnl) lines.push(formatPortfolio(summary.pnl, summary.hooks.find((h) => h !== 'log') ?? 'paper'))
    return this.mark(lines.join('\n'))
  }
}
