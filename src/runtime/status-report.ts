/**
 * What `neural status` reports: the resolved configuration (secrets redacted, each value's origin),
 * whether the exchange answers, and the running neural processes. Kept apart from the command so it
 * can be tested without oclif.
 */
import { Chalk } from 'chalk'
import type { LoadedConfig } from '../config/load.js'
import { redactConfig, type RedactedConfig } from '../config/redact.js'
import type { Exchange } from './open-exchange.js'
import { listProcesses, type BusStatus, type ListedProcess, type StatusHealth } from './status-registry.js'
import { formatCount, simulatedPrefix } from '../render/human.js'

export interface ExchangeCheck {
  apiUrl: string
  wsUrl: string
  simulated: boolean
  /** Whether requests are signed (a key is configured, or the simulator's throwaway key). */
  signed: boolean
  reachable: boolean
  exchangeActive?: boolean
  tradingActive?: boolean
  latencyMs?: number
  /** One line, when not reachable or not a valid answer. */
  error?: string
}

export interface StatusReport {
  /** The redacted config (strategy params reduced to the strategies' names), and where each value came from. */
  config: Omit<RedactedConfig, 'strategyParams'> & {
    /** Names of the strategies with params in the rc file. */
    strategies: string[]
    rcFile?: string
    /** Where each value came from: "flag --env", "env KALSHI_API_URL", "rc file /x/.neuralrc", "default". */
    origins: Record<string, string>
  }
  exchange: ExchangeCheck
  processes: ListedProcess[]
  warnings: string[]
}

function withoutStrategyParams(config: RedactedConfig): Omit<RedactedConfig, 'strategyParams'> {
  const { strategyParams: _params, ...rest } = config
  return rest
}

export interface StatusReportOptions {
  loaded: LoadedConfig
  exchange: Exchange
  /** @default runtimeDir() */
  runtimeDir?: string
  /** @default globalThis.fetch */
  fetch?: typeof fetch
  /** Time allowed for the exchange to answer. @default config.websocketTimeoutMs, at most 10 s */
  timeoutMs?: number
}

export async function buildStatusReport(options: StatusReportOptions): Promise<StatusReport> {
  const { loaded, exchange } = options
  const redacted = redactConfig(loaded.config)
  const timeoutMs = options.timeoutMs ?? Math.min(loaded.config.websocketTimeoutMs, 10_000)
  const [check, processes] = await Promise.all([
    checkExchange(exchange, { timeoutMs, fetch: options.fetch }),
    listProcesses({ dir: options.runtimeDir }),
  ])
  return {
    config: {
      ...withoutStrategyParams(redacted),
      apiUrl: redacted.apiUrl ?? exchange.apiUrl,
      wsUrl: redacted.wsUrl ?? exchange.wsUrl,
      strategies: Object.keys(redacted.strategyParams ?? {}),
      rcFile: loaded.rcFile,
      origins: {
        ...loaded.origins,
        // The in-process simulator picks its own port.
        ...(loaded.config.apiUrl === undefined ? { apiUrl: 'in-process simulator', wsUrl: 'in-process simulator' } : {}),
      },
    },
    exchange: check,
    processes,
    warnings: loaded.warnings,
  }
}

/** GET {apiUrl}/exchange/status, signed when a signer is at hand. Never throws: failures are reported. */
export async function checkExchange(exchange: Exchange, options: { timeoutMs: number; fetch?: typeof fetch }): Promise<ExchangeCheck> {
  const doFetch = options.fetch ?? fetch
  const url = `${exchange.apiUrl}/exchange/status`
  const base = { apiUrl: exchange.apiUrl, wsUrl: exchange.wsUrl, simulated: exchange.simulated, signed: exchange.signer !== undefined }
  const started = performance.now()
  try {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (exchange.signer) Object.assign(headers, exchange.signer('GET', new URL(url).pathname))
    const response = await doFetch(url, { headers, signal: AbortSignal.timeout(options.timeoutMs) })
    const latencyMs = Math.round(performance.now() - started)
    const body = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined
    if (!response.ok) {
      const detail = (body?.error as { message?: string } | undefined)?.message
      return { ...base, reachable: true, latencyMs, error: `HTTP ${response.status}${detail ? `: ${detail}` : ''}` }
    }
    if (typeof body?.exchange_active !== 'boolean' || typeof body?.trading_active !== 'boolean') {
      return { ...base, reachable: true, latencyMs, error: 'unexpected answer from /exchange/status' }
    }
    return { ...base, reachable: true, latencyMs, exchangeActive: body.exchange_active, tradingActive: body.trading_active }
  } catch (error) {
    const e = error as Error & { cause?: { code?: string; message?: string } }
    const reason = e.name === 'TimeoutError' ? `no answer within ${options.timeoutMs} ms` : (e.cause?.code ?? e.cause?.message ?? e.message)
    return { ...base, reachable: false, error: reason }
  }
}

/** The human form of the report (warnings are left out: the command has printed them to stderr). */
export function formatStatusReport(report: StatusReport, options: { colorLevel: 0 | 1 | 2 | 3; now?: number }): string {
  const c = new Chalk({ level: options.colorLevel })
  const now = options.now ?? Date.now()
  const { config, exchange } = report
  const origin = (key: string) => (config.origins[key] ? c.dim(`(${config.origins[key]})`) : '')
  const row = (label: string, value: string, key?: string) => `  ${label.padEnd(14)}${value}${key ? `  ${origin(key)}` : ''}`

  const lines = [c.bold('config')]
  lines.push(row('environment', config.environment, 'environment'))
  lines.push(row('api url', config.apiUrl ?? '—', 'apiUrl'))
  lines.push(row('ws url', config.wsUrl ?? '—', 'wsUrl'))
  const noKeyId = exchange.simulated && exchange.signed ? 'not set (the simulator signs with a throwaway key)' : 'not set (unsigned)'
  lines.push(row('api key id', config.apiKeyId ?? noKeyId, config.apiKeyId ? 'apiKeyId' : undefined))
  lines.push(row('private key', config.privateKey ?? 'not set', config.privateKey ? 'privateKey' : undefined))
  lines.push(row('rc file', config.rcFile ?? 'none found'))
  lines.push(row('timeout', seconds(config.websocketTimeoutMs), 'websocketTimeoutMs'))
  const attempts = config.retryAttempts === 0 ? 'forever' : String(config.retryAttempts)
  lines.push(row('retries', `${attempts}, first after ${seconds(config.retryDelayMs)}, at most ${seconds(config.retryMaxDelayMs)} apart`, 'retryAttempts'))
  lines.push(row('batch size', String(config.subscriptionBatchSize), 'subscriptionBatchSize'))
  if (config.strategies.length > 0) lines.push(row('strategies', config.strategies.join(', ')))

  lines.push(c.bold('exchange'))
  const marker = exchange.simulated ? simulatedPrefix(c) : ''
  let state: string
  if (!exchange.reachable) state = c.red(`unreachable: ${exchange.error}`)
  else if (exchange.error) state = c.red(exchange.error)
  else {
    const flag = (on: boolean | undefined, what: string) => (on ? c.green(`${what} active`) : c.red(`${what} inactive`))
    state = `${flag(exchange.exchangeActive, 'exchange')}, ${flag(exchange.tradingActive, 'trading')}`
  }
  const latency = exchange.latencyMs === undefined ? '' : c.dim(` (${exchange.latencyMs} ms)`)
  lines.push(`  ${marker}${state}${latency}  ${c.dim(exchange.apiUrl)}${exchange.signed ? '' : c.dim(' unsigned')}`)

  lines.push(c.bold('processes'))
  if (report.processes.length === 0) lines.push(c.dim('  none running'))
  for (const p of report.processes) {
    const head = `  ${String(p.pid).padEnd(8)}${[p.command, ...p.args].join(' ')}`
    if (!p.alive) {
      lines.push(`${head}  ${c.red('dead')} ${c.dim('(status file removed)')}`)
      continue
    }
    const conn = p.connected ? c.green('connected') : c.yellow('disconnected')
    const last = p.lastMessageAt === undefined ? 'no messages yet' : `last ${seconds(Math.max(0, now - p.lastMessageAt))} ago`
    const details = [
      p.environment,
      conn,
      `${formatCount(p.subscriptions)} markets`,
      `${formatCount(p.messages)} messages`,
      `${p.ratePerSec.toFixed(1)}/s`,
      last,
      `${p.reconnects} reconnect${p.reconnects === 1 ? '' : 's'}`,
      `up ${seconds(Math.max(0, now - p.startedAt))}`,
    ]
    lines.push(`${head}  ${details.join(', ')}`)
    if (p.bus) lines.push(`${' '.repeat(10)}${formatBus(p.bus, c)}`)
    if (p.health && (p.health.staleCount > 0 || p.health.laggingCount > 0)) lines.push(`${' '.repeat(10)}${formatHealth(p.health, c)}`)
  }
  return lines.join('\n')
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s`

/** "stale 2 (KX-A 45.0 s silent, KX-B 40.0 s silent), lagging 1 (KX-C 120.0 s behind)" */
function formatHealth(health: StatusHealth, c: InstanceType<typeof Chalk>): string {
  const parts: string[] = []
  const more = (shown: number, count: number) => (count > shown ? `, +${count - shown} more` : '')
  if (health.staleCount > 0) parts.push(c.yellow(`stale ${health.staleCount}`) + ` (${health.stale.map((m) => `${m.ticker} ${seconds(m.silentMs)} silent`).join(', ')}${more(health.stale.length, health.staleCount)})`)
  if (health.laggingCount > 0) parts.push(c.yellow(`lagging ${health.laggingCount}`) + ` (${health.lagging.map((m) => `${m.ticker} ${seconds(m.lagMs)} behind`).join(', ')}${more(health.lagging.length, health.laggingCount)})`)
  return parts.join(', ')
}

/** "bus nats://127.0.0.1:4222 connected, 1,234 published" */
function formatBus(bus: BusStatus, c: InstanceType<typeof Chalk>): string {
  const parts = [bus.connected ? c.green('connected') : c.yellow('disconnected')]
  if (bus.published !== undefined) parts.push(`${formatCount(bus.published)} published`)
  if (bus.received !== undefined) parts.push(`${formatCount(bus.received)} received`)
  return `bus ${bus.url} ${parts.join(', ')}`
}
