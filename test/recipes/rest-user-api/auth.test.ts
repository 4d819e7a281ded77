/**
 * The user API behind a JWT authorizer, as deployed: the gateway checks tokens for the recipe's own issuer and
 * audience (`userApiSettings.auth`), signed here with a local secret. Without a valid token nothing is read or
 * written; with one, every route works and the function sees who called in `requestContext.authorizer`.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda'
import { SignJWT } from 'jose'
import { type LocalCloud, startLocalCloud } from 'serverless-done-right/local'
import type { ApiEvent } from '../../../recipes/rest-user-api/request.js'
import type { User } from '../../../recipes/rest-user-api/schema.js'
import { userApiSettings } from '../../../recipes/rest-user-api/settings.js'
import { type ServedUserApi, serveUserApi, tableItems } from './helpers.js'

const secret = randomBytes(32)
const { issuer, audience } = userApiSettings.auth

const token = (subject: string, signWith: Uint8Array = secret, tokenIssuer: string = issuer) =>
  new SignJWT({ sub: subject })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(tokenIssuer)
    .setAudience(audience[0] as string)
    .setExpirationTime('5m')
    .sign(signWith)

let cloud: LocalCloud

beforeAll(async () => {
  cloud = await startLocalCloud()
})

afterAll(async () => {
  await cloud?.stop()
})

describe.each(['1.0', '2.0'] as const)('the user API behind a JWT authorizer, payload %s', (payloadFormat) => {
  const tableName = `auth-${payloadFormat.replace('.', '')}`
  const events: ApiEvent[] = []
  let served: ServedUserApi

  beforeAll(async () => {
    served = await serveUserApi(cloud, tableName, payloadFormat, (event) => events.push(event), {
      key: secret,
      issuer,
      audience,
    })
  })

  afterAll(async () => {
    await served?.gateway.close()
    expect(served?.serverErrors).toEqual([])
  })

  const body = { email: 'ada@example.com', name: 'Ada' }

  it('answers 401 to every route without a token or with a bad one, and reads or writes nothing', async () => {
    const bad = [
      undefined,
      `Bearer ${await token('mallory', randomBytes(32))}`,
      `Bearer ${await token('mallory', secret, 'https://evil.example/')}`,
    ]
    const id = '00000000-0000-4000-8000-000000000000'
    for (const authorization of bad) {
      const headers = authorization === undefined ? {} : { authorization }
      for (const [method, path] of [
        ['POST', '/users'],
        ['GET', '/users'],
        ['GET', `/users/${id}`],
        ['PUT', `/users/${id}`],
        ['DELETE', `/users/${id}`],
      ] as const) {
        const withBody = method === 'POST' || method === 'PUT' ? { json: body } : {}
        const answer = await served.call(method, path, { ...withBody, headers: { ...headers, 'if-match': '*' } })
        expect([method, path, answer.status, answer.json]).toEqual([method, path, 401, { message: 'Unauthorized' }])
      }
    }
    expect(events).toEqual([])
    expect(await tableItems(cloud, tableName)).toEqual([])
  })

  it('serves every route to a valid token, and the function sees the caller in requestContext.authorizer', async () => {
    const authorization = `Bearer ${await token('ada')}`
    const created = await served.call('POST', '/users', { json: body, headers: { authorization } })
    expect(created.status).toBe(201)
    const user = created.json as User
    expect((await served.call('GET', '/users', { headers: { authorization } })).status).toBe(200)
    expect((await served.call('GET', `/users/${user.id}`, { headers: { authorization } })).status).toBe(200)
    const replaced = await served.call('PUT', `/users/${user.id}`, {
      json: { ...body, name: 'Ada L.' },
      headers: { authorization, 'if-match': '"1"' },
    })
    expect(replaced.status).toBe(200)
    expect((await served.call('DELETE', `/users/${user.id}`, { headers: { authorization } })).status).toBe(204)

    const context = events[0]?.requestContext as (APIGatewayProxyEvent | APIGatewayProxyEventV2)['requestContext'] & {
      authorizer: Record<string, { sub?: string; claims?: { sub?: string } }>
    }
    const claims = payloadFormat === '2.0' ? context.authorizer.jwt?.claims : context.authorizer.claims
    expect(claims).toMatchObject({ sub: 'ada', iss: issuer })
  })
})
