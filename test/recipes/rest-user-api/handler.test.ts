/**
 * The Lambda entry (`handler.ts`) as Lambda loads it: settings from the environment, its own real clients (pointed at
 * the local DynamoDB with the SDK's standard `AWS_ENDPOINT_URL_DYNAMODB`), driven over HTTP through the gateway.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { httpGateway, type LocalCloud, startLocalCloud } from 'serverless-done-right/local'
import { setLambdaEnv } from '../../helpers/env.js'
import { client, createUsersTable, testMemoryMb } from './helpers.js'

const tableName = 'users-entry'
let restoreEnv: () => void = () => undefined
let cloud: LocalCloud

beforeAll(async () => {
  cloud = await startLocalCloud()
  await createUsersTable(cloud, tableName)
  restoreEnv = setLambdaEnv({
    TABLE_NAME: tableName,
    AWS_ENDPOINT_URL_DYNAMODB: cloud.endpoints.dynamodb,
    AWS_REGION: cloud.region,
  })
})

afterAll(async () => {
  restoreEnv()
  await cloud?.stop()
})

describe('rest-user-api/handler.ts', () => {
  it('serves the API with the table named by TABLE_NAME', async () => {
    const { handler } = await import('../../../recipes/rest-user-api/handler.js')
    const gateway = await httpGateway({
      routes: handler,
      payloadFormat: '2.0',
      invokeOptions: { memoryMb: testMemoryMb },
    })
    try {
      const call = client(gateway.url)
      const created = await call('POST', '/users', { json: { email: 'entry@example.com', name: 'Entry' } })
      expect(created.status).toBe(201)
      const read = await call('GET', created.headers.get('location') as string)
      expect(read.json).toEqual(created.json)
    } finally {
      await gateway.close()
    }
  })
})
