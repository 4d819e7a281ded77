/**
 * The source adapters: how the payload of a Kinesis, DynamoDB Streams, SQS or Kafka record becomes the item a record
 * handler sees. Every failure to read a payload is an {@link InvalidRecordError}, never a crash.
 *
 * @module
 */
import { Buffer, isUtf8 } from 'node:buffer'
import type { AttributeValue, DynamoDBRecord, KinesisStreamRecord, MSKRecord, SQSRecord } from 'aws-lambda'
import type { BatchRecord, RecordSource } from '../events.js'
import { base64Size, writeBase64 } from './base64.js'
import { InvalidRecordError } from './errors.js'
import { unmarshallImage } from './unmarshall.js'

/**
 * How a Kinesis `data` payload, a Kafka `value` or an SQS `body` becomes an item: parsed as JSON, as a UTF-8 string, as raw bytes, or
 * as JSON Lines (`json-lines`: the array of the documents on its lines, in order, as `putRecords(…, { pack: true })`
 * writes them; a record of one JSON document gives an array of one). DynamoDB Streams records are always unmarshalled.
 * @group Batches
 */
export type DecodeMode = 'json' | 'text' | 'buffer' | 'json-lines'

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

/** The JSON documents of a packed record, one a line, in order; one bad line makes the whole record invalid. */
function parseJsonLines(text: string, id: string, what: string): unknown[] {
  return text.split('\n').map((line, at) => parseJson(line, id, `line ${at + 1} of ${what}`))
}

/** The item of a text payload in a mode other than `buffer`. */
function parseText(mode: DecodeMode, text: string, id: string, what: string): unknown {
  if (mode === 'text') return text
  return mode === 'json-lines' ? parseJsonLines(text, id, what) : parseJson(text, id, what)
}

/**
 * The decoder of a base64 payload (Kinesis `data`, Kafka `value`) for one mode: base64 into a scratch buffer
 * (`base64.ts`), then UTF-8 text checked with `isUtf8` only when it contains U+FFFD (never the case for ASCII), as
 * `toString` turns invalid UTF-8 into that character. The scratch buffer belongs to this decoder, which lives for one
 * invocation, and is only used synchronously.
 *
 * @param payloadOf - the record's base64 payload, or anything else when it has none
 * @param what - the payload's name in error messages, e.g. `kinesis.data`
 */
function base64Decoder(mode: DecodeMode, payloadOf: (record: BatchRecord) => unknown, what: string): RecordDecoder {
  const scratch = Buffer.allocUnsafe(mode === 'buffer' ? 0 : 64 * 1024)
  return (record, id) => {
    const data = payloadOf(record)
    if (typeof data !== 'string') throw decodeError(id, `${what} is missing`)
    const size = base64Size(data)
    if (size < 0) throw decodeError(id, `${what} is not valid base64 (length is not a multiple of 4)`)
    const bytes = size <= scratch.length ? scratch : Buffer.allocUnsafe(size)
    if (!writeBase64(data, bytes, size)) throw decodeError(id, `${what} is not valid base64`)
    if (mode === 'buffer') return bytes
    const text = bytes.toString('utf8', 0, size)
    if (text.includes('\uFFFD') && !isUtf8(bytes.subarray(0, size))) {
      throw decodeError(id, `${what} is not valid UTF-8`)
    }
    return parseText(mode, text, id, what)
  }
}

function sqsDecoder(mode: DecodeMode): RecordDecoder {
  return (record, id) => {
    const body: unknown = (record as SQSRecord).body
    if (typeof body !== 'string') throw decodeError(id, 'body is missing')
    return mode === 'buffer' ? Buffer.from(body, 'utf8') : parseText(mode, body, id, 'body')
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
 * @param mode - how Kinesis data, Kafka values and SQS bodies are decoded; ignored for DynamoDB Streams
 * @returns a function from record to item that throws {@link InvalidRecordError}
 */
export function recordDecoder(source: RecordSource, mode: DecodeMode): RecordDecoder {
  if (source === 'kinesis')
    return base64Decoder(mode, (record) => (record as KinesisStreamRecord).kinesis?.data, 'kinesis.data')
  if (source === 'kafka') return base64Decoder(mode, (record) => (record as MSKRecord).value, 'value')
  if (source === 'dynamodb') return (record, id) => dynamodbItem(record as DynamoDBRecord, id)
  return sqsDecoder(mode)
}
