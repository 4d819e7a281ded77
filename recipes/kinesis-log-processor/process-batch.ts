/**
 * One batch of the log processor: `fanOut` reads and validates every record (invalid ones to the dead-letter stream),
 * and its sink enriches the valid events together (brute force needs the whole batch) and writes them to the output
 * stream. Built once, at module load; nothing in it belongs to one invocation.
 *
 * @module
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis'
import {
  type BatchLogger,
  type FanOutHandler,
  fanOut,
  InvalidRecordError,
  kinesisSink,
  type SinkMeta,
  type SinkReport,
} from 'serverless-done-right'
import { deadLetterSink } from './dead-letter.js'
import { enrichBatch, outputEntry } from './enrich.js'
import { type EnrichedLogEvent, type LogEvent, logEventSchema } from './schema.js'

/** What the batch handler needs; given once by `createLogProcessor`. */
export interface BatchDependencies {
  readonly kinesis: KinesisClient
  readonly outputStreamName: string
  readonly deadLetterStreamName: string
  readonly bruteForceThreshold: number
  readonly concurrency: number
  readonly logger: BatchLogger
}

/** The largest output record: Kinesis's default record limit (partition key and data). */
const maxOutputEntryBytes = 1024 * 1024

/**
 * The entry of an enriched event; throws with the dead letter's reason when it can never be written. Such an entry is
 * then not sent at all, so it cannot hold back the later entries of its client IP (`putRecords` keeps key order).
 */
function entryOf(event: EnrichedLogEvent, fallbackKey: string | undefined) {
  let entry: ReturnType<typeof outputEntry>
  try {
    entry = outputEntry(event, fallbackKey ?? '')
  } catch {
    // Valid by the schema, yet JSON.stringify cannot write it: an unknown field nested thousands of levels deep.
    throw new Error('the enriched event cannot be written as JSON (it is nested too deep)')
  }
  if (Buffer.byteLength(entry.data) + Buffer.byteLength(entry.partitionKey) > maxOutputEntryBytes) {
    throw new Error(`the enriched event is over ${maxOutputEntryBytes} bytes, the Kinesis record limit`)
  }
  return entry
}

/**
 * Makes the log processor's batch handler: `fanOut` with the schema, ordered by partition key, each invalid record to
 * the dead-letter stream with its reason (retried only if that write fails). The sink enriches the valid events in
 * batch order and writes them with `putRecords` (chunked, only failed entries resent, each client IP kept in order)
 * under the invocation's signal. An event that can never be written (over the Kinesis record limit, or not writable as
 * JSON) is dead-lettered instead, as it would fail on every retry. A record whose output is not confirmed is reported
 * in `batchItemFailures`, by `fanOut` itself or, when the hard deadline comes first, by the timeout guard's fallback.
 */
export function logBatchHandler(dependencies: BatchDependencies): FanOutHandler {
  const { kinesis, bruteForceThreshold } = dependencies
  const deadLetter = deadLetterSink({ kinesis, streamName: dependencies.deadLetterStreamName })
  const output = kinesisSink<EnrichedLogEvent>(kinesis, dependencies.outputStreamName, {
    entry: (event, { key }) => entryOf(event, key),
  })

  /** Dead-letters the events `putRecords` refused as invalid entries; each confirmed dead letter confirms its record. */
  async function deadLetterUnwritable(report: SinkReport, meta: SinkMeta): Promise<SinkReport> {
    const confirmed = [...report]
    for (const [index, result] of report.entries()) {
      if (result === undefined || result.ok || (result as { errorCode?: string }).errorCode !== 'InvalidEntry') continue
      const source = meta.records[index]
      if (source === undefined) continue
      const message = (result as { errorMessage?: string }).errorMessage ?? 'the enriched event cannot be written'
      const error = new InvalidRecordError(source.id, 'schema', [{ pointer: '', message }])
      try {
        await deadLetter(source.record, error, source)
        confirmed[index] = { ok: true }
      } catch {
        // Not dead-lettered: the record stays unconfirmed and is retried.
      }
    }
    return confirmed
  }

  return fanOut<LogEvent, LogEvent>(async (event) => event, {
    schema: logEventSchema,
    onInvalid: deadLetter,
    concurrency: dependencies.concurrency,
    logger: dependencies.logger,
    sink: async (events, meta) => {
      const enriched = enrichBatch(events, bruteForceThreshold, new Date().toISOString())
      return deadLetterUnwritable(await output(enriched, meta), meta)
    },
  })
}
