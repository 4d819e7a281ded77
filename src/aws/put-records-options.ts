/**
 * The options of `putRecords`, their defaults and their limits.
 *
 * @module
 */

import * as rules from '../option-rules.js'
import { resolveOptions } from '../options.js'

/**
 * Options of `putRecords`. Every field is optional; one given as `undefined` takes its default.
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
   * Pack the entries of each partition key, in input order, into as few records as `maxEntryBytes` allows: their data
   * joined with a line feed (`\n`), so JSON entries make a JSON Lines record. A key with 500 entries then takes one
   * request instead of 500 (with `keepKeyOrder`, a request carries one record per key). Every entry of a record gets
   * that record's result. An entry whose data holds a line feed fails as `InvalidEntry`. Consumers split each record
   * on line feeds: `fanOut(handler, { decode: 'json-lines' })` hands the handler the record's items in order.
   * @defaultValue false
   */
  pack?: boolean
  /**
   * Stops the work: no request starts after it aborts and a backoff wait ends at once. Entries not yet written are
   * reported `Aborted`. A request already on the wire is let finish (its records are probably written by then).
   * @defaultValue undefined (never aborts)
   */
  signal?: AbortSignal
}

/** The defaults of {@link PutRecordsOptions}; the TSDoc `@defaultValue`s are tested against them. */
export const putRecordsDefaults = {
  maxAttempts: 5,
  baseDelayMs: 50,
  maxDelayMs: 2000,
  maxEntriesPerRequest: 500,
  maxBytesPerRequest: 5 * 1024 * 1024,
  maxEntryBytes: 1024 * 1024,
  keepKeyOrder: true,
  pack: false,
} as const

const mib = 1024 * 1024

const putRecordsSpec = {
  maxAttempts: rules.number({ min: 1, max: 1000, integer: true }),
  baseDelayMs: rules.ms(),
  maxDelayMs: rules.ms(),
  maxEntriesPerRequest: rules.number({ min: 1, max: 500, integer: true }),
  maxBytesPerRequest: rules.number({ min: 1, max: 10 * mib, integer: true }),
  maxEntryBytes: rules.number({ min: 1, max: 10 * mib, integer: true }),
  keepKeyOrder: rules.boolean(),
  pack: rules.boolean(),
  signal: rules.where((value) => value instanceof AbortSignal, 'an AbortSignal', 'type'),
}

/** The options with every default applied. */
export type PutRecordsSettings = ReturnType<typeof resolvePutRecordsOptions>

/** Checks the options (a `TypeError` or `RangeError` naming the option) and applies the defaults. */
export function resolvePutRecordsOptions(options: PutRecordsOptions | undefined) {
  return resolveOptions(options, putRecordsDefaults, putRecordsSpec, { owner: 'putRecords(options)' })
}
