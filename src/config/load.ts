import path from 'node:path'
import { configError } from '../errors.js'
import { resolveUrls, type Environment } from './endpoints.js'
import { maskKeyId } from './redact.js'
import { deepFreeze } from '../core/freeze.js'
import { resolvePrivateKey } from './private-key.js'
import { checkRcFile } from './rc-check.js'
import { readRcFile, RC_SEARCH_PLACES } from './rc-file.js'
import { DEFAULTS, ENV_VARS, RISK_KEYS, RISK_SPECS, STRATEGIES_SPEC, VALUE_SPECS, type ValueSpec } from './schema.js'
import type { ConfigSource, NeuralConfig, RiskLimits } from './types.js'
import { envValue, numberFrom, validate, type Candidate } from './values.js'

export { RC_SEARCH_PLACES }

/** Values of the shared CLI flags, as parsed by oclif (numbers may also come as the typed strings). */
export interface FlagValues {
  env: Environment
  apiUrl: string
  wsUrl: string
  apiKeyId: string
  privateKeyPath: string
  timeoutSeconds: number | string
  retryAttempts: number | string
  retryDelaySeconds: number | string
  batchSize: number | string
}

export interface LoadConfigOptions {
  flags?: Partial<FlagValues>
  /** @default process.env */
  env?: NodeJS.ProcessEnv
  /** Where the rc file search starts and relative flag/env paths resolve. @default process.cwd() */
  cwd?: string
  /** An explicit rc file (`--config FILE`); the search is skipped. */
  configFile?: string
}

export interface LoadedConfig {
  config: NeuralConfig
  /** Problems worth telling the user that do not stop the command (printed to stderr by the command). */
  warnings: string[]
  /** The rc file that was read, if any. */
  rcFile?: string
  /** Where each value came from, spelled out: "env KALSHI_API_URL", "rc file /x/.neuralrc", "flag --timeout", "default". */
  origins: Record<string, string>
}

/**
 * Resolve the configuration: flags, then environment, then the rc file, then defaults.
 * The value that is used is validated; the rc file is also checked whole (unknown keys, bad values
 * even where overridden), because a typo there would otherwise sit unnoticed.
 * Errors are NeuralError kind 'config' with a one-line message naming the key, its source and what is allowed.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const flags = options.flags ?? {}
  const env = options.env ?? process.env
  const cwd = options.cwd ?? process.cwd()
  const warnings: string[] = []
  const origins: Record<string, string> = {}
  const sources: Partial<Record<string, ConfigSource>> = {}

  const rc = await readRcFile(cwd, options.configFile)
  const rcLabel = rc ? `rc file ${rc.path}` : ''
  const rcData = rc?.data ?? {}
  if (rc) checkRcFile(rcData, rcLabel)

  const fromEnv = (name: string): Candidate => ({ source: 'env', label: `env ${name}`, raw: envValue(env, name) })
  const fromFlag = (name: string, raw: unknown): Candidate => ({ source: 'flag', label: `flag --${name}`, raw: raw === '' ? undefined : raw })
  const fromRc = (key: string): Candidate => ({ source: 'rc', label: rcLabel, raw: rcData[key] })

  /** Take the first given candidate, validate it, and record where it came from. */
  function resolve<T>(key: string, candidates: Candidate[], spec: ValueSpec<T>, convert: (c: Candidate) => unknown = (c) => c.raw): { value: T; from: Candidate } | undefined {
    const from = candidates.find((c) => c.raw !== undefined)
    if (!from) return undefined
    const value = validate(key, from, spec, convert(from))
    sources[key] = from.source
    origins[key] = from.label
    return { value, from }
  }
  function withDefault<T>(key: string, value: T): T {
    sources[key] = 'default'
    origins[key] = 'default'
    return value
  }

  const environment =
    resolve('environment', [fromFlag('env', flags.env), fromEnv(ENV_VARS.environment), fromRc('environment')], VALUE_SPECS.environment)?.value ??
    withDefault('environment', DEFAULTS.environment)

  const apiKeyId = resolve('apiKeyId', [fromFlag('api-key-id', flags.apiKeyId), fromEnv(ENV_VARS.apiKeyId), fromRc('apiKeyId')], VALUE_SPECS.apiKeyId)?.value

  // Seconds on the command line and in the environment (KALSHI_WEBSOCKET_TIMEOUT=30), milliseconds in the rc file.
  const timedValue = (key: string, flag: [string, unknown] | undefined, envName: string | undefined): number | undefined => {
    const candidates = [...(flag ? [fromFlag(flag[0], flag[1])] : []), ...(envName ? [fromEnv(envName)] : []), fromRc(key)]
    const from = candidates.find((c) => c.raw !== undefined)
    if (!from) return undefined
    if (from.source === 'rc') return resolve<number>(key, [from], VALUE_SPECS.milliseconds)?.value
    const seconds = resolve<number>(key, [from], VALUE_SPECS.seconds, (c) => numberFrom(c.raw))?.value
    return seconds === undefined ? undefined : Math.max(1, Math.round(seconds * 1000))
  }
  const integerValue = (key: string, flag: [string, unknown] | undefined, envName: string | undefined, spec: ValueSpec<number>): number | undefined => {
    const candidates = [...(flag ? [fromFlag(flag[0], flag[1])] : []), ...(envName ? [fromEnv(envName)] : []), fromRc(key)]
    return resolve<number>(key, candidates, spec, (c) => (c.source === 'rc' ? c.raw : numberFrom(c.raw)))?.value
  }

  const websocketTimeoutMs =
    timedValue('websocketTimeoutMs', ['timeout', flags.timeoutSeconds], ENV_VARS.websocketTimeout) ?? withDefault('websocketTimeoutMs', DEFAULTS.websocketTimeoutMs)
  const retryAttempts =
    integerValue('retryAttempts', ['retry-attempts', flags.retryAttempts], ENV_VARS.retryAttempts, VALUE_SPECS.retryAttempts) ??
    withDefault('retryAttempts', DEFAULTS.retryAttempts)
  const retryDelayMs =
    timedValue('retryDelayMs', ['retry-delay', flags.retryDelaySeconds], ENV_VARS.retryDelay) ?? withDefault('retryDelayMs', DEFAULTS.retryDelayMs)
  const retryMaxDelayMs = timedValue('retryMaxDelayMs', undefined, undefined) ?? withDefault('retryMaxDelayMs', Math.max(DEFAULTS.retryMaxDelayMs, retryDelayMs))
  if (retryMaxDelayMs < retryDelayMs) {
    throw configError(
      'CONFIG_VALUE',
      `invalid retryMaxDelayMs ${retryMaxDelayMs} from ${origins.retryMaxDelayMs}: expected at least retryDelayMs (${retryDelayMs} from ${origins.retryDelayMs})`,
    )
  }
  const subscriptionBatchSize =
    integerValue('subscriptionBatchSize', ['batch-size', flags.batchSize], undefined, VALUE_SPECS.subscriptionBatchSize) ??
    withDefault('subscriptionBatchSize', DEFAULTS.subscriptionBatchSize)

  const urls = resolveUrls(environment, {
    api: resolve('apiUrl', [fromFlag('api-url', flags.apiUrl), fromEnv(ENV_VARS.apiUrl), fromRc('apiUrl')], VALUE_SPECS.apiUrl),
    ws: resolve('wsUrl', [fromFlag('ws-url', flags.wsUrl), fromEnv(ENV_VARS.wsUrl), fromRc('wsUrl')], VALUE_SPECS.wsUrl),
  })
  for (const key of ['apiUrl', 'wsUrl'] as const) {
    if (urls[key] === undefined || sources[key] !== undefined) continue
    const derivedFrom = key === 'apiUrl' ? 'wsUrl' : 'apiUrl'
    if (environment === 'sim' && sources[derivedFrom] !== undefined) {
      sources[key] = sources[derivedFrom]
      origins[key] = `derived from ${derivedFrom} (${origins[derivedFrom]})`
    } else {
      withDefault(key, undefined)
    }
  }
  if (urls.apiUrl === undefined && urls.wsUrl === undefined) {
    // sim with no override: the simulator is started in-process and supplies its own URLs.
    withDefault('apiUrl', undefined)
    withDefault('wsUrl', undefined)
  }

  const key = await resolvePrivateKey({ flags, env, cwd, rcData, rcLabel, rcDir: rc ? path.dirname(rc.path) : cwd, warnings })
  if (key) {
    sources.privateKey = key.from.source
    origins.privateKey = key.from.label
  }
  if (environment !== 'sim') {
    // One without the other is always a mistake: the user meant to sign and would silently not.
    if (apiKeyId !== undefined && !key) {
      throw configError(
        'KEY_PAIR_INCOMPLETE',
        `apiKeyId ${maskKeyId(apiKeyId)} is set (${origins.apiKeyId}) but no private key is: set ${ENV_VARS.privateKeyPath}, ${ENV_VARS.apiSecret}, --private-key-path or privateKeyPath in the rc file`,
      )
    }
    if (key && apiKeyId === undefined) {
      throw configError(
        'KEY_PAIR_INCOMPLETE',
        `a private key is set (${key.from.label}) but no apiKeyId is: set ${ENV_VARS.apiKeyId}, --api-key-id or apiKeyId in the rc file`,
      )
    }
  }

  // No defaults: live orders are refused until every limit is configured on purpose.
  const risk: Partial<RiskLimits> = {}
  const rcRisk = (rcData.risk ?? {}) as Record<string, unknown>
  for (const name of RISK_KEYS) {
    const riskKey = `risk.${name}`
    const value = resolve(riskKey, [{ source: 'rc', label: rcLabel, raw: rcRisk[name] }], RISK_SPECS[name])?.value
    if (value !== undefined) risk[name] = value as number
  }
  const strategyParams = (resolve('strategyParams', [fromRc('strategies')], STRATEGIES_SPEC)?.value ?? withDefault('strategyParams', {})) as Record<
    string,
    Record<string, unknown>
  >

  const config: NeuralConfig = {
    environment,
    apiKeyId,
    privateKeyPath: key?.path,
    apiUrl: urls.apiUrl,
    wsUrl: urls.wsUrl,
    websocketTimeoutMs,
    retryAttempts,
    retryDelayMs,
    retryMaxDelayMs,
    subscriptionBatchSize,
    risk: Object.keys(risk).length > 0 ? risk : undefined,
    strategyParams,
    sources,
  }
  // Non-enumerable so that JSON.stringify, console.log and spreads of the config never carry the key text.
  Object.defineProperty(config, 'privateKeyPem', { value: key?.pem, enumerable: false })
  return { config: deepFreeze(config), warnings, rcFile: rc?.path, origins }
}

