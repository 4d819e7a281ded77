/**
 * What the batch engine tells the outside world: the logger it writes to and the summary of each batch.
 *
 * @module
 */
import type { RecordSource } from '../events.js'

/**
 * The logger `fanOut` and `windowReducer` write to: `console`, a Powertools `Logger`, or anything with these four
 * methods. Per-record messages are `debug`, except invalid records (`warn`, each one: a poison record must never
 * block a shard silently) and dead-letter failures (`error`).
 * @group Batches
 */
export interface BatchLogger {
  /** Per-record detail, such as the error a record handler threw. */
  debug(message: string, ...extra: unknown[]): void
  /** The summary of a batch in which everything succeeded. */
  info(message: string, ...extra: unknown[]): void
  /** Invalid records, and the summary of a batch with failures. */
  warn(message: string, ...extra: unknown[]): void
  /** A dead-letter sink or a flush that failed. */
  error(message: string, ...extra: unknown[]): void
}

/**
 * One batch handled by `fanOut`. The six outcome counts are disjoint and add up to `records`; every record counted
 * in `failed`, `invalid`, `skipped` or `aborted` is named in `batchItemFailures`.
 * @group Batches
 */
export interface BatchSummary {
  /** Where the records came from; `undefined` for an empty batch. */
  readonly source: RecordSource | undefined
  /** Records in the batch. */
  readonly records: number
  /** Records whose handler resolved. */
  readonly succeeded: number
  /** Records whose handler threw or rejected. */
  readonly failed: number
  /** Invalid records (undecodable or failing the schema) reported as failed. */
  readonly invalid: number
  /** Invalid records handed to the dead-letter function, which confirmed. */
  readonly deadLettered: number
  /** Records not started because an earlier record with the same ordering key failed. */
  readonly skipped: number
  /** Records not started, or not finished, when the invocation budget aborted. */
  readonly aborted: number
  /** Wall-clock milliseconds from the first record to the response. */
  readonly durationMs: number
  /** Most records in flight at once. */
  readonly peakInFlight: number
  /** The budget's abort reason, when it aborted during the batch. */
  readonly abortReason?: string
}
