import { describe, expect, it } from '@jest/globals'
import { matchRoute } from '../../../recipes/rest-user-api/routes.js'

describe('matchRoute', () => {
  it.each([
    ['POST', '/users', 'createUser', {}],
    ['GET', '/users', 'queryUsers', {}],
    ['GET', '/users/', 'queryUsers', {}],
    ['GET', '/users/u1', 'readUser', { id: 'u1' }],
    ['PUT', '/users/u1', 'replaceUser', { id: 'u1' }],
    ['DELETE', '/users/u1/', 'deleteUser', { id: 'u1' }],
    ['GET', '/users/a%20b', 'readUser', { id: 'a b' }],
  ])('%s %s is %s', (method, path, route, pathParameters) => {
    expect(matchRoute(method, path)).toEqual({ kind: 'route', route, pathParameters })
  })

  it('answers another method on a known path with the methods it has', () => {
    expect(matchRoute('PATCH', '/users')).toEqual({ kind: 'method-not-allowed', allow: ['GET', 'POST'] })
    expect(matchRoute('POST', '/users/u1')).toEqual({
      kind: 'method-not-allowed',
      allow: ['GET', 'PUT', 'DELETE'],
    })
  })

  it('does not take inherited object keys for methods', () => {
    expect(matchRoute('constructor', '/users')).toMatchObject({ kind: 'method-not-allowed' })
    expect(matchRoute('__proto__', '/users/u1')).toMatchObject({ kind: 'method-not-allowed' })
  })

  it.each(['/', '/user', '/users/u1/extra', '/users//', '/Users', '/users/%E0%A4%A', '//users/u1/x'])(
    '%s is not found',
    (path) => {
      expect(matchRoute('GET', path)).toEqual({ kind: 'not-found' })
    },
  )
})
