import { readFile, stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import path from 'node:path'
import { cosmiconfig } from 'cosmiconfig'
import { loadPrivateKey } from '../auth/signer.js'
import { configError, NeuralError } from '../errors.js'
import { API_PATH, ENDPOINTS, WS_PATH, type Environment } from './endpoints.js'
import { couldBeKeyText } from './key-text.js'
import { maskKeyId } from './redact.js'
import {
  DEFAULTS,
  ENV_VARS,
  RC_KEYS,
  RC_VALUE_SPECS,
  RISK_KEYS,
  RISK_SPECS,
  STRATEGIES_SPEC,
  VALUE_SPECS,
  type ValueSpec,
} from './schema.js'
import type { ConfigSource, NeuralConfig, RiskLimits } from './types.js'

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

export const RC_SEARCH_PLACES = ['package.json', '.neuralrc', '.neuralrc.json', '.neuralrc.yaml', '.neuralrc.yml', 'neural.config.js']

/** One place a value may come from. `raw` undefined means "not given here". */
interface Candidate {
  source: ConfigSource
  label: string
  raw: unknown
}

const PEM_PREFIX = '-----BEGIN'

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

function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]
  // An empty variable (KALSHI_API_URL=) means unset, as in most shells' `${VAR:-default}`.
  return value === undefined || value.trim() === '' ? undefined : value
}

/** "30" → 30; anything that is not a plain number stays as it is so validation reports it. */
function numberFrom(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw
  const trimmed = raw.trim()
  return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(trimmed) ? Number(trimmed) : raw
}

function validate<T>(key: string, from: Candidate, spec: ValueSpec<T>, value: unknown): T {
  const result = spec.schema.safeParse(value)
  if (result.success) return result.data
  throw configError('CONFIG_VALUE', `invalid ${key}${displayValue(key, from.raw)} from ${from.label}: expected ${spec.allowed}`, result.error)
}

/** The value as quoted in an error: never the key text, the key id masked, long values cut. */
function displayValue(key: string, raw: unknown): string {
  if (key === 'privateKey' || key === 'privateKeyPath') return ''
  if (key === 'apiKeyId' && typeof raw === 'string') return ` ${JSON.stringify(maskKeyId(raw))}`
  let text: string
  try {
    text = JSON.stringify(raw) ?? String(raw)
  } catch {
    text = String(raw)
  }
  return ` ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`
}

function checkRcFile(data: Record<string, unknown>, label: string): void {
  const allowed: readonly string[] = RC_KEYS
  for (const key of Object.keys(data)) {
    if (!allowed.includes(key)) throw unknownKey(key, allowed, label)
  }
  for (const [key, spec] of Object.entries(RC_VALUE_SPECS)) {
    if (data[key] !== undefined) validate(key, { source: 'rc', label, raw: data[key] }, spec, data[key])
  }
  if (data.privateKey !== undefined && data.privateKeyPath !== undefined) {
    throw configError('CONFIG_VALUE', `invalid privateKey from ${label}: expected only one of privateKey and privateKeyPath`)
  }
  if (data.risk !== undefined) {
    const risk = data.risk
    if (typeof risk !== 'object' || risk === null || Array.isArray(risk)) {
      throw configError('CONFIG_VALUE', `invalid risk${displayValue('risk', risk)} from ${label}: expected a mapping of ${RISK_KEYS.join(', ')}`)
    }
    for (const key of Object.keys(risk)) {
      if (!(RISK_KEYS as readonly string[]).includes(key)) throw unknownKey(`risk.${key}`, RISK_KEYS.map((k) => `risk.${k}`), label)
    }
  }
  if (data.strategies !== undefined) validate('strategies', { source: 'rc', label, raw: data.strategies }, STRATEGIES_SPEC, data.strategies)
}

function unknownKey(key: string, allowed: readonly string[], label: string): NeuralError {
  const lower = key.toLowerCase()
  const near = allowed.find((k) => editDistance(k.toLowerCase(), lower) <= 3) ?? allowed.find((k) => k.toLowerCase().startsWith(lower))
  const hint = near ? `did you mean "${near}"? ` : ''
  return configError('CONFIG_UNKNOWN_KEY', `unknown key "${key}" in ${label}: ${hint}allowed keys are ${allowed.join(', ')}`)
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1))
      diagonal = above
    }
  }
  return row[b.length]!
}

async function readRcFile(cwd: string, configFile: string | undefined): Promise<{ data: Record<string, unknown>; path: string } | undefined> {
  // A fresh explorer each time: cosmiconfig's cache would hide edits between calls in one process (tests, watch).
  const explorer = cosmiconfig('neural', { searchPlaces: RC_SEARCH_PLACES, searchStrategy: 'project', cache: false })
  let found: { config: unknown; filepath: string; isEmpty?: boolean } | null
  if (configFile !== undefined) {
    const file = path.resolve(cwd, expandHome(configFile))
    try {
      await stat(file)
    } catch (error) {
      throw configError('CONFIG_FILE_MISSING', `config file not found: ${file} (from flag --config)`, error)
    }
    try {
      found = await explorer.load(file)
    } catch (error) {
      throw rcParseError(file, error)
    }
  } else {
    try {
      found = await explorer.search(cwd)
    } catch (error) {
      throw rcParseError((error as { filepath?: string }).filepath ?? cwd, error)
    }
  }
  if (!found) return undefined
  const data = found.config ?? {}
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw configError('CONFIG_PARSE', `rc file ${found.filepath}: expected a mapping of keys, found ${Array.isArray(data) ? 'a list' : typeof data}`)
  }
  return { data: data as Record<string, unknown>, path: found.filepath }
}

function rcParseError(file: string, error: unknown): NeuralError {
  // cosmiconfig's messages read "JSON Error in /path:\n<code frame>\n<reason>\n<code frame>" (JSON) or
  // "YAML Error in /path:\n<reason>..."; keep one line: the reason, and where (line, column) when a frame shows it.
  const lines = String((error as Error)?.message ?? error).split('\n')
  const kind = /^(JSON|YAML) Error in /.exec(lines[0]?.trim() ?? '')?.[1]
  const isFrame = (l: string) => /^\s*(>\s*)?\d*\s*\|/.test(l)
  const reasonLine = lines.slice(kind ? 1 : 0).map((l) => l.trim()).find((l) => l && !isFrame(l)) ?? 'unreadable'
  // Node's JSON reason ends with a position and a cut-off copy of the text; the line and column say it better.
  const reason = reasonLine.replace(/ in JSON at position \d+.*$/, '').replace(/ while parsing .*$/, '')
  const marked = lines.findIndex((l) => /^\s*>\s*\d+\s*\|/.test(l))
  const lineNo = marked === -1 ? undefined : Number(/^\s*>\s*(\d+)/.exec(lines[marked]!)![1])
  const caret = marked === -1 ? undefined : lines[marked + 1]
  const column = caret && caret.includes('^') ? caret.indexOf('^') - caret.indexOf('|') - 1 : undefined
  const where = lineNo !== undefined ? ` at line ${lineNo}${column !== undefined && column > 0 ? `, column ${column}` : ''}` : ''
  return configError('CONFIG_PARSE', `rc file ${file}: ${kind ? `invalid ${kind}${where}: ` : ''}${reason}`, error)
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(homedir(), p.slice(1)) : p
}

interface ResolvedKey {
  pem: string
  path?: string
  from: Candidate
}

async function resolvePrivateKey(args: {
  flags: Partial<FlagValues>
  env: NodeJS.ProcessEnv
  cwd: string
  rcData: Record<string, unknown>
  rcLabel: string
  rcDir: string
  warnings: string[]
}): Promise<ResolvedKey | undefined> {
  const { flags, env, cwd, rcData, rcLabel, rcDir, warnings } = args
  // `mayBePem`: the value may be the key text itself, so it is never echoed.
  const candidates: Array<Candidate & { mayBePem: boolean; baseDir: string }> = [
    { source: 'flag', label: 'flag --private-key-path', raw: flags.privateKeyPath || undefined, mayBePem: false, baseDir: cwd },
    { source: 'env', label: `env ${ENV_VARS.privateKeyPath}`, raw: envValue(env, ENV_VARS.privateKeyPath), mayBePem: false, baseDir: cwd },
    { source: 'env', label: `env ${ENV_VARS.apiSecret}`, raw: envValue(env, ENV_VARS.apiSecret), mayBePem: true, baseDir: cwd },
    { source: 'rc', label: `${rcLabel} (privateKeyPath)`, raw: rcData.privateKeyPath, mayBePem: false, baseDir: rcDir },
    { source: 'rc', label: `${rcLabel} (privateKey)`, raw: rcData.privateKey, mayBePem: true, baseDir: rcDir },
  ]
  const from = candidates.find((c) => c.raw !== undefined)
  if (!from) return undefined
  const spec = from.mayBePem ? VALUE_SPECS.pemOrPath : VALUE_SPECS.path
  const value = validate('privateKey', from, spec, from.raw)

  if (from.mayBePem && value.trimStart().startsWith(PEM_PREFIX)) {
    // .env files often hold the PEM on one line with literal "\n" separators.
    const pem = value.includes('\n') ? value : value.replace(/\\n/g, '\n')
    checkPem(pem, from.label)
    return { pem, from }
  }
  if (from.mayBePem && (!looksLikePath(value) || couldBeKeyText(value))) {
    throw configError('KEY_FORMAT', `private key from ${from.label}: neither whole PEM text (starting with "${PEM_PREFIX}") nor a path to a PEM file; it may be part of a key, so it is not shown`)
  }
  if (!from.mayBePem && couldBeKeyText(value)) {
    // Never echoed: the user pasted key text where a file name belongs.
    throw configError('KEY_NOT_PATH', `${from.label} expects the path of a PEM file, but its value looks like key text (not shown); put the key in a file (chmod 600) and give that file's path`)
  }
  // What a value from a setting that may hold key text is called in messages: never its text.
  const shown = (file: string) => (from.mayBePem ? `named by ${from.label} (path not shown: that setting may hold key text)` : file)

  const file = path.resolve(from.baseDir, expandHome(value.trim()))
  let pem: string
  try {
    const info = await stat(file)
    if (info.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' })
    pem = await readFile(file, 'utf8')
    if ((info.mode & 0o077) !== 0) {
      warnings.push(
        from.mayBePem
          ? `private key file ${shown(file)} is readable by group or others (mode ${(info.mode & 0o777).toString(8).padStart(4, '0')}): chmod 600 it`
          : `private key file ${file} is readable by group or others (mode ${(info.mode & 0o777).toString(8).padStart(4, '0')}): run chmod 600 ${file}`,
      )
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    // The fs error's own message holds the path: kept out of the cause when the path is not shown.
    const cause = from.mayBePem ? undefined : error
    if (code === 'ENOENT') throw configError('KEY_FILE_MISSING', from.mayBePem ? `private key file not found: the file ${shown(file)}` : `private key file not found: ${file} (from ${from.label})`, cause)
    const why = code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (code ?? 'read failed')
    throw configError('KEY_FILE_UNREADABLE', from.mayBePem ? `private key file unreadable: the file ${shown(file)}: ${why}` : `private key file unreadable: ${file} (from ${from.label}): ${why}`, cause)
  }
  checkPem(pem, from.mayBePem ? `the file ${shown(file)}` : `file ${file} (from ${from.label})`)
  return { pem, path: file, from }
}

function checkPem(pem: string, where: string): void {
  try {
    loadPrivateKey(pem)
  } catch (error) {
    throw configError(
      'KEY_FORMAT',
      `private key in ${where}: not an RSA private key in PEM format (expected "-----BEGIN RSA PRIVATE KEY-----" or "-----BEGIN PRIVATE KEY-----")`,
      error,
    )
  }
}

/** Short, single-line and path-shaped: anything else might be key material and must not be echoed as a path. */
function looksLikePath(value: string): boolean {
  const v = value.trim()
  // A 2048-bit key is about 1,600 characters of base64, so the length alone tells them apart.
  return v.length < 512 && !/\s/.test(v)
}

function resolveUrls(
  environment: Environment,
  given: { api?: { value: string }; ws?: { value: string } },
): { apiUrl?: string; wsUrl?: string } {
  let apiUrl = given.api?.value.replace(/\/+$/, '')
  let wsUrl = given.ws?.value.replace(/\/+$/, '')
  if (environment === 'sim') {
    // A simulator runs both servers on one port, so one URL gives the other.
    if (apiUrl && !wsUrl) wsUrl = swapUrl(apiUrl, API_PATH, WS_PATH, 'ws')
    if (wsUrl && !apiUrl) apiUrl = swapUrl(wsUrl, WS_PATH, API_PATH, 'http')
    return { apiUrl, wsUrl }
  }
  return { apiUrl: apiUrl ?? ENDPOINTS[environment].apiUrl, wsUrl: wsUrl ?? ENDPOINTS[environment].wsUrl }
}

function swapUrl(url: string, fromPath: string, toPath: string, scheme: 'ws' | 'http'): string {
  const u = new URL(url)
  const secure = u.protocol === 'https:' || u.protocol === 'wss:'
  const base = u.pathname.endsWith(fromPath) ? u.pathname.slice(0, -fromPath.length) : u.pathname.replace(/\/+$/, '')
  return `${scheme}${secure ? 's' : ''}://${u.host}${base}${toPath}`
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) deepFreeze(child)
  }
  return value
}
