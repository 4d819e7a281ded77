/**
 * The Lambda entry (`handler.ts`) as Lambda loads it: settings from the environment, its own real clients (pointed at
 * the local DynamoDB with the SDK's standard `AWS_ENDPOINT_URL_DYNAMODB`).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { invoke, type LocalCloud, startLocalCloud } from 'serverless-done-right/local'
import { readWindowCounts } from '../../../recipes/stream-reducer/app.js'
import { setLambdaEnv } from '../../helpers/env.js'
import { createCountsTable, kinesisRecords, testMemoryMb, windowEvent } from './helpers.js'

const tableName = 'counts-entry'
let restoreEnv: () => void = () => undefined
let cloud: LocalCloud

beforeAll(async () => {
  cloud = await startLocalCloud()
  await createCountsTable(cloud, tableName)
  restoreEnv = setLambdaEnv({
    TABLE_NAME: tableName,
    COUNT_KEY_FIELD: 'service',
    AWS_ENDPOINT_URL_DYNAMODB: cloud.endpoints.dynamodb,
    AWS_REGION: cloud.region,
  })
})

afterAll(async () => {
  restoreEnv()
  await cloud?.stop()
})

describe('stream-reducer/handler.ts', () => {
  it('counts by COUNT_KEY_FIELD into the table named by TABLE_NAME', async () => {
    const { handler } = await import('../../../recipes/stream-reducer/handler.js')
    const shardId = 'shardId-000000000000'
    const start = '2026-05-01T00:00:00Z'
    const records = kinesisRecords(shardId, 0, [
      { message: 'GET /', service: 'auth' },
      { message: 'GET /', service: 'auth' },
      { message: 'GET /', service: 'billing' },
    ])
    const outcome = await invoke(handler, windowEvent({ shardId, start, records, final: true }), {
      timeoutMs: 10_000,
      memoryMb: testMemoryMb,
    })
    expect(outcome.status).toBe('ok')
    expect(await readWindowCounts({ documentClient: cloud.documentClient, tableName, windowStart: start })).toEqual({
      auth: 2,
      billing: 1,
    })
  })
})
