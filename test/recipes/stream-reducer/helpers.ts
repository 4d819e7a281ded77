import { Logger } from '@aws-lambda-powertools/logger'
import type { KinesisStreamRecord } from 'aws-lambda'
import type { TumblingWindowEvent } from 'serverless-done-right'
import type { LocalCloud } from 'serverless-done-right/local'

/** A logger that writes nothing: the tests assert on the table, not on log lines. */
export const silentLogger = () => new Logger({ serviceName: 'stream-reducer-test', logLevel: 'SILENT' })

/**
 * The memory the function reports. The memory watchdog measures this whole test process (jest, kinesalite, dynalite),
 * far above a real function's footprint, so the emulated function gets room for all of it.
 */
export const testMemoryMb = 8192

/** Creates a counts table as the deployment does: string partition key `pk`, string sort key `sk`. */
export async function createCountsTable(cloud: LocalCloud, tableName: string): Promise<void> {
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
}

const streamArn = 'arn:aws:kinesis:us-east-1:000000000000:stream/logs'

/**
 * Kinesis records in AWS's shape (as in `test/fixtures/aws-events/kinesis-stream.json`) carrying `payloads`; a string
 * payload is sent as it is (to make records that are not JSON), anything else as JSON.
 */
export function kinesisRecords(shardId: string, firstSequence: number, payloads: unknown[]): KinesisStreamRecord[] {
  return payloads.map((payload, index) => {
    const sequenceNumber = String(
      49590338271490256608559692538361571095921575989136588898n + BigInt(firstSequence + index),
    )
    const text = typeof payload === 'string' ? payload : JSON.stringify(payload)
    return {
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: `pk-${index % 7}`,
        sequenceNumber,
        data: Buffer.from(text, 'utf8').toString('base64'),
        approximateArrivalTimestamp: 1_767_225_600 + index / 1000,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${shardId}:${sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::000000000000:role/lambda-role',
      awsRegion: 'us-east-1',
      eventSourceARN: streamArn,
    }
  })
}

/** A tumbling-window event as Lambda sends it. */
export function windowEvent(options: {
  shardId: string
  start: string
  seconds?: number
  records?: KinesisStreamRecord[]
  state?: Record<string, unknown>
  final?: boolean
}): TumblingWindowEvent {
  const end = new Date(new Date(options.start).getTime() + (options.seconds ?? 60) * 1000).toISOString()
  return {
    Records: options.records ?? [],
    window: { start: options.start, end },
    state: options.state ?? {},
    shardId: options.shardId,
    eventSourceARN: streamArn,
    isFinalInvokeForWindow: options.final ?? false,
    isWindowTerminatedEarly: false,
  }
}

/** `{ message: '<word> …' }` events: `counts` says how many of each first word. */
export function logEvents(counts: Record<string, number>): { message: string }[] {
  const events: { message: string }[] = []
  for (const [word, count] of Object.entries(counts)) {
    for (let i = 0; i < count; i++) events.push({ message: `${word} request ${i} served` })
  }
  return events
}

/** A record read back from the stream: its data and when Kinesis says it arrived. */
export interface ArrivedRecord {
  readonly data: string
  readonly arrivalMs: number
}

/** Every record on a stream, read from TRIM_HORIZON with the real Kinesis client, with its arrival time. */
export async function readArrivals(cloud: LocalCloud, streamName: string): Promise<ArrivedRecord[]> {
  const { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } = await import('@aws-sdk/client-kinesis')
  const { Shards = [] } = await cloud.kinesis.send(new ListShardsCommand({ StreamName: streamName }))
  const records: ArrivedRecord[] = []
  for (const shard of Shards) {
    let { ShardIterator: iterator } = await cloud.kinesis.send(
      new GetShardIteratorCommand({
        StreamName: streamName,
        ShardId: shard.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    )
    while (iterator !== undefined) {
      const page = await cloud.kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }))
      for (const record of page.Records ?? []) {
        records.push({
          data: Buffer.from(record.Data ?? new Uint8Array()).toString('utf8'),
          arrivalMs: record.ApproximateArrivalTimestamp?.getTime() ?? Number.NaN,
        })
      }
      if ((page.Records ?? []).length === 0 && (page.MillisBehindLatest ?? 0) === 0) break
      iterator = page.NextShardIterator
    }
  }
  return records
}
