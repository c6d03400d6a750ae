import { expect } from 'chai'
import { centsToUnits, countToUnits, dollarsToUnits, formatCount, formatDollars, unitsToCount, unitsToDollars } from '../../src/core/fixed-point.js'

describe('fixed-point', () => {
  it('parses four-decimal dollar strings into exact price units', () => {
    expect(dollarsToUnits('0.5600')).to.equal(5600)
    expect(dollarsToUnits('0.0001')).to.equal(1)
    expect(dollarsToUnits('1.0000')).to.equal(10000)
    expect(dollarsToUnits('0.56')).to.equal(5600)
  })

  it('keeps 0.56 as 0.56 and its complement as 0.44 exactly', () => {
    const units = dollarsToUnits('0.5600')!
    expect(unitsToDollars(units)).to.equal(0.56)
    expect(unitsToDollars(10000 - units)).to.equal(0.44)
    expect(unitsToDollars(centsToUnits(56)!)).to.equal(0.56)
  })

  it('rejects text that is not a decimal number', () => {
    expect(dollarsToUnits('abc')).to.equal(undefined)
    expect(dollarsToUnits(56)).to.equal(undefined)
    expect(dollarsToUnits('0.56001')).to.equal(undefined)
    expect(centsToUnits(5.5)).to.equal(undefined)
  })

  it('parses fixed-point counts and legacy integer counts', () => {
    expect(countToUnits('250.00')).to.equal(25000)
    expect(countToUnits('-3.50')).to.equal(-350)
    expect(countToUnits(250)).to.equal(25000)
    expect(unitsToCount(25050)).to.equal(250.5)
  })

  it('formats units back to the wire form', () => {
    expect(formatDollars(5600)).to.equal('0.5600')
    expect(formatDollars(10000)).to.equal('1.0000')
    expect(formatCount(25000)).to.equal('250.00')
    expect(formatCount(-5)).to.equal('-0.05')
  })
})
