/**
 * RSA keys for tests, read from test/fixtures/rsa-keys/<name>.pem: throwaway 2048-bit keys made
 * for the tests, known to nothing but the simulators the tests start. Generating them instead took
 * 70–600 ms of CPU each (measured on the 2-core machine), in every test process that wanted one: a
 * few per cent of the suite's CPU. Tests that need a key the exchange does not know ask for another
 * name; a name with no file is generated once per process.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

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

function keyPair(name: string): { privateKey: KeyObject; publicKey: KeyObject } {
  const file = fileURLToPath(new URL(`../fixtures/rsa-keys/${name}.pem`, import.meta.url))
  if (!existsSync(file)) return generateKeyPairSync('rsa', { modulusLength: 2048 })
  const privateKey = createPrivateKey(readFileSync(file, 'utf8'))
  return { privateKey, publicKey: createPublicKey(privateKey) }
}

export function testRsaKey(name = 'default'): TestRsaKey {
  let key = keys.get(name)
  if (!key) {
    const { privateKey, publicKey } = keyPair(name)
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
