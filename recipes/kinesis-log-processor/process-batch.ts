/**
 * One batch of the log processor, in two passes: read every record (invalid ones to the dead-letter stream), then
 * enrich the valid events together (brute force needs the whole batch) and write them to the output stream at once.
 *
 * @module
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis'
import type { Context, KinesisStreamEvent } from 'aws-lambda'
import {
  type BatchLogger,
  type BatchResponse,
  type BatchSummary,
  budgetOf,
  fanOut,
  InvalidRecordError,
  putRecords,
} from 'serverless-done-right'
import { deadLetterSink } from './dead-letter.js'
import { enrichBatch, outputEntry, threatCounts } from './enrich.js'
import { type LogEvent, logEventSchema } from './schema.js'

/** What a batch needs; built once by `createLogProcessor`. */
export interface BatchDependencies {
  readonly kinesis: KinesisClient
  readonly outputStreamName: string
  readonly deadLetterStreamName: string
  readonly bruteForceThreshold: number
  readonly concurrency: number
  readonly logger: BatchLogger
  /**
   * Per invocation (by its context), the records read whose output is not confirmed yet: the timeout guard's fallback
   * ({@link unfinishedLogRecords}) names them even though `fanOut` counted them completed when it read them.
   */
  readonly awaitingOutput: WeakMap<Context, Set<string>>
}

/** The largest output record: Kinesis's default record limit (partition key and data). */
const maxOutputEntryBytes = 1024 * 1024

/** A valid event and the record it came from. */
interface ReadEvent {
  readonly event: LogEvent
  readonly id: string
  readonly partitionKey: string
  readonly position: number
}

/**
 * Handles one Kinesis batch and returns the records Lambda must retry.
 *
 * Pass 1 is `fanOut` with the schema, ordered by partition key: `data` is base64-decoded and parsed, a record that
 * is not JSON or fails the schema goes to the dead-letter stream with its reason (and is retried only if that write
 * fails), and each valid event is collected into this invocation's list. Pass 2 enriches the list in batch order and
 * writes it with one `putRecords` call (chunked, only failed entries resent, each client IP kept in order), under the
 * invocation budget's signal. A record whose enriched event was not written is reported in `batchItemFailures`.
 *
 * `fanOut` adds each record it finishes to `budgetOf(context).completed`, which the timeout guard's default fallback
 * trusts. In pass 1 a valid record is only read, not written, so it is also kept in `dependencies.awaitingOutput`
 * (and taken out of `completed` after pass 1) until its output is confirmed: whenever the hard phase comes, in pass 1
 * or pass 2, the log processor's fallback ({@link unfinishedLogRecords}) names it and none is lost.
 */
export async function processLogBatch(
  batch: KinesisStreamEvent,
  context: Context,
  dependencies: BatchDependencies,
): Promise<BatchResponse> {
  const budget = budgetOf(context)
  const records = batch.Records ?? []
  const positionOf = new Map(records.map((record, position) => [record.kinesis.sequenceNumber, position]))
  const collected: ReadEvent[] = []
  const awaitingOutput = new Set<string>()
  dependencies.awaitingOutput.set(context, awaitingOutput)
  let readSummary: BatchSummary | undefined
  const deadLetter = deadLetterSink({
    kinesis: dependencies.kinesis,
    streamName: dependencies.deadLetterStreamName,
    signal: budget.signal,
  })

  // A fanOut per invocation: its record handler fills this invocation's list, so nothing is shared across invocations.
  const readBatch = fanOut<LogEvent>(
    async (event, { id, key }) => {
      awaitingOutput.add(id)
      collected.push({ event, id, partitionKey: key ?? '', position: positionOf.get(id) ?? 0 })
    },
    {
      schema: logEventSchema,
      onInvalid: deadLetter,
      concurrency: dependencies.concurrency,
      logger: dependencies.logger,
      onSummary: (summary) => {
        readSummary = summary
      },
    },
  )
  const read = await readBatch(batch, context)
  for (const { id } of collected) budget.completed.delete(id)
  collected.sort((a, b) => a.position - b.position)

  const processedAt = new Date().toISOString()
  const enriched = enrichBatch(
    collected.map((item) => item.event),
    dependencies.bruteForceThreshold,
    processedAt,
  )
  const failed = new Set(read.batchItemFailures.map((failure) => failure.itemIdentifier))
  const toWrite: Array<{ id: string; entry: ReturnType<typeof outputEntry> }> = []
  const unwritable: Unwritable[] = []
  enriched.forEach((event, index) => {
    const source = collected[index] as ReadEvent
    let entry: ReturnType<typeof outputEntry>
    try {
      entry = outputEntry(event, source.partitionKey)
    } catch {
      // Valid by the schema, yet JSON.stringify cannot write it: an unknown field nested thousands of levels deep.
      unwritable.push({ source, message: 'the enriched event cannot be written as JSON (it is nested too deep)' })
      return
    }
    if (Buffer.byteLength(entry.data) + Buffer.byteLength(entry.partitionKey) > maxOutputEntryBytes) {
      unwritable.push({
        source,
        message: `the enriched event is over ${maxOutputEntryBytes} bytes, the Kinesis record limit`,
      })
    } else toWrite.push({ id: source.id, entry })
  })
  await deadLetterUnwritable(unwritable, records, deadLetter, failed, budget.completed, awaitingOutput)

  const written = await putRecords(
    dependencies.kinesis,
    dependencies.outputStreamName,
    toWrite.map((item) => item.entry),
    { signal: budget.signal },
  )
  written.records.forEach((result, index) => {
    const id = (toWrite[index] as { id: string }).id
    if (!result.ok) failed.add(id)
    else {
      awaitingOutput.delete(id)
      budget.completed.add(id)
    }
  })

  const batchItemFailures = [...failed]
    .sort((a, b) => (positionOf.get(a) ?? 0) - (positionOf.get(b) ?? 0))
    .map((itemIdentifier) => ({ itemIdentifier }))
  const summary = {
    records: records.length,
    valid: collected.length,
    deadLettered: (readSummary?.deadLettered ?? 0) + unwritable.length,
    written: toWrite.length - written.failedCount,
    outputFailed: written.failedCount,
    outputRequests: written.requests,
    threats: threatCounts(enriched),
    batchItemFailures: batchItemFailures.length,
  }
  if (batchItemFailures.length === 0) dependencies.logger.info('Log batch processed', summary)
  else dependencies.logger.warn('Log batch processed with failures', summary)
  return { batchItemFailures }
}

/** A valid event whose enriched form cannot be written to the output stream, and why. */
interface Unwritable {
  readonly source: ReadEvent
  readonly message: string
}

/**
 * Dead-letters events whose enriched form cannot be written: over the Kinesis record limit, or not serializable as
 * JSON. Writing them would fail on every retry and block their partition key (or, thrown, fail the whole batch). A
 * record whose dead letter cannot be written is reported failed instead.
 */
async function deadLetterUnwritable(
  unwritable: readonly Unwritable[],
  records: KinesisStreamEvent['Records'],
  deadLetter: ReturnType<typeof deadLetterSink>,
  failed: Set<string>,
  completed: Set<string>,
  awaitingOutput: Set<string>,
): Promise<void> {
  for (const { source, message } of unwritable) {
    const record = records[source.position]
    if (record === undefined) continue
    const error = new InvalidRecordError(source.id, 'schema', [{ pointer: '', message }])
    try {
      await deadLetter(record, error)
      awaitingOutput.delete(source.id)
      completed.add(source.id)
    } catch {
      failed.add(source.id)
    }
  }
}

/**
 * The log processor's answer when the timeout guard's hard phase cuts a batch off: every record not known to be
 * finished (`completed`), and every record that was read but whose output is not confirmed yet (`awaitingOutput`).
 * The guard's default fallback trusts `completed` alone, and `fanOut` puts each record there as soon as pass 1 has read
 * it: if the hard phase came during pass 1 (a dead-letter write still draining, or an event loop running late), records
 * never written would be acknowledged and lost. `undefined` (the whole batch fails) when the event is not a batch of
 * Kinesis records.
 */
export function unfinishedLogRecords(
  event: unknown,
  completed: ReadonlySet<string>,
  awaitingOutput: ReadonlySet<string> | undefined,
): BatchResponse | undefined {
  const records = (event as Partial<KinesisStreamEvent> | null)?.Records
  if (!Array.isArray(records)) return undefined
  const batchItemFailures: BatchResponse['batchItemFailures'] = []
  for (const record of records) {
    const id = (record as Partial<KinesisStreamEvent['Records'][number]>)?.kinesis?.sequenceNumber
    if (typeof id !== 'string' || id === '') return undefined
    if (!completed.has(id) || awaitingOutput?.has(id) === true) batchItemFailures.push({ itemIdentifier: id })
  }
  return { batchItemFailures }
}
