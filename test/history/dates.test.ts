/**
 * `--from`/`--to` of `neural history` and `neural backtest`: dates and times that exist, in UTC
 * unless they carry an offset; anything else is BAD_DATE.
 */
import { expect } from 'chai'
import { checkRange, parseDateFlag } from '../../src/history/dates.js'

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn()
    return undefined
  } catch (error) {
    return (error as { code?: string }).code
  }
}

describe('history: --from/--to dates', () => {
  it('takes a date as the start of that day in UTC, and as --to its last millisecond', () => {
    expect(parseDateFlag('from', '2025-09-04')).to.equal(Date.UTC(2025, 8, 4))
    expect(parseDateFlag('to', '2025-09-04')).to.equal(Date.UTC(2025, 8, 5) - 1)
    expect(parseDateFlag('from', ' 2024-02-29 ')).to.equal(Date.UTC(2024, 1, 29))
    expect(parseDateFlag('from', undefined)).to.equal(undefined)
  })

  it('takes an ISO 8601 time with Z or an offset, and fractions of a second to the millisecond', () => {
    expect(parseDateFlag('from', '2025-09-04T17:00:00Z')).to.equal(Date.UTC(2025, 8, 4, 17))
    expect(parseDateFlag('from', '2025-09-04T17:00Z')).to.equal(Date.UTC(2025, 8, 4, 17))
    expect(parseDateFlag('to', '2025-09-04T17:00:00+02:00')).to.equal(Date.UTC(2025, 8, 4, 15))
    expect(parseDateFlag('to', '2025-09-04T17:00:00-0530')).to.equal(Date.UTC(2025, 8, 4, 22, 30))
    expect(parseDateFlag('from', '2025-09-04T17:00:00.123456Z')).to.equal(Date.UTC(2025, 8, 4, 17, 0, 0, 123))
    expect(parseDateFlag('from', '2025-12-31T23:59:59.999Z')).to.equal(Date.UTC(2025, 11, 31, 23, 59, 59, 999))
  })

  it('reads a time without an offset in UTC, like a date, whatever the machine\'s time zone', () => {
    const tz = process.env.TZ
    process.env.TZ = 'America/New_York'
    try {
      expect(parseDateFlag('from', '2025-09-04T17:00')).to.equal(Date.UTC(2025, 8, 4, 17))
      expect(parseDateFlag('from', '2025-09-04T17:00:00')).to.equal(Date.UTC(2025, 8, 4, 17))
    } finally {
      if (tz === undefined) delete process.env.TZ
      else process.env.TZ = tz
    }
  })

  for (const value of ['2025-02-30', '2025-02-29', '2025-04-31', '2025-06-31', '2025-13-01', '2025-00-10', '2025-09-00', '2025-09-32']) {
    it(`rejects ${value}, a day that does not exist, with BAD_DATE for both flags`, () => {
      expect(codeOf(() => parseDateFlag('from', value))).to.equal('BAD_DATE')
      expect(codeOf(() => parseDateFlag('to', value))).to.equal('BAD_DATE')
    })
  }

  for (const value of ['2025-02-30T10:00:00Z', '2025-09-04T24:00:00Z', '2025-09-04T25:00Z', '2025-09-04T23:60:00Z', '2025-09-04T23:59:60Z',
    '2025-09-04T17:00:00+25:00', '2025-09-04T17:00:00+02:60', '2025-09-04T17Z', '2025-09-04T7:00Z', '2025-09-04Tfoo', 'yesterday', '09/04/2025', '2025-9-4', '']) {
    it(`rejects ${JSON.stringify(value)} with BAD_DATE`, () => {
      expect(codeOf(() => parseDateFlag('from', value))).to.equal('BAD_DATE')
    })
  }

  it('names the flag and the value in the message', () => {
    expect(() => parseDateFlag('to', '2025-02-30')).to.throw('--to: 2025-02-30 is not a date that exists (expected a date like 2025-09-04 or a time like 2025-09-04T17:00:00Z)')
  })

  it('rejects --from after --to', () => {
    expect(codeOf(() => checkRange(2, 1))).to.equal('BAD_DATE')
    expect(codeOf(() => checkRange(1, 1))).to.equal(undefined)
  })
})
