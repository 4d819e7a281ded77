import { describe, expect, it } from '@jest/globals'
import { encodeCursor } from '../../../recipes/rest-user-api/cursor.js'
import { preconditionHeaders, userInput, userPath, usersQuery } from '../../../recipes/rest-user-api/schema.js'
import { userApiSettings } from '../../../recipes/rest-user-api/settings.js'

const id = '0b7f4c1e-7a57-4d55-9a43-8f6f3d2c1b00'

describe('userInput', () => {
  it('accepts an email and a name, trimming the name', () => {
    expect(userInput.parse({ email: 'ada@example.com', name: '  Ada ' })).toEqual({
      email: 'ada@example.com',
      name: 'Ada',
    })
  })

  it.each([
    ['an unknown field', { email: 'ada@example.com', name: 'Ada', admin: true }],
    ['a missing name', { email: 'ada@example.com' }],
    ['a blank name', { email: 'ada@example.com', name: '   ' }],
    ['a name over 100 characters', { email: 'ada@example.com', name: 'a'.repeat(101) }],
    ['a control character', { email: 'ada@example.com', name: 'Ada\u0000' }],
    ['a bad email', { email: 'ada', name: 'Ada' }],
    ['an email over 254 characters', { email: `${'a'.repeat(250)}@example.com`, name: 'Ada' }],
    ['an id', { id, email: 'ada@example.com', name: 'Ada' }],
    ['not an object', ['ada@example.com', 'Ada']],
  ])('refuses %s', (_, body) => {
    expect(userInput.safeParse(body).success).toBe(false)
  })
})

describe('userPath', () => {
  it('takes a lower-case UUID only', () => {
    expect(userPath.parse({ id })).toEqual({ id })
    expect(userPath.safeParse({ id: id.toUpperCase() }).success).toBe(false)
    expect(userPath.safeParse({ id: 'u1' }).success).toBe(false)
    expect(userPath.safeParse({ id: 'x'.repeat(2048) }).success).toBe(false)
  })
})

describe('usersQuery', () => {
  it('reads limit as a whole number and the cursor as the key it encodes', () => {
    expect(usersQuery.parse({ limit: '5', cursor: encodeCursor({ id }) })).toEqual({ limit: 5, cursor: { id } })
    expect(usersQuery.parse({})).toEqual({})
    expect(usersQuery.parse({ id })).toEqual({ id })
  })

  it.each([
    ['limit 0', { limit: '0' }],
    ['a limit over the maximum', { limit: String(userApiSettings.paging.maxLimit + 1) }],
    ['limit 1e2', { limit: '1e2' }],
    ['limit " 5"', { limit: ' 5' }],
    ['limit 0x10', { limit: '0x10' }],
    ['a forged cursor', { cursor: 'eyJ4IjoxfQ' }],
    ['an unknown parameter', { limt: '5' }],
    ['id with limit', { id, limit: '5' }],
    ['id with cursor', { id, cursor: encodeCursor({ id }) }],
    ['a bad id', { id: 'nope' }],
  ])('refuses %s', (_, query) => {
    expect(usersQuery.safeParse(query).success).toBe(false)
  })

  it('takes the maximum limit', () => {
    expect(usersQuery.parse({ limit: String(userApiSettings.paging.maxLimit) })).toEqual({
      limit: userApiSettings.paging.maxLimit,
    })
  })
})

describe('preconditionHeaders', () => {
  it('turns If-Match into a precondition and keeps other headers', () => {
    expect(preconditionHeaders.parse({ 'if-match': 'W/"2"', accept: '*/*' })).toEqual({
      'if-match': { kind: 'versions', versions: [2] },
      accept: '*/*',
    })
    expect(preconditionHeaders.parse({ accept: '*/*' })).toEqual({ accept: '*/*' })
  })

  it('reads a well-formed If-Match this API did not issue as matching no version (412, not 400)', () => {
    expect(preconditionHeaders.parse({ 'if-match': '"v2"' })).toEqual({
      'if-match': { kind: 'versions', versions: [] },
    })
  })

  it('refuses an If-Match that is not a list of entity tags', () => {
    expect(preconditionHeaders.safeParse({ 'if-match': 'v2' }).success).toBe(false)
  })
})
