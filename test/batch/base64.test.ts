import { Buffer } from 'node:buffer'
import fc from 'fast-check'
import { base64Size, writeBase64 } from '../../src/batch/base64.js'

describe('strict base64 into a scratch buffer', () => {
  const decode = (text: string): Buffer | undefined => {
    const size = base64Size(text)
    if (size < 0) return undefined
    const target = Buffer.alloc(Math.max(size, 8))
    return writeBase64(text, target, size) ? target.subarray(0, size) : undefined
  }

  it('decodes what Node encodes, whatever the bytes (fast-check)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(decode(Buffer.from(bytes).toString('base64'))).toEqual(Buffer.from(bytes))
      }),
    )
  })

  it('refuses a text Node would silently skip characters of, or whose length cannot be base64', () => {
    expect(decode('eyJh*==')).toBeUndefined() // length 7
    expect(decode('ey!hIjoxfQ==')).toBeUndefined() // '!' is skipped by Node: fewer bytes than promised
    expect(decode('eyJhIjoxfQ==')?.toString()).toBe('{"a":1}')
    expect(decode('')?.length).toBe(0)
  })
})
