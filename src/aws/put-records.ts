/**
 * `putRecords`: Kinesis PutRecords done right. Chunks by entry count and bytes, resends only the entries that failed
 * (matched by index), backs off exponentially with full jitter, keeps each partition key's entries in order across
 * retries, and stops waiting when an `AbortSignal` fires.
 *
 * @module
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis'
import { type PutRecordsOptions, resolvePutRecordsOptions } from './put-records-options.js'
import { packEntries } from './put-records-pack.js'
import {
  chunk,
  headsPerKey,
  loadPutRecordsCommand,
  type Prepared,
  pause,
  prepare,
  send,
} from './put-records-requests.js'
import { blockKeysAfter, fail, failAborted, type Run, takeResults, unsettled } from './put-records-run.js'

export type { PutRecordsOptions } from './put-records-options.js'

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
 * @throws TypeError for an unknown option or a value of the wrong type, RangeError for one out of range (`maxAttempts`
 *   below 1, `maxEntriesPerRequest` over 500, …), before anything is sent
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
  const settings = resolvePutRecordsOptions(options)
  if (settings.pack) {
    const plan = packEntries(entries, settings)
    return plan.unpack(await putRecords(client, streamName, plan.entries, { ...options, pack: false }))
  }
  const Command = await loadPutRecordsCommand()
  const aborted = () => settings.signal?.aborted === true
  const run: Run = {
    entries,
    keepKeyOrder: settings.keepKeyOrder,
    results: Array.from(entries, () => undefined),
    attempts: Array.from(entries, () => 0),
    lastFailure: [],
  }
  const prepared: Prepared[] = []
  entries.forEach((entry, index) => {
    const outcome = prepare(entry, settings)
    if ('entry' in outcome) prepared[index] = outcome
    else fail(run, index, outcome)
  })
  blockKeysAfter(run, unsettled(run, false))
  let pending = unsettled(run, true)
  let requests = 0

  while (pending.length > 0 && !aborted()) {
    const round = settings.keepKeyOrder ? headsPerKey(pending, entries) : pending
    const failedForGood: number[] = []
    let retryNumber = 0
    for (const indices of chunk(round, prepared, settings)) {
      if (aborted()) break
      requests += 1
      for (const index of indices) run.attempts[index] = (run.attempts[index] ?? 0) + 1
      const batch = indices.map((index) => (prepared[index] as Prepared).entry)
      const outcome = await send(client as KinesisClient, Command, streamName, batch)
      if ('fatal' in outcome) {
        for (const index of pending) if (run.results[index] === undefined) fail(run, index, outcome.fatal)
        return summarize(run.results, requests)
      }
      const retry = takeResults(run, indices, outcome.records, settings.maxAttempts, failedForGood)
      retryNumber = Math.max(retryNumber, retry)
    }
    blockKeysAfter(run, failedForGood)
    pending = pending.filter((index) => run.results[index] === undefined)
    if (retryNumber > 0 && pending.length > 0) {
      const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** (retryNumber - 1))
      await pause(Math.random() * ceiling, settings.signal)
    }
  }
  for (const index of pending) failAborted(run, index)
  return summarize(run.results, requests)
}
