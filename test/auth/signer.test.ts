import { expect } from 'chai'
import { constants, verify } from 'node:crypto'
import { testRsaKey } from '../support/rsa-keys.js'
import { createSigner, loadPrivateKey, signedPath, verifySignature } from '../../src/auth/signer.js'
import { NeuralError } from '../../src/errors.js'

describe('signer', () => {
  const { privateKey, publicKey, pkcs1, pkcs8, publicPem } = testRsaKey()

  it('returns the three Kalshi headers with a millisecond timestamp', () => {
    const headers = createSigner('key-123', pkcs1, () => 1_700_000_000_123)('GET', '/trade-api/ws/v2')
    expect(headers['KALSHI-ACCESS-KEY']).to.equal('key-123')
    expect(headers['KALSHI-ACCESS-TIMESTAMP']).to.equal('1700000000123')
    expect(headers['KALSHI-ACCESS-SIGNATURE']).to.match(/^[A-Za-z0-9+/]+={0,2}$/)
  })

  it('signs timestamp + METHOD + path with RSA-PSS SHA-256 and a 32-byte salt', () => {
    const h = createSigner('k', pkcs8, () => 42)('get', '/trade-api/v2/markets')
    const ok = verify('sha256', Buffer.from('42GET/trade-api/v2/markets'), {
      key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32,
    }, Buffer.from(h['KALSHI-ACCESS-SIGNATURE'], 'base64'))
    expect(ok).to.equal(true)
  })

  it('signs the path without its query string', () => {
    const h = createSigner('k', pkcs1, () => 7)('GET', '/trade-api/v2/markets?limit=5&cursor=abc')
    expect(verifySignature(publicPem, '7', 'GET', '/trade-api/v2/markets', h['KALSHI-ACCESS-SIGNATURE'])).to.equal(true)
    expect(signedPath('https://x.test/trade-api/v2/markets?limit=5')).to.equal('/trade-api/v2/markets')
  })

  it('refuses a signature made for another path or time', () => {
    const h = createSigner('k', pkcs1, () => 7)('GET', '/trade-api/ws/v2')
    expect(verifySignature(publicPem, '8', 'GET', '/trade-api/ws/v2', h['KALSHI-ACCESS-SIGNATURE'])).to.equal(false)
    expect(verifySignature(publicPem, '7', 'POST', '/trade-api/ws/v2', h['KALSHI-ACCESS-SIGNATURE'])).to.equal(false)
  })

  it('signs afresh for each request', () => {
    let t = 1
    const signer = createSigner('k', pkcs1, () => t++)
    expect(signer('GET', '/a')['KALSHI-ACCESS-SIGNATURE']).to.not.equal(signer('GET', '/a')['KALSHI-ACCESS-SIGNATURE'])
  })

  it('rejects a key that is not PEM with a message that does not echo the key', () => {
    const secret = 'not-a-key-SECRET-MATERIAL'
    try {
      loadPrivateKey(secret)
      expect.fail('should throw')
    } catch (error) {
      expect(error).to.be.instanceOf(NeuralError)
      expect((error as NeuralError).kind).to.equal('config')
      expect((error as Error).message).to.not.include(secret)
    }
  })
})
