/**
 * One `putRecords` call's progress, entry by entry: results, attempts, the last failure, and the rules that fail
 * entries (aborted, preceded by a failure of their key, out of attempts).
 *
 * @module
 */
import type { PutRecordsResultEntry } from '@aws-sdk/client-kinesis'
import type { PutRecordsEntry, PutRecordsEntryResult } from './put-records.js'
import type { Failure } from './put-records-requests.js'

/** One call's progress: each entry's result (`undefined` until it has one), attempts made and last failure. */
export interface Run {
  readonly entries: readonly PutRecordsEntry[]
  readonly keepKeyOrder: boolean
  readonly results: Array<PutRecordsEntryResult | undefined>
  readonly attempts: number[]
  readonly lastFailure: Array<Failure | undefined>
}

/** The indices of the entries with a result (`false`) or without one yet (`true`). */
export function unsettled(run: Run, pending: boolean): number[] {
  return run.results.flatMap((result, index) => ((result === undefined) === pending ? [index] : []))
}

export function fail(run: Run, index: number, failure: Failure): void {
  run.results[index] = { ok: false, ...failure, attempts: run.attempts[index] ?? 0 }
}

export function failAborted(run: Run, index: number): void {
  const last = run.lastFailure[index]
  fail(run, index, {
    errorCode: 'Aborted',
    errorMessage:
      last === undefined
        ? 'The signal aborted before the entry was sent'
        : `The signal aborted before a retry; last error ${last.errorCode}: ${last.errorMessage}`,
  })
}

/** After an entry failed for good, the later entries of its key must not be written before it: fail them too. */
export function blockKeysAfter(run: Run, failed: readonly number[]): void {
  if (!run.keepKeyOrder || failed.length === 0) return
  const keyOf = (index: number) => (run.entries[index] as PutRecordsEntry).partitionKey
  const firstFailed = new Map<string, number>()
  for (const index of failed) if (!firstFailed.has(keyOf(index))) firstFailed.set(keyOf(index), index)
  run.results.forEach((result, index) => {
    const first = firstFailed.get(keyOf(index))
    if (result === undefined && first !== undefined && index > first) {
      fail(run, index, {
        errorCode: 'PrecedingEntryFailed',
        errorMessage: `Entry ${first} with the same partition key failed`,
      })
    }
  })
}

/**
 * Records what one request did to each of its entries (matched by position); entries out of attempts go to
 * `failedForGood`. Returns the highest attempt number among the entries to retry (0: none).
 */
export function takeResults(
  run: Run,
  indices: readonly number[],
  records: readonly PutRecordsResultEntry[],
  maxAttempts: number,
  failedForGood: number[],
): number {
  let retryNumber = 0
  indices.forEach((index, position) => {
    const record = records[position]
    const made = run.attempts[index] ?? 1
    if (record?.SequenceNumber !== undefined && record.ErrorCode === undefined) {
      run.results[index] = {
        ok: true,
        sequenceNumber: record.SequenceNumber,
        shardId: record.ShardId ?? '',
        attempts: made,
      }
      return
    }
    run.lastFailure[index] = {
      errorCode: record?.ErrorCode ?? 'InternalFailure',
      errorMessage: record?.ErrorMessage ?? 'The response had no result for this entry',
    }
    if (made < maxAttempts) retryNumber = Math.max(retryNumber, made)
    else {
      fail(run, index, run.lastFailure[index])
      failedForGood.push(index)
    }
  })
  return retryNumber
}
