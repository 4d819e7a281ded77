/**
 * The user API on the embedded cloud (`serverless-done-right/local`): the handler behind the API Gateway emulator (the
 * payload format `settings.ts` names), over a DynamoDB table, called with `fetch` as a client would. No AWS account,
 * no Docker.
 *
 * Node's test runner (`npx tsx --test`): this is the test a project made with `npx serverless-done-right init
 * rest-user-api` runs as `npm test`; the repository runs it the same way (jest skips it).
 *
 * @module
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Logger } from '@aws-lambda-powertools/logger'
import { type HttpGateway, httpGateway, type LocalCloud, startLocalCloud } from 'serverless-done-right/local'
import { createUserApi } from './app.js'
import { userApiSettings } from './settings.js'

const tableName = 'users'
/** The memory the watchdog compares with: locally it measures this whole process, emulators included. */
const localMemoryMb = 8192

let cloud: LocalCloud
let gateway: HttpGateway

before(async () => {
  cloud = await startLocalCloud()
  await cloud.createTable({
    TableName: tableName,
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
  })
  gateway = await httpGateway({
    routes: createUserApi({
      documentClient: cloud.documentClient,
      tableName,
      logger: new Logger({ serviceName: 'rest-user-api', logLevel: 'SILENT' }),
    }),
    payloadFormat: userApiSettings.payloadFormat,
    invokeOptions: { timeoutMs: userApiSettings.function.timeoutSeconds * 1000, memoryMb: localMemoryMb },
  })
})

after(async () => {
  await gateway?.close()
  await cloud?.stop()
})

/** One request with a JSON body (or none); the answer's status, headers and parsed body. */
async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${gateway.url}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await response.text()
  return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) }
}

describe('the user API on the local cloud', () => {
  it('creates, reads, updates under If-Match, lists and deletes a user', async () => {
    const created = await call('POST', '/users', { email: 'ada@example.com', name: 'Ada Lovelace' })
    assert.equal(created.status, 201)
    const { id } = created.body as { id: string }
    assert.equal(created.headers.get('location'), `/users/${id}`)

    const read = await call('GET', `/users/${id}`)
    assert.equal(read.status, 200)
    assert.equal((read.body as { email: string }).email, 'ada@example.com')
    const etag = read.headers.get('etag') ?? ''

    const noPrecondition = await call('PUT', `/users/${id}`, { email: 'ada@example.org', name: 'Ada' })
    assert.equal(noPrecondition.status, 428)
    const updated = await call('PUT', `/users/${id}`, { email: 'ada@example.org', name: 'Ada' }, { 'if-match': etag })
    assert.equal(updated.status, 200)

    const list = await call('GET', '/users?limit=10')
    assert.equal(list.status, 200)
    assert.deepEqual(
      (list.body as { items: Array<{ id: string }> }).items.map((user) => user.id),
      [id],
    )

    assert.equal((await call('DELETE', `/users/${id}`)).status, 204)
    assert.equal((await call('GET', `/users/${id}`)).status, 404)
  })

  it('answers an invalid body with a 400 problem+json that points at the field', async () => {
    const answer = await call('POST', '/users', { email: 'not an address' })
    assert.equal(answer.status, 400)
    assert.match(answer.headers.get('content-type') ?? '', /^application\/problem\+json/)
  })
})
