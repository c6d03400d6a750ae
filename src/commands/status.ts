import { BaseCommand } from '../cli/base-command.js'
import { colorLevel } from '../render/color.js'
import { buildStatusReport, formatStatusReport, type StatusReport } from '../runtime/status-report.js'

export type StatusResult = StatusReport

export default class Status extends BaseCommand<typeof Status> {
  static override summary = 'Show the configuration, whether the exchange answers, and running neural processes'
  static override examples = ['<%= config.bin %> status', '<%= config.bin %> status --env sim --json']

  async run(): Promise<StatusResult> {
    const loaded = await this.loadConfig()
    const exchange = await this.openExchange(loaded.config)
    const report = await buildStatusReport({ loaded, exchange })
    // Every NDJSON line says what it is, as the other commands' do.
    if (this.json) this.printJson({ type: 'status', ...report })
    else process.stdout.write(formatStatusReport(report, { colorLevel: colorLevel(process.stdout) }) + '\n')
    return report
  }
}
