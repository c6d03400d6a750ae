import { Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { MAX_TIMER_DELAY_MS } from '../config/schema.js'
import { inputError, NeuralError } from '../errors.js'
import { readPublicKeyFile } from '../sim/auth.js'
import { startSimulator } from '../sim/index.js'

export interface SimResult { apiUrl: string; wsUrl: string }

/** The one line `neural sim --json` prints once it serves. */
export interface SimLine { type: 'sim'; simulated: true; seed: number; markets: number; apiUrl: string; wsUrl: string }

export default class Sim extends BaseCommand<typeof Sim> {
  static override summary = 'Run a simulated Kalshi exchange (REST + WebSocket) on this machine'
  static override examples = ['<%= config.bin %> sim --port 8080 --seed 7', '<%= config.bin %> sim --port 0 --json', '<%= config.bin %> sim --rate 50000 --markets 5000 --seq-gap-every 100']
  // The exchange flags (--env, --api-url, ...) would mean nothing here: only output and debugging.
  static override baseFlags = { json: BaseCommand.baseFlags.json, debug: BaseCommand.baseFlags.debug } as unknown as typeof BaseCommand.baseFlags
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
    'legacy-wire': Flags.boolean({ default: false, description: 'also send the legacy integer fields (cents, whole contracts) beside the current dollar/fp strings' }),
    'subscription-market-limit': Flags.integer({ default: 500, description: 'markets one subscription may hold (more: WebSocket error 26)' }),
    'command-rate-limit': Flags.integer({ default: 100, description: 'WebSocket commands per second per connection (more: error 27); 0 = unlimited' }),
    'new-event-every': Flags.integer({ default: 60, description: 'list a new KXBTCD event every N seconds (event_lifecycle on the lifecycle channel); 0 = never' }),
  }

  /**
   * Resolves when the run should end by itself; by default never: Ctrl-C / SIGTERM stop the
   * simulator through the shutdown handler (exit 130 / 143). Tests replace it to stop in-process.
   */
  static waitForStop = (_running?: SimResult): Promise<void> => new Promise(() => undefined)

  async run(): Promise<SimResult> {
    const { flags } = this
    const port = flags.port
    if (!Number.isInteger(port) || port < 0 || port > 65_535) throw inputError('BAD_PORT', `--port: expected a port number from 0 to 65535 (0 picks a free one), got ${port}`)
    for (const flag of Object.keys(NUMBER_FLAGS)) checkNumberFlag(flag, flags[flag as keyof typeof flags] as number | undefined)
    const publicKeys = await Promise.all((flags['public-key'] ?? []).map(readPublicKeyFile))
    const sim = await startSimulator({
      host: flags.host, port, seed: flags.seed, ratePerSec: flags.rate, speed: flags.speed, extraMarkets: flags.markets, publicKeys,
      legacyWire: flags['legacy-wire'], subscriptionMarketLimit: flags['subscription-market-limit'], commandRateLimitPerSec: flags['command-rate-limit'], newEventEverySec: flags['new-event-every'],
      faults: { dropEverySec: flags['drop-every'], seqGapEvery: flags['seq-gap-every'], malformedEvery: flags['malformed-every'], errorEvery: flags['error-every'], refuseAuth: flags['refuse-auth'], silentAfterSec: flags['silent-after'] },
    }).catch((error: NodeJS.ErrnoException) => {
      throw listenError(error, flags.host, port)
    })
    let closed = false
    const close = async () => {
      if (closed) return
      closed = true
      await sim.close()
      // stderr: under --json stdout carries only the one line, and a signal may have taken its reader.
      process.stderr.write('Simulated exchange stopped.\n')
    }
    const unregister = this.onShutdown(close)
    const markets = sim.world.markets().length
    if (this.json) {
      const line: SimLine = { type: 'sim', simulated: true, seed: flags.seed, markets, apiUrl: sim.apiUrl, wsUrl: sim.wsUrl }
      this.printJson(line)
    } else {
      this.log(`Simulated exchange (not Kalshi) running, seed ${flags.seed}, ${markets} markets`)
      this.log(`  REST       ${sim.apiUrl}`)
      this.log(`  WebSocket  ${sim.wsUrl}`)
      this.log('Press Ctrl-C to stop.')
    }
    await Sim.waitForStop({ apiUrl: sim.apiUrl, wsUrl: sim.wsUrl })
    unregister()
    await close()
    return { apiUrl: sim.apiUrl, wsUrl: sim.wsUrl }
  }
}

/**
 * What each number flag may be (`zero`: what 0 means, where it is allowed). A fault every 0 or -1
 * times means nothing, so it is refused rather than silently never firing; --drop-every becomes a
 * timer's delay, hence its maximum.
 */
const NUMBER_FLAGS: Record<string, { min: number; max?: number; seconds?: true; zero?: string }> = {
  rate: { min: 1 },
  speed: { min: 1 },
  markets: { min: 0, zero: 'none extra' },
  'drop-every': { min: 1, max: Math.floor(MAX_TIMER_DELAY_MS / 1000), seconds: true },
  'seq-gap-every': { min: 1 },
  'malformed-every': { min: 1 },
  'error-every': { min: 1 },
  'silent-after': { min: 0, seconds: true, zero: 'silent from the start' },
  'subscription-market-limit': { min: 1 },
  'command-rate-limit': { min: 0, zero: 'unlimited' },
  'new-event-every': { min: 0, seconds: true, zero: 'never' },
}

/** A number flag out of its range, as one line saying what is allowed. */
function checkNumberFlag(flag: string, value: number | undefined): void {
  const range = NUMBER_FLAGS[flag]!
  if (value === undefined || (value >= range.min && value <= (range.max ?? Infinity))) return
  const allowed = range.max === undefined ? `≥ ${range.min}` : `from ${range.min} to ${range.max}`
  throw inputError('BAD_COUNT', `--${flag}: expected a whole number${range.seconds ? ' of seconds' : ''} ${allowed}${range.zero ? ` (0: ${range.zero})` : ''}, got ${value}`)
}

/** The listen failures a person can fix, as one line each. */
function listenError(error: NodeJS.ErrnoException, host: string, port: number): NeuralError {
  if (error.code === 'EADDRINUSE') return inputError('PORT_IN_USE', `--port ${port}: ${host}:${port} is already in use (--port 0 picks a free one)`, error)
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') return inputError('BAD_HOST', `--host ${host}: not an address of this machine (e.g. --host 127.0.0.1)`, error)
  if (error.code === 'EACCES') return inputError('PORT_IN_USE', `--port ${port}: not allowed to listen on ${host}:${port} (ports below 1024 need privileges; --port 0 picks a free one)`, error)
  return error instanceof NeuralError ? error : new NeuralError('internal', 'INTERNAL', error.message, { cause: error })
}
