import { createPublicKey, type KeyObject } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { IncomingHttpHeaders } from 'node:http'
import { verifySignature } from '../auth/signer.js'
import { inputError } from '../errors.js'

export type AuthOutcome =
  | { kind: 'unsigned' }
  | { kind: 'signed'; keyId: string }
  | { kind: 'refused'; reason: string }

/** Registered public keys; with none registered any well-formed signature passes (handy for demos). */
export class KeyRing {
  private readonly keys: KeyObject[] = []

  register(pem: string): void {
    this.keys.push(createPublicKey(pem))
  }

  /**
   * Check Kalshi's three headers over `timestamp + METHOD + path`. No headers at all is
   * "unsigned" (allowed for public data); a partial, stale or wrong signature is refused.
   */
  check(headers: IncomingHttpHeaders, method: string, path: string, opts: { windowMs: number; refuseAll: boolean }): AuthOutcome {
    const keyId = header(headers, 'kalshi-access-key')
    const timestamp = header(headers, 'kalshi-access-timestamp')
    const signature = header(headers, 'kalshi-access-signature')
    if (keyId === undefined && timestamp === undefined && signature === undefined) return { kind: 'unsigned' }
    if (opts.refuseAll) return { kind: 'refused', reason: 'authentication refused (simulated fault)' }
    if (!keyId || !timestamp || !signature) return { kind: 'refused', reason: 'missing authentication header' }
    if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() - Number(timestamp)) > opts.windowMs) {
      return { kind: 'refused', reason: 'timestamp outside the allowed window' }
    }
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) return { kind: 'refused', reason: 'malformed signature' }
    if (this.keys.length === 0) return { kind: 'signed', keyId }
    const ok = this.keys.some((k) => verifySignature(k, timestamp, method, path, signature))
    return ok ? { kind: 'signed', keyId } : { kind: 'refused', reason: 'signature does not verify' }
  }
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name]
  return Array.isArray(v) ? v[0] : v
}

/**
 * The PEM text of a `--public-key` file, checked as a key: a file that is not one is the user's
 * mistake (PUBLIC_KEY_FILE), not OpenSSL's "DECODER routines::unsupported" from deep in the start.
 */
export async function readPublicKeyFile(file: string): Promise<string> {
  const pem = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw inputError('PUBLIC_KEY_FILE', `--public-key: cannot read ${file} (${error.code ?? error.message})`, error)
  })
  try {
    createPublicKey(pem)
  } catch (error) {
    throw inputError('PUBLIC_KEY_FILE', `--public-key: ${file} is not a PEM public key (expected a file starting with -----BEGIN PUBLIC KEY-----)`, error)
  }
  return pem
}
