/**
 * `kinesisSink`: a ready `fanOut` sink that writes the mapped results to a Kinesis stream with `putRecords`.
 *
 * @module
 */
import type { RecordMeta } from '../batch/pipeline.js'
import { describeError } from '../batch/report.js'
import type { Sink } from '../batch/sink.js'
import {
  type PutRecordsClient,
  type PutRecordsEntry,
  type PutRecordsEntryResult,
  type PutRecordsOptions,
  putRecords,
} from './put-records.js'

/**
 * Options of {@link kinesisSink}: those of `putRecords` (its `signal` is the invocation's), and `entry`.
 * @group Kinesis output
 */
export interface KinesisSinkOptions<R> extends Omit<PutRecordsOptions, 'signal'> {
  /**
   * Turns a result into its entry. If it throws, that result is not written (its report entry is `InvalidEntry`,
   * with the thrown message) and its record goes to `batchItemFailures`.
   * @defaultValue the result itself, which must then be a `PutRecordsEntry`
   */
  entry?: (result: R, meta: RecordMeta) => PutRecordsEntry
}

/**
 * Makes a `fanOut` sink that puts every result of a batch on a Kinesis stream with {@link putRecords} (chunked, only
 * failed entries resent, each partition key kept in order, no request started once the invocation's signal aborts),
 * and reports each result's `putRecords` outcome: a record is confirmed only once its entry is written.
 *
 * @param client - a Kinesis client of the AWS SDK v3
 * @param streamName - the stream to write to
 * @param options - `entry` (result → entry) and the `putRecords` options (attempts, backoff, limits, key order)
 * @returns a sink for `fanOut(handler, { sink })`
 *
 * @example
 * ```ts
 * import { KinesisClient } from '@aws-sdk/client-kinesis'
 * import { fanOut, kinesisSink } from 'serverless-done-right'
 *
 * const kinesis = new KinesisClient({ maxAttempts: 2 })
 * export const handler = fanOut(async (order: { id: string; total: number }) => ({ ...order, vat: order.total * 0.2 }), {
 *   sink: kinesisSink(kinesis, 'orders-with-vat', {
 *     entry: (order) => ({ partitionKey: order.id, data: JSON.stringify(order) }),
 *   }),
 * })
 * ```
 * @group Kinesis output
 */
export function kinesisSink<R = PutRecordsEntry>(
  client: PutRecordsClient,
  streamName: string,
  options: KinesisSinkOptions<R> = {},
): Sink<R> {
  const { entry, ...putOptions } = options
  return async (results, meta) => {
    const report: PutRecordsEntryResult[] = new Array(results.length)
    const entries: PutRecordsEntry[] = []
    const at: number[] = []
    results.forEach((result, index) => {
      try {
        entries.push(
          entry === undefined ? (result as PutRecordsEntry) : entry(result, meta.records[index] as RecordMeta),
        )
        at.push(index)
      } catch (error) {
        report[index] = { ok: false, errorCode: 'InvalidEntry', errorMessage: describeError(error), attempts: 0 }
      }
    })
    const { records } = await putRecords(client, streamName, entries, { ...putOptions, signal: meta.signal })
    records.forEach((record, position) => {
      report[at[position] as number] = record
    })
    return report
  }
}
