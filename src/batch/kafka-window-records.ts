/**
 * The Kafka reader of `kafkaWindowReducer`: the event flattened into one ordered run of records per topic-partition,
 * and a record's base64 `value` decoded in the shared {@link DecodeMode}s.
 *
 * The event check and the value decoder are `fanOut`'s (`events.ts`, `sources.ts`); what is the reducer's own is the
 * grouping by topic-partition with its strict checks (a record without topic, partition and offset cannot be
 * watermarked).
 *
 * @module
 */
import { type BatchRecord, isKafkaEvent } from '../events.js'
import type { InvalidRecordError } from './errors.js'
import type { KafkaRecord } from './kafka-window-types.js'
import { type DecodeMode, recordDecoder } from './sources.js'

/** The records of one topic-partition in one event, in offset order. */
export interface KafkaPartitionRun {
  readonly topic: string
  readonly partition: number
  /** `<topic>-<partition>`, as Lambda keys the event's `records`. */
  readonly name: string
  readonly records: readonly KafkaRecord[]
}

/** The identifier of a record in messages and dead-letter metas: `<topic>-<partition>@<offset>`, as `fanOut`'s `recordId`. */
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
  if (!isKafkaEvent(input)) return undefined
  const { records } = input
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

/**
 * The decoder of Kafka values for one mode: `fanOut`'s own (`recordDecoder('kafka', mode)` of `sources.ts`: strict
 * base64, UTF-8 checked when the text holds U+FFFD). A `buffer` item is a fresh buffer per record, so `reduce` may keep
 * it; the other modes give strings and parsed values.
 *
 * @returns a function from record to item that throws {@link InvalidRecordError}
 */
export function kafkaValueDecoder(mode: DecodeMode): (record: KafkaRecord, id: string) => unknown {
  const decode = recordDecoder('kafka', mode)
  return (record, id) => decode(record as unknown as BatchRecord, id)
}
