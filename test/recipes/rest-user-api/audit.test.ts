/**
 * The user API's audit trail: the API's writes through the users table's DynamoDB stream (captured by the local cloud)
 * to `createUserAudit`, mapped with `userApiSettings.audit` as `UserAudit` deploys it. One entry per change, in order,
 * field names only, and a replayed batch leaves the same entries.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda'
import { dynamoDbEventSource, invoke, type LocalCloud, startLocalCloud } from 'serverless-done-right/local'
import { eventSourceParameters } from '../../../recipes/kinesis-log-processor/local.js'
import { type AuditEntry, auditEntry, changedFields, createUserAudit } from '../../../recipes/rest-user-api/audit.js'
import { userApiSettings } from '../../../recipes/rest-user-api/settings.js'
import { serveUserApi, silentLogger, tableItems, testMemoryMb } from './helpers.js'

let cloud: LocalCloud
beforeAll(async () => {
  cloud = await startLocalCloud()
})
afterAll(async () => {
  await cloud.stop()
})

async function createTables(users: string, audit: string): Promise<void> {
  await cloud.createTable({
    TableName: users,
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
  })
  await cloud.createTable({
    TableName: audit,
    KeySchema: [
      { AttributeName: 'userId', KeyType: 'HASH' },
      { AttributeName: 'sequence', KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [
      { AttributeName: 'userId', AttributeType: 'S' },
      { AttributeName: 'sequence', AttributeType: 'S' },
    ],
    BillingMode: 'PAY_PER_REQUEST',
  })
}

const entriesOf = async (table: string) =>
  ((await tableItems(cloud, table)) as unknown as AuditEntry[]).sort(
    (a, b) => a.userId.localeCompare(b.userId) || a.sequence.localeCompare(b.sequence),
  )

describe('the audit trail of the user API', () => {
  it('records one entry per change the API made, in order, and nothing for refused writes', async () => {
    await createTables('audit-users', 'audit-entries')
    const api = await serveUserApi(cloud, 'audit-users', '2.0')
    const records: DynamoDBRecord[] = []
    const audit = createUserAudit({
      documentClient: cloud.documentClient,
      tableName: 'audit-entries',
      logger: silentLogger(),
    })
    const source = dynamoDbEventSource({
      cloud,
      tableName: 'audit-users',
      handler: async (event: DynamoDBStreamEvent, context) => {
        records.push(...event.Records)
        return audit(event, context)
      },
      ...eventSourceParameters(userApiSettings.audit),
      memoryMb: testMemoryMb,
      pollIntervalMs: 20,
    })
    await source.start()
    try {
      const created = await api.call('POST', '/users', { json: { email: 'ada@example.com', name: 'Ada' } })
      expect(created.status).toBe(201)
      const { id } = created.json as { id: string }
      const renamed = {
        json: { email: 'ada@example.com', name: 'Ada L.' },
        headers: { 'if-match': created.headers.get('etag') ?? '' },
      }
      expect((await api.call('PUT', `/users/${id}`, renamed)).status).toBe(200)
      // The same precondition again: stale, refused, no change, no entry.
      expect((await api.call('PUT', `/users/${id}`, renamed)).status).toBe(412)
      expect((await api.call('DELETE', `/users/${id}`)).status).toBe(204)
      expect((await api.call('DELETE', `/users/${id}`)).status).toBe(404)
      await source.drain()

      const entries = await entriesOf('audit-entries')
      expect(entries.map((entry) => entry.change)).toEqual(['INSERT', 'MODIFY', 'REMOVE'])
      expect(entries.every((entry) => entry.userId === id)).toBe(true)
      expect(entries[0]?.fields).toEqual(expect.arrayContaining(['email', 'id', 'name']))
      expect(entries[1]?.fields).toContain('name')
      expect(entries[1]?.fields).not.toContain('email')
      // Field names only: no value of the user's leaves the users table.
      expect(JSON.stringify(entries)).not.toContain('ada@example.com')
      expect(entries.every((entry) => !Number.isNaN(Date.parse(entry.at)))).toBe(true)
      expect(source.stats.onFailureRecords).toBe(0)

      // A batch delivered again (a retry after a timeout) rewrites the same entries.
      const replay = await invoke(audit, { Records: records } satisfies DynamoDBStreamEvent, { memoryMb: testMemoryMb })
      expect(replay.status).toBe('ok')
      expect(replay.result).toEqual({ batchItemFailures: [] })
      expect(await entriesOf('audit-entries')).toEqual(entries)
    } finally {
      await source.stop()
      await api.gateway.close()
    }
  }, 60_000)
})

describe('auditEntry', () => {
  const record = (change: Partial<NonNullable<DynamoDBRecord['dynamodb']>>, eventName: DynamoDBRecord['eventName']) =>
    ({
      eventName,
      dynamodb: { ApproximateCreationDateTime: 1_700_000_000, SequenceNumber: '123', ...change },
    }) as DynamoDBRecord

  it('names the fields a change added, removed or altered, sorted', () => {
    expect(
      changedFields({ a: { S: '1' }, b: { N: '2' } }, { a: { S: '1' }, b: { N: '3' }, c: { BOOL: true } }),
    ).toEqual(['b', 'c'])
    expect(changedFields(undefined, { z: { S: '' }, a: { NULL: true } })).toEqual(['a', 'z'])
    expect(changedFields({ a: { S: 'x' } }, undefined)).toEqual(['a'])
  })

  it('pads the sequence number so that the sort key orders changes', () => {
    const entry = auditEntry(record({ Keys: { id: { S: 'u-1' } } }, 'REMOVE'))
    expect(entry?.sequence).toBe(`${'0'.repeat(37)}123`)
    expect(entry?.at).toBe('2023-11-14T22:13:20.000Z')
  })

  it('is undefined for a record that names no user', () => {
    expect(auditEntry(record({ Keys: { pk: { S: 'other' } } }, 'INSERT'))).toBeUndefined()
  })
})
