/**
 * What happened to each record of one `fanOut` run, and the counts made of it.
 *
 * @module
 */
import type { RecordSource } from '../events.js'
import { RecordNotProcessedError } from './errors.js'
import type { BatchSummary } from './report.js'

/**
 * What happened to each record, by index. An `enum` rather than an object of constants: the bundler writes each use
 * as its number, so the statuses cost no lookups and no bytes of their own.
 */
export enum Status {
  pending = 0,
  running = 1,
  /** The handler resolved; with a sink, the result waits for the sink's confirmation. */
  mapped = 2,
  succeeded = 3,
  failed = 4,
  invalid = 5,
  deadLettered = 6,
  skipped = 7,
  aborted = 8,
  unconfirmed = 9,
  /** The handler threw a `PermanentError` and the dead-letter handler took the record. */
  permanent = 10,
}

/** The result of one run. */
export interface BatchOutcome {
  /** Each record's identifier. */
  readonly ids: readonly string[]
  /** Each record's final {@link Status}: `succeeded`, `deadLettered`, `permanent`, or one of the failures. */
  readonly status: Uint8Array
  /** The error of each record not confirmed (for a skipped one, the failure that blocked its chain). */
  readonly errors: readonly unknown[]
  /** The counts. */
  readonly summary: BatchSummary
}

/** True for a record whose work is confirmed: Lambda must not see it again. */
export function isConfirmed(status: number): boolean {
  return status === Status.succeeded || status === Status.deadLettered || status === Status.permanent
}

/** The counts of a finished run. */
export function countOutcomes(
  status: Uint8Array,
  source: RecordSource | undefined,
  extra: { durationMs: number; peakInFlight: number; abortReason: string | undefined },
): BatchSummary {
  const counts = new Array<number>(11).fill(0)
  for (let i = 0; i < status.length; i++) counts[status[i] as number] = (counts[status[i] as number] as number) + 1
  const { abortReason, ...rest } = extra
  return {
    source,
    records: status.length,
    succeeded: counts[Status.succeeded] as number,
    failed: counts[Status.failed] as number,
    invalid: counts[Status.invalid] as number,
    deadLettered: counts[Status.deadLettered] as number,
    permanent: counts[Status.permanent] as number,
    skipped: counts[Status.skipped] as number,
    aborted: counts[Status.aborted] as number,
    unconfirmed: counts[Status.unconfirmed] as number,
    ...rest,
    ...(abortReason === undefined ? {} : { abortReason }),
  }
}

/** Every record's error for a {@link BatchFailureError}: a record that did not run gets a `RecordNotProcessedError`. */
export function recordErrorsOf({ ids, status, errors }: BatchOutcome) {
  return ids.map((id, index) => {
    const kind = status[index]
    const error = errors[index]
    const notRun = kind === Status.skipped ? 'skipped' : kind === Status.aborted ? 'aborted' : undefined
    if (notRun === undefined || error instanceof RecordNotProcessedError) return { id, error }
    return { id, error: new RecordNotProcessedError(id, notRun, { cause: error }) }
  })
}
