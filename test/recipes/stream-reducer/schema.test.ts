import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import {
  countKeySchema,
  firstWordOfMessage,
  maxKeyLength,
  normalizeKey,
} from '../../../recipes/stream-reducer/schema.js'

describe('firstWordOfMessage', () => {
  it.each([
    ['ERROR disk full', 'ERROR'],
    ['  GET /login 401', 'GET'],
    ['single', 'single'],
    ['tab\tseparated', 'tab'],
    ['line\nbreak', 'line'],
  ])('reads %j as %j', (message, word) => {
    expect(firstWordOfMessage({ message })).toBe(word)
  })

  it('has no key without a string message', () => {
    expect(firstWordOfMessage({})).toBeUndefined()
    expect(firstWordOfMessage({ message: 42 })).toBeUndefined()
  })
})

describe('normalizeKey', () => {
  it('trims, and refuses empty keys', () => {
    expect(normalizeKey('  a b ')).toBe('a b')
    expect(normalizeKey('   ')).toBeUndefined()
    expect(normalizeKey(undefined)).toBeUndefined()
  })

  it(`cuts keys to ${maxKeyLength} code points without splitting a character`, () => {
    expect(normalizeKey('x'.repeat(maxKeyLength + 10))).toBe('x'.repeat(maxKeyLength))
    const emoji = '😀'.repeat(maxKeyLength + 1)
    const cut = normalizeKey(emoji) as string
    expect(Array.from(cut)).toHaveLength(maxKeyLength)
    expect(cut).toBe('😀'.repeat(maxKeyLength))
  })

  it('always yields a non-empty, trimmed key of at most the maximum length', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (text) => {
        const key = normalizeKey(text)
        if (key === undefined) return
        expect(key.length).toBeGreaterThan(0)
        expect(key).toBe(key.trim())
        expect(Array.from(key).length).toBeLessThanOrEqual(maxKeyLength)
      }),
    )
  })
})

describe('countKeySchema', () => {
  it('outputs the first word of message by default', () => {
    expect(countKeySchema().parse({ message: 'WARN slow query', level: 'WARN' })).toBe('WARN')
  })

  it('outputs a named field, turning numbers and booleans into text', () => {
    expect(countKeySchema('service').parse({ service: 'auth', message: 'x' })).toBe('auth')
    expect(countKeySchema('status').parse({ status: 404 })).toBe('404')
    expect(countKeySchema('cached').parse({ cached: false })).toBe('false')
  })

  it('outputs what a key function returns', () => {
    const byStatusClass = (event: Record<string, unknown>) => `${String(event.status).slice(0, 1)}xx`
    expect(countKeySchema(byStatusClass).parse({ status: 503 })).toBe('5xx')
  })

  it.each([
    ['a string', 'ERROR boom'],
    ['an array', ['ERROR']],
    ['null', null],
    ['no message', { level: 'ERROR' }],
    ['a blank message', { message: '   ' }],
    ['a message that is not a string', { message: { text: 'ERROR' } }],
  ])('finds no key in %s', (_, event) => {
    expect(countKeySchema().safeParse(event).success).toBe(false)
  })

  it('names the field it read in the issue', () => {
    const result = countKeySchema('service').safeParse({ service: { name: 'auth' } })
    expect(result.success).toBe(false)
    expect(result.error?.issues[0]?.path).toEqual(['service'])
  })

  it('does not read inherited fields', () => {
    expect(countKeySchema('toString').safeParse({}).success).toBe(false)
  })
})
