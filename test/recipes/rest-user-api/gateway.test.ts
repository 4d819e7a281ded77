/**
 * End to end: real HTTP with `fetch` through the API Gateway emulator (payload 1.0 and 2.0), the real Middy chain,
 * the real DynamoDB document client against the local DynamoDB.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { type HttpGateway, httpGateway, type LocalCloud, startLocalCloud } from 'serverless-done-right/local'
import { createUserApi } from '../../../recipes/rest-user-api/app.js'
import { encodeCursor } from '../../../recipes/rest-user-api/cursor.js'
import type { User } from '../../../recipes/rest-user-api/schema.js'
import { userApiSettings } from '../../../recipes/rest-user-api/settings.js'
import {
  type Answer,
  client,
  createUsersTable,
  type ServedUserApi,
  serveUserApi,
  silentLogger,
  tableItems,
  testMemoryMb,
} from './helpers.js'

const missingId = '00000000-0000-4000-8000-000000000000'

let cloud: LocalCloud

beforeAll(async () => {
  cloud = await startLocalCloud()
})

afterAll(async () => {
  await cloud?.stop()
})

function expectProblem(answer: Answer, status: number): void {
  expect(answer.status).toBe(status)
  expect(answer.headers.get('content-type')).toBe('application/problem+json')
  expect(answer.json).toMatchObject({ type: 'about:blank', status })
  expect(answer.text).not.toMatch(/stack|at .*\.ts|Exception/)
}

describe.each(['1.0', '2.0'] as const)('the user API over payload %s', (payloadFormat) => {
  const tableName = `users-${payloadFormat.replace('.', '')}`
  let served: ServedUserApi
  let call: ServedUserApi['call']

  beforeAll(async () => {
    served = await serveUserApi(cloud, tableName, payloadFormat)
    call = served.call
  })

  afterAll(async () => {
    await served?.gateway.close()
    // Nothing in this suite should make the function fail: every answer above is a 2xx or a 4xx.
    expect(served?.serverErrors).toEqual([])
  })

  const create = async (name = 'Ada'): Promise<User> => {
    const answer = await call('POST', '/users', { json: { email: `${name.toLowerCase()}@example.com`, name } })
    expect(answer.status).toBe(201)
    return answer.json as User
  }

  it('creates a user: 201, a server-generated id, Location and ETag', async () => {
    const answer = await call('POST', '/users', { json: { email: 'ada@example.com', name: 'Ada Lovelace' } })
    expect(answer.status).toBe(201)
    expect(answer.headers.get('content-type')).toBe('application/json')
    const user = answer.json as User
    expect(user).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      email: 'ada@example.com',
      name: 'Ada Lovelace',
      version: 1,
      createdAt: expect.any(String),
      updatedAt: user.createdAt,
    })
    expect(answer.headers.get('location')).toBe(`/users/${user.id}`)
    expect(answer.headers.get('etag')).toBe('"1"')

    const read = await call('GET', answer.headers.get('location') as string)
    expect(read.status).toBe(200)
    expect(read.json).toEqual(user)
    expect(read.headers.get('etag')).toBe('"1"')
  })

  it('answers GET /users?id=… exactly as GET /users/{id}', async () => {
    const user = await create('Grace')
    const byPath = await call('GET', `/users/${user.id}`)
    const byQuery = await call('GET', `/users?id=${user.id}`)
    expect(byQuery.status).toBe(200)
    expect(byQuery.json).toEqual(byPath.json)
    expect(byQuery.headers.get('etag')).toBe(byPath.headers.get('etag'))

    expectProblem(await call('GET', `/users?id=${missingId}`), 404)
  })

  it('answers 404 problem+json for a user that does not exist', async () => {
    const answer = await call('GET', `/users/${missingId}`)
    expectProblem(answer, 404)
    expect(answer.json).toMatchObject({ title: 'Not Found', detail: `No user ${missingId}` })
  })

  it('replaces a user only against the version read (If-Match), 412 when stale, 428 without', async () => {
    const user = await create('Barbara')
    const path = `/users/${user.id}`
    const replacement = { email: 'liskov@example.com', name: 'Barbara Liskov' }

    expectProblem(await call('PUT', path, { json: replacement }), 428)

    const first = await call('PUT', path, { json: replacement, headers: { 'if-match': '"1"' } })
    expect(first.status).toBe(200)
    expect(first.headers.get('etag')).toBe('"2"')
    expect(first.json).toMatchObject({ ...replacement, id: user.id, version: 2, createdAt: user.createdAt })

    const stale = await call('PUT', path, {
      json: { ...replacement, name: 'Lost update' },
      headers: { 'if-match': '"1"' },
    })
    expectProblem(stale, 412)

    const weak = await call('PUT', path, {
      json: { ...replacement, name: 'B. Liskov' },
      headers: { 'if-match': 'W/"2"' },
    })
    expect(weak.status).toBe(200)
    expect(weak.json).toMatchObject({ name: 'B. Liskov', version: 3 })

    const any = await call('PUT', path, { json: replacement, headers: { 'if-match': '*' } })
    expect(any.status).toBe(200)
    expect(any.json).toMatchObject({ version: 4 })

    expect((await call('GET', path)).json).toMatchObject({ ...replacement, version: 4 })
  })

  it('answers 404 to a replace of a user that does not exist, with or without a version', async () => {
    const body = { json: { email: 'x@example.com', name: 'X' } }
    expectProblem(await call('PUT', `/users/${missingId}`, { ...body, headers: { 'if-match': '"1"' } }), 404)
    expectProblem(await call('PUT', `/users/${missingId}`, { ...body, headers: { 'if-match': '*' } }), 404)
    expect((await tableItems(cloud, tableName)).some((item) => item.id === missingId)).toBe(false)
  })

  it('lets exactly one of many concurrent replaces of one version win', async () => {
    const user = await create('Racer')
    const attempts = await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        call('PUT', `/users/${user.id}`, {
          json: { email: 'racer@example.com', name: `Racer ${index}` },
          headers: { 'if-match': '"1"' },
        }),
      ),
    )
    const statuses = attempts.map((answer) => answer.status).sort()
    expect(statuses).toEqual([200, 412, 412, 412, 412, 412, 412, 412])
    const winner = attempts.find((answer) => answer.status === 200)?.json as User
    expect((await call('GET', `/users/${user.id}`)).json).toEqual(winner)
  })

  it('deletes a user: 204 with no body, then 404; a stale If-Match is 412 and keeps the user', async () => {
    const user = await create('Edsger')
    const path = `/users/${user.id}`
    expectProblem(await call('DELETE', path, { headers: { 'if-match': '"7"' } }), 412)
    expect((await call('GET', path)).status).toBe(200)

    const deleted = await call('DELETE', path, { headers: { 'if-match': '"1"' } })
    expect(deleted.status).toBe(204)
    expect(deleted.text).toBe('')
    expectProblem(await call('GET', path), 404)
    expectProblem(await call('DELETE', path), 404)
  })

  it('pages through every user with limit and an opaque cursor, each user once', async () => {
    for (let i = 0; i < 7; i++) await create(`Pager${i}`)
    const expected = (await tableItems(cloud, tableName)).map((item) => item.id).sort()
    const seen: string[] = []
    let cursor: string | undefined
    let pages = 0
    do {
      const query = cursor === undefined ? '?limit=3' : `?limit=3&cursor=${cursor}`
      const answer = await call('GET', `/users${query}`)
      expect(answer.status).toBe(200)
      const page = answer.json as { items: User[]; nextCursor?: string }
      expect(page.items.length).toBeLessThanOrEqual(3)
      seen.push(...page.items.map((user) => user.id))
      cursor = page.nextCursor
      pages++
    } while (cursor !== undefined && pages < 100)
    expect(seen.sort()).toEqual(expected)
    expect(pages).toBeGreaterThanOrEqual(Math.ceil(expected.length / 3))
  })

  it('uses the default page size without limit', async () => {
    const answer = await call('GET', '/users')
    expect(answer.status).toBe(200)
    const page = answer.json as { items: User[] }
    expect(page.items.length).toBeGreaterThan(0)
    expect(page.items.length).toBeLessThanOrEqual(userApiSettings.paging.defaultLimit)
  })

  it.each([
    ['limit 0', '?limit=0'],
    ['a limit over the maximum', `?limit=${userApiSettings.paging.maxLimit + 1}`],
    ['a limit that is not a number', '?limit=ten'],
    ['a forged cursor', `?cursor=${Buffer.from('{"id":{"S":"x"}}').toString('base64url')}`],
    ['a cursor that is not base64url', '?cursor=%25%25%25'],
    ['an unknown parameter', '?limt=3'],
    ['id and limit together', `?id=${missingId}&limit=3`],
  ])('answers 400 problem+json to a list with %s', async (_, query) => {
    const answer = await call('GET', `/users${query}`)
    expectProblem(answer, 400)
    expect(answer.json).toMatchObject({ errors: expect.any(Array) })
  })

  it('answers a cursor of a user that is gone with the users after it, not an error', async () => {
    const answer = await call('GET', `/users?limit=2&cursor=${encodeCursor({ id: missingId })}`)
    expect(answer.status).toBe(200)
  })

  it.each([
    ['malformed JSON', { body: '{"email":', headers: { 'content-type': 'application/json' } }, [415, 422]],
    [
      'no JSON content type',
      { body: '{"email":"a@b.co","name":"A"}', headers: { 'content-type': 'text/plain' } },
      [415],
    ],
    ['an unknown field', { json: { email: 'a@b.co', name: 'A', role: 'admin' } }, [400]],
    ['a missing field', { json: { email: 'a@b.co' } }, [400]],
    ['a bad email', { json: { email: 'not-an-email', name: 'A' } }, [400]],
    ['a JSON array', { json: [{ email: 'a@b.co', name: 'A' }] }, [400]],
    ['a body over 8 KiB', { json: { email: 'a@b.co', name: 'x'.repeat(9000) } }, [413]],
  ] as const)('refuses a create with %s, writing nothing', async (_, request, statuses) => {
    const before = (await tableItems(cloud, tableName)).length
    const answer = await call('POST', '/users', request)
    expect(statuses).toContain(answer.status)
    expectProblem(answer, answer.status)
    expect((await tableItems(cloud, tableName)).length).toBe(before)
  })

  it('points each validation issue at its field', async () => {
    const answer = await call('POST', '/users', { json: { email: 'nope', name: '', role: 'admin' } })
    expectProblem(answer, 400)
    const pointers = (answer.json as { errors: { pointer: string }[] }).errors.map((issue) => issue.pointer)
    expect(pointers).toEqual(expect.arrayContaining(['/body/email', '/body/name', '/body']))
  })

  it('refuses a replace with a bad body or a bad If-Match, changing nothing', async () => {
    const user = await create('Unchanged')
    const path = `/users/${user.id}`
    expectProblem(await call('PUT', path, { json: { email: 'x' }, headers: { 'if-match': '"1"' } }), 400)
    expectProblem(
      await call('PUT', path, { json: { email: 'x@example.com', name: 'X' }, headers: { 'if-match': 'v1' } }),
      400,
    )
    expect((await call('GET', path)).json).toEqual(user)
  })

  it('answers 400 to an id that is not a user id', async () => {
    expectProblem(await call('GET', '/users/not-a-uuid'), 400)
    expectProblem(await call('DELETE', `/users/${'a'.repeat(3000)}`), 400)
  })

  it('answers an unknown path with 404 and another method with 405 and Allow', async () => {
    expectProblem(await call('GET', '/accounts'), 404)
    expectProblem(await call('GET', `/users/${missingId}/friends`), 404)

    const onCollection = await call('PATCH', '/users')
    expectProblem(onCollection, 405)
    expect(onCollection.headers.get('allow')).toBe('GET, POST')

    const onItem = await call('POST', `/users/${missingId}`, { json: {} })
    expectProblem(onItem, 405)
    expect(onItem.headers.get('allow')).toBe('GET, PUT, DELETE')
  })
})

describe('the user API behind other gateway set-ups', () => {
  const tableName = 'users-setups'
  let handler: ReturnType<typeof createUserApi>

  beforeAll(async () => {
    await createUsersTable(cloud, tableName)
    handler = createUserApi({ documentClient: cloud.documentClient, tableName, logger: silentLogger() })
  })

  const roundTrip = async (gateway: HttpGateway, prefix: string) => {
    try {
      const call = client(`${gateway.url}${prefix}`)
      const created = await call('POST', '/users', { json: { email: 'alan@example.com', name: 'Alan' } })
      expect(created.status).toBe(201)
      const { id } = created.json as User
      expect(created.headers.get('location')).toBe(`${prefix}/users/${id}`)
      expect((await call('GET', `/users/${id}`)).json).toEqual(created.json)
      expect((await call('GET', `/users?id=${id}`)).json).toEqual(created.json)
      expect((await call('DELETE', `/users/${id}`)).status).toBe(204)
    } finally {
      await gateway.close()
    }
  }

  it('routes by method and path behind one route per endpoint, as deployed', async () => {
    const routeKeys = ['POST /users', 'GET /users', 'GET /users/{id}', 'PUT /users/{id}', 'DELETE /users/{id}']
    const gateway = await httpGateway({
      routes: Object.fromEntries(routeKeys.map((key) => [key, handler])),
      payloadFormat: '1.0',
      invokeOptions: { memoryMb: testMemoryMb },
    })
    await roundTrip(gateway, '')
  })

  it('routes an HTTP API path that starts with a named stage, and puts the stage in Location', async () => {
    // On AWS, a payload 2.0 rawPath carries a named stage: `/prod/users`.
    const gateway = await httpGateway({
      routes: handler,
      payloadFormat: '2.0',
      stage: 'prod',
      invokeOptions: { memoryMb: testMemoryMb },
    })
    await roundTrip(gateway, '/prod')
  })
})
