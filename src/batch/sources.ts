/**
 * The source adapters: how the payload of a Kinesis, DynamoDB Streams or SQS record becomes the item a record
 * handler sees. Every failure to read a payload is an {@link InvalidRecordError}, never a crash.
 *
 * @module
 */
import { Buffer, isUtf8 } from 'node:buffer'
import type { AttributeValue, DynamoDBRecord, KinesisStreamRecord, SQSRecord } from 'aws-lambda'
import type { BatchRecord, RecordSource } from '../events.js'
import { base64Size, writeBase64 } from './base64.js'
import { InvalidRecordError } from './errors.js'
import { unmarshallImage } from './unmarshall.js'

/**
 * How a Kinesis `data` payload or an SQS `body` becomes an item: parsed as JSON, as a UTF-8 string, or as raw bytes.
 * DynamoDB Streams records are always unmarshalled.
 * @group Batches
 */
export type DecodeMode = 'json' | 'text' | 'buffer'

/** Turns one record into its item; throws an {@link InvalidRecordError} when the payload cannot be read. */
export type RecordDecoder = (record: BatchRecord, id: string) => unknown

function decodeError(id: string, message: string, cause?: unknown): InvalidRecordError {
  return new InvalidRecordError(id, 'decode', [{ pointer: '', message }], { cause })
}

function parseJson(text: string, id: string, what: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    throw decodeError(id, `${what} is not valid JSON: ${(error as Error).message}`, error)
  }
}

/**
 * The Kinesis decoder for one mode: base64 into a scratch buffer (`base64.ts`), then UTF-8 text checked with `isUtf8`
 * only when it contains U+FFFD (never the case for ASCII), as `toString` turns invalid UTF-8 into that character. The
 * scratch buffer belongs to this decoder, which lives for one invocation, and is only used synchronously.
 */
function kinesisDecoder(mode: DecodeMode): RecordDecoder {
  const scratch = Buffer.allocUnsafe(mode === 'buffer' ? 0 : 64 * 1024)
  return (record, id) => {
    const data: unknown = (record as KinesisStreamRecord).kinesis?.data
    if (typeof data !== 'string') throw decodeError(id, 'kinesis.data is missing')
    const size = base64Size(data)
    if (size < 0) throw decodeError(id, 'kinesis.data is not valid base64 (length is not a multiple of 4)')
    const bytes = size <= scratch.length ? scratch : Buffer.allocUnsafe(size)
    if (!writeBase64(data, bytes, size)) throw decodeError(id, 'kinesis.data is not valid base64')
    if (mode === 'buffer') return bytes
    const text = bytes.toString('utf8', 0, size)
    if (text.includes('\uFFFD') && !isUtf8(bytes.subarray(0, size))) {
      throw decodeError(id, 'kinesis.data is not valid UTF-8')
    }
    return mode === 'text' ? text : parseJson(text, id, 'kinesis.data')
  }
}

function sqsDecoder(mode: DecodeMode): RecordDecoder {
  return (record, id) => {
    const body: unknown = (record as SQSRecord).body
    if (typeof body !== 'string') throw decodeError(id, 'body is missing')
    return mode === 'text' ? body : mode === 'buffer' ? Buffer.from(body, 'utf8') : parseJson(body, id, 'body')
  }
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
    return unmarshallImage(source as Record<string, AttributeValue>)
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
