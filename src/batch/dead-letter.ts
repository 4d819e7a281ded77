/**
 * Poison records: where a record that must not go back to the source goes. One dead-letter handler (`deadLetter`)
 * takes both kinds, an invalid record (`onInvalid`) and a record whose handler threw a {@link PermanentError}
 * (`onPermanent`); the three options are resolved here once, when `fanOut` or `windowReducer` is made.
 *
 * @module
 */
import { PermanentError } from '../errors.js'
import type { BatchRecord } from '../events.js'
import type { InvalidRecordError } from './errors.js'
import type { RecordMeta } from './pipeline.js'
import { type BatchLogger, safeLog } from './report.js'

/**
 * Receives a poison record, its error and its meta (with the invocation's `signal`); resolve once the record is safely
 * stored elsewhere, reject to have the record reported for a retry instead.
 *
 * @typeParam E - the errors it receives: an {@link InvalidRecordError} for an `onInvalid` function (the default), an
 *   `InvalidRecordError` or a {@link PermanentError} for `deadLetter` (tell them apart by `error.code`)
 * @group Batches
 */
export type DeadLetterHandler<E extends Error = InvalidRecordError> = (
  record: BatchRecord,
  error: E,
  meta: RecordMeta,
) => Promise<void>

/**
 * The options of `fanOut` and `windowReducer` that say where poison records go. Give `deadLetter` and both kinds go
 * to it: a record that cannot be read and a record that can never succeed stop burning retries and blocking their
 * shard or message group. Without it both are reported for a retry, and a `PermanentError` is logged at `error`.
 * @group Batches
 */
export interface DeadLetterOptions {
  /**
   * The dead-letter handler: receives each poison record with its error, an `InvalidRecordError` (see `onInvalid`) or
   * the `PermanentError` its handler threw (see `onPermanent`), and its meta. The record is complete once the promise
   * resolves, and reported failed (as any failure) if it rejects. Typed for both errors, so that an existing
   * `onInvalid` function, typed for `InvalidRecordError` alone, never receives a `PermanentError`.
   * @defaultValue none: poison records are reported for a retry
   */
  deadLetter?: DeadLetterHandler<InvalidRecordError | PermanentError>
  /**
   * What happens to an invalid record (undecodable, or failing `schema`): `'fail'` reports it for a retry (in
   * `windowReducer`, with every record after it); `'dead-letter'` hands it to `deadLetter` (the handler is not made
   * without one); a function (the form that predates `deadLetter`) is a dead-letter handler for invalid records only.
   * Each invalid record is logged at `warn`.
   * @defaultValue with a `deadLetter` handler, `'dead-letter'`; otherwise `'fail'`
   */
  onInvalid?: 'fail' | 'dead-letter' | DeadLetterHandler
  /**
   * What happens to a record whose handler (in `windowReducer`, `key` or `reduce`) throws a `PermanentError`:
   * `'dead-letter'` hands it, with the error and its `reason`, to `deadLetter`, and the record is complete: it does not
   * stop its ordering key, nor reach the `sink`, nor count in a window's state. Say `'dead-letter'` to rely on it: the
   * handler is then not made without a `deadLetter`. `'fail'` reports it as any other error.
   * @defaultValue with a `deadLetter` handler, `'dead-letter'`; otherwise `'fail'`, and each such record is logged at
   *   `error` (its handler relied on a dead-letter handler that is not there)
   */
  onPermanent?: 'fail' | 'dead-letter'
}

/** A dead-letter handler of any source: `R` its record, `M` its meta (`kafkaWindowReducer` has its own of both). */
type PoisonHandler<R, M, E extends Error> = (record: R, error: E, meta: M) => Promise<void>

/** The three options of {@link DeadLetterOptions}, for a source of records `R` with metas `M`. */
export interface DeadLetterChoices<R, M> {
  readonly deadLetter?: PoisonHandler<R, M, InvalidRecordError | PermanentError> | undefined
  readonly onInvalid?: 'fail' | 'dead-letter' | PoisonHandler<R, M, InvalidRecordError> | undefined
  readonly onPermanent?: 'fail' | 'dead-letter' | undefined
}

/** Where each kind of poison record goes, resolved from {@link DeadLetterOptions}. */
export interface DeadLetterPolicy<R = BatchRecord, M = RecordMeta> {
  readonly onInvalid: 'fail' | PoisonHandler<R, M, InvalidRecordError>
  /** `undefined`: no dead-letter handler, and no word from the user; a `PermanentError` fails its record, loudly. */
  readonly onPermanent: 'fail' | PoisonHandler<R, M, PermanentError> | undefined
}

/**
 * Resolves the dead-letter options once, at creation.
 *
 * @throws TypeError naming the option that relies on a dead-letter handler (`'dead-letter'`) when there is none
 */
export function deadLetterPolicy<R = BatchRecord, M = RecordMeta>(
  options: DeadLetterChoices<R, M>,
  owner: string,
): DeadLetterPolicy<R, M> {
  const { deadLetter, onInvalid, onPermanent } = options
  for (const [name, value] of Object.entries({ onInvalid, onPermanent })) {
    if (value === 'dead-letter' && deadLetter === undefined) {
      throw new TypeError(`${owner}: ${name} is 'dead-letter', which needs a deadLetter handler; none is configured`)
    }
  }
  return {
    onInvalid: onInvalid === undefined || onInvalid === 'dead-letter' ? (deadLetter ?? 'fail') : onInvalid,
    onPermanent: onPermanent === 'fail' ? 'fail' : deadLetter,
  }
}

/** Hands one record to a dead-letter handler: true once it resolved; false, logged, when it rejected. */
export async function sendToDeadLetter<R, M extends { readonly id: string }, E extends Error>(
  handler: PoisonHandler<R, M, E>,
  error: E,
  record: R,
  meta: M,
  logger: BatchLogger,
): Promise<boolean> {
  try {
    await handler(record, error, meta)
    return true
  } catch (letterError) {
    safeLog(logger, 'error', 'Dead-letter sink failed; record reported as failed', { id: meta.id, error: letterError })
    return false
  }
}

/**
 * What to do with an error a record handler threw: resolves `true` once a `PermanentError` was taken by the
 * dead-letter handler (the record is complete); `false` when the record must be reported.
 */
export type FailureLetterer<R = BatchRecord, M = RecordMeta> = (error: unknown, record: R, meta: M) => Promise<boolean>

/** The {@link FailureLetterer} of one policy. */
export function failureLetterer<R = BatchRecord, M extends { readonly id: string } = RecordMeta>(
  onPermanent: DeadLetterPolicy<R, M>['onPermanent'],
  logger: BatchLogger,
): FailureLetterer<R, M> {
  return async (error, record, meta) => {
    if (!(error instanceof PermanentError) || onPermanent === 'fail') return false
    const fields = { id: meta.id, reason: error.reason }
    if (onPermanent === undefined) {
      safeLog(logger, 'error', 'PermanentError thrown but no deadLetter handler is configured; record reported', fields)
      return false
    }
    safeLog(logger, 'warn', 'Permanent record', fields)
    return sendToDeadLetter(onPermanent, error, record, meta, logger)
  }
}
