/**
 * `putRecords`: Kinesis PutRecords done right. Chunks by entry count and bytes, resends only the entries that failed
 * (matched by index), backs off exponentially with full jitter, keeps each partition key's entries in order across
 * retries, and stops waiting when an `AbortSignal` fires.
 *
 * @module
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis'
import {
  checkSettings,
  chunk,
  type Failure,
  headsPerKey,
  loadPutRecordsCommand,
  type Prepared,
  pause,
  prepare,
  type Settings,
  send,
} from './put-records-requests.js'

/**
 * The client {@link putRecords} sends with: a `KinesisClient` of `@aws-sdk/client-kinesis` v3 (only `send` is called).
 * Written without the SDK's types, so that the main entry's declarations type-check in a project that does not
 * install `@aws-sdk/client-kinesis` (an optional peer).
 *
 * @example
 * ```ts
 * import { KinesisClient } from '@aws-sdk/client-kinesis'
 * import type { PutRecordsClient } from 'serverless-done-right'
 *
 * const kinesis: PutRecordsClient = new KinesisClient({})
 * console.log(typeof kinesis.send) // 'function'
 * ```
 * @group Kinesis output
 */
export interface PutRecordsClient {
  /** `KinesisClient.send`; `putRecords` gives it a `PutRecordsCommand`. */
  send(command: never, options?: never): Promise<unknown>
}

/**
 * One record to put on a stream.
 * @group Kinesis output
 */
export interface PutRecordsEntry {
  /** The payload; a string is sent as its UTF-8 bytes. */
  readonly data: Uint8Array | string
  /** Picks the shard (by its MD5 hash) and is the ordering key; 1 to 256 UTF-16 code units. */
  readonly partitionKey: string
  /** Overrides the hash of the partition key to pick the shard. */
  readonly explicitHashKey?: string
}

/**
 * The error codes `putRecords` gives entries it did not (successfully) send, beside Kinesis's own
 * (`ProvisionedThroughputExceededException`, `InternalFailure`) and the names of whole-request errors.
 *
 * - `InvalidEntry`: the partition key is empty or over 256 UTF-16 code units, or the entry is over `maxEntryBytes`; never sent.
 * - `Aborted`: the signal aborted before the entry was written.
 * - `PrecedingEntryFailed`: an earlier entry with the same partition key failed for good, so this one was not sent
 *   (writing it would put it before that entry once it is sent again). Only with `keepKeyOrder`.
 * @group Kinesis output
 */
export type PutRecordsLocalErrorCode = 'InvalidEntry' | 'Aborted' | 'PrecedingEntryFailed'

/**
 * The outcome of one entry, at the same index as the entry. `ok` tells the two shapes apart.
 * @group Kinesis output
 */
export type PutRecordsEntryResult =
  | { readonly ok: true; readonly sequenceNumber: string; readonly shardId: string; readonly attempts: number }
  | { readonly ok: false; readonly errorCode: string; readonly errorMessage: string; readonly attempts: number }

/**
 * What {@link putRecords} did.
 * @group Kinesis output
 */
export interface PutRecordsResult {
  /** One result per entry, in input order. */
  readonly records: readonly PutRecordsEntryResult[]
  /** How many entries were not written. */
  readonly failedCount: number
  /** How many PutRecords requests were sent, retries included. */
  readonly requests: number
}

/**
 * Options of {@link putRecords}. Every field is optional.
 * @group Kinesis output
 */
export interface PutRecordsOptions {
  /**
   * Attempts per entry, the first included. A throttled or failed entry is sent again until it has had this many.
   * @defaultValue 5
   */
  maxAttempts?: number
  /**
   * The backoff before retry `n` is a random delay in `[0, min(maxDelayMs, baseDelayMs * 2 ** (n - 1))]` (full jitter).
   * @defaultValue 50
   */
  baseDelayMs?: number
  /**
   * The longest backoff between two attempts.
   * @defaultValue 2000
   */
  maxDelayMs?: number
  /**
   * Entries per request; Kinesis accepts at most 500.
   * @defaultValue 500
   */
  maxEntriesPerRequest?: number
  /**
   * Bytes per request (data plus partition key, UTF-8). Kinesis's own limit is 5 MiB on older streams and 10 MiB
   * since 2025; the default fits both.
   * @defaultValue 5242880 (5 MiB)
   */
  maxBytesPerRequest?: number
  /**
   * Bytes per entry (data plus partition key). Larger entries fail as `InvalidEntry` without being sent.
   * @defaultValue 1048576 (1 MiB, the default record size limit of a stream)
   */
  maxEntryBytes?: number
  /**
   * Keep the entries of each partition key in input order in the stream, even across retries. PutRecords itself does
   * not: when entry 3 is throttled and entry 5 (same key) is written, resending 3 puts it after 5. With this on, a
   * request carries at most one unwritten entry per partition key, the next is sent only after it is written, and when
   * one fails for good the later entries of its key are not sent (`PrecedingEntryFailed`). It costs one request per
   * entry of the busiest key; turn it off when order does not matter.
   * @defaultValue true
   */
  keepKeyOrder?: boolean
  /**
   * Stops the work: no request starts after it aborts and a backoff wait ends at once. Entries not yet written are
   * reported `Aborted`. A request already on the wire is let finish (its records are probably written by then).
   * @defaultValue undefined (never aborts)
   */
  signal?: AbortSignal
}

const defaults = {
  maxAttempts: 5,
  baseDelayMs: 50,
  maxDelayMs: 2000,
  maxEntriesPerRequest: 500,
  maxBytesPerRequest: 5 * 1024 * 1024,
  maxEntryBytes: 1024 * 1024,
  keepKeyOrder: true,
} as const

/** Called once every entry has its result (each is either failed while prepared, written, or failed at the end). */
function summarize(results: ReadonlyArray<PutRecordsEntryResult | undefined>, requests: number): PutRecordsResult {
  const records = results as readonly PutRecordsEntryResult[]
  return { records, failedCount: records.filter((record) => !record.ok).length, requests }
}

/**
 * Puts `entries` on a Kinesis stream with as many PutRecords requests as the limits need, resending only the entries
 * that failed, and returns one result per entry in input order.
 *
 * Each request holds at most `maxEntriesPerRequest` entries and `maxBytesPerRequest` bytes. A failed entry
 * (`FailedRecordCount` > 0: throttled or an internal failure) is sent again, matched by its index, after an exponential
 * backoff with full jitter, until it has had `maxAttempts` attempts. A whole request that fails with a throttling or
 * server error, or a dropped connection, counts as a failed attempt of each of its entries; any other error (no such
 * stream, access denied) fails every entry not yet written and ends the call. `putRecords` never throws for a failed
 * entry: check `failedCount` and each result's `ok`.
 *
 * The SDK client retries throttled requests on its own (3 attempts in its standard mode); the two add up, so a client
 * made for this function can use `maxAttempts: 2`.
 *
 * @param client - a Kinesis client of the AWS SDK v3
 * @param streamName - the stream to write to
 * @param entries - the records; not modified
 * @param options - limits, backoff, ordering and signal; see {@link PutRecordsOptions}
 * @returns a result per entry (`{ ok: true, sequenceNumber, shardId }` or `{ ok: false, errorCode, errorMessage }`),
 *   the number that failed, and the number of requests sent
 * @throws RangeError when an option is out of range (`maxAttempts` below 1, `maxEntriesPerRequest` over 500, …)
 *
 * @example
 * ```ts
 * import { KinesisClient } from '@aws-sdk/client-kinesis'
 * import { putRecords } from 'serverless-done-right'
 *
 * const kinesis = new KinesisClient({ maxAttempts: 2 })
 * const events = [{ ip: '203.0.113.7', path: '/login', status: 401 }]
 * const result = await putRecords(
 *   kinesis,
 *   'enriched-logs',
 *   events.map((event) => ({ partitionKey: event.ip, data: JSON.stringify(event) })),
 *   { maxAttempts: 6, signal: AbortSignal.timeout(10_000) },
 * )
 * if (result.failedCount > 0) {
 *   const failed = result.records.flatMap((record, index) => (record.ok ? [] : [{ index, code: record.errorCode }]))
 *   console.warn('not written', failed)
 * }
 * ```
 * @group Kinesis output
 */
export async function putRecords(
  client: PutRecordsClient,
  streamName: string,
  entries: readonly PutRecordsEntry[],
  options: PutRecordsOptions = {},
): Promise<PutRecordsResult> {
  const settings: Settings = { ...defaults, ...options }
  checkSettings(settings)
  const Command = await loadPutRecordsCommand()
  const aborted = () => settings.signal?.aborted === true
  const keyOf = (index: number) => (entries[index] as PutRecordsEntry).partitionKey
  const results: Array<PutRecordsEntryResult | undefined> = Array.from(entries, () => undefined)
  const prepared: Prepared[] = []
  const attempts: number[] = Array.from(entries, () => 0)
  const lastFailure: Array<Failure | undefined> = []
  const fail = (index: number, failure: Failure) => {
    results[index] = { ok: false, ...failure, attempts: attempts[index] ?? 0 }
  }
  /** After an entry failed for good, the later entries of its key must not be written before it: fail them too. */
  const blockKeysAfter = (failed: readonly number[]) => {
    if (!settings.keepKeyOrder || failed.length === 0) return
    const firstFailed = new Map<string, number>()
    for (const index of failed) if (!firstFailed.has(keyOf(index))) firstFailed.set(keyOf(index), index)
    results.forEach((result, index) => {
      const first = firstFailed.get(keyOf(index))
      if (result === undefined && first !== undefined && index > first) {
        fail(index, {
          errorCode: 'PrecedingEntryFailed',
          errorMessage: `Entry ${first} with the same partition key failed`,
        })
      }
    })
  }

  entries.forEach((entry, index) => {
    const outcome = prepare(entry, settings)
    if ('entry' in outcome) prepared[index] = outcome
    else fail(index, outcome)
  })
  blockKeysAfter(results.flatMap((result, index) => (result === undefined ? [] : [index])))
  let pending = results.flatMap((result, index) => (result === undefined ? [index] : []))
  let requests = 0

  while (pending.length > 0 && !aborted()) {
    const round = settings.keepKeyOrder ? headsPerKey(pending, entries) : pending
    const failedForGood: number[] = []
    let retryNumber = 0
    for (const indices of chunk(round, prepared, settings)) {
      if (aborted()) break
      requests += 1
      for (const index of indices) attempts[index] = (attempts[index] ?? 0) + 1
      const outcome = await send(
        client as KinesisClient,
        Command,
        streamName,
        indices.map((index) => (prepared[index] as Prepared).entry),
      )
      if ('fatal' in outcome) {
        for (const index of pending) if (results[index] === undefined) fail(index, outcome.fatal)
        return summarize(results, requests)
      }
      indices.forEach((index, position) => {
        const record = outcome.records[position]
        if (record?.SequenceNumber !== undefined && record.ErrorCode === undefined) {
          const shardId = record.ShardId ?? ''
          results[index] = { ok: true, sequenceNumber: record.SequenceNumber, shardId, attempts: attempts[index] ?? 1 }
          return
        }
        lastFailure[index] = {
          errorCode: record?.ErrorCode ?? 'InternalFailure',
          errorMessage: record?.ErrorMessage ?? 'The response had no result for this entry',
        }
        const made = attempts[index] ?? 1
        if (made < settings.maxAttempts) retryNumber = Math.max(retryNumber, made)
        else {
          fail(index, lastFailure[index])
          failedForGood.push(index)
        }
      })
    }
    blockKeysAfter(failedForGood)
    pending = pending.filter((index) => results[index] === undefined)
    if (retryNumber > 0 && pending.length > 0) {
      const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** (retryNumber - 1))
      await pause(Math.random() * ceiling, settings.signal)
    }
  }
  for (const index of pending) {
    const last = lastFailure[index]
    fail(index, {
      errorCode: 'Aborted',
      errorMessage:
        last === undefined
          ? 'The signal aborted before the entry was sent'
          : `The signal aborted before a retry; last error ${last.errorCode}: ${last.errorMessage}`,
    })
  }
  return summarize(results, requests)
}
