import { Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { checkConnection, type ConnectResult } from '../app/connect-check.js'
import { chalkFor } from '../render/color.js'
import { simulatedPrefix } from '../render/human.js'

export type { ConnectResult }

export default class Connect extends BaseCommand<typeof Connect> {
  static override summary = 'Connect, authenticate and subscribe once to check that everything works'
  static override examples = ['<%= config.bin %> connect --env sim', '<%= config.bin %> connect --env demo --json']
  static override flags = {
    ticker: Flags.string({ description: 'market to use for the test subscription (default: the first open market)' }),
  }

  async run(): Promise<ConnectResult> {
    const { config } = await this.loadConfig()
    const exchange = await this.openExchange(config)
    const spinner = (await this.spinner()).start(`connecting to ${exchange.wsUrl}`)
    const result = await checkConnection(exchange, config, { ticker: this.flags.ticker }).catch((error) => {
      spinner.fail()
      throw error
    })
    spinner.stop()
    if (this.json) this.printJson(result)
    else {
      const c = chalkFor(process.stdout)
      const sim = result.simulated ? simulatedPrefix(c) : ''
      this.log(`${sim}${c.green('connected')} to ${result.wsUrl} (${result.environment}, ${result.signed ? 'signed' : 'unsigned'})`)
      this.log(`  handshake        ${result.handshakeMs} ms`)
      this.log(`  exchange         ${result.exchangeActive ? 'active' : 'inactive'}, trading ${result.tradingActive ? 'active' : 'halted'}`)
      const subs = result.subscriptions.map((s) => `${s.channel} sid ${s.sid}`).join(', ') || 'none'
      this.log(`  test subscribe   ${result.testTicker ?? '(no open market)'}: ${subs}`)
      this.log(`  total            ${result.totalMs} ms`)
    }
    return result
  }
}
