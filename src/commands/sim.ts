import { readFile } from 'node:fs/promises'
import { Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { inputError } from '../errors.js'
import { startSimulator } from '../sim/index.js'

export interface SimResult { apiUrl: string; wsUrl: string }

/** The one line `neural sim --json` prints once it serves. */
export interface SimLine { type: 'sim'; simulated: true; seed: number; markets: number; apiUrl: string; wsUrl: string }

export default class Sim extends BaseCommand<typeof Sim> {
  static override summary = 'Run a simulated Kalshi exchange (REST + WebSocket) on this machine'
  static override examples = ['<%= config.bin %> sim --port 8080 --seed 7', '<%= config.bin %> sim --rate 50000 --markets 5000 --seq-gap-every 100']
  static override flags = {
    host: Flags.string({ default: '127.0.0.1', description: 'interface to listen on' }),
    port: Flags.integer({ default: 8080, description: 'port for REST and WebSocket (0 picks a free one)' }),
    seed: Flags.integer({ default: 1, description: 'seed for markets, books and game results' }),
    rate: Flags.integer({ default: 200, description: 'market updates per second across the world' }),
    speed: Flags.integer({ default: 1, description: 'game clock multiplier (1: a game lasts 3 minutes)' }),
    markets: Flags.integer({ default: 0, description: 'extra synthetic markets (series KXSIMBENCH)' }),
    'public-key': Flags.string({ multiple: true, description: 'PEM public key file accepted for signatures (repeatable; none = accept any signature)' }),
    'drop-every': Flags.integer({ description: 'fault: drop every connection every N seconds' }),
    'seq-gap-every': Flags.integer({ description: 'fault: lose every Nth orderbook delta per subscription' }),
    'malformed-every': Flags.integer({ description: 'fault: send a malformed frame after every Nth data frame' }),
    'error-every': Flags.integer({ description: 'fault: answer every Nth command with an error and every Nth REST call with 429' }),
    'refuse-auth': Flags.boolean({ default: false, description: 'fault: refuse every signed handshake and REST call with 401' }),
    'silent-after': Flags.integer({ description: 'fault: go silent (no data, no pings) N seconds into each connection' }),
  }

  /** Resolves when the user asks to stop (Ctrl-C, SIGTERM); tests replace it instead of signalling the test process. */
  static waitForStop = (_running?: SimResult): Promise<void> => new Promise((resolve) => { process.once('SIGINT', () => resolve()); process.once('SIGTERM', () => resolve()) })

  async run(): Promise<SimResult> {
    const flags = this.flags
    const publicKeys = await Promise.all((flags['public-key'] ?? []).map((file) => readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw inputError('PUBLIC_KEY_FILE', `--public-key: cannot read ${file} (${error.code ?? error.message})`)
    })))
    const sim = await startSimulator({
      host: flags.host, port: flags.port, seed: flags.seed, ratePerSec: flags.rate, speed: flags.speed, extraMarkets: flags.markets, publicKeys,
      faults: { dropEverySec: flags['drop-every'], seqGapEvery: flags['seq-gap-every'], malformedEvery: flags['malformed-every'], errorEvery: flags['error-every'], refuseAuth: flags['refuse-auth'], silentAfterSec: flags['silent-after'] },
    })
    try {
      if (this.json) {
        const line: SimLine = { type: 'sim', simulated: true, seed: flags.seed, markets: sim.world.markets().length, apiUrl: sim.apiUrl, wsUrl: sim.wsUrl }
        this.printJson(line)
      } else {
        this.log(`Simulated exchange (not Kalshi) running, seed ${flags.seed}, ${sim.world.markets().length} markets`)
        this.log(`  REST       ${sim.apiUrl}`)
        this.log(`  WebSocket  ${sim.wsUrl}`)
        this.log('Press Ctrl-C to stop.')
      }
      await Sim.waitForStop({ apiUrl: sim.apiUrl, wsUrl: sim.wsUrl })
    } finally {
      await sim.close()
    }
    if (!this.json) this.log('Simulated exchange stopped.')
    return { apiUrl: sim.apiUrl, wsUrl: sim.wsUrl }
  }
}
