/**
 * Property: whatever request arrives (method, path, query, If-Match, content type, body), the user API answers with a
 * 2xx or a 4xx, never a 5xx; errors are problem+json without internals; nothing is written unless the answer says so.
 * Real Middy chain, real DynamoDB document client against the local DynamoDB, events from the real AWS fixtures.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda'
import fc from 'fast-check'
import { invoke, type LocalCloud, startLocalCloud } from 'serverless-done-right/local'
import { createUserApi } from '../../../recipes/rest-user-api/app.js'
import { encodeCursor } from '../../../recipes/rest-user-api/cursor.js'
import { fixture } from '../../helpers/fixtures.js'
import { createUsersTable, silentLogger, tableItems, testMemoryMb } from './helpers.js'

const tableName = 'users-fuzz'
let cloud: LocalCloud

beforeAll(async () => {
  cloud = await startLocalCloud()
  await createUsersTable(cloud, tableName)
})

afterAll(async () => {
  await cloud?.stop()
})

interface FuzzRequest {
  method: string
  path: string
  query: Record<string, string>
  headers: Record<string, string>
  body: string | undefined
}

function eventV1({ method, path, query, headers, body }: FuzzRequest): APIGatewayProxyEvent {
  const base = fixture<APIGatewayProxyEvent>('apigw-rest-v1')
  const hasQuery = Object.keys(query).length > 0
  return {
    ...base,
    httpMethod: method,
    path,
    resource: '/{proxy+}',
    headers: { ...base.headers, ...headers },
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery
      ? Object.fromEntries(Object.entries(query).map(([name, value]) => [name, [value]]))
      : null,
    requestContext: { ...base.requestContext, httpMethod: method, path: `/prod${path}` },
    body: body ?? null,
  }
}

function eventV2({ method, path, query, headers, body }: FuzzRequest): APIGatewayProxyEventV2 {
  const base = fixture<APIGatewayProxyEventV2>('apigw-http-v2')
  const lowered = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]))
  return {
    ...base,
    routeKey: '$default',
    rawPath: path,
    rawQueryString: new URLSearchParams(query).toString(),
    headers: { ...base.headers, ...lowered },
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    requestContext: {
      ...base.requestContext,
      routeKey: '$default',
      http: { ...base.requestContext.http, method, path },
    },
    ...(body === undefined ? {} : { body }),
  }
}

/** Users created before the run, so that reads, replaces and deletes also find someone. */
const seededIds: string[] = []
const uuid = fc.oneof(
  fc.uuid().map((id) => id.toLowerCase()),
  fc.constant(0).map(() => seededIds[0] ?? ''),
  fc.nat(9).map((index) => seededIds[index % Math.max(1, seededIds.length)] ?? ''),
)
const segment = fc.oneof(uuid, fc.string({ maxLength: 40 }).map(encodeURIComponent), fc.constant('users'))
const path = fc.oneof(
  { arbitrary: fc.constantFrom('/users', '/users/'), weight: 3 },
  { arbitrary: uuid.map((id) => `/users/${id}`), weight: 4 },
  { arbitrary: fc.array(segment, { maxLength: 4 }).map((segments) => `/${segments.join('/')}`), weight: 1 },
)
const queryValue = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.integer({ min: -5, max: 500 }).map(String),
  uuid,
  uuid.map((id) => encodeCursor({ id })),
  fc.base64String({ maxLength: 60 }),
)
const query = fc.dictionary(fc.constantFrom('id', 'limit', 'cursor', 'x', '__proto__', 'constructor'), queryValue, {
  maxKeys: 3,
})
const ifMatch = fc.oneof(
  fc.constant('*'),
  fc.integer({ min: 0, max: 5 }).map((version) => `"${version}"`),
  fc.integer({ min: 1, max: 5 }).map((version) => `W/"${version}"`),
  fc.string({ maxLength: 40 }),
)
const headers = fc.record(
  {
    'Content-Type': fc.oneof(
      { arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8'), weight: 4 },
      { arbitrary: fc.constantFrom('text/plain', '', 'application/jsonx'), weight: 1 },
    ),
    'If-Match': ifMatch,
  },
  { requiredKeys: [] },
)
const jsonBody = fc.oneof(
  fc.record({ email: fc.emailAddress(), name: fc.string({ minLength: 1, maxLength: 30 }) }),
  fc.record({ email: fc.oneof(fc.emailAddress(), fc.string()), name: fc.string({ maxLength: 120 }) }),
  fc.record(
    { email: fc.emailAddress(), name: fc.string({ minLength: 1, maxLength: 20 }), extra: fc.jsonValue() },
    { requiredKeys: ['email'] },
  ),
  fc.jsonValue({ maxDepth: 3 }),
)
const body = fc.option(
  fc.oneof(
    jsonBody.map((value) => JSON.stringify(value)),
    fc.string({ maxLength: 100 }),
  ),
  {
    nil: undefined,
  },
)
/** Any request at all. */
const anyRequest = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'get'),
  path,
  query,
  headers,
  body,
})

/** Requests close to what a client sends, with the parts most likely to be wrong still varied. */
const email = fc.oneof(
  fc
    .tuple(fc.stringMatching(/^[a-z0-9]{1,12}$/), fc.constantFrom('example.com', 'test.org'))
    .map(([local, domain]) => `${local}@${domain}`),
  fc.emailAddress(),
)
const userBody = fc
  .record({ email, name: fc.string({ minLength: 1, maxLength: 30 }) })
  .map((user) => JSON.stringify(user))
const json = { 'Content-Type': 'application/json' }
const create = userBody.map((body) => ({ method: 'POST', path: '/users', query: {}, headers: json, body }))
const replace = fc.tuple(uuid, userBody, fc.option(ifMatch, { nil: undefined })).map(([id, body, match]) => ({
  method: 'PUT',
  path: `/users/${id}`,
  query: {},
  headers: match === undefined ? json : { ...json, 'If-Match': match },
  body,
}))
const remove = fc.tuple(uuid, fc.option(ifMatch, { nil: undefined })).map(([id, match]) => ({
  method: 'DELETE',
  path: `/users/${id}`,
  query: {},
  headers: match === undefined ? {} : { 'If-Match': match },
  body: undefined,
}))
const read = uuid.map((id) => ({ method: 'GET', path: `/users/${id}`, query: {}, headers: {}, body: undefined }))
const list = query.map((parameters) => ({
  method: 'GET',
  path: '/users',
  query: parameters,
  headers: {},
  body: undefined,
}))

const request: fc.Arbitrary<FuzzRequest> = fc.oneof(
  { arbitrary: anyRequest, weight: 4 },
  { arbitrary: create, weight: 1 },
  { arbitrary: replace, weight: 2 },
  { arbitrary: remove, weight: 1 },
  { arbitrary: read, weight: 1 },
  { arbitrary: list, weight: 1 },
)

describe('the user API under arbitrary requests', () => {
  it('answers 2xx or 4xx problem+json, never 5xx, and writes only what it answers as written', async () => {
    const handler = createUserApi({ documentClient: cloud.documentClient, tableName, logger: silentLogger() })
    for (let i = 0; i < 5; i++) {
      const created = await invoke(
        handler as never,
        eventV2({
          method: 'POST',
          path: '/users',
          query: {},
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: `seed${i}@example.com`, name: `Seed ${i}` }),
        }),
        { memoryMb: testMemoryMb },
      )
      seededIds.push(JSON.parse((created.result as { body: string }).body).id)
    }
    const statuses = new Map<number, number>()
    let expectedItems = seededIds.length
    await fc.assert(
      fc.asyncProperty(request, fc.boolean(), async (generated, useV1) => {
        const event = useV1 ? eventV1(generated) : eventV2(generated)
        const outcome = await invoke(handler as never, event, { timeoutMs: 10_000, memoryMb: testMemoryMb })
        expect(outcome.status).toBe('ok')
        const result = outcome.result as { statusCode: number; headers: Record<string, string>; body: string }
        expect(result.statusCode).toBeGreaterThanOrEqual(200)
        expect(result.statusCode).toBeLessThan(500)
        if (result.statusCode >= 400) {
          expect(result.headers['Content-Type']).toBe('application/problem+json')
          expect(result.body).not.toMatch(/Exception|stack|\.ts:/)
        }
        statuses.set(result.statusCode, (statuses.get(result.statusCode) ?? 0) + 1)
        if (result.statusCode === 201) expectedItems++
        if (result.statusCode === 204) expectedItems--
      }),
      {
        numRuns: 400,
        // Random runs reach a 428 (a write to an existing user without If-Match) and a 412 (with a stale If-Match) only
        // now and then (a 412 was missed once in npm test): these three always do. Examples run first, so the seeded
        // user of the third is still at its first version.
        examples: [
          [
            {
              method: 'PUT',
              path: `/users/${seededIds[3]}`,
              query: {},
              headers: { ...json, 'If-Match': '"999"' },
              body: '{"email":"c@d.co","name":"C"}',
            },
            false,
          ],
          [
            {
              method: 'PUT',
              path: `/users/${seededIds[1]}`,
              query: {},
              headers: json,
              body: '{"email":"a@b.co","name":"A"}',
            },
            false,
          ],
          [{ method: 'DELETE', path: `/users/${seededIds[2]}`, query: {}, headers: {}, body: undefined }, true],
        ],
      },
    )
    // The run reached the table: users were created, read, replaced and deleted, not only refused.
    const seen = Object.fromEntries(statuses)
    for (const status of [200, 201, 204, 400, 404, 405, 412, 428]) {
      expect({ status, seen }).toEqual({ status, seen: expect.objectContaining({ [status]: expect.any(Number) }) })
    }
    expect(await tableItems(cloud, tableName)).toHaveLength(expectedItems)
  }, 120_000)
})
