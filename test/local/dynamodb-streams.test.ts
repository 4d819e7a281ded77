/**
 * DynamoDB Streams captured at the local DynamoDB endpoint (in front of dynalite) and read by dynamoDbEventSource:
 * the records AWS would write for each kind of write, images that follow the order writes were applied even when
 * they race, and the user API recipe's table mirrored through fanOut.
 */

import { BatchWriteItemCommand, DescribeTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb'
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import { unmarshall } from '@aws-sdk/util-dynamodb'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda'
import { fanOut } from 'serverless-done-right'
import { dynamoDbEventSource, type LocalCloud, LocalOptionsError, startLocalCloud } from 'serverless-done-right/local'
import { createUsersTable, serveUserApi, tableItems } from '../recipes/rest-user-api/helpers.js'

let cloud: LocalCloud
beforeAll(async () => {
  cloud = await startLocalCloud()
})
afterAll(async () => {
  await cloud.stop()
})

async function streamTable(
  tableName: string,
  viewType: 'NEW_AND_OLD_IMAGES' | 'KEYS_ONLY' | 'NEW_IMAGE' | 'OLD_IMAGE',
) {
  await cloud.createTable({
    TableName: tableName,
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
    StreamSpecification: { StreamEnabled: true, StreamViewType: viewType },
  })
}

/** Every record of the table's stream, through a started-and-drained event source. */
async function readAll(tableName: string): Promise<DynamoDBRecord[]> {
  const records: DynamoDBRecord[] = []
  const source = dynamoDbEventSource({
    cloud,
    tableName,
    pollIntervalMs: 20,
    batchSize: 1000,
    handler: async (event: DynamoDBStreamEvent) => {
      records.push(...event.Records)
    },
  })
  await source.start()
  await source.drain()
  await source.stop()
  return records
}

describe('DynamoDB Streams capture', () => {
  it('describes the stream and records INSERT, MODIFY, REMOVE; no record for no-ops and refused writes', async () => {
    await streamTable('capture-kinds', 'NEW_AND_OLD_IMAGES')
    const { Table } = await cloud.dynamodb.send(new DescribeTableCommand({ TableName: 'capture-kinds' }))
    expect(Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' })
    expect(Table?.LatestStreamArn).toMatch(/^arn:aws:dynamodb:us-east-1:\d{12}:table\/capture-kinds\/stream\/\d{4}-/)
    expect(Table?.LatestStreamArn).toBe(`${Table?.TableArn}/stream/${Table?.LatestStreamLabel}`)

    const doc = cloud.documentClient
    await doc.send(new PutCommand({ TableName: 'capture-kinds', Item: { id: 'a', n: 1 } }))
    await doc.send(new PutCommand({ TableName: 'capture-kinds', Item: { id: 'a', n: 1 } })) // changes nothing
    await doc.send(
      new UpdateCommand({
        TableName: 'capture-kinds',
        Key: { id: 'a' },
        UpdateExpression: 'SET n = n + :one',
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    )
    await expect(
      doc.send(
        new PutCommand({
          TableName: 'capture-kinds',
          Item: { id: 'a', n: 9 },
          ConditionExpression: 'attribute_not_exists(id)',
        }),
      ),
    ).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' })
    await doc.send(new DeleteCommand({ TableName: 'capture-kinds', Key: { id: 'a' } }))
    await doc.send(new DeleteCommand({ TableName: 'capture-kinds', Key: { id: 'missing' } })) // deletes nothing

    const records = await readAll('capture-kinds')
    expect(records.map((record) => record.eventName)).toEqual(['INSERT', 'MODIFY', 'REMOVE'])
    const [insert, modify, remove] = records as [DynamoDBRecord, DynamoDBRecord, DynamoDBRecord]
    expect(insert).toMatchObject({
      eventSource: 'aws:dynamodb',
      eventVersion: '1.1',
      awsRegion: 'us-east-1',
      eventSourceARN: Table?.LatestStreamArn,
      dynamodb: {
        Keys: { id: { S: 'a' } },
        NewImage: { id: { S: 'a' }, n: { N: '1' } },
        StreamViewType: 'NEW_AND_OLD_IMAGES',
        SizeBytes: expect.any(Number),
        ApproximateCreationDateTime: expect.any(Number),
      },
    })
    expect(insert.dynamodb?.OldImage).toBeUndefined()
    expect(modify.dynamodb).toMatchObject({ OldImage: { n: { N: '1' } }, NewImage: { n: { N: '2' } } })
    expect(remove.dynamodb?.OldImage).toEqual({ id: { S: 'a' }, n: { N: '2' } })
    expect(remove.dynamodb?.NewImage).toBeUndefined()
    const sequence = records.map((record) => BigInt(record.dynamodb?.SequenceNumber ?? '0'))
    expect([...sequence].sort((a, b) => (a < b ? -1 : 1))).toEqual(sequence)
    expect(new Set(records.map((record) => record.eventID)).size).toBe(3)
  })

  it('captures BatchWriteItem per item and leaves images out under KEYS_ONLY', async () => {
    await streamTable('capture-keys', 'KEYS_ONLY')
    await cloud.dynamodb.send(
      new BatchWriteItemCommand({
        RequestItems: {
          'capture-keys': [
            { PutRequest: { Item: { id: { S: 'x' }, v: { S: '1' } } } },
            { PutRequest: { Item: { id: { S: 'y' }, v: { S: '1' } } } },
          ],
        },
      }),
    )
    await cloud.dynamodb.send(
      new BatchWriteItemCommand({
        RequestItems: {
          'capture-keys': [
            { DeleteRequest: { Key: { id: { S: 'x' } } } },
            { DeleteRequest: { Key: { id: { S: 'nope' } } } },
          ],
        },
      }),
    )
    const records = await readAll('capture-keys')
    expect(records.map((record) => [record.eventName, record.dynamodb?.Keys])).toEqual([
      ['INSERT', { id: { S: 'x' } }],
      ['INSERT', { id: { S: 'y' } }],
      ['REMOVE', { id: { S: 'x' } }],
    ])
    for (const record of records) {
      expect(record.dynamodb?.NewImage).toBeUndefined()
      expect(record.dynamodb?.OldImage).toBeUndefined()
    }
  })

  it('keeps images in the order writes were applied when writes to one item race', async () => {
    await streamTable('capture-race', 'NEW_AND_OLD_IMAGES')
    const writes = 40
    await Promise.all(
      Array.from({ length: writes }, (_unused, index) =>
        cloud.dynamodb.send(
          index % 5 === 0
            ? new PutItemCommand({
                TableName: 'capture-race',
                Item: { id: { S: 'hot' }, n: { N: '0' }, w: { N: String(index) } },
              })
            : new PutItemCommand({
                TableName: 'capture-race',
                Item: { id: { S: 'hot' }, n: { N: '1' }, w: { N: String(index) } },
              }),
        ),
      ),
    )
    const records = await readAll('capture-race')
    expect(records).toHaveLength(writes)
    // Each record's old image is the previous record's new image: no write was missed or seen out of order.
    records.forEach((record, index) => {
      const previous = records[index - 1]
      expect(record.dynamodb?.OldImage).toEqual(previous?.dynamodb?.NewImage)
    })
    expect(new Set(records.map((record) => record.dynamodb?.NewImage?.w?.N)).size).toBe(writes)
  })

  it('refuses a table without a stream, naming the option', async () => {
    await createUsersTable(cloud, 'capture-none')
    const source = dynamoDbEventSource({
      cloud,
      tableName: 'capture-none',
      pollIntervalMs: 5,
      handler: async () => undefined,
    })
    await expect(source.start()).rejects.toThrow(LocalOptionsError)
    await expect(source.start()).rejects.toThrow(/capture-none has no stream/)
  })
})

describe('dynamoDbEventSource with fanOut mirrors the user API table', () => {
  it('leaves the mirror equal to the source after creates, replaces (stale ones refused), deletes', async () => {
    await streamTable('users-source', 'NEW_AND_OLD_IMAGES')
    await createUsersTable(cloud, 'users-mirror')
    const api = await serveUserApi(cloud, 'users-source', '2.0')
    const seen = new Set<string>()
    const mirror = fanOut(
      async (_item, meta) => {
        const record = meta.record as DynamoDBRecord
        const sequence = record.dynamodb?.SequenceNumber ?? ''
        // Every tenth record fails once: its retry must still land in order.
        if (Number(BigInt(sequence) % 10n) === 3 && !seen.has(sequence)) {
          seen.add(sequence)
          throw new Error('transient')
        }
        if (record.eventName === 'REMOVE') {
          const key = unmarshall(record.dynamodb?.Keys as never)
          await cloud.documentClient.send(new DeleteCommand({ TableName: 'users-mirror', Key: key }))
        } else {
          const item = unmarshall(record.dynamodb?.NewImage as never)
          await cloud.documentClient.send(new PutCommand({ TableName: 'users-mirror', Item: item }))
        }
      },
      { concurrency: 8, logger: false }, // no default JSON log lines in the test output
    )
    const source = dynamoDbEventSource({
      cloud,
      tableName: 'users-source',
      handler: mirror,
      functionResponseTypes: ['ReportBatchItemFailures'],
      parallelizationFactor: 4,
      batchSize: 25,
      pollIntervalMs: 20,
      memoryMb: 8192,
    })
    await source.start()
    try {
      const ids: string[] = []
      for (let index = 0; index < 30; index++) {
        const answer = await api.call('POST', '/users', {
          json: { email: `u${index}@example.com`, name: `User ${index}` },
        })
        expect(answer.status).toBe(201)
        ids.push((answer.json as { id: string }).id)
      }
      const statuses: number[] = []
      for (const [index, id] of ids.entries()) {
        if (index % 3 === 0) {
          const body = { json: { email: `new${index}@example.com`, name: `Renamed ${index}` } }
          statuses.push((await api.call('PUT', `/users/${id}`, { ...body, headers: { 'if-match': '"1"' } })).status)
          statuses.push((await api.call('PUT', `/users/${id}`, { ...body, headers: { 'if-match': '"1"' } })).status)
        }
        if (index % 4 === 0) {
          statuses.push((await api.call('DELETE', `/users/${id}`)).status)
          statuses.push((await api.call('DELETE', `/users/${id}`)).status)
        }
      }
      expect(statuses).toContain(412)
      expect(statuses).toContain(404)
      await source.drain()
      const byId = (items: Record<string, unknown>[]) =>
        [...items].sort((a, b) => String(a.id).localeCompare(String(b.id)))
      const original = await tableItems(cloud, 'users-source')
      expect(original.length).toBe(30 - 8)
      expect(byId(await tableItems(cloud, 'users-mirror'))).toEqual(byId(original))
      // The failed records were retried (a batch whose every record failed counts as an error, as fanOut throws then).
      expect(seen.size).toBeGreaterThan(0)
      expect(source.stats.retries).toBeGreaterThanOrEqual(seen.size)
      expect(source.stats.onFailureRecords).toBe(0)
      expect(api.serverErrors).toEqual([])
    } finally {
      await source.stop()
      await api.gateway.close()
    }
  })
})

describe('dynamodbFaults', () => {
  it('refuses writes as DynamoDB throttles them: nothing applied, no record; the SDK retries through', async () => {
    const faulty = await startLocalCloud({
      dynamodbFaults: { requestThrottleRate: 0.5, seed: 7, operations: ['PutItem'] },
    })
    try {
      await faulty.createTable({
        TableName: 'faulty-stream',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
      })
      // One attempt per call, so that a throttle reaches the caller instead of the SDK's retry.
      const once = new DynamoDBClient({
        endpoint: faulty.endpoints.dynamodb,
        region: faulty.region,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        maxAttempts: 1,
      })
      const written: string[] = []
      for (let index = 0; index < 20; index++) {
        try {
          await once.send(new PutItemCommand({ TableName: 'faulty-stream', Item: { id: { S: `i${index}` } } }))
          written.push(`i${index}`)
        } catch (error) {
          expect(error).toMatchObject({ name: 'ProvisionedThroughputExceededException' })
        }
      }
      once.destroy()
      expect(faulty.dynamodbFaults?.counts.throttledRequests).toBe(20 - written.length)
      expect(written.length).toBeGreaterThan(0)
      expect(written.length).toBeLessThan(20)
      const stream = faulty.dynamodbStreams.get('faulty-stream')
      expect(stream?.records.map((record) => record.event.dynamodb?.Keys?.id?.S)).toEqual(written)
    } finally {
      await faulty.stop()
    }
  })
})
