/**
 * Secrets never leave the process: with a real key file, nothing neural prints or writes (stdout,
 * stderr, record file, status file) holds the private key, a signature it sent, or the full key id.
 */
import { expect } from 'chai'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startSimulator, type Simulator } from '../../src/sim/index.js'
import { testRsaKey } from '../support/rsa-keys.js'
import { CountingProxy, ensureBuilt, jsonLines, limited, Neural, runNeural, tempDir, type RunResult } from '../commands/helpers.js'

function rsaKey(name?: string): { privatePem: string; publicPem: string } {
  const key = testRsaKey(name)
  // PKCS#1, as Kalshi hands keys out.
  return { privatePem: key.pkcs1, publicPem: key.publicPem }
}

describe('secrets', function () {
  this.timeout(40_000)
  const tmp = tempDir('neural-secrets-')
  const runtimeDir = join(tmp.dir, 'run')
  const keyFile = join(tmp.dir, 'kalshi.pem')
  const wrongKeyFile = join(tmp.dir, 'other.pem')
  const recordFile = join(tmp.dir, 'record.ndjson')
  const keyId = '7f3c2a91-5be4-4d0e-9a61-c2f8e0b4d7a3'
  const key = rsaKey()
  let sim: Simulator
  let proxy: CountingProxy
  const outputs = new Map<string, string>()
  let statusFileMode = 0
  let streamResult: RunResult

  before(async function () {
    this.timeout(60_000)
    await ensureBuilt()
    writeFileSync(keyFile, key.privatePem, { mode: 0o600 })
    writeFileSync(wrongKeyFile, rsaKey('wrong').privatePem, { mode: 0o600 })
    sim = await startSimulator({ seed: 2, ratePerSec: 400, publicKeys: [key.publicPem] })
    proxy = await new CountingProxy(sim.port).start()
    const auth = ['--api-key-id', keyId, '--private-key-path', keyFile]
    const exchange = ['--env', 'sim', '--api-url', proxy.apiUrl, '--ws-url', proxy.wsUrl]
    const record = (name: string, r: RunResult) => {
      outputs.set(`${name} stdout`, r.stdout)
      outputs.set(`${name} stderr`, r.stderr)
      return r
    }

    const stream = new Neural(['stream', 'KXNFLGAME*', ...exchange, ...auth, '--channels', 'ticker,trade,orderbook', '--record', recordFile, '--json'], { runtimeDir, timeoutMs: 40_000 })
    const statusFile = () => join(runtimeDir, `${stream.pid}.json`)
    // Fails at once if the child exits; the long deadline is for a loaded machine.
    await stream.until(() => {
      try {
        return JSON.parse(readFileSync(statusFile(), 'utf8')).messages > 0
      } catch {
        return false
      }
    }, 30_000, 'the stream status file')
    outputs.set('status file', readFileSync(statusFile(), 'utf8'))
    statusFileMode = statSync(statusFile()).mode & 0o777
    await limited(3, [
      () => runNeural(['status', ...exchange, ...auth, '--json'], { runtimeDir }).then((r) => record('status --json', r)),
      () => runNeural(['status', ...exchange, ...auth], { runtimeDir }).then((r) => record('status', r)),
      () => runNeural(['connect', ...exchange, ...auth], { runtimeDir }).then((r) => record('connect', r)),
      () => runNeural(['connect', ...exchange, ...auth, '--json'], { runtimeDir }).then((r) => record('connect --json', r)),
      // A key the exchange does not know: the error paths, with stack traces on.
      () => runNeural(['connect', ...exchange, '--api-key-id', keyId, '--private-key-path', wrongKeyFile, '--debug'], { runtimeDir }).then((r) => record('connect (wrong key)', r)),
      () => runNeural(['stream', 'KXNFLGAME*', ...exchange, '--api-key-id', keyId, '--private-key-path', wrongKeyFile, '--debug', '--json'], { runtimeDir }).then((r) => record('stream (wrong key)', r)),
    ])
    // Stopped only now, so that status saw it running.
    stream.child.kill('SIGINT')
    streamResult = record('stream', await stream.done)
    outputs.set('record file', readFileSync(recordFile, 'utf8'))
  })

  after(async () => {
    await proxy?.close()
    await sim?.close()
    tmp.remove()
  })

  it('ran every command as intended', () => {
    expect(streamResult.code).to.equal(130)
    expect(jsonLines(outputs.get('status --json stdout')!)[0]!.processes).to.have.length(1)
    expect(jsonLines(outputs.get('connect --json stdout')!)[0]).to.include({ ok: true, signed: true })
    expect(outputs.get('connect (wrong key) stderr')).to.match(/^error: the exchange refused the API key/)
    expect(outputs.get('stream (wrong key) stderr')).to.match(/error: the exchange refused the API key/)
    // The signed orderbook channel streamed: the key was used.
    expect(jsonLines(streamResult.stdout).some((l) => l.type === 'book')).to.equal(true)
  })

  it('captured the signatures and key id that went over the wire', () => {
    expect(proxy.signatures.size).to.be.greaterThan(5)
    expect([...proxy.keyIds]).to.deep.equal([keyId])
  })

  it('never shows the private key', () => {
    const body = key.privatePem.split('\n').filter((l) => l !== '' && !l.startsWith('-----'))
    expect(body.length).to.be.greaterThan(10)
    for (const [name, text] of outputs) {
      expect(text, name).to.not.include('PRIVATE KEY')
      for (const line of body) expect(text.includes(line), `${name} holds a line of the PEM body`).to.equal(false)
    }
  })

  it('never shows a signature it sent', () => {
    for (const [name, text] of outputs) {
      for (const signature of proxy.signatures) expect(text.includes(signature), `${name} holds a signature`).to.equal(false)
    }
  })

  it('never shows the full key id, only its first characters', () => {
    for (const [name, text] of outputs) expect(text.includes(keyId), `${name} holds the key id`).to.equal(false)
    expect(jsonLines(outputs.get('status --json stdout')!)[0]!.config).to.deep.include({ apiKeyId: '7f3c…', privateKey: `file ${keyFile}` })
  })

  it('writes the status file and the record file with mode 0600', () => {
    expect(statusFileMode).to.equal(0o600)
    expect(statSync(recordFile).mode & 0o777).to.equal(0o600)
  })
})
