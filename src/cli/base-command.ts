import { Command, Errors, Flags, type Interfaces } from '@oclif/core'
import { loadConfig as loadNeuralConfig, type LoadedConfig } from '../config/load.js'
import type { NeuralConfig } from '../config/types.js'
import { NeuralError, type ErrorCode, type ErrorKind } from '../errors.js'
import { chalkFor, colorLevel } from '../render/color.js'
import { HumanFormatter, type SummaryView } from '../render/human.js'
import { createNdjsonWriter, type NdjsonWriter } from '../render/ndjson.js'
import { createSpinner, type Spinner } from '../render/spinner.js'
import { openExchange as openExchangeFor, type Exchange, type OpenExchangeOptions } from '../runtime/open-exchange.js'
import { installShutdown, onShutdown, shutdown, stopping, type StopReason } from './shutdown.js'

export type CommandFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>
export type CommandArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

/** The line printed for an error under --json (also NDJSON, so a stream consumer sees it in-band). */
export interface ErrorLine {
  type: 'error'
  kind: ErrorKind
  code: ErrorCode
  message: string
  /** Lines that belong under the message (a strategy's type errors, one each); absent when there are none. */
  details?: readonly string[]
}

/**
 * Base of every neural command: the shared flags, config loading, the exchange (real or simulated),
 * and one way of reporting errors — one line on stderr (plus an NDJSON error line on stdout under
 * --json) and an exit code by kind: 2 config/input, 3 auth, 1 anything else.
 *
 * Subclasses: `export default class X extends BaseCommand<typeof X>`; `this.flags` and `this.args`
 * are parsed before `run()`. `--json` is a plain flag (not oclif's enableJsonFlag, which prints
 * once after run() ends): commands write their own output, with `this.ndjson()` or `this.printJson()`.
 */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override baseFlags = {
    env: Flags.string({ options: ['production', 'demo', 'sim'], description: 'Kalshi environment (env KALSHI_ENVIRONMENT)', helpGroup: 'GLOBAL' }),
    json: Flags.boolean({ description: 'Machine-readable output: NDJSON on stdout', helpGroup: 'GLOBAL' }),
    'api-url': Flags.string({ description: 'REST base URL (env KALSHI_API_URL)', helpGroup: 'GLOBAL' }),
    'ws-url': Flags.string({ description: 'WebSocket URL (env KALSHI_WS_URL)', helpGroup: 'GLOBAL' }),
    'api-key-id': Flags.string({ description: 'Kalshi API key id (env KALSHI_API_KEY_ID)', helpGroup: 'GLOBAL' }),
    'private-key-path': Flags.string({ description: 'RSA private key PEM file (env KALSHI_PRIVATE_KEY_PATH)', helpGroup: 'GLOBAL' }),
    config: Flags.string({ description: 'rc file to read instead of searching for .neuralrc', helpGroup: 'GLOBAL' }),
    // Numbers are taken as strings so that loadConfig validates every source with the same message.
    timeout: Flags.string({ description: 'WebSocket connect/silence timeout in seconds (env KALSHI_WEBSOCKET_TIMEOUT)', helpGroup: 'GLOBAL' }),
    'retry-attempts': Flags.string({ description: 'Reconnect attempts, 0 = forever (env KALSHI_WEBSOCKET_RETRY_ATTEMPTS)', helpGroup: 'GLOBAL' }),
    'retry-delay': Flags.string({ description: 'First reconnect delay in seconds (env KALSHI_WEBSOCKET_RETRY_DELAY)', helpGroup: 'GLOBAL' }),
    'batch-size': Flags.string({ description: 'Market tickers per subscribe command', helpGroup: 'GLOBAL' }),
    debug: Flags.boolean({ description: 'Show stack traces on errors', helpGroup: 'GLOBAL' }),
  }

  protected flags!: CommandFlags<T>
  protected args!: CommandArgs<T>
  /** Every positional argument (for commands with `strict = false` that take many). */
  protected positional: string[] = []
  private writer?: NdjsonWriter
  private readonly exchanges: Exchange[] = []

  override async init(): Promise<void> {
    // Before anything slow (config, first connect): Ctrl-C must exit 130 at every stage.
    installShutdown()
    await super.init()
    const ctor = this.ctor as unknown as typeof BaseCommand
    const { args, flags, argv } = await this.parse({
      flags: this.ctor.flags,
      baseFlags: ctor.baseFlags,
      args: this.ctor.args,
      strict: this.ctor.strict,
    })
    this.flags = flags as CommandFlags<T>
    this.args = args as CommandArgs<T>
    this.positional = argv.map(String)
  }

  /** --json, also when flags failed to parse (the error line must still be JSON). */
  protected get json(): boolean {
    return (this.flags as { json?: boolean } | undefined)?.json ?? hasFlag(this.argv, '--json')
  }

  protected get debugEnabled(): boolean {
    return (this.flags as { debug?: boolean } | undefined)?.debug ?? hasFlag(this.argv, '--debug')
  }

  /** Resolve the configuration from the shared flags, the environment and the rc file; prints warnings to stderr. */
  protected async loadConfig(options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<LoadedConfig> {
    const f = this.flags as CommandFlags<typeof BaseCommand>
    const loaded = await loadNeuralConfig({
      flags: {
        env: f.env as NeuralConfig['environment'] | undefined,
        apiUrl: f['api-url'],
        wsUrl: f['ws-url'],
        apiKeyId: f['api-key-id'],
        privateKeyPath: f['private-key-path'],
        timeoutSeconds: f.timeout,
        retryAttempts: f['retry-attempts'],
        retryDelaySeconds: f['retry-delay'],
        batchSize: f['batch-size'],
      },
      configFile: f.config,
      env: options.env,
      cwd: options.cwd,
    })
    for (const warning of loaded.warnings) this.printWarning(warning)
    return loaded
  }

  /** The exchange to talk to; an in-process simulator for `sim` without URLs. Closed when the command ends. */
  protected async openExchange(config: NeuralConfig, options: OpenExchangeOptions = {}): Promise<Exchange> {
    const exchange = await openExchangeFor(config, options)
    this.exchanges.push(exchange)
    return exchange
  }

  /** Run `fn` once on Ctrl-C / SIGTERM (then exit 130 / 143) or when stdout's reader goes away (exit 0). */
  protected onShutdown(fn: (reason: StopReason) => void | number | Promise<void | number>): () => void {
    return onShutdown(fn)
  }

  /**
   * Run a streaming session until it ends by itself (duration, count, failure) or Ctrl-C / SIGTERM /
   * a closed stdout aborts it (the AbortSignal's reason is the StopReason). Either way `finish` runs
   * once with its result (to print a summary) before output is flushed, so a stopped run still ends
   * with its summary. When stdout closed and the session then failed (it was never connected), the
   * failure is reported on stderr and is the exit code: `--json | head -5` must not hide it.
   */
  protected async runUntilStopped<R>(session: (signal: AbortSignal) => Promise<R>, finish?: (result: R) => void | Promise<void>): Promise<R> {
    const abort = new AbortController()
    let done: Promise<R> | undefined
    this.onShutdown(async (reason) => {
      abort.abort(reason)
      let result: R | undefined
      const failure = await done?.then((r) => {
        result = r
        return undefined
      }, (error: unknown) => error)
      // A reader that stopped reading must not keep Ctrl-C from ending the run: stdout gets a moment,
      // and when it cannot take the output the summary goes to stderr.
      if (!(await this.flushOutput(SHUTDOWN_FLUSH_MS).catch(() => false))) summaryToStderr(result, this.json)
      if (failure === undefined) return
      // catch() leaves a failure during shutdown to this handler, so it is reported once.
      await this.report(failure)
      return describeError(failure).exitCode
    })
    done = session(abort.signal).then(async (result) => {
      await finish?.(result)
      return result
    })
    return done
  }

  /** The command's NDJSON writer on stdout. When the reader goes away, the run stops as on Ctrl-C (exit 0 if it was healthy). */
  protected ndjson(): NdjsonWriter {
    this.writer ??= createNdjsonWriter({ onClosed: () => void shutdown('output-closed') })
    return this.writer
  }

  /**
   * Flush buffered NDJSON (shutdown handlers call this before the process exits). With `timeoutMs`,
   * false when stdout did not take everything in time (a reader that stopped reading) or dropped lines.
   */
  protected async flushOutput(timeoutMs?: number): Promise<boolean> {
    const flushed = (await this.writer?.flush(timeoutMs)) ?? (await stdoutDrained(timeoutMs))
    return flushed && (this.writer?.dropped ?? 0) === 0
  }

  /** One JSON document on stdout (for commands that print a single result under --json). */
  protected printJson(value: unknown): void {
    process.stdout.write(JSON.stringify(value) + '\n')
  }

  /** A spinner on stderr, off under --json or when stderr is not a terminal. */
  protected spinner(): Promise<Spinner> {
    return createSpinner({ json: this.json })
  }

  protected printWarning(message: string): void {
    process.stderr.write(`${chalkFor(process.stderr).yellow('warning:')} ${message}\n`)
  }

  override async finally(error: Error | undefined): Promise<void> {
    await this.writer?.flush()
    for (const exchange of this.exchanges.splice(0)) await exchange.close().catch(() => undefined)
    await super.finally(error)
  }

  /** " (e.g. neural stream 'KXNFLGAME*' ...)" from the command's first example, for usage errors; "" without one. */
  private usageHint(): string {
    const first = this.ctor.examples?.[0]
    const text = typeof first === 'string' ? first : first?.command
    if (!text) return ''
    return ` (e.g. ${text.replace(/<%=\s*config\.bin\s*%>/g, this.config.bin).replace(/<%=\s*command\.id\s*%>/g, this.id ?? '')}; see --help)`
  }

  override async catch(error: Error & { exitCode?: number }): Promise<unknown> {
    // this.exit() inside a command: not an error to report.
    if (error instanceof Errors.ExitError) throw error
    // A stop (signal, closed output) is under way: its handler reports the failure and picks the exit code.
    if (stopping()) return new Promise(() => undefined)
    const described = await this.report(error)
    // Exits through oclif's handler, which prints nothing for an ExitError.
    return this.exit(described.exitCode)
  }

  /** One line on stderr, then its detail lines indented (and an NDJSON error line on stdout under --json), for an error that ends the command. */
  private async report(error: unknown): Promise<ReturnType<typeof describeError>> {
    const described = describeError(error)
    if (described.code === 'USAGE') described.message += this.usageHint()
    await this.writer?.flush().catch(() => undefined)
    if (this.json && !this.writer?.closed) {
      const line: ErrorLine = { type: 'error', kind: described.kind, code: described.code, message: described.message, details: described.details }
      process.stdout.write(JSON.stringify(line) + '\n')
    }
    process.stderr.write(`${chalkFor(process.stderr).red('error:')} ${described.message}\n`)
    for (const detail of described.details ?? []) process.stderr.write(`  ${detail}\n`)
    const stack = (error as Error | undefined)?.stack
    if (this.debugEnabled && stack) process.stderr.write(`${stack}\n`)
    return described
  }
}

/** Kind, code, one-line message (with its detail lines, if any) and exit code of anything a command may throw. */
export function describeError(error: unknown): { kind: ErrorKind; code: ErrorCode; message: string; details?: readonly string[]; exitCode: number } {
  if (error instanceof NeuralError) return { kind: error.kind, code: error.code, message: firstLine(error.message), details: error.details, exitCode: error.exitCode }
  if (error instanceof Errors.CLIError && 'parse' in error) {
    // oclif's flag/argument errors: bad input, exit 2, as one line (its "See more help with --help" dropped).
    return { kind: 'input', code: 'USAGE', message: usageLine(error.message), exitCode: 2 }
  }
  if (error instanceof Errors.CLIError && error.oclif?.exit === 2) {
    // Also oclif's usage errors without a `parse` field ("Flag --api-url expects a value", "Parsing --count ...").
    return { kind: 'input', code: 'USAGE', message: usageLine(error.message), exitCode: 2 }
  }
  if (error instanceof Errors.CLIError) {
    return { kind: 'internal', code: 'ERROR', message: firstLine(error.message), exitCode: error.oclif?.exit ?? 1 }
  }
  const message = error instanceof Error ? error.message : String(error)
  return { kind: 'internal', code: 'INTERNAL', message: firstLine(message) || 'unexpected error', exitCode: 1 }
}

/**
 * oclif's multi-line usage errors as one line that still says what is wrong and what is expected:
 * "Parsing --count\n\tExpected an integer but received: abc" → "--count: expected an integer, got abc";
 * "Missing 1 required arg:\ntargets  market tickers or patterns" → "missing argument TARGETS (market tickers or patterns)".
 */
export function usageLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l && !/^See more help with/.test(l))
  const parsing = /^Parsing (--\S+)$/.exec(lines[0] ?? '')
  if (parsing && lines[1]) {
    const received = /^Expected an? (.+?) but received: (.*)$/.exec(lines[1])
    return received ? `${parsing[1]}: expected ${/^[aeiou]/.test(received[1]!) ? 'an' : 'a'} ${received[1]}, got ${JSON.stringify(received[2])}` : `${parsing[1]}: ${lines[1]}`
  }
  if (/^Missing \d+ required args?:?$/.test(lines[0] ?? '') && lines.length > 1) {
    const missing = lines.slice(1).map((l) => {
      const [name, ...rest] = l.split(/\s{2,}/)
      return rest.length > 0 ? `${name!.toUpperCase()} (${rest.join(' ')})` : name!.toUpperCase()
    })
    return `missing argument${missing.length === 1 ? '' : 's'} ${missing.join(', ')}`
  }
  return lines[0] ?? ''
}

function firstLine(text: string): string {
  return text.split('\n').map((l) => l.trim()).find(Boolean) ?? ''
}

function hasFlag(argv: string[], flag: string): boolean {
  const end = argv.indexOf('--')
  const i = argv.indexOf(flag)
  return i !== -1 && (end === -1 || i < end)
}

/** How long Ctrl-C waits for a slow reader of stdout before the summary goes to stderr instead. */
const SHUTDOWN_FLUSH_MS = 500

/** True once process.stdout has handed everything to the OS, false after `timeoutMs` (undefined: wait). */
async function stdoutDrained(timeoutMs?: number): Promise<boolean> {
  const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs
  while (process.stdout.writableLength > 0) {
    if (Date.now() >= deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return true
}

/** A run's summary (when its result is one) on stderr: JSON under --json, the human line otherwise. */
function summaryToStderr(result: unknown, json: boolean): void {
  if (typeof result !== 'object' || result === null || (result as { type?: unknown }).type !== 'summary') return
  const view = result as SummaryView & { type: 'summary' }
  process.stderr.write(json ? JSON.stringify(view) + '\n' : new HumanFormatter({ colorLevel: colorLevel(process.stderr), simulated: false }).summary(view) + '\n')
}
