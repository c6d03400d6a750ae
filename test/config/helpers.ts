import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { expect } from 'chai'
import { NeuralError } from '../../src/errors.js'
import { testRsaKey } from '../support/rsa-keys.js'

/** The test process's RSA key (test/support/rsa-keys.ts). */
export function testKey(): { pkcs1: string; pkcs8: string; publicPem: string } {
  return testRsaKey()
}

/** A temp project dir (with a package.json, so the rc search stops there). */
export function tempProject(): { dir: string; write(name: string, content: string, mode?: number): string; cleanup(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'neural-config-'))
  writeFileSync(path.join(dir, 'package.json'), '{"name":"fixture"}\n')
  return {
    dir,
    write(name, content, mode = 0o600) {
      const file = path.join(dir, name)
      writeFileSync(file, content)
      chmodSync(file, mode)
      return file
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Await a rejection and check it is a one-line config error with this code and message. */
export async function expectConfigError(promise: Promise<unknown>, code: string, message: string | RegExp): Promise<NeuralError> {
  let caught: unknown
  try {
    await promise
  } catch (error) {
    caught = error
  }
  expect(caught, 'expected a rejection').to.be.instanceOf(NeuralError)
  const error = caught as NeuralError
  expect(error.kind).to.equal('config')
  expect(error.exitCode).to.equal(2)
  expect(error.code).to.equal(code)
  expect(error.message).not.to.include('\n')
  if (typeof message === 'string') expect(error.message).to.equal(message)
  else expect(error.message).to.match(message)
  return error
}
