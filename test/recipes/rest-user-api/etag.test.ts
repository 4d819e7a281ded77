import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { formatETag, maxIfMatchTags, parseIfMatch } from '../../../recipes/rest-user-api/etag.js'

describe('formatETag', () => {
  it('writes the version as a strong entity tag', () => {
    expect(formatETag(3)).toBe('"3"')
  })
})

describe('parseIfMatch', () => {
  it.each([
    ['"3"', [3]],
    ['W/"3"', [3]],
    [' "3" ', [3]],
    ['"3", W/"4"', [3, 4]],
    ['"3","3"', [3]],
  ])('reads %s as versions %j', (header, versions) => {
    expect(parseIfMatch(header)).toEqual({ kind: 'versions', versions })
  })

  it('reads * as any current version', () => {
    expect(parseIfMatch(' * ')).toEqual({ kind: 'any' })
  })

  it.each([
    ['"not-ours"', []],
    ['"abc", "0", "-1", "1.5", "1234567890123456"', []],
    ['"not-ours", W/"2"', [2]],
    ['"a,b", "3"', [3]],
    ['W/"", "4"', [4]],
  ])(
    'reads the well-formed tags of %s that this API did not issue as matching nothing: versions %j',
    (header, versions) => {
      expect(parseIfMatch(header)).toEqual({ kind: 'versions', versions })
    },
  )

  it.each(['', '3', 'not-ours', '"abc', 'w/"3"', '"3", ', '*, "3"', '"3" "4"', '"a b"', '"\u0001"'])(
    'refuses %j',
    (header) => {
      expect(parseIfMatch(header)).toBeUndefined()
    },
  )

  it(`refuses more than ${maxIfMatchTags} tags`, () => {
    const tags = Array.from({ length: maxIfMatchTags + 1 }, (_, index) => `"${index + 1}"`)
    expect(parseIfMatch(tags.slice(0, maxIfMatchTags).join(','))).toMatchObject({ kind: 'versions' })
    expect(parseIfMatch(tags.join(','))).toBeUndefined()
  })

  it('round-trips every tag it issues', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 999_999_999_999_999 }), (version) => {
        expect(parseIfMatch(formatETag(version))).toEqual({ kind: 'versions', versions: [version] })
      }),
    )
  })

  it('never throws, and yields only positive whole versions', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 64 }), (header) => {
        const parsed = parseIfMatch(header)
        if (parsed?.kind === 'versions') {
          for (const version of parsed.versions) expect(Number.isSafeInteger(version) && version > 0).toBe(true)
        }
      }),
    )
  })
})
