/**
 * Request bodies that are not valid UTF-8, end to end: real HTTP with `fetch` through the API Gateway emulator (payload
 * 1.0 and 2.0), the real Middy chain, the real DynamoDB document client against the local DynamoDB. The gateway hands
 * such a body on base64-encoded; the user API must answer 400 problem+json and write nothing, where Middy's JSON body
 * parser alone would store the name with U+FFFD in place of the bytes. Valid non-ASCII text must be stored exactly.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { APIGatewayProxyEventV2 } from 'aws-lambda'
import { invoke, type LocalCloud, startLocalCloud } from 'serverless-done-right/local'
import { createUserApi } from '../../../recipes/rest-user-api/app.js'
import type { User } from '../../../recipes/rest-user-api/schema.js'
import { fixture } from '../../helpers/fixtures.js'
import {
  type Answer,
  createUsersTable,
  type ServedUserApi,
  serveUserApi,
  silentLogger,
  tableItems,
  testMemoryMb,
} from './helpers.js'

const jsonType = { 'content-type': 'application/json' }

/** A user's JSON with `nameBytes` spliced raw into the name, as a client that does not encode its text would send. */
function userBytes(email: string, nameBytes: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`{"email":"${email}","name":"a`), nameBytes, Buffer.from('"}')])
}

/** Bytes that are not UTF-8 in the middle of a JSON string: invalid, overlong, a sequence cut short by the quote. */
const invalidNames = [
  ['invalid bytes (FF FE)', Buffer.from([0xff, 0xfe])],
  ['an overlong encoding (C0 AF)', Buffer.from([0xc0, 0xaf])],
  ['a truncated sequence (E2 82)', Buffer.from([0xe2, 0x82])],
] as const

const nonAscii = 'Zoë 🚀'

function expectNotUtf8(answer: Answer): void {
  expect(answer.status).toBe(400)
  expect(answer.headers.get('content-type')).toBe('application/problem+json')
  expect(answer.json).toEqual({
    type: 'about:blank',
    title: 'Bad Request',
    status: 400,
    detail: 'The request body is not valid UTF-8',
    instance: expect.any(String),
  })
}

let cloud: LocalCloud

beforeAll(async () => {
  cloud = await startLocalCloud()
})

afterAll(async () => {
  await cloud?.stop()
})

describe.each(['1.0', '2.0'] as const)('bodies that are not UTF-8, over payload %s', (payloadFormat) => {
  const tableName = `users-utf8-${payloadFormat.replace('.', '')}`
  const base64Bodies: boolean[] = []
  let served: ServedUserApi
  let call: ServedUserApi['call']

  beforeAll(async () => {
    // The event as the gateway made it: was the body base64-encoded?
    served = await serveUserApi(cloud, tableName, payloadFormat, (event) => base64Bodies.push(event.isBase64Encoded))
    call = served.call
  })

  afterAll(async () => {
    await served?.gateway.close()
    expect(served?.serverErrors).toEqual([])
  })

  it.each(invalidNames)('answers 400 to a create with %s in the name, and writes nothing', async (_, bytes) => {
    const before = await tableItems(cloud, tableName)
    base64Bodies.length = 0
    const answer = await call('POST', '/users', { body: userBytes('bad@example.com', bytes), headers: jsonType })
    // The gateway sent the body base64-encoded, as API Gateway does with bytes that are not text.
    expect(base64Bodies).toEqual([true])
    expectNotUtf8(answer)
    expect(await tableItems(cloud, tableName)).toEqual(before)
  })

  it.each(invalidNames)('answers 400 to a replace with %s in the name, and changes nothing', async (_, bytes) => {
    const created = await call('POST', '/users', { json: { email: 'kept@example.com', name: 'Kept' } })
    expect(created.status).toBe(201)
    const user = created.json as User
    const before = await tableItems(cloud, tableName)

    const answer = await call('PUT', `/users/${user.id}`, {
      body: userBytes('changed@example.com', bytes),
      headers: { ...jsonType, 'if-match': '*' },
    })
    expectNotUtf8(answer)
    expect(await tableItems(cloud, tableName)).toEqual(before)
    expect((await call('GET', `/users/${user.id}`)).json).toEqual(user)
  })

  it('stores valid non-ASCII UTF-8 exactly, on create and on replace', async () => {
    const created = await call('POST', '/users', {
      body: Buffer.from(JSON.stringify({ email: 'zoe@example.com', name: nonAscii })),
      headers: jsonType,
    })
    expect(created.status).toBe(201)
    const user = created.json as User
    expect(user.name).toBe(nonAscii)
    expect((await call('GET', `/users/${user.id}`)).json).toMatchObject({ name: nonAscii })

    const replaced = await call('PUT', `/users/${user.id}`, {
      body: Buffer.from(JSON.stringify({ email: 'zoe@example.com', name: `${nonAscii} ✓` })),
      headers: { ...jsonType, 'if-match': '"1"' },
    })
    expect(replaced.status).toBe(200)
    expect((await call('GET', `/users/${user.id}`)).json).toMatchObject({ name: `${nonAscii} ✓`, version: 2 })
    const stored = (await tableItems(cloud, tableName)).find((item) => item.id === user.id)
    expect(stored).toMatchObject({ name: `${nonAscii} ✓` })
  })
})

describe('a base64 body of valid UTF-8', () => {
  it('passes unchanged to the JSON body parser (API Gateway may base64-encode any body)', async () => {
    const tableName = 'users-utf8-base64'
    await createUsersTable(cloud, tableName)
    const handler = createUserApi({ documentClient: cloud.documentClient, tableName, logger: silentLogger() })
    const event = fixture<APIGatewayProxyEventV2>('apigw-http-v2')
    const body = JSON.stringify({ email: 'zoe@example.com', name: nonAscii })
    const outcome = await invoke(
      handler,
      {
        ...event,
        routeKey: '$default',
        rawPath: '/users',
        headers: { ...event.headers, 'content-type': 'application/json', 'content-length': String(body.length) },
        body: Buffer.from(body).toString('base64'),
        isBase64Encoded: true,
      },
      { memoryMb: testMemoryMb },
    )
    expect(outcome.status).toBe('ok')
    expect(outcome.result).toMatchObject({ statusCode: 201 })
    const items = await tableItems(cloud, tableName)
    expect(items).toEqual([expect.objectContaining({ email: 'zoe@example.com', name: nonAscii })])
  })
})
