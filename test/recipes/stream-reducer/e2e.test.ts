/**
 * End to end: log events put on a Kinesis stream with the real SDK, read by the event source mapping emulator with
 * 2-second tumbling windows, reduced by the stream reducer, and read back from DynamoDB with `readWindowCounts`.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { PutRecordsCommand } from '@aws-sdk/client-kinesis'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { Context } from 'aws-lambda'
import type { TumblingWindowEvent } from 'serverless-done-right'
import { invoke, kinesisEventSource, type LocalCloud, startLocalCloud } from 'serverless-done-right/local'
import { createStreamReducer, readWindowCounts } from '../../../recipes/stream-reducer/app.js'
import { countKeySchema } from '../../../recipes/stream-reducer/schema.js'
import { createCountsTable, readArrivals, silentLogger, testMemoryMb } from './helpers.js'

const streamName = 'reducer-e2e-logs'
const tableName = 'reducer-e2e-counts'
const windowSeconds = 2
const words = ['GET', 'POST', 'PUT', 'DELETE', 'ERROR', 'WARN']

let cloud: LocalCloud

beforeAll(async () => {
  cloud = await startLocalCloud()
  await cloud.createStream(streamName, 3)
  await createCountsTable(cloud, tableName)
})

afterAll(async () => {
  await cloud?.stop()
})

/** `count` log events (and one record in ten that has no key or is not JSON), spread over partition keys. */
function batchOfEvents(batch: number, count: number): { PartitionKey: string; Data: Uint8Array }[] {
  return Array.from({ length: count }, (_, index) => {
    const n = batch * 1000 + index
    const body =
      n % 10 === 9
        ? n % 20 === 9
          ? 'not json at all'
          : JSON.stringify({ level: 'INFO' })
        : JSON.stringify({ message: `${words[(n * 7) % words.length]} /items/${n} took ${n % 50} ms`, n })
    return { PartitionKey: `client-${n % 17}`, Data: Buffer.from(body) }
  })
}

/** The true count of every key in every window, from what the stream holds and when each record arrived. */
function trueCounts(records: { data: string; arrivalMs: number }[]): Map<string, Record<string, number>> {
  const keyOf = countKeySchema()
  const windows = new Map<string, Record<string, number>>()
  for (const record of records) {
    let parsed: unknown
    try {
      parsed = JSON.parse(record.data)
    } catch {
      continue
    }
    const key = keyOf.safeParse(parsed)
    if (!key.success) continue
    const windowMs = windowSeconds * 1000
    const start = new Date(Math.floor(record.arrivalMs / windowMs) * windowMs).toISOString()
    const counts = windows.get(start) ?? {}
    counts[key.data] = (counts[key.data] ?? 0) + 1
    windows.set(start, counts)
  }
  return windows
}

describe('the stream reducer on the local cloud', () => {
  it('counts every event put on the stream once, per key and window, summed across shards', async () => {
    const handler = createStreamReducer({ documentClient: cloud.documentClient, tableName, logger: silentLogger() })
    const finalEvents: TumblingWindowEvent[] = []
    const source = kinesisEventSource({
      cloud,
      streamName,
      // Keeps a copy of each final invocation's event, to replay it below; the reducer itself runs untouched.
      handler: (event: TumblingWindowEvent, context: Context) => {
        if (event.isFinalInvokeForWindow) finalEvents.push(structuredClone(event))
        return handler(event, context)
      },
      batchSize: 100,
      tumblingWindowInSeconds: windowSeconds,
      functionResponseTypes: ['ReportBatchItemFailures'],
      pollIntervalMs: 50,
      timeoutMs: 30_000,
      memoryMb: testMemoryMb,
    })
    await source.start()
    try {
      // Four bursts, a little over a window apart, so the events fall into several windows.
      for (let batch = 0; batch < 4; batch++) {
        const { FailedRecordCount } = await cloud.kinesis.send(
          new PutRecordsCommand({ StreamName: streamName, Records: batchOfEvents(batch, 150) }),
        )
        expect(FailedRecordCount).toBe(0)
        if (batch < 3) await sleep(windowSeconds * 600)
      }
      await source.drain()
    } finally {
      await source.stop()
    }

    expect(source.stats).toMatchObject({ errors: 0, timeouts: 0, partialFailures: 0, onFailureBatches: 0 })
    const truth = trueCounts(await readArrivals(cloud, streamName))
    expect(truth.size).toBeGreaterThanOrEqual(2)
    let counted = 0
    for (const [windowStart, expected] of truth) {
      expect({
        windowStart,
        counts: await readWindowCounts({ documentClient: cloud.documentClient, tableName, windowStart }),
      }).toEqual({ windowStart, counts: expected })
      counted += Object.values(expected).reduce((sum, count) => sum + count, 0)
    }
    expect(counted).toBe(4 * 135) // 150 per burst, less the 15 without a key

    // Each window was read from several shards, and its counts are their sum.
    const shardsByWindow = new Map<string, Set<string | undefined>>()
    for (const event of finalEvents) {
      shardsByWindow.set(event.window.start, (shardsByWindow.get(event.window.start) ?? new Set()).add(event.shardId))
    }
    expect(Math.max(...[...shardsByWindow.values()].map((shards) => shards.size))).toBeGreaterThan(1)

    // Lambda replays a final invocation (say its response was lost): nothing is counted twice.
    expect(finalEvents.length).toBeGreaterThanOrEqual(truth.size)
    for (const event of finalEvents) {
      const replay = await invoke(handler, event, { timeoutMs: 30_000, memoryMb: testMemoryMb })
      expect(replay.status).toBe('ok')
    }
    for (const [windowStart, expected] of truth) {
      expect(await readWindowCounts({ documentClient: cloud.documentClient, tableName, windowStart })).toEqual(expected)
    }
  }, 90_000)
})
