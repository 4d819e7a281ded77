import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda'
import { fixture } from './fixtures.js'

/**
 * A Kinesis batch of `items` (each JSON-encoded into a record's `data`), built from the real recorded event in
 * `test/fixtures/aws-events/kinesis-stream.json`: every field as Lambda sends it, with sequence numbers that are
 * distinct across `batch` numbers (so that batches of concurrent invocations never share an identifier) and partition
 * keys `key-0` … `key-{keys-1}` in turn.
 */
export function kinesisBatch(batch: number, items: readonly unknown[], keys = 2): KinesisStreamEvent {
  const template = fixture<KinesisStreamEvent>('kinesis-stream').Records[0] as KinesisStreamRecord
  const base = BigInt(template.kinesis.sequenceNumber)
  const shard = template.eventID.split(':')[0]
  return {
    Records: items.map((item, index) => {
      const sequenceNumber = String(base + BigInt(batch) * 100_000n + BigInt(index))
      return {
        ...template,
        kinesis: {
          ...template.kinesis,
          partitionKey: `key-${index % keys}`,
          sequenceNumber,
          data: Buffer.from(JSON.stringify(item)).toString('base64'),
        },
        eventID: `${shard}:${sequenceNumber}`,
      }
    }),
  }
}

/** The sequence numbers of a batch, in order. */
export function sequenceNumbers(event: KinesisStreamEvent): string[] {
  return event.Records.map((record) => record.kinesis.sequenceNumber)
}
