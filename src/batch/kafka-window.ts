/**
 * `kafkaWindowReducer`: event-time tumbling windows over Amazon MSK and self-managed Kafka, with the window state and
 * a per-partition offset watermark in DynamoDB, so that a replayed, overlapping or reordered batch is never counted
 * twice. Lambda has no tumbling windows (`event.state`) for Kafka, hence the table.
 *
 * @module
 */
import type { Context } from 'aws-lambda'
import { internalsOf } from '../budget/invocation.js'
import { loggerFrom } from '../logger.js'
import * as rules from '../option-rules.js'
import { requireOptions, resolveOptions } from '../options.js'
import { deadLetterPolicy, failureLetterer } from './dead-letter.js'
import { BatchFailureError, type RecordError, UnsupportedEventError } from './errors.js'
import { type PartitionCounts, partitionReducer } from './kafka-window-partition.js'
import { kafkaRunReader } from './kafka-window-read.js'
import { kafkaPartitionsOf } from './kafka-window-records.js'
import { loadStoreCommands } from './kafka-window-store.js'
import type {
  KafkaRecord,
  KafkaRecordMeta,
  KafkaWindowReducerOptions,
  KafkaWindowSummary,
} from './kafka-window-types.js'
import { reportSummary, safeLog } from './report.js'

/** The defaults of {@link KafkaWindowReducerOptions}; the TSDoc `@defaultValue`s are tested against them. */
export const kafkaWindowReducerDefaults = {
  allowedLatenessMs: 0,
  name: 'kafka-window',
  decode: 'json',
  onLate: 'drop',
  maxStateBytes: 350 * 1024,
} as const

const isTable = (value: unknown): boolean => {
  const table = value as { client?: { send?: unknown }; tableName?: unknown } | null
  return (
    typeof table === 'object' &&
    table !== null &&
    typeof table.client?.send === 'function' &&
    typeof table.tableName === 'string' &&
    table.tableName !== ''
  )
}

/** The rules of {@link KafkaWindowReducerOptions}, checked once when the handler is made. */
export const kafkaWindowReducerSpec = {
  table: rules.where(isTable, '{ client, tableName } with a DynamoDBClient and a non-empty table name', 'type'),
  windowMs: rules.number({ min: 1, max: 366 * 24 * 3600 * 1000, integer: true, unit: 'milliseconds' }),
  allowedLatenessMs: rules.number({ min: 0, max: 366 * 24 * 3600 * 1000, integer: true, unit: 'milliseconds' }),
  timeOf: rules.fn(),
  reduce: rules.fn(),
  initial: rules.fn(),
  onWindowClosed: rules.fn(),
  name: rules.string(),
  decode: rules.oneOf('json', 'text', 'buffer', 'json-lines'),
  schema: rules.standardSchema(),
  deadLetter: rules.fn(),
  onInvalid: rules.either(rules.oneOf('fail', 'dead-letter'), rules.fn()),
  onPermanent: rules.oneOf('fail', 'dead-letter'),
  onLate: rules.either(rules.oneOf('drop'), rules.fn()),
  maxStateBytes: rules.number({ min: 2, max: 390 * 1024, integer: true }),
  logger: rules.logger(),
  onSummary: rules.fn(),
}

/**
 * A Lambda handler made by {@link kafkaWindowReducer}: resolves (no response body) when every partition is done, and
 * throws otherwise, so that Lambda retries the batch.
 * @group Batches
 */
export type KafkaWindowHandler = (event: unknown, context: Context) => Promise<void>

/**
 * Makes a Lambda handler for a Kafka event source mapping (Amazon MSK or self-managed) that folds records into
 * event-time tumbling windows kept in DynamoDB, and hands each window to `onWindowClosed` once its partition's
 * watermark has passed it.
 *
 * The model (the Kafka windows guide has the whole story):
 *
 * - A window is one topic-partition's records whose event time (`timeOf`, by default the Kafka `timestamp`) falls in
 *   `[start, start + windowMs)`. Its accumulator is stored as JSON in one item with the highest offset folded into it;
 *   each partition has a mark item with the highest offset done and the largest event time seen. Windows of different
 *   partitions never share an item: combine them downstream (each has its own `closeId`).
 * - Exactly-once folding without transactions: records at or below the mark's offset are skipped (a replayed or an
 *   older, reordered batch); a window is written only if its stored offset is still the one read (a conditional put),
 *   and takes only the records above it. The mark moves last, conditionally too. A crash anywhere leaves a state from
 *   which a retry of the batch, whole or split, folds every record exactly once.
 * - A window closes when its partition's largest event time minus `allowedLatenessMs` reaches its end. A record
 *   whose window has closed by then is late: counted and dropped, or given to `onLate`. `onWindowClosed` is called
 *   once per window in the normal path, and again only after a crash between the call and the tombstone write, or when
 *   two invocations of the same partition race (a consumer group rebalance): make its write idempotent by `closeId`.
 * - Windows close only when records arrive: an idle partition keeps its last windows open.
 * - Errors: a record read that fails (`onInvalid: 'fail'`, a dead-letter or late function that rejects, the budget
 *   aborting) stores every record before it, then the handler throws a `BatchFailureError`; any other failure
 *   (DynamoDB, `reduce`, `onWindowClosed`) throws without moving that partition's mark. Either way Lambda retries the
 *   batch and the watermarks skip what is done. The handler does not answer with `batchItemFailures`: whole-batch
 *   retry is always safe here and works whether or not the mapping reports partial failures.
 * - Poison records: an invalid record (`onInvalid`) and one whose `timeOf` or `reduce` throws a `PermanentError`
 *   (`onPermanent`) go to the `deadLetter` handler, are left out of their window and folding goes on; without one
 *   they fail their partition as above. Dead-lettering is at-least-once, as `onWindowClosed`: key its write by
 *   `meta.id`.
 *
 * @param options - `table`, `windowMs`, `reduce`, `initial`, `onWindowClosed`, and optionally `allowedLatenessMs`,
 *   `timeOf`, `name`, `decode`, `schema`, `deadLetter`, `onInvalid`, `onPermanent`, `onLate`, `maxStateBytes`,
 *   `logger`, `onSummary`
 * @returns a handler for Middy's `.handler(...)` or for direct export
 * @throws TypeError or RangeError when the handler is made, for a missing or unknown option or a bad value, or
 *   `onInvalid` / `onPermanent` set to `'dead-letter'` without a `deadLetter` handler
 * @throws BatchFailureError from the handler, when a partition could not be finished
 * @throws UnsupportedEventError from the handler, when the event is not a Kafka event
 *
 * @example
 * ```ts
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
 * import middy from '@middy/core'
 * import { kafkaWindowReducer } from 'serverless-done-right'
 * import { z } from 'zod'
 *
 * const Click = z.object({ page: z.string(), at: z.number() })
 *
 * export const handler = middy().handler(
 *   kafkaWindowReducer({
 *     table: { client: new DynamoDBClient({}), tableName: 'window-state' }, // string pk, string sk
 *     windowMs: 60_000,
 *     allowedLatenessMs: 10_000,
 *     schema: Click,
 *     timeOf: (click) => click.at,
 *     initial: (): Record<string, number> => ({}),
 *     reduce: (pages, click) => ({ ...pages, [click.page]: (pages[click.page] ?? 0) + 1 }),
 *     onWindowClosed: async ({ start, partition, value, closeId }) => {
 *       console.log(closeId, start, partition, value) // e.g. a conditional put keyed by closeId
 *     },
 *   }),
 * )
 * ```
 * @group Batches
 */
export function kafkaWindowReducer<T = unknown, A = unknown>(
  options: KafkaWindowReducerOptions<T, A>,
): KafkaWindowHandler {
  const owner = 'kafkaWindowReducer(options)'
  const resolved = resolveOptions(options, kafkaWindowReducerDefaults, kafkaWindowReducerSpec, { owner })
  requireOptions(resolved, ['table', 'windowMs', 'reduce', 'initial', 'onWindowClosed'], { owner })
  const { windowMs, allowedLatenessMs, onSummary } = resolved
  const logger = loggerFrom(resolved.logger)
  const { onInvalid, onPermanent } = deadLetterPolicy<KafkaRecord, KafkaRecordMeta>(resolved, owner)
  const letter = failureLetterer(onPermanent, logger)
  const { schema, timeOf } = resolved
  const readRun = kafkaRunReader<T, A>({ ...resolved, schema, timeOf, logger, onInvalid, letter })
  const reducePartition = partitionReducer<T, A>({ ...resolved, windowMs, allowedLatenessMs, readRun, letter })

  return async function kafkaWindowHandler(input: unknown, context: Context): Promise<void> {
    const started = performance.now()
    const runs = kafkaPartitionsOf(input)
    if (runs === undefined) {
      const expected =
        'a Kafka event (eventSource aws:kafka or SelfManagedKafka) whose records have topic, partition, offset'
      throw new UnsupportedEventError('kafkaWindowReducer', expected)
    }
    const budget = internalsOf(context)
    const commands = await loadStoreCommands()
    // Partitions never share an item, so they run side by side; one failing leaves the others' progress stored.
    const settled = await Promise.allSettled(runs.map((run) => reducePartition(run, commands, budget)))
    const totals: PartitionCounts = {
      folded: 0,
      replayed: 0,
      late: 0,
      invalid: 0,
      deadLettered: 0,
      permanent: 0,
      windowsWritten: 0,
      windowsClosed: 0,
    }
    const recordErrors: RecordError[] = []
    settled.forEach((outcome, at) => {
      if (outcome.status === 'rejected') {
        const partition = (runs[at] as { name: string }).name
        safeLog(logger, 'error', 'kafkaWindowReducer partition failed; the batch is retried', {
          partition,
          error: outcome.reason,
        })
        recordErrors.push({ id: partition, error: outcome.reason })
        return
      }
      for (const name of Object.keys(totals) as (keyof PartitionCounts)[]) totals[name] += outcome.value.counts[name]
      if (outcome.value.failure !== undefined) recordErrors.push(outcome.value.failure)
    })
    const records = runs.reduce((sum, run) => sum + run.records.length, 0)
    const summary: KafkaWindowSummary = {
      records,
      partitions: runs.length,
      ...totals,
      failedPartitions: recordErrors.length,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
    }
    const messages = ['kafkaWindowReducer invocation done', 'kafkaWindowReducer invocation failed'] as const
    reportSummary(logger, messages, summary, recordErrors.length > 0, onSummary)
    if (recordErrors.length > 0) throw new BatchFailureError(recordErrors, { records })
  }
}
