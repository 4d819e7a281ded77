/**
 * The dead-letter sink: an event the processor cannot use goes to the dead-letter stream with its reason, the raw
 * data and where it came from, so it can be inspected and replayed.
 *
 * @module
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis'
import type { KinesisStreamRecord } from 'aws-lambda'
import { type DeadLetterHandler, type InvalidRecordError, putRecords } from 'serverless-done-right'
import type { DeadLetter } from './schema.js'

/**
 * The most base64 characters of the original data a dead letter carries. A Kinesis record holds 1 MiB and base64 adds
 * a third, so a whole oversized record would not fit in a dead letter; the rest stays readable in the input stream
 * (by `source.sequenceNumber`) for its retention period.
 */
export const maxDeadLetterDataChars = 512 * 1024

/** Where dead letters go. */
export interface DeadLetterTarget {
  readonly kinesis: KinesisClient
  readonly streamName: string
}

/** The dead letter of a record: the error, where the record came from and its data as received (base64). */
export function deadLetterOf(record: KinesisStreamRecord, error: InvalidRecordError, now = new Date()): DeadLetter {
  const { data, partitionKey, sequenceNumber, approximateArrivalTimestamp } = record.kinesis
  const letter: DeadLetter = {
    reason: error.reason,
    code: error.code,
    message: error.message,
    issues: error.issues.map(({ pointer, message }) => ({ pointer, message })),
    source: {
      eventSourceARN: record.eventSourceARN,
      eventID: record.eventID,
      partitionKey,
      sequenceNumber,
      approximateArrivalTimestamp,
    },
    data: data.length > maxDeadLetterDataChars ? data.slice(0, maxDeadLetterDataChars) : data,
    deadLetteredAt: now.toISOString(),
  }
  if (data.length > maxDeadLetterDataChars) letter.dataTruncated = true
  return letter
}

/**
 * A `fanOut` dead-letter function that writes each invalid record to the dead-letter stream (partition key: the
 * record's own, so one source key stays in order), under the invocation's signal, and resolves only once Kinesis
 * confirmed it. When the write fails
 * after `putRecords`' retries it rejects, and `fanOut` reports the record in `batchItemFailures` instead.
 */
export function deadLetterSink(target: DeadLetterTarget): DeadLetterHandler {
  return async (record, error, { signal }) => {
    const kinesisRecord = record as KinesisStreamRecord
    const letter = deadLetterOf(kinesisRecord, error)
    const { records } = await putRecords(
      target.kinesis,
      target.streamName,
      [{ partitionKey: kinesisRecord.kinesis.partitionKey, data: JSON.stringify(letter) }],
      { signal },
    )
    const [result] = records
    if (result?.ok !== true) {
      const reason = result === undefined ? 'no result' : `${result.errorCode}: ${result.errorMessage}`
      throw new Error(`Dead-letter write to ${target.streamName} failed (${reason})`, { cause: error })
    }
  }
}
