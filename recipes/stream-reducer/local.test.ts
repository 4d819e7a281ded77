/**
 * The stream reducer on the embedded cloud (`serverless-done-right/local`): log events put on a Kinesis stream with
 * the real SDK, read by the event source mapping emulator in tumbling windows, counted into DynamoDB, and read back
 * with `readWindowCounts`. No AWS account, no Docker.
 *
 * Node's test runner (`npx tsx --test`): this is the test a project made with `npx serverless-done-right init
 * stream-reducer` runs as `npm test`; the repository runs it the same way (jest skips it).
 *
 * @module
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Logger } from '@aws-lambda-powertools/logger'
import { PutRecordsCommand } from '@aws-sdk/client-kinesis'
import type { Context } from 'aws-lambda'
import type { TumblingWindowEvent } from 'serverless-done-right'
import { kinesisEventSource, type LocalCloud, startLocalCloud } from 'serverless-done-right/local'
import { createStreamReducer, readWindowCounts } from './app.js'

const streamName = 'logs'
const tableName = 'log-counts'
/** The memory the watchdog compares with: locally it measures this whole process, emulators included. */
const localMemoryMb = 8192

let cloud: LocalCloud

before(async () => {
  cloud = await startLocalCloud()
  await cloud.createStream(streamName, 2)
  await cloud.createTable({
    TableName: tableName,
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
    ],
    BillingMode: 'PAY_PER_REQUEST',
  })
})

after(async () => {
  await cloud?.stop()
})

describe('the stream reducer on the local cloud', () => {
  it('counts every log event by the first word of its message, and skips the ones without a key', async () => {
    const reducer = createStreamReducer({
      documentClient: cloud.documentClient,
      tableName,
      logger: new Logger({ serviceName: 'stream-reducer', logLevel: 'SILENT' }),
    })
    const windows = new Set<string>()
    const source = kinesisEventSource({
      cloud,
      streamName,
      handler: (event: TumblingWindowEvent, context: Context) => {
        windows.add(event.window.start)
        return reducer(event, context)
      },
      batchSize: 100,
      tumblingWindowInSeconds: 1,
      functionResponseTypes: ['ReportBatchItemFailures'],
      pollIntervalMs: 50,
      memoryMb: localMemoryMb,
    })
    const words = ['GET', 'GET', 'POST', 'ERROR']
    const records = Array.from({ length: 40 }, (_, n) => ({
      PartitionKey: `client-${n % 5}`,
      Data: Buffer.from(JSON.stringify(n % 10 === 9 ? { level: 'INFO' } : { message: `${words[n % 4]} /items/${n}` })),
    }))
    await source.start()
    try {
      const { FailedRecordCount } = await cloud.kinesis.send(
        new PutRecordsCommand({ StreamName: streamName, Records: records }),
      )
      assert.equal(FailedRecordCount, 0)
      await source.drain()
    } finally {
      await source.stop()
    }

    assert.equal(source.stats.errors, 0)
    const totals: Record<string, number> = {}
    for (const windowStart of windows) {
      const counts = await readWindowCounts({ documentClient: cloud.documentClient, tableName, windowStart })
      for (const [key, count] of Object.entries(counts)) totals[key] = (totals[key] ?? 0) + count
    }
    // 40 events; the 4 without a message (n = 9, 19, 29, 39) would have been two GET and two ERROR.
    assert.deepEqual(totals, { GET: 18, POST: 10, ERROR: 8 })
  })
})
