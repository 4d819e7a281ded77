/**
 * `fanOut`: a Lambda handler for Kinesis, DynamoDB Streams, SQS and Kafka batches with bounded concurrency, per-key order,
 * stop-on-failure per key, poison records to a dead-letter function, and a drain that respects the invocation budget.
 *
 * @module
 */
import type { StandardSchemaV1 } from '@standard-schema/spec'
import type { Context } from 'aws-lambda'
import { internalsOf } from '../budget/invocation.js'
import { type BatchRecord, batchItemIdentifier, batchRecords } from '../events.js'
import { type LoggerOption, loggerFrom } from '../logger.js'
import * as rules from '../option-rules.js'
import { resolveOptions, show } from '../options.js'
import type { BatchResponse, FanOutHandler } from './batch-response.js'
import { type DeadLetterOptions, deadLetterPolicy, failureLetterer } from './dead-letter.js'
import { BatchFailureError, UnsupportedEventError } from './errors.js'
import type { Ordering } from './key-chains.js'
import { isConfirmed, recordErrorsOf } from './outcome.js'
import { type BatchSummary, reportSummary } from './report.js'
import { type RecordHandler, runBatch } from './run-batch.js'
import type { Sink } from './sink.js'
import type { DecodeMode } from './sources.js'

export type { BatchEvent, BatchResponse, FanOutHandler } from './batch-response.js'

/**
 * Options of {@link fanOut}. Every field is optional; where poison records go (`deadLetter`, `onInvalid`,
 * `onPermanent`) is described in {@link DeadLetterOptions}.
 * @group Batches
 */
export interface FanOutOptions<T = unknown, R = unknown> extends DeadLetterOptions {
  /**
   * How Kinesis `data` and Kafka `value` (after base64) and SQS `body` become the item: `json`, `text` (UTF-8 string), `buffer`, or
   * `json-lines` (the array of the JSON documents on its lines, in order: what `putRecords`' `pack` writes; the
   * record succeeds or fails as a whole, and a `schema` then checks the array).
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
   * `key`: records with the same Kinesis partition key, SQS FIFO `MessageGroupId`, DynamoDB item key or Kafka
   * topic-partition run one at a time in batch order (offset order for Kafka), and a failure stops the rest of that key
   * (SQS standard messages have no key: no order).
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
   * invocation as failed and `BisectBatchOnFunctionError` can split the batch. Not when the budget aborted during the
   * batch: records cut short by the deadline or memory pressure are reported in `batchItemFailures` instead. `false` returns every record in
   * `batchItemFailures` instead.
   * @defaultValue `true`
   */
  throwOnFullBatchFailure?: boolean
  /**
   * Where the one summary per batch (`info`, or `warn` when records failed) and each invalid record (`warn`) go: a
   * Powertools `Logger` or anything with `debug`, `info`, `warn` and `error`; `false` logs nothing.
   * @defaultValue single-line JSON on the console (`jsonConsoleLogger()`)
   */
  logger?: LoggerOption
  /**
   * Called once per batch with the summary, e.g. to publish metrics. If it throws, the error is logged and ignored.
   * @defaultValue none
   */
  onSummary?: (summary: BatchSummary) => void
  /**
   * The batched output stage: once the handler has mapped the records, the sink gets every result in batch order
   * (with each one's record meta) and reports per result which were written (`kinesisSink()` writes them with
   * `putRecords`). A record is complete only when the sink confirms its write; an unconfirmed one goes to
   * `batchItemFailures`, and so does the rest of its ordering key. The sink has until the time the handler must
   * answer (the timeout guard's hard phase, or the deadline): a result not confirmed by then is reported, and the
   * timeout guard's fallback names exactly the records not yet confirmed.
   * @defaultValue none: a record is complete when its handler resolves
   */
  sink?: Sink<R>
}

/** The defaults of {@link FanOutOptions}; the TSDoc `@defaultValue`s are tested against them. */
export const fanOutDefaults = {
  decode: 'json',
  ordering: 'key',
  concurrency: 16,
  drainMs: 200,
  throwOnFullBatchFailure: true,
} as const

/** The rules of {@link FanOutOptions}, checked once when the handler is made. */
export const fanOutSpec = {
  decode: rules.oneOf('json', 'text', 'buffer', 'json-lines'),
  schema: rules.standardSchema(),
  deadLetter: rules.fn(),
  onInvalid: rules.either(rules.oneOf('fail', 'dead-letter'), rules.fn()),
  onPermanent: rules.oneOf('fail', 'dead-letter'),
  ordering: rules.oneOf('key', 'batch', 'none'),
  concurrency: rules.number({ min: 1, max: 10_000, integer: true }),
  drainMs: rules.ms(),
  throwOnFullBatchFailure: rules.boolean(),
  logger: rules.logger(),
  onSummary: rules.fn(),
  sink: rules.fn(),
}

function isEmptyBatch(event: unknown): boolean {
  const records = (event as { Records?: unknown } | null)?.Records
  return Array.isArray(records) && records.length === 0
}

/**
 * Makes a Lambda handler that runs `recordHandler` over every record of a Kinesis, DynamoDB Streams, SQS (standard or
 * FIFO) or Kafka (Amazon MSK or self-managed) batch and answers with `{ batchItemFailures }`. The source is detected
 * from the event.
 *
 * - Kafka: the records of every topic-partition are handled as one batch, the topic-partition is the ordering key
 *   (`meta.key`), the `value` is decoded like Kinesis data, and a failed record is reported as the documented
 *   `{ partition: '<topic>-<partition>', offset }`; read a record's key and headers with `kafkaKey` / `kafkaHeaders`.
 *
 * - At most `concurrency` records are in flight; records of one key start in batch order, one at a time, and after a
 *   failure the rest of that key is not started and is reported failed. Across keys, the earliest ready record starts
 *   first.
 * - A record is never lost: it succeeded, was confirmed by the dead-letter handler, or is in `batchItemFailures`.
 * - Poison records go to the `deadLetter` handler, not back to the stream: an invalid one, and one whose handler
 *   threw a `PermanentError` (it is then complete, so its key goes on). See {@link DeadLetterOptions}.
 * - When `budgetOf(context).signal` aborts (`timeoutGuard()`, `memoryWatchdog()`), no new record starts, in-flight
 *   records see the signal, and the handler returns once they settle or `drainMs` after the abort (sooner when the
 *   hard phase is nearer), reporting every unfinished record. `budget.check()` runs before each record starts.
 * - With a `sink`, the handler maps each record and the sink writes the results together; a record is complete only
 *   once the sink confirms it. When `timeoutGuard()` answers in the engine's place, its fallback names exactly the
 *   records this engine has not confirmed: nothing for the caller to track.
 * - A logger or `onSummary` that throws, or an error that cannot even be printed, changes nothing in the answer.
 *
 * @param recordHandler - handles one decoded (and validated) item; throw to fail the record; with a `sink`, its
 *   result is what the sink writes
 * @param options - decoding, schema, dead-letter handler and policies, ordering, concurrency, drain, logging, sink
 * @returns a handler for Middy's `.handler(...)` or for direct export
 * @throws TypeError or RangeError when the handler is made, for an unknown option (naming the closest known one), a
 *   bad value, or `onInvalid` / `onPermanent` set to `'dead-letter'` without a `deadLetter` handler
 * @throws BatchFailureError when every record failed, the budget did not abort, and `throwOnFullBatchFailure` is on
 * @throws UnsupportedEventError when the event is not a batch
 *
 * @example
 * ```ts
 * import middy from '@middy/core'
 * import { fanOut, PermanentError, timeoutGuard } from 'serverless-done-right'
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
 *         const body = JSON.stringify(line)
 *         const response = await fetch(`https://audit.example.com/${key}`, { method: 'POST', body, signal })
 *         // 422: this line can never be accepted; dead-letter it instead of retrying it and blocking its key.
 *         if (response.status === 422) throw new PermanentError(`audit refused the line of ${line.user}`)
 *         if (!response.ok) throw new Error(`audit answered ${response.status}`) // retried by Lambda
 *       },
 *       {
 *         schema: LogLine,
 *         concurrency: 32,
 *         // invalid records and PermanentError ones; e.g. putRecords to a dead-letter stream
 *         deadLetter: async (record, error) => console.warn(error.code, error.message),
 *       },
 *     ),
 *   )
 * ```
 * @group Batches
 */
export function fanOut<T = unknown, R = unknown>(
  recordHandler: RecordHandler<T, R>,
  options: FanOutOptions<T, R> = {},
): FanOutHandler {
  const owner = 'fanOut(recordHandler, options)'
  if (typeof recordHandler !== 'function')
    throw new TypeError(`${owner}: recordHandler must be a function, got ${show(recordHandler)}`)
  const resolved = resolveOptions(options, fanOutDefaults, fanOutSpec, { owner })
  const { decode, schema, ordering, concurrency, drainMs, throwOnFullBatchFailure, onSummary, sink } = resolved
  const logger = loggerFrom(resolved.logger)
  const { onInvalid, onPermanent } = deadLetterPolicy(resolved, owner)
  const letter = failureLetterer(onPermanent, logger)
  const settings = {
    handler: recordHandler,
    decode,
    schema,
    onInvalid,
    ordering,
    concurrency,
    drainMs,
    logger,
    sink,
    letter,
  }

  // One implementation for every overload of FanOutHandler: the identifiers follow the records' source.
  return fanOutHandler as FanOutHandler

  async function fanOutHandler(event: unknown, context: Context): Promise<BatchResponse> {
    const records = batchRecords(event) ?? (isEmptyBatch(event) ? [] : undefined)
    if (records === undefined) throw new UnsupportedEventError('fanOut')
    const outcome = await runBatch(settings, records, internalsOf(context))
    const { summary, ids, status } = outcome
    const batchItemFailures: BatchResponse['batchItemFailures'] = []
    for (let i = 0; i < ids.length; i++) {
      if (isConfirmed(status[i] as number)) continue
      batchItemFailures.push({ itemIdentifier: batchItemIdentifier(records[i] as BatchRecord, ids[i] as string) })
    }
    const messages = ['fanOut batch done', 'fanOut batch done with failures'] as const
    reportSummary(logger, messages, summary, batchItemFailures.length > 0, onSummary)
    // A batch cut short by the budget is answered, not thrown: bisecting it would not help, the next call has time.
    const cutShort = summary.abortReason !== undefined
    if (throwOnFullBatchFailure && !cutShort && ids.length > 0 && batchItemFailures.length === ids.length) {
      throw new BatchFailureError(recordErrorsOf(outcome))
    }
    return { batchItemFailures }
  }
}
