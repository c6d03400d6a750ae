import { expect } from 'chai'
import { testRsaKey } from '../support/rsa-keys.js'
import { couldBeKeyText } from '../../src/config/key-text.js'

describe('couldBeKeyText', () => {
  const pem = testRsaKey().pkcs8

  it('takes PEM body lines for key text, whatever their slashes cut them into', () => {
    // Lines of generated keys with two or more slashes (fixed here: a test must not depend on chance).
    const lines = [
      'uGpzudYo9x+JT+IJ/fjCYY0qASmazKBfSu/UXkrKF2BRWOcTZVchkpxMD6pUwQA4',
      'jthKKU1NPQKBgEl/S/FMBhaqtdi78vwuJFEfomljybHlh4rKEQ0oZU1/XGdCX15y',
      'F2yzUWORNGdMXOTy95ZTAEUY7Qftbff8Id5QZzBxnYX/jhWch/D2E4S5AoGBAKfC',
      'xfYlvR81E//BcnUDIIxBbPdc/9iC3Gxre7z8sKXx/ur5z5Y83Ic1Q/kHIv1ANxsO',
      'fZkbMddnp4CxEOOGBT3TjFLt2d+sP/UH3R+d/1+JfyCPBjnncFAIIAWEryDfCFOu',
      'nCcbsF/Ijpm/aTEF8IvvVkIF+NYxAM1Maa51QXXkIL0npxV3gi6ze22aF0TUk1Pb',
    ]
    for (const line of lines) expect(couldBeKeyText(line), line).to.equal(true)
    // The line seen printed in an error: its slashes leave no run of 32.
    expect(couldBeKeyText('pYF/VDVU1RdgZHeyZbZM9Bu4y/kEHxppx/uMdyAJpGRmWfQ2hvMNTzPTkdmWD45r')).to.equal(true)
  })

  it('takes armour, line breaks and a one-line .env PEM for key text', () => {
    expect(couldBeKeyText(pem)).to.equal(true)
    expect(couldBeKeyText(pem.replace(/\n/g, '\\n'))).to.equal(true)
    expect(couldBeKeyText('-----BEGIN')).to.equal(true)
  })

  it('leaves paths alone', () => {
    for (const path of ['/home/alice/keys/kalshi.pem', '/home/alice/.config/neural/kalshi-prod-key.pem', './key.pem', '/home/alice/keys/kalshiprodkey', 'C:\\Users\\alice\\kalshi.pem']) {
      expect(couldBeKeyText(path), path).to.equal(false)
    }
  })
})
