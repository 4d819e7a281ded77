import { PutRecordCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis'
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda'
import type { LocalCloud } from 'serverless-done-right/local'

/** A stream name no other test of this process uses. */
export function uniqueStreamName(prefix: string): string {
  return `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`
}

/** What PutRecords said about one entry. */
export interface Written {
  key: string
  data: string
  sequenceNumber: string
  shardId: string
}

/** Writes `entries` in order (PutRecords, 500 at a time; kinesalite never throttles) and returns where each went. */
export async function putAll(
  cloud: LocalCloud,
  streamName: string,
  entries: ReadonlyArray<{ key: string; data: string }>,
): Promise<Written[]> {
  const written: Written[] = []
  for (let start = 0; start < entries.length; start += 500) {
    const chunk = entries.slice(start, start + 500)
    const { Records = [], FailedRecordCount } = await cloud.kinesis.send(
      new PutRecordsCommand({
        StreamName: streamName,
        Records: chunk.map(({ key, data }) => ({ PartitionKey: key, Data: Buffer.from(data) })),
      }),
    )
    if (FailedRecordCount) throw new Error(`${FailedRecordCount} records not written`)
    chunk.forEach((entry, index) => {
      const result = Records[index]
      written.push({ ...entry, sequenceNumber: result?.SequenceNumber ?? '', shardId: result?.ShardId ?? '' })
    })
  }
  return written
}

/** Writes one record (PutRecord) and returns where it went. */
export async function putOne(cloud: LocalCloud, streamName: string, key: string, data: string): Promise<Written> {
  const { SequenceNumber = '', ShardId = '' } = await cloud.kinesis.send(
    new PutRecordCommand({ StreamName: streamName, PartitionKey: key, Data: Buffer.from(data) }),
  )
  return { key, data, sequenceNumber: SequenceNumber, shardId: ShardId }
}

/** The data of a record, decoded. */
export function dataOf(record: KinesisStreamRecord): string {
  return Buffer.from(record.kinesis.data, 'base64').toString('utf8')
}

/** The data of every record of an event. */
export function datas(event: KinesisStreamEvent): string[] {
  return event.Records.map(dataOf)
}

/** The keys of a value at every level, with each leaf's JSON type; arrays are described by their first element. */
export function shape(value: unknown): unknown {
  if (value === null) return 'null'
  if (Array.isArray(value)) return value.length === 0 ? [] : [shape(value[0])]
  if (typeof value !== 'object') return typeof value
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, shape((value as Record<string, unknown>)[key])]),
  )
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Resolves once `condition()` holds, checking every 20 ms; rejects after `timeoutMs`. */
export async function eventually(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > giveUpAt) throw new Error(`condition not met within ${timeoutMs} ms`)
    await sleep(20)
  }
}
