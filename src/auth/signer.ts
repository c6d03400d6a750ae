import { constants, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto'
import { configError } from '../errors.js'

/** The three headers Kalshi reads on every signed request and on the WebSocket handshake. */
export interface AuthHeaders {
  'KALSHI-ACCESS-KEY': string
  'KALSHI-ACCESS-TIMESTAMP': string
  'KALSHI-ACCESS-SIGNATURE': string
}

export type Signer = (method: string, path: string) => AuthHeaders

/** Kalshi signs the path without its query string: "/trade-api/v2/markets?limit=5" signs "/trade-api/v2/markets". */
export function signedPath(pathOrUrl: string): string {
  let path = pathOrUrl
  if (/^[a-z]+:\/\//i.test(path)) path = new URL(path).pathname
  const q = path.indexOf('?')
  return q === -1 ? path : path.slice(0, q)
}

/** Load an RSA private key from PEM text (PKCS#1 or PKCS#8). The PEM never appears in the error. */
export function loadPrivateKey(pem: string): KeyObject {
  try {
    const key = createPrivateKey({ key: pem, format: 'pem' })
    if (key.asymmetricKeyType !== 'rsa') throw new Error(`not an RSA key (${key.asymmetricKeyType})`)
    return key
  } catch (error) {
    throw configError('KEY_FORMAT', 'private key: not an RSA private key in PEM format (expected "-----BEGIN RSA PRIVATE KEY-----" or "-----BEGIN PRIVATE KEY-----")', error)
  }
}

function pssSign(key: KeyObject, message: string): string {
  return sign('sha256', Buffer.from(message, 'utf8'), {
    key,
    padding: constants.RSA_PKCS1_PSS_PADDING,
    saltLength: 32,
  }).toString('base64')
}

/**
 * A signer: RSA-PSS over `timestamp + METHOD + path` with SHA-256, MGF1(SHA-256), salt = 32 bytes.
 * The timestamp is Unix milliseconds as a decimal string. `now` is injectable for tests.
 */
export function createSigner(keyId: string, privateKey: KeyObject | string, now: () => number = Date.now): Signer {
  const key = typeof privateKey === 'string' ? loadPrivateKey(privateKey) : privateKey
  return (method, path) => {
    const timestamp = String(now())
    const message = timestamp + method.toUpperCase() + signedPath(path)
    return {
      'KALSHI-ACCESS-KEY': keyId,
      'KALSHI-ACCESS-TIMESTAMP': timestamp,
      'KALSHI-ACCESS-SIGNATURE': pssSign(key, message),
    }
  }
}

/** Verify Kalshi-style headers against a public key (used by the simulator and tests). */
export function verifySignature(publicKey: KeyObject | string, timestamp: string, method: string, path: string, signatureB64: string): boolean {
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey
  try {
    return verify('sha256', Buffer.from(timestamp + method.toUpperCase() + signedPath(path), 'utf8'), {
      key,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: 32,
    }, Buffer.from(signatureB64, 'base64'))
  } catch {
    return false
  }
}
