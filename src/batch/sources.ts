/**
 * The source adapters: how the payload of a Kinesis, DynamoDB Streams or SQS record becomes the item a record
 * handler sees. Every failure to read a payload is an {@link InvalidRecordError}, never a crash.
 *
 * @module
 */
import { Buffer, isUtf8 } from 'node:buffer'
import { unmarshall } from '@aws-sdk/util-dynamodb'
import type { AttributeValue, DynamoDBRecord, KinesisStreamRecord, SQSRecord } from 'aws-lambda'
import type { BatchRecord, RecordSource } from '../events.js'
import { InvalidRecordError } from './errors.js'

/**
 * How a Kinesis `data` payload or an SQS `body` becomes an item: parsed as JSON, as a UTF-8 string, or as raw bytes.
 * DynamoDB Streams records are always unmarshalled.
 */
export type DecodeMode = 'json' | 'text' | 'buffer'

/** Turns one record into its item; throws an {@link InvalidRecordError} when the payload cannot be read. */
export type RecordDecoder = (record: BatchRecord, id: string) => unknown

function decodeError(id: string, message: string, cause?: unknown): InvalidRecordError {
  return new InvalidRecordError(id, 'decode', [{ pointer: '', message }], cause === undefined ? {} : { cause })
}

function parseJson(text: string, id: string, what: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    throw decodeError(id, `${what} is not valid JSON: ${(error as Error).message}`, error)
  }
}

/**
 * The bytes of a Kinesis record. Node's base64 decoder skips characters outside the alphabet instead of failing,
 * so a damaged payload is detected by comparing the decoded length with the length the text promises: O(1) extra
 * work instead of a scan of every character.
 */
function kinesisBytes(record: KinesisStreamRecord, id: string): Buffer {
  const data: unknown = record.kinesis?.data
  if (typeof data !== 'string') throw decodeError(id, 'kinesis.data is missing')
  if (data.length % 4 !== 0) throw decodeError(id, 'kinesis.data is not valid base64 (length is not a multiple of 4)')
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0
  const bytes = Buffer.from(data, 'base64')
  if (bytes.length !== (data.length / 4) * 3 - padding) throw decodeError(id, 'kinesis.data is not valid base64')
  return bytes
}

function utf8(bytes: Buffer, id: string): string {
  // Buffer#toString would turn invalid bytes into U+FFFD silently; a damaged payload must be reported instead.
  if (!isUtf8(bytes)) throw decodeError(id, 'kinesis.data is not valid UTF-8')
  return bytes.toString('utf8')
}

function kinesisDecoder(mode: DecodeMode): RecordDecoder {
  if (mode === 'buffer') return (record, id) => kinesisBytes(record as KinesisStreamRecord, id)
  if (mode === 'text') return (record, id) => utf8(kinesisBytes(record as KinesisStreamRecord, id), id)
  return (record, id) => parseJson(utf8(kinesisBytes(record as KinesisStreamRecord, id), id), id, 'kinesis.data')
}

function sqsBody(record: SQSRecord, id: string): string {
  const body: unknown = record.body
  if (typeof body !== 'string') throw decodeError(id, 'body is missing')
  return body
}

function sqsDecoder(mode: DecodeMode): RecordDecoder {
  if (mode === 'buffer') return (record, id) => Buffer.from(sqsBody(record as SQSRecord, id), 'utf8')
  if (mode === 'text') return (record, id) => sqsBody(record as SQSRecord, id)
  return (record, id) => parseJson(sqsBody(record as SQSRecord, id), id, 'body')
}

/**
 * The item of a DynamoDB Streams record: `NewImage`, or `OldImage` for `REMOVE`, unmarshalled. When the stream view
 * type leaves that image out (`KEYS_ONLY`, `OLD_IMAGE` on an insert), the item is its `Keys`.
 */
function dynamodbItem(record: DynamoDBRecord, id: string): unknown {
  const change = record.dynamodb
  const image = record.eventName === 'REMOVE' ? change?.OldImage : change?.NewImage
  const source = image ?? change?.Keys
  if (source === undefined || source === null || typeof source !== 'object') {
    throw decodeError(id, 'dynamodb has no NewImage, OldImage or Keys')
  }
  try {
    return unmarshall(source as Record<string, AttributeValue> as Parameters<typeof unmarshall>[0])
  } catch (error) {
    throw decodeError(id, `dynamodb image cannot be unmarshalled: ${(error as Error).message}`, error)
  }
}

/**
 * The decoder for records of one source.
 *
 * @param source - where the records come from
 * @param mode - how Kinesis data and SQS bodies are decoded; ignored for DynamoDB Streams
 * @returns a function from record to item that throws {@link InvalidRecordError}
 */
export function recordDecoder(source: RecordSource, mode: DecodeMode): RecordDecoder {
  if (source === 'kinesis') return kinesisDecoder(mode)
  if (source === 'dynamodb') return (record, id) => dynamodbItem(record as DynamoDBRecord, id)
  return sqsDecoder(mode)
}
