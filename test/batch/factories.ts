/**
 * Record factories derived from the real AWS events in test/fixtures/aws-events: each record is a copy of a fixture
 * record with only the fields a test varies replaced.
 */
import type {
  DynamoDBRecord,
  DynamoDBStreamEvent,
  KinesisStreamEvent,
  KinesisStreamRecord,
  MSKEvent,
  MSKRecord,
  SQSEvent,
  SQSRecord,
} from 'aws-lambda'
import { fixture } from '../helpers/fixtures.js'

const kinesisTemplate = fixture<KinesisStreamEvent>('kinesis-stream').Records[0] as KinesisStreamRecord
const dynamodbTemplate = fixture<DynamoDBStreamEvent>('dynamodb-stream').Records[0] as DynamoDBRecord
const sqsTemplate = fixture<SQSEvent>('sqs').Records[0] as SQSRecord
const kafkaTemplate = fixture<MSKEvent>('kafka-msk').records['mytopic-0']?.[0] as MSKRecord

/** A Kinesis sequence number that sorts like the fixture's, for position `index` in a batch. */
export function sequenceNumber(index: number): string {
  return `4959033827149025660855969253836157109592157598913${String(index).padStart(7, '0')}`
}

/** A Kinesis record of the fixture's shape; `payload` is JSON-encoded unless it is a string (then sent as is). */
export function kinesisRecord(index: number, partitionKey: string, payload: unknown): KinesisStreamRecord {
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload)
  const seq = sequenceNumber(index)
  return {
    ...kinesisTemplate,
    eventID: `shardId-000000000006:${seq}`,
    kinesis: {
      ...kinesisTemplate.kinesis,
      partitionKey,
      sequenceNumber: seq,
      data: Buffer.from(text, 'utf8').toString('base64'),
    },
  }
}

/** A Kinesis record whose data is the given raw base64 text (for damaged payloads). */
export function kinesisRawRecord(index: number, partitionKey: string, data: string): KinesisStreamRecord {
  const record = kinesisRecord(index, partitionKey, '')
  return { ...record, kinesis: { ...record.kinesis, data } }
}

/** A Kinesis event of `[partitionKey, payload]` pairs, in order. */
export function kinesisEvent(items: readonly (readonly [string, unknown])[]): KinesisStreamEvent {
  return { Records: items.map(([key, payload], index) => kinesisRecord(index, key, payload)) }
}

/** A DynamoDB Streams record of the fixture's shape for item `{ Id: id, ...attributes }` (strings and numbers). */
export function dynamodbRecord(
  index: number,
  id: number,
  attributes: Record<string, string | number>,
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE' = 'INSERT',
): DynamoDBRecord {
  const image: Record<string, { S: string } | { N: string }> = { Id: { N: String(id) } }
  for (const [name, value] of Object.entries(attributes)) {
    image[name] = typeof value === 'number' ? { N: String(value) } : { S: value }
  }
  const change = { ...dynamodbTemplate.dynamodb, Keys: { Id: { N: String(id) } }, SequenceNumber: String(1000 + index) }
  delete change.NewImage
  delete change.OldImage
  return {
    ...dynamodbTemplate,
    eventID: String(index),
    eventName,
    dynamodb: eventName === 'REMOVE' ? { ...change, OldImage: image } : { ...change, NewImage: image },
  }
}

/** An SQS record of the fixture's shape; `payload` is JSON-encoded unless it is a string. */
export function sqsRecord(index: number, payload: unknown, messageGroupId?: string): SQSRecord {
  const attributes = { ...sqsTemplate.attributes }
  if (messageGroupId !== undefined) {
    Object.assign(attributes, {
      MessageGroupId: messageGroupId,
      SequenceNumber: String(index),
      MessageDeduplicationId: `d${index}`,
    })
  }
  return {
    ...sqsTemplate,
    messageId: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
    body: typeof payload === 'string' ? payload : JSON.stringify(payload),
    attributes,
    eventSourceARN: messageGroupId === undefined ? sqsTemplate.eventSourceARN : `${sqsTemplate.eventSourceARN}.fifo`,
  }
}

/** A Kafka record of the MSK fixture's shape; `payload` is JSON-encoded unless it is a string (then sent as is). */
export function kafkaRecord(topic: string, partition: number, offset: number, payload: unknown): MSKRecord {
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload)
  return { ...kafkaTemplate, topic, partition, offset, value: Buffer.from(text, 'utf8').toString('base64') }
}

/**
 * An MSK event (the fixture's, with its `records` replaced) of the given records, grouped by topic-partition in the
 * order each group first appears, as Lambda groups them.
 */
export function kafkaEvent(records: readonly MSKRecord[]): MSKEvent {
  const groups: MSKEvent['records'] = {}
  for (const record of records) {
    const key = `${record.topic}-${record.partition}`
    groups[key] = [...(groups[key] ?? []), record]
  }
  return { ...fixture<MSKEvent>('kafka-msk'), records: groups }
}

/** A logger that keeps every call, by level. */
export function memoryLogger() {
  const calls: { level: 'debug' | 'info' | 'warn' | 'error'; message: string; extra: unknown[] }[] = []
  const at =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, ...extra: unknown[]) => {
      calls.push({ level, message, extra })
    }
  return { calls, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } }
}

export { sleep } from '../helpers/timing.js'
