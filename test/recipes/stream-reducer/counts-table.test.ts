import { QueryCommand } from '@aws-sdk/lib-dynamodb'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { type LocalCloud, startLocalCloud } from 'serverless-done-right/local'
import {
  type FlushIdentity,
  readWindowCounts,
  windowPartitionKey,
  writeWindowCounts,
} from '../../../recipes/stream-reducer/counts-table.js'
import { createCountsTable } from './helpers.js'

const tableName = 'counts-table-test'
let cloud: LocalCloud
let table: { documentClient: LocalCloud['documentClient']; tableName: string }

beforeAll(async () => {
  cloud = await startLocalCloud()
  await createCountsTable(cloud, tableName)
  table = { documentClient: cloud.documentClient, tableName }
})

afterAll(async () => {
  await cloud?.stop()
})

let windowMinute = 0
/** A fresh window for each test, so that tests never read each other's counts. */
function freshWindow(): string {
  windowMinute++
  return new Date(Date.UTC(2026, 2, 1, 12, windowMinute)).toISOString()
}

function flush(windowStart: string, overrides: Partial<FlushIdentity> = {}): FlushIdentity {
  return {
    windowStart,
    windowEnd: new Date(new Date(windowStart).getTime() + 60_000).toISOString(),
    shardId: 'shardId-000000000000',
    flushId: 'a'.repeat(64),
    part: 0,
    signal: new AbortController().signal,
    ...overrides,
  }
}

describe('windowPartitionKey', () => {
  it('names one window the same however its start is spelled', () => {
    expect(windowPartitionKey('2026-03-01T12:00:00Z')).toBe('window#2026-03-01T12:00:00.000Z')
    expect(windowPartitionKey('2026-03-01T13:00:00.000+01:00')).toBe('window#2026-03-01T12:00:00.000Z')
    expect(windowPartitionKey(new Date(Date.UTC(2026, 2, 1, 12)))).toBe('window#2026-03-01T12:00:00.000Z')
  })

  it('refuses what is not a date', () => {
    expect(() => windowPartitionKey('yesterday')).toThrow(RangeError)
  })
})

describe('writeWindowCounts and readWindowCounts', () => {
  it('writes one item per key and reads the window back as { key: count }', async () => {
    const start = freshWindow()
    const outcome = await writeWindowCounts(table, { GET: 3, POST: 1 }, flush(start))
    expect(outcome).toEqual({ written: 2, alreadyWritten: 0 })
    expect(await readWindowCounts({ ...table, windowStart: start })).toEqual({ GET: 3, POST: 1 })
  })

  it('writes a repeated flush (same flush id) only once', async () => {
    const start = freshWindow()
    await writeWindowCounts(table, { GET: 3, POST: 1 }, flush(start))
    const again = await writeWindowCounts(table, { GET: 3, POST: 1 }, flush(start))
    expect(again).toEqual({ written: 0, alreadyWritten: 2 })
    expect(await readWindowCounts({ ...table, windowStart: start })).toEqual({ GET: 3, POST: 1 })
  })

  it('completes a flush that an earlier attempt wrote only part of', async () => {
    const start = freshWindow()
    await writeWindowCounts(table, { GET: 3 }, flush(start))
    const retry = await writeWindowCounts(table, { GET: 3, POST: 1, PUT: 2 }, flush(start))
    expect(retry).toEqual({ written: 2, alreadyWritten: 1 })
    expect(await readWindowCounts({ ...table, windowStart: start })).toEqual({ GET: 3, POST: 1, PUT: 2 })
  })

  it('sums a key across shards and across flushes of one window', async () => {
    const start = freshWindow()
    await writeWindowCounts(table, { GET: 3, POST: 1 }, flush(start, { shardId: 'shardId-000000000000' }))
    await writeWindowCounts(table, { GET: 5 }, flush(start, { shardId: 'shardId-000000000001' }))
    await writeWindowCounts(
      table,
      { GET: 2 },
      flush(start, { shardId: 'shardId-000000000001', flushId: 'b'.repeat(64) }),
    )
    expect(await readWindowCounts({ ...table, windowStart: start })).toEqual({ GET: 10, POST: 1 })
  })

  it('keeps windows apart, and reads a window by any spelling of its start', async () => {
    const first = freshWindow()
    const second = freshWindow()
    await writeWindowCounts(table, { GET: 1 }, flush(first))
    await writeWindowCounts(table, { GET: 7 }, flush(second))
    expect(await readWindowCounts({ ...table, windowStart: new Date(first) })).toEqual({ GET: 1 })
    expect(await readWindowCounts({ ...table, windowStart: second.replace('.000Z', 'Z') })).toEqual({ GET: 7 })
    expect(await readWindowCounts({ ...table, windowStart: freshWindow() })).toEqual({})
  })

  it('keeps keys that look like object internals or the sort key separator', async () => {
    const start = freshWindow()
    // JSON.parse makes `__proto__` an own key, as it is in a state Lambda hands back.
    const counts = JSON.parse('{"__proto__":2,"constructor":1,"a#b":4,"shardId-000000000000#x":1}')
    await writeWindowCounts(table, counts, flush(start))
    const read = await readWindowCounts({ ...table, windowStart: start })
    expect(Object.getPrototypeOf(read)).toBe(Object.prototype)
    expect(Object.entries(read).sort()).toEqual(
      [
        ['__proto__', 2],
        ['a#b', 4],
        ['constructor', 1],
        ['shardId-000000000000#x', 1],
      ].sort(),
    )
  })

  it('uses a Query on the window partition, with the documented key design', async () => {
    const start = freshWindow()
    await writeWindowCounts(table, { 'GET#x': 2 }, flush(start, { shardId: 'shardId-000000000003', part: 1 }))
    const { Items } = await cloud.documentClient.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': windowPartitionKey(start) },
      }),
    )
    expect(Items).toEqual([
      expect.objectContaining({
        pk: windowPartitionKey(start),
        sk: `shardId-000000000003#${'a'.repeat(64)}#GET#x`,
        countKey: 'GET#x',
        count: 2,
        shardId: 'shardId-000000000003',
        part: 1,
      }),
    ])
  })

  it('writes nothing for a key with no count', async () => {
    const start = freshWindow()
    expect(await writeWindowCounts(table, { GET: 0 }, flush(start))).toEqual({ written: 0, alreadyWritten: 0 })
    expect(await readWindowCounts({ ...table, windowStart: start })).toEqual({})
  })

  it('rejects when the invocation is aborted, so the flush is retried, and the retry counts once', async () => {
    const start = freshWindow()
    const controller = new AbortController()
    controller.abort(new Error('deadline'))
    await expect(writeWindowCounts(table, { GET: 3 }, flush(start, { signal: controller.signal }))).rejects.toThrow()
    await writeWindowCounts(table, { GET: 3 }, flush(start))
    expect(await readWindowCounts({ ...table, windowStart: start })).toEqual({ GET: 3 })
  })

  it('rejects on a table that does not exist', async () => {
    await expect(
      writeWindowCounts({ ...table, tableName: 'no-such-table' }, { GET: 1 }, flush(freshWindow())),
    ).rejects.toThrow(/non-existent table|not found/i)
  })
})
