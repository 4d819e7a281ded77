/**
 * What kind of event an invocation received, and each batch record's identifier and ordering key.
 * Shared by the timeout guard's fallback and by `batch/`. Internal: not part of the public API.
 *
 * @module
 */
import type {
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  DynamoDBRecord,
  KinesisStreamRecord,
  MSKRecord,
  SQSRecord,
} from 'aws-lambda'

/**
 * A record of a Kinesis, DynamoDB Streams, SQS or Kafka (Amazon MSK or self-managed) batch.
 * @group Batches
 */
export type BatchRecord = KinesisStreamRecord | DynamoDBRecord | SQSRecord | MSKRecord

/**
 * Where a batch record came from. `sqs-fifo` records carry a `MessageGroupId`; `kafka` covers Amazon MSK and
 * self-managed Apache Kafka.
 * @group Batches
 */
export type RecordSource = 'kinesis' | 'dynamodb' | 'sqs' | 'sqs-fifo' | 'kafka'

/**
 * The `itemIdentifier` of a failed Kafka record in a partial batch response: its topic-partition (`<topic>-<partition>`,
 * the key of its group in the event's `records`) and its offset, as AWS documents it
 * (https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html#kafka-partial-batch-response).
 * @group Batches
 */
export interface KafkaItemIdentifier {
  /** The topic-partition, e.g. `mytopic-0`. */
  partition: string
  /** The record's offset in that partition. */
  offset: number
}

/** The kinds of event the library tells apart. */
export type EventKind = 'http-v1' | 'http-v2' | 'batch' | 'other'

/** An API Gateway proxy event, payload format 1.0 or 2.0. */
export type HttpEvent = APIGatewayProxyEvent | APIGatewayProxyEventV2

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

/** True for an API Gateway payload 2.0 event. */
export function isHttpV2Event(event: unknown): event is APIGatewayProxyEventV2 {
  return isObject(event) && event.version === '2.0' && isObject(event.requestContext) && 'http' in event.requestContext
}

/** True for an API Gateway REST (payload 1.0) event. */
export function isHttpV1Event(event: unknown): event is APIGatewayProxyEvent {
  return isObject(event) && typeof event.httpMethod === 'string' && isObject(event.requestContext)
}

/** True for an API Gateway event of either payload format. */
export function isHttpEvent(event: unknown): event is HttpEvent {
  return isHttpV2Event(event) || isHttpV1Event(event)
}

/** The source of one record, or `undefined` when it is no record of a known batch source. */
export function recordSource(record: unknown): RecordSource | undefined {
  if (!isObject(record)) return undefined
  if (record.eventSource === 'aws:kinesis' || isObject(record.kinesis)) return 'kinesis'
  if (record.eventSource === 'aws:dynamodb' || isObject(record.dynamodb)) return 'dynamodb'
  if (record.eventSource === 'aws:sqs' || typeof record.messageId === 'string') {
    return isObject(record.attributes) && typeof record.attributes.MessageGroupId === 'string' ? 'sqs-fifo' : 'sqs'
  }
  return typeof record.topic === 'string' && 'partition' in record && 'offset' in record ? 'kafka' : undefined
}

/** True for an Amazon MSK (`aws:kafka`) or self-managed Apache Kafka (`SelfManagedKafka`) event. */
export function isKafkaEvent(event: unknown): event is { records: Record<string, unknown> } {
  if (!isObject(event) || !isObject(event.records) || Array.isArray(event.records)) return false
  return event.eventSource === 'aws:kafka' || event.eventSource === 'SelfManagedKafka'
}

/**
 * The records of a Kinesis, DynamoDB Streams, SQS or Kafka batch event, or `undefined` for any other event. A Kafka
 * event's records, grouped by topic-partition, are flattened in batch order: group by group in the event's order, each
 * group's records (in offset order, as Lambda sends them) in turn.
 */
export function batchRecords(event: unknown): BatchRecord[] | undefined {
  if (isKafkaEvent(event)) {
    const records: BatchRecord[] = []
    for (const group of Object.values(event.records)) if (Array.isArray(group)) records.push(...group)
    return records
  }
  if (!isObject(event) || !Array.isArray(event.Records)) return undefined
  const first: unknown = event.Records[0]
  if (first === undefined) return isObject(event.window) || 'shardId' in event ? [] : undefined
  return recordSource(first) === undefined ? undefined : (event.Records as BatchRecord[])
}

/** Classifies an event. */
export function eventKind(event: unknown): EventKind {
  if (isHttpV2Event(event)) return 'http-v2'
  if (isHttpV1Event(event)) return 'http-v1'
  if (batchRecords(event) !== undefined) return 'batch'
  return 'other'
}

/** A sequence number or message id as the string Lambda expects: a number (a malformed record) is written out. */
function identifier(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  return typeof value === 'number' ? String(value) : undefined
}

/** A Kafka record's topic-partition (`<topic>-<partition>`) and offset, or `undefined` when either is missing. */
function kafkaPosition(record: object): KafkaItemIdentifier | undefined {
  const { topic, partition, offset } = record as Partial<MSKRecord>
  if (typeof topic !== 'string' || !Number.isSafeInteger(partition) || !Number.isSafeInteger(offset)) return undefined
  return { partition: `${topic}-${partition}`, offset: offset as number }
}

/**
 * A string that names this record within its batch: the `itemIdentifier` Lambda expects for the Kinesis
 * `sequenceNumber`, the DynamoDB `SequenceNumber` and the SQS `messageId`; `<topic>-<partition>@<offset>` for a Kafka
 * record (whose `itemIdentifier` is an object: {@link batchItemIdentifier}). `undefined` when the record has none (or
 * is no object at all).
 */
export function recordId(record: BatchRecord): string | undefined {
  if (!isObject(record)) return undefined
  const { kinesis, dynamodb } = record as Partial<KinesisStreamRecord & DynamoDBRecord>
  if ('kinesis' in record) return identifier(kinesis?.sequenceNumber)
  if ('dynamodb' in record) return identifier(dynamodb?.SequenceNumber)
  if ('messageId' in record) return identifier(record.messageId)
  const position = kafkaPosition(record)
  return position === undefined ? undefined : `${position.partition}@${position.offset}`
}

/**
 * The `itemIdentifier` to report for a record whose {@link recordId} is `id`: `id` itself, or for a Kafka record the
 * documented `{ partition, offset }` object. A Kafka record without both gets `id` (`''`): an invalid identifier, so
 * Lambda retries the whole batch, the safe outcome.
 */
export function batchItemIdentifier(record: BatchRecord, id: string): string | KafkaItemIdentifier {
  return recordSource(record) === 'kafka' ? (kafkaPosition(record) ?? id) : id
}

/**
 * The ordering key of a record: the Kinesis partition key, the SQS FIFO `MessageGroupId`, the DynamoDB item key
 * (its key attributes, sorted by name), or the Kafka topic-partition (`<topic>-<partition>`, Kafka's unit of order).
 * `undefined` for SQS standard messages, which have no order, and for a record that is no object.
 */
export function recordKey(record: BatchRecord): string | undefined {
  if (!isObject(record)) return undefined
  const { kinesis, dynamodb, attributes } = record as Partial<KinesisStreamRecord & DynamoDBRecord & SQSRecord>
  if ('kinesis' in record) return identifier(kinesis?.partitionKey)
  if ('dynamodb' in record) {
    const keys = dynamodb?.Keys
    if (!isObject(keys)) return undefined
    let key = ''
    for (const name of Object.keys(keys).sort()) key += `${key === '' ? '' : '&'}${name}=${JSON.stringify(keys[name])}`
    return key
  }
  if ('messageId' in record) return identifier(attributes?.MessageGroupId)
  return kafkaPosition(record)?.partition
}
