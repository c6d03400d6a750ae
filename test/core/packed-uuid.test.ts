import { expect } from 'chai'
import fc from 'fast-check'
import { packUuid, unpackUuid, UUID_SLOTS } from '../../src/core/packed-uuid.js'

describe('packed uuid', () => {
  // Slots around the UUID's own hold sentinels: packing must touch its four slots only.
  const at = 3
  const fresh = () => new Float64Array(at + UUID_SLOTS + 2).fill(-7)
  const untouched = (f: Float64Array) => [...f.slice(0, at), ...f.slice(at + UUID_SLOTS)].every((x) => x === -7)

  it('gives back every lowercase UUID exactly as it was set, in its own four slots', () => {
    const f = fresh()
    fc.assert(fc.property(fc.uuid(), (id) => packUuid(id, f, at) && unpackUuid(f, at) === id && untouched(f)), { numRuns: 2000 })
    for (const id of ['00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '3683cb3e-5e1a-4000-8000-000000000001']) {
      expect([packUuid(id, f, at), unpackUuid(f, at)]).to.deep.equal([true, id])
    }
  })

  it('holds nothing for anything else, uppercase included', () => {
    const f = fresh()
    for (const id of ['', 't1', '3683CB3E-5E1A-4000-8000-000000000001', '3683cb3e-5e1a-4000-8000-00000000000g', '3683cb3e+5e1a-4000-8000-000000000001', '3683cb3e-5e1a-4000-8000-0000000000011']) {
      packUuid('3683cb3e-5e1a-4000-8000-000000000001', f, at)
      expect([packUuid(id, f, at), unpackUuid(f, at), untouched(f)], id).to.deep.equal([false, undefined, true])
    }
  })
})
