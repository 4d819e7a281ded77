import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { decodeCursor, encodeCursor, maxCursorLength } from '../../../recipes/rest-user-api/cursor.js'

const toBase64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url')

describe('cursor', () => {
  it('is the base64url of the key and decodes back to it', () => {
    const cursor = encodeCursor({ id: '0b7f4c1e-7a57-4d55-9a43-8f6f3d2c1b00' })
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(decodeCursor(cursor)).toEqual({ id: '0b7f4c1e-7a57-4d55-9a43-8f6f3d2c1b00' })
  })

  it('round-trips any id up to 64 characters', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 64 }), (id) => {
        expect(decodeCursor(encodeCursor({ id }))).toEqual({ id })
      }),
    )
  })

  it.each([
    ['empty', ''],
    ['not base64url', 'abc+/='],
    ['not JSON', toBase64url('{id:')],
    ['an array', toBase64url('["x"]')],
    ['null', toBase64url('null')],
    ['a number id', toBase64url('{"id":42}')],
    ['an empty id', toBase64url('{"id":""}')],
    ['an extra key', toBase64url('{"id":"a","x":1}')],
    ['another key', toBase64url('{"pk":"a"}')],
    ['an id over 64 characters', toBase64url(JSON.stringify({ id: 'x'.repeat(65) }))],
    ['too long', 'A'.repeat(maxCursorLength + 1)],
  ])('refuses a cursor that is %s', (_, cursor) => {
    expect(decodeCursor(cursor)).toBeUndefined()
  })

  it('never throws, whatever it is given', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.base64String().map((text) => text.replaceAll('=', '')),
        ),
        (cursor) => {
          const key = decodeCursor(cursor)
          if (key !== undefined) expect(Object.keys(key)).toEqual(['id'])
        },
      ),
    )
  })
})
