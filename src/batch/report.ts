/**
 * What the batch engines tell the outside world: the logger they write to, the summary of each batch, and the one
 * reporter both use. Observers (a logger, `onSummary`) are user code: their failures are contained here, so a logger
 * that throws never changes which records are reported.
 *
 * @module
 */
import type { RecordSource } from '../events.js'
import type { StructuredLogger } from '../logger.js'

/**
 * The logger `fanOut` and `windowReducer` write to, the library's one {@link StructuredLogger}. Per-record messages are
 * `debug`, except poison records (`warn`, each one: a poison record must never block a shard silently) and
 * dead-letter or sink failures, or a `PermanentError` with no dead-letter handler (`error`). A logger that throws is
 * ignored.
 * @deprecated Use `StructuredLogger`.
 * @group Batches
 */
export type BatchLogger = StructuredLogger

/**
 * One batch handled by `fanOut`. The outcome counts are disjoint and add up to `records`; every record counted in
 * `failed`, `invalid`, `skipped`, `aborted` or `unconfirmed` is named in `batchItemFailures`.
 * @group Batches
 */
export interface BatchSummary {
  /** Where the records came from; `undefined` for an empty batch. */
  readonly source: RecordSource | undefined
  /** Records in the batch. */
  readonly records: number
  /** Records whose handler resolved (and, with a `sink`, whose write the sink confirmed). */
  readonly succeeded: number
  /** Records whose handler threw or rejected (and that the dead-letter handler did not take). */
  readonly failed: number
  /** Invalid records (undecodable or failing the schema) reported as failed. */
  readonly invalid: number
  /** Invalid records handed to the dead-letter handler, which confirmed. */
  readonly deadLettered: number
  /**
   * Records whose handler threw a `PermanentError`, handed to the dead-letter handler, which confirmed. One the
   * dead-letter handler did not take (none configured, `onPermanent: 'fail'`, or it rejected) counts in `failed`.
   */
  readonly permanent: number
  /** Records not started, or not confirmed, because an earlier record with the same ordering key failed. */
  readonly skipped: number
  /** Records not started, or not finished, when the invocation budget aborted. */
  readonly aborted: number
  /** Records whose result the `sink` did not confirm: failed, left out of its report, or not back in time. */
  readonly unconfirmed: number
  /** Wall-clock milliseconds from the first record to the response. */
  readonly durationMs: number
  /** Most records in flight at once. */
  readonly peakInFlight: number
  /** The budget's abort reason, when it aborted during the batch. */
  readonly abortReason?: string
}

/** Some text for any thrown value, even one whose `message` getter, `toString` or `Symbol.toPrimitive` throws. */
export function describeError(error: unknown): string {
  try {
    if (error instanceof Error) return String(error.message)
    return String(error)
  } catch {
    return '[an error that cannot be described]'
  }
}

/** Writes one line; a logger that throws (or whose inspection of `fields` throws) is ignored. */
export function safeLog(
  logger: BatchLogger,
  level: keyof BatchLogger,
  message: string,
  fields: Record<string, unknown>,
): void {
  try {
    logger[level](message, fields)
  } catch {
    // An observer's failure must not change the answer: nothing to do but go on.
  }
}

/**
 * The one summary line of a batch (`info`, or `warn` with failures), then `onSummary`; either may throw without
 * effect on the response.
 */
export function reportSummary<S extends object>(
  logger: BatchLogger,
  messages: readonly [done: string, withFailures: string],
  summary: S,
  withFailures: boolean,
  onSummary: ((summary: S) => void) | undefined,
): void {
  safeLog(logger, withFailures ? 'warn' : 'info', withFailures ? messages[1] : messages[0], summary as never)
  if (onSummary === undefined) return
  try {
    onSummary(summary)
  } catch (error) {
    safeLog(logger, 'error', 'onSummary threw', { error })
  }
}
