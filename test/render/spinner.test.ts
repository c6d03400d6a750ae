import { PassThrough } from 'node:stream'
import { expect } from 'chai'
import { createSpinner } from '../../src/render/spinner.js'

function fakeStderr(isTTY: boolean, columns = 80): NodeJS.WriteStream & { written: string } {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream & { written: string }
  stream.written = ''
  stream.isTTY = isTTY
  stream.columns = columns
  ;(stream as unknown as PassThrough).on('data', (d: Buffer) => (stream.written += d.toString()))
  return stream
}

describe('spinner', () => {
  it('is a silent no-op under --json', async () => {
    const stream = fakeStderr(true)
    const spinner = (await createSpinner({ json: true, stream })).start('connecting').succeed('connected')
    expect(spinner.enabled).to.equal(false)
    expect(stream.written).to.equal('')
  })

  it('is a silent no-op when stderr is not a terminal', async () => {
    const stream = fakeStderr(false)
    ;(await createSpinner({ json: false, stream })).start('connecting').fail('no')
    expect(stream.written).to.equal('')
  })

  it('is a no-op on a terminal that reports 0 columns (ora would loop forever clearing lines)', async () => {
    const stream = fakeStderr(true, 0)
    const spinner = (await createSpinner({ json: false, stream })).start('connecting').succeed('connected')
    expect(spinner.enabled).to.equal(false)
    expect(stream.written).to.equal('')
  })

  it('is enabled on a terminal without --json', async () => {
    const stream = fakeStderr(true)
    const spinner = await createSpinner({ json: false, stream })
    expect(spinner.enabled).to.equal(true)
  })
})
