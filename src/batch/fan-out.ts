/**
 * `fanOut`: a Lambda handler for Kinesis, DynamoDB Streams and SQS batches with bounded concurrency, per-key order,
 * stop-on-failure per key, poison records to a dead-letter function, and a drain that respects the invocation budget.
 *
 * @module
 */
import type { StandardSchemaV1 } from '@standard-schema/spec'
import type { Context, DynamoDBStreamEvent, KinesisStreamEvent, SQSEvent } from 'aws-lambda'
import { budgetOf } from '../budget.js'
import { batchRecords } from '../events.js'
import { BatchFailureError, RecordNotProcessedError, UnsupportedEventError } from './errors.js'
import type { Ordering } from './lanes.js'
import type { BatchLogger, BatchSummary } from './report.js'
import { type BatchOutcome, type DeadLetterHandler, type RecordHandler, runBatch, Status } from './run-batch.js'
import type { DecodeMode } from './sources.js'

/**
 * A batch event `fanOut` accepts.
 * @group Batches
 */
export type BatchEvent = KinesisStreamEvent | DynamoDBStreamEvent | SQSEvent

/**
 * The partial batch response (`ReportBatchItemFailures`): empty `batchItemFailures` when every record succeeded.
 * @group Batches
 */
export interface BatchResponse {
  /** The records Lambda must retry, by the identifier it expects. */
  batchItemFailures: { itemIdentifier: string }[]
}

/**
 * A Lambda handler made by {@link fanOut}; pass it to Middy's `.handler(...)` or export it as it is. It takes any
 * event (so that it fits `middy()` without type arguments) and checks at run time that it is a {@link BatchEvent}.
 * @group Batches
 */
export type FanOutHandler = (event: unknown, context: Context) => Promise<BatchResponse>

/**
 * Options of {@link fanOut}. Every field is optional.
 * @group Batches
 */
export interface FanOutOptions<T = unknown> {
  /**
   * How Kinesis `data` (after base64) and SQS `body` become the item: `json`, `text` (UTF-8 string) or `buffer`.
   * DynamoDB Streams items are always the unmarshalled `NewImage` (`OldImage` for `REMOVE`).
   * @defaultValue `'json'`
   */
  decode?: DecodeMode
  /**
   * A Standard Schema (zod, valibot, arktype, …) each decoded item must pass; its output is the handler's item.
   * @defaultValue none: the decoded item is passed as it is
   */
  schema?: StandardSchemaV1<unknown, T>
  /**
   * What happens to an invalid record (undecodable, or failing `schema`): `'fail'` reports it in
   * `batchItemFailures`; a function receives the record and its `InvalidRecordError`, and the record counts as
   * handled once the promise resolves (reported failed if it rejects). Each invalid record is logged at `warn`.
   * @defaultValue `'fail'`
   */
  onInvalid?: 'fail' | DeadLetterHandler
  /**
   * `key`: records with the same Kinesis partition key, SQS FIFO `MessageGroupId` or DynamoDB item key run one at a
   * time in batch order, and a failure stops the rest of that key (SQS standard messages have no key: no order).
   * `batch`: strictly sequential, stop at the first failure. `none`: no order at all.
   * @defaultValue `'key'`
   */
  ordering?: Ordering
  /**
   * Most records in flight at once, across keys.
   * @defaultValue `16`
   */
  concurrency?: number
  /**
   * After the budget aborts, how long in-flight records may still finish before the engine returns and reports them
   * as failed. Never past the time the handler must be back by: with less left before `timeoutGuard()`'s hard phase
   * (or the deadline, without the guard), the drain ends 10 ms before it, so the answer is the engine's own.
   * @defaultValue `200`
   */
  drainMs?: number
  /**
   * Throw a `BatchFailureError` (with every record's error) when every record failed, so that Lambda counts the
   * invocation as failed and `BisectBatchOnFunctionError` can split the batch. `false` returns every record in
   * `batchItemFailures` instead.
   * @defaultValue `true`
   */
  throwOnFullBatchFailure?: boolean
  /**
   * Where the one summary per batch (`info`, or `warn` when records failed) and each invalid record (`warn`) go.
   * @defaultValue `console`
   */
  logger?: BatchLogger
  /**
   * Called once per batch with the summary, e.g. to publish metrics.
   * @defaultValue none
   */
  onSummary?: (summary: BatchSummary) => void
}

function isEmptyBatch(event: unknown): boolean {
  const records = (event as { Records?: unknown } | null)?.Records
  return Array.isArray(records) && records.length === 0
}

/** Every record's error for a {@link BatchFailureError}: a record that did not run gets a `RecordNotProcessedError`. */
function recordErrorsOf({ ids, status, errors }: BatchOutcome) {
  return ids.map((id, index) => {
    const kind = status[index]
    const error = errors[index]
    const notRun = kind === Status.skipped ? 'skipped' : kind === Status.aborted ? 'aborted' : undefined
    return { id, error: notRun === undefined ? error : new RecordNotProcessedError(id, notRun, { cause: error }) }
  })
}

/**
 * Makes a Lambda handler that runs `recordHandler` over every record of a Kinesis, DynamoDB Streams or SQS
 * (standard or FIFO) batch and answers with `{ batchItemFailures }`. The source is detected from the records.
 *
 * - At most `concurrency` records are in flight; records of one key start in batch order, one at a time, and after a
 *   failure the rest of that key is not started and is reported failed. Across keys, the earliest ready record starts
 *   first.
 * - A record is never lost: it succeeded, was confirmed by the dead-letter function, or is in `batchItemFailures`.
 * - When `budgetOf(context).signal` aborts (`timeoutGuard()`, `memoryWatchdog()`), no new record starts, in-flight
 *   records see the signal, and the handler returns once they settle or `drainMs` after the abort (sooner when the
 *   hard phase is nearer), reporting every
 *   unfinished record. Finished records are added to `budgetOf(context).completed` as they finish, and
 *   `budget.check()` runs before each record starts.
 *
 * @param recordHandler - handles one decoded (and validated) item; throw to fail the record
 * @param options - decoding, schema, invalid-record policy, ordering, concurrency, drain, logging
 * @returns a handler for Middy's `.handler(...)` or for direct export
 * @throws BatchFailureError when every record failed and `throwOnFullBatchFailure` is on
 * @throws UnsupportedEventError when the event is not a batch
 *
 * @example
 * ```ts
 * import middy from '@middy/core'
 * import { fanOut, timeoutGuard } from 'serverless-done-right'
 * import { z } from 'zod'
 *
 * const LogLine = z.object({ user: z.string(), action: z.string() })
 * const guard = timeoutGuard()
 *
 * export const handler = middy(guard.middyOptions)
 *   .use(guard)
 *   .handler(
 *     fanOut(
 *       async (line, { key, signal }) => {
 *         await fetch(`https://audit.example.com/${key}`, { method: 'POST', body: JSON.stringify(line), signal })
 *       },
 *       { schema: LogLine, concurrency: 32, onInvalid: async (record, error) => console.warn(error.message) },
 *     ),
 *   )
 * ```
 * @group Batches
 */
export function fanOut<T = unknown>(recordHandler: RecordHandler<T>, options: FanOutOptions<T> = {}): FanOutHandler {
  // The defaults, as each option's TSDoc gives them.
  const {
    decode = 'json',
    schema,
    onInvalid = 'fail',
    ordering = 'key',
    concurrency = 16,
    drainMs = 200,
    throwOnFullBatchFailure = true,
    logger = console,
    onSummary,
  } = options
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be an integer ≥ 1')
  if (!Number.isFinite(drainMs) || drainMs < 0) throw new RangeError('drainMs must be a number ≥ 0')
  const settings = { handler: recordHandler, decode, schema, onInvalid, ordering, concurrency, drainMs, logger }

  return async function fanOutHandler(event: unknown, context: Context): Promise<BatchResponse> {
    const records = batchRecords(event) ?? (isEmptyBatch(event) ? [] : undefined)
    if (records === undefined) throw new UnsupportedEventError('fanOut')
    // A context-less call (a unit test calling the handler directly) still gets a budget of its own.
    const budget = budgetOf(context ?? ({} as Context))
    const outcome = await runBatch(settings, records, budget)
    const { summary, ids, status } = outcome
    const batchItemFailures: { itemIdentifier: string }[] = []
    for (let i = 0; i < ids.length; i++) {
      if (status[i] !== Status.succeeded && status[i] !== Status.deadLettered) {
        batchItemFailures.push({ itemIdentifier: ids[i] as string })
      }
    }
    if (batchItemFailures.length === 0) logger.info('fanOut batch done', summary)
    else logger.warn('fanOut batch done with failures', summary)
    if (onSummary !== undefined) {
      try {
        onSummary(summary)
      } catch (error) {
        logger.error('onSummary threw', { error })
      }
    }
    if (throwOnFullBatchFailure && ids.length > 0 && batchItemFailures.length === ids.length) {
      throw new BatchFailureError(recordErrorsOf(outcome))
    }
    return { batchItemFailures }
  }
}
