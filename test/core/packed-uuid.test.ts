import { expect } from 'chai'
import fc from 'fast-check'
import { PackedUuid } from '../../src/core/packed-uuid.js'

describe('packed uuid', () => {
  it('gives back every lowercase UUID exactly as it was set', () => {
    const p = new PackedUuid()
    fc.assert(fc.property(fc.uuid(), (id) => p.set(id) && p.text() === id), { numRuns: 2000 })
    for (const id of ['00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '3683cb3e-5e1a-4000-8000-000000000001']) {
      expect([p.set(id), p.text()]).to.deep.equal([true, id])
    }
  })

  it('holds nothing for anything else, uppercase included', () => {
    const p = new PackedUuid()
    for (const id of ['', 't1', '3683CB3E-5E1A-4000-8000-000000000001', '3683cb3e-5e1a-4000-8000-00000000000g', '3683cb3e+5e1a-4000-8000-000000000001', '3683cb3e-5e1a-4000-8000-0000000000011']) {
      p.set('3683cb3e-5e1a-4000-8000-000000000001')
      expect([p.set(id), p.text()], id).to.deep.equal([false, undefined])
    }
  })
})
