/**
 * `If-Match` as RFC 9110 reads it, end to end through the API Gateway emulator (payload 1.0 and 2.0): repeated fields
 * are one list, and a well-formed entity tag this API never issued is a failed precondition (412), not a bad request.
 */
import { request as httpRequest } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { type LocalCloud, startLocalCloud } from 'serverless-done-right/local'
import type { User } from '../../../recipes/rest-user-api/schema.js'
import { type ServedUserApi, serveUserApi, tableItems } from './helpers.js'

let cloud: LocalCloud

beforeAll(async () => {
  cloud = await startLocalCloud()
})

afterAll(async () => {
  await cloud?.stop()
})

/** A request with repeated header lines (`fetch` would fold them into one field), resolving to the status. */
function sendRaw(url: string, method: string, headers: Record<string, string | string[]>, body?: string) {
  return new Promise<number>((resolve, reject) => {
    const request = httpRequest(url, { method, headers }, (response) => {
      response.resume()
      response.on('end', () => resolve(response.statusCode ?? 0))
    })
    request.on('error', reject)
    request.end(body)
  })
}

describe.each(['1.0', '2.0'] as const)('If-Match over payload %s', (payloadFormat) => {
  const tableName = `preconditions-${payloadFormat.replace('.', '')}`
  let served: ServedUserApi

  beforeAll(async () => {
    served = await serveUserApi(cloud, tableName, payloadFormat)
  })

  afterAll(async () => {
    await served?.gateway.close()
    expect(served?.serverErrors).toEqual([])
  })

  const create = async (name: string): Promise<User> => {
    const answer = await served.call('POST', '/users', { json: { email: 'x@example.com', name } })
    expect(answer.status).toBe(201)
    return answer.json as User
  }
  const replacement = JSON.stringify({ email: 'y@example.com', name: 'Replaced' })
  const jsonType = { 'content-type': 'application/json' }

  it('reads two If-Match fields as one list: the version read matches, whichever field carries it', async () => {
    const user = await create('Repeated')
    const url = `${served.gateway.url}/users/${user.id}`
    // Under payload 1.0, `headers` keeps only the last field ("9"): the version read ("1") was lost and this was 412.
    expect(await sendRaw(url, 'PUT', { ...jsonType, 'If-Match': ['"1"', '"9"'] }, replacement)).toBe(200)
    expect(await sendRaw(url, 'PUT', { ...jsonType, 'If-Match': ['"2"', '"8"'] }, replacement)).toBe(200)
    expect(await sendRaw(url, 'DELETE', { 'If-Match': ['"7"', '"8"'] })).toBe(412)
    expect(await sendRaw(url, 'DELETE', { 'If-Match': ['"7"', '"3"'] })).toBe(204)
  })

  it('answers 412 to a well-formed entity tag this API did not issue, and changes nothing', async () => {
    const user = await create('Foreign')
    const path = `/users/${user.id}`
    const put = await served.call('PUT', path, {
      body: replacement,
      headers: { ...jsonType, 'if-match': '"not-ours"' },
    })
    expect(put.status).toBe(412)
    expect(put.headers.get('content-type')).toBe('application/problem+json')
    expect((await served.call('DELETE', path, { headers: { 'if-match': 'W/"not-ours", "0"' } })).status).toBe(412)
    const stored = (await tableItems(cloud, tableName)).find((item) => item.id === user.id)
    expect(stored).toMatchObject({ name: 'Foreign', version: 1 })
  })

  it('still answers 404 for a missing user and 400 for text that is no entity tag', async () => {
    const missing = '/users/00000000-0000-4000-8000-000000000000'
    expect((await served.call('DELETE', missing, { headers: { 'if-match': '"not-ours"' } })).status).toBe(404)
    const user = await create('Malformed')
    expect((await served.call('DELETE', `/users/${user.id}`, { headers: { 'if-match': 'not-ours' } })).status).toBe(400)
  })
})
