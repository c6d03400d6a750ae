/**
 * RSA keys for tests, generated once per test process per name: a 2048-bit key takes from a tenth
 * of a second to a second to generate, and some fifteen files each made their own. Tests that need
 * a key the exchange does not know ask for another name.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto'

export interface TestRsaKey {
  privateKey: KeyObject
  publicKey: KeyObject
  /** PKCS#1, as Kalshi hands keys out. */
  pkcs1: string
  pkcs8: string
  /** SPKI, as an exchange (the simulator) is given it. */
  publicPem: string
}

const keys = new Map<string, TestRsaKey>()

export function testRsaKey(name = 'default'): TestRsaKey {
  let key = keys.get(name)
  if (!key) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    key = {
      privateKey,
      publicKey,
      pkcs1: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
      pkcs8: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    }
    keys.set(name, key)
  }
  return key
}
