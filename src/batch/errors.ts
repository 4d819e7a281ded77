/**
 * Errors of the batch engine: a record that cannot be read, a record that was not processed, and a batch in which
 * every record failed.
 *
 * @module
 */
import type { ValidationIssue } from '../errors.js'
import { ServerlessDoneRightError } from '../errors.js'
import { describeError } from './report.js'

/** The `options` of `Error` for a cause that may be absent. */
const withCause = (cause: unknown) => (cause === undefined ? undefined : { cause })

/**
 * Why a record is invalid: its payload could not be decoded, or the decoded item failed the schema.
 * @group Errors
 */
export type InvalidRecordReason = 'decode' | 'schema'

/**
 * A record whose payload cannot be decoded (bad base64, bad JSON, bad UTF-8, an unreadable DynamoDB image) or whose
 * decoded item fails `options.schema`. `fanOut` and `windowReducer` never crash on it: it is reported in
 * `batchItemFailures` or handed to the dead-letter function, and logged.
 *
 * @example
 * ```ts
 * import { InvalidRecordError } from 'serverless-done-right'
 *
 * const error = new InvalidRecordError('49590338271490256608559692538361571095921575989136588898', 'schema', [
 *   { pointer: '/user', message: 'Required' },
 * ])
 * console.log(error.code, error.reason) // 'SDR_INVALID_RECORD' 'schema'
 * ```
 * @group Errors
 */
export class InvalidRecordError extends ServerlessDoneRightError {
  readonly code = 'SDR_INVALID_RECORD'
  /** The record's identifier (sequence number or message id). */
  readonly recordId: string
  /** What went wrong: `decode` or `schema`. */
  readonly reason: InvalidRecordReason
  /** The schema issues, with JSON pointers into the decoded item; a single issue at `/` for a decode failure. */
  readonly issues: readonly ValidationIssue[]

  /**
   * @param recordId - the record's identifier
   * @param reason - `decode` or `schema`
   * @param issues - what is wrong, at least one
   * @param options - `cause`, e.g. the `SyntaxError` of `JSON.parse`
   */
  constructor(
    recordId: string,
    reason: InvalidRecordReason,
    issues: readonly ValidationIssue[],
    options: { cause?: unknown } = {},
  ) {
    const shown = issues
      .slice(0, 3)
      .map((issue) => (issue.pointer === '' ? issue.message : `${issue.pointer}: ${issue.message}`))
      .join('; ')
    const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : ''
    super(`Record ${recordId}: ${reason}: ${shown}${more}`, withCause(options.cause))
    this.name = 'InvalidRecordError'
    this.recordId = recordId
    this.reason = reason
    this.issues = issues
  }
}

/**
 * Why a record was not processed: an earlier record of its key failed, the budget aborted, or the `fanOut` sink did
 * not confirm the write of its result.
 * @group Errors
 */
export type NotProcessedReason = 'skipped' | 'aborted' | 'unconfirmed'

const notProcessed: Record<NotProcessedReason, string> = {
  skipped: 'started: an earlier record with the same ordering key failed',
  aborted: 'finished: the invocation budget aborted',
  unconfirmed: 'confirmed: the sink did not confirm the write of its result',
}

/**
 * The error recorded for a record that was reported failed without its own failure: `skipped` because an earlier
 * record with the same ordering key failed (`cause` is that failure), or `aborted` because the invocation budget
 * aborted before it finished (`cause` is the abort reason).
 *
 * @example
 * ```ts
 * import { RecordNotProcessedError } from 'serverless-done-right'
 *
 * const error = new RecordNotProcessedError('111', 'skipped', { cause: new Error('earlier record failed') })
 * console.log(error.code, error.reason) // 'SDR_RECORD_NOT_PROCESSED' 'skipped'
 * ```
 * @group Errors
 */
export class RecordNotProcessedError extends ServerlessDoneRightError {
  readonly code = 'SDR_RECORD_NOT_PROCESSED'
  /** The record's identifier. */
  readonly recordId: string
  /** `skipped`, `aborted` or `unconfirmed`. */
  readonly reason: NotProcessedReason

  /**
   * @param recordId - the record's identifier
   * @param reason - `skipped`, `aborted` or `unconfirmed`
   * @param options - `cause`: the failure that blocked the key, the budget's abort reason, or the sink's report entry
   */
  constructor(recordId: string, reason: NotProcessedReason, options: { cause?: unknown } = {}) {
    super(`Record ${recordId} not ${notProcessed[reason]}`, withCause(options.cause))
    this.name = 'RecordNotProcessedError'
    this.recordId = recordId
    this.reason = reason
  }
}

/**
 * One failed record of a {@link BatchFailureError}.
 * @group Errors
 */
export interface RecordError {
  /** The record's identifier, as reported in `batchItemFailures`. */
  readonly id: string
  /** Why it failed: what the record handler threw, an {@link InvalidRecordError} or a {@link RecordNotProcessedError}. */
  readonly error: unknown
}

/**
 * Every record of a batch failed (or, for `windowReducer`, a record of a window's final invocation failed, which
 * must be retried as a whole). `fanOut` throws it (unless `throwOnFullBatchFailure` is `false`) so that Lambda
 * counts the invocation as failed and `BisectBatchOnFunctionError` can split the batch.
 *
 * @example
 * ```ts
 * import { BatchFailureError } from 'serverless-done-right'
 *
 * const error = new BatchFailureError([{ id: '111', error: new Error('db down') }])
 * console.log(error.code, error.recordErrors.length) // 'SDR_BATCH_FAILED' 1
 * ```
 * @group Errors
 */
export class BatchFailureError extends ServerlessDoneRightError {
  readonly code = 'SDR_BATCH_FAILED'
  /** The error of every failed record, in batch order. */
  readonly recordErrors: readonly RecordError[]

  /**
   * @param recordErrors - the error of every failed record
   * @param options - `cause`, by default the first record's error; `records`, the batch size when not every record
   *   failed (the final invocation of a tumbling window fails as a whole when any record fails)
   */
  constructor(recordErrors: readonly RecordError[], options: { cause?: unknown; records?: number } = {}) {
    const cause = options.cause ?? recordErrors[0]?.error
    const first = cause instanceof Error ? `: ${describeError(cause)}` : ''
    const which =
      options.records === undefined || options.records === recordErrors.length
        ? `All ${recordErrors.length} records of the batch failed`
        : `${recordErrors.length} of ${options.records} records of the batch failed`
    super(`${which}${first}`, withCause(cause))
    this.name = 'BatchFailureError'
    this.recordErrors = recordErrors
  }
}

/**
 * The event given to `fanOut` or `windowReducer` is not a Kinesis, DynamoDB Streams or SQS batch.
 *
 * @example
 * ```ts
 * import { UnsupportedEventError } from 'serverless-done-right'
 *
 * const error = new UnsupportedEventError('fanOut')
 * console.log(error.code) // 'SDR_UNSUPPORTED_EVENT'
 * ```
 * @group Errors
 */
export class UnsupportedEventError extends ServerlessDoneRightError {
  readonly code = 'SDR_UNSUPPORTED_EVENT'

  /**
   * @param consumer - who received the event, for the message
   * @param expected - what it expects instead
   */
  constructor(consumer: string, expected = 'a Kinesis, DynamoDB Streams, SQS or Kafka batch event') {
    super(`${consumer} expects ${expected}`)
    this.name = 'UnsupportedEventError'
  }
}
