/**
 * The Kafka reader of `kafkaWindowReducer`: the event flattened into one ordered run of records per topic-partition,
 * and a record's base64 `value` decoded in the shared {@link DecodeMode}s.
 *
 * MERGE NOTE: a separate branch adds Kafka to `fanOut` (in `src/events.ts` and `src/batch/sources.ts`). This file is
 * this branch's own small reader so that the two do not conflict; when they meet, replace `kafkaPartitionsOf` and
 * `kafkaValueDecoder` with that branch's Kafka adapter and delete what is left here.
 *
 * @module
 */
import { Buffer, isUtf8 } from 'node:buffer'
import { base64Size, writeBase64 } from './base64.js'
import { InvalidRecordError } from './errors.js'
import type { KafkaEvent, KafkaRecord } from './kafka-window-types.js'
import type { DecodeMode } from './sources.js'

/** The records of one topic-partition in one event, in offset order. */
export interface KafkaPartitionRun {
  readonly topic: string
  readonly partition: number
  /** `<topic>-<partition>`, as Lambda keys the event's `records`. */
  readonly name: string
  readonly records: readonly KafkaRecord[]
}

/** The identifier of a record in messages and dead-letter metas: `<topic>-<partition>@<offset>`. */
export function kafkaRecordId(record: KafkaRecord): string {
  return `${record.topic}-${record.partition}@${record.offset}`
}

function isKafkaRecord(value: unknown): value is KafkaRecord {
  const record = value as KafkaRecord | null
  return (
    typeof record === 'object' &&
    record !== null &&
    typeof record.topic === 'string' &&
    Number.isSafeInteger(record.partition) &&
    Number.isSafeInteger(record.offset) &&
    record.offset >= 0
  )
}

/**
 * The event's records by topic-partition, each run sorted by offset (Lambda sends them in order; sorting makes a
 * hand-made or merged event safe too); `undefined` when `input` is no Kafka event or a record lacks its topic,
 * partition or offset (without them nothing can be watermarked).
 */
export function kafkaPartitionsOf(input: unknown): KafkaPartitionRun[] | undefined {
  const event = input as KafkaEvent | null
  if (typeof event !== 'object' || event === null) return undefined
  if (event.eventSource !== 'aws:kafka' && event.eventSource !== 'SelfManagedKafka') return undefined
  const { records } = event
  if (typeof records !== 'object' || records === null || Array.isArray(records)) return undefined
  const runs = new Map<string, KafkaRecord[]>()
  for (const group of Object.values(records)) {
    if (!Array.isArray(group)) return undefined
    for (const record of group as unknown[]) {
      if (!isKafkaRecord(record)) return undefined
      const name = `${record.topic}-${record.partition}`
      const run = runs.get(name)
      if (run === undefined) runs.set(name, [record])
      else run.push(record)
    }
  }
  return [...runs].map(([name, run]) => {
    const first = run[0] as KafkaRecord
    const sorted = run.toSorted((a, b) => a.offset - b.offset)
    return { topic: first.topic, partition: first.partition, name, records: sorted }
  })
}

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
 * The decoder of Kafka values for one mode, the same modes and checks as the Kinesis decoder of `sources.ts` (strict
 * base64, UTF-8 checked when the text holds U+FFFD). Allocates per record: a Kafka value may be kept by `reduce`.
 *
 * @returns a function from record to item that throws {@link InvalidRecordError}
 */
export function kafkaValueDecoder(mode: DecodeMode): (record: KafkaRecord, id: string) => unknown {
  return (record, id) => {
    const { value } = record
    if (typeof value !== 'string') throw decodeError(id, 'value is missing')
    const size = base64Size(value)
    if (size < 0) throw decodeError(id, 'value is not valid base64 (length is not a multiple of 4)')
    const bytes = Buffer.allocUnsafe(size)
    if (!writeBase64(value, bytes, size)) throw decodeError(id, 'value is not valid base64')
    if (mode === 'buffer') return bytes
    const text = bytes.toString('utf8')
    if (text.includes('\uFFFD') && !isUtf8(bytes)) throw decodeError(id, 'value is not valid UTF-8')
    if (mode === 'text') return text
    if (mode === 'json') return parseJson(text, id, 'value')
    return text.split('\n').map((line, at) => parseJson(line, id, `line ${at + 1} of value`))
  }
}
