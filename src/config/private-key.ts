import { readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { loadPrivateKey } from '../auth/signer.js'
import { configError } from '../errors.js'
import { couldBeKeyText } from './key-text.js'
import type { FlagValues } from './load.js'
import { expandHome } from './rc-file.js'
import { ENV_VARS, VALUE_SPECS } from './schema.js'
import { envValue, validate, type Candidate } from './values.js'

const PEM_PREFIX = '-----BEGIN'

export interface ResolvedKey {
  pem: string
  path?: string
  from: Candidate
}

export async function resolvePrivateKey(args: {
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
