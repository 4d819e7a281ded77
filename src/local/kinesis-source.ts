/**
 * A Kinesis event source mapping emulator: reads the local Kinesis the way Lambda's poller does and invokes a handler
 * with AWS's events, checkpointing, retries, bisection, on-failure records and tumbling windows.
 *
 * @module
 */
import { type KinesisEventSourceOptions, resolveOptions } from './esm/options.js'
import { drainSession, type SourceState, shutDown, startSession } from './esm/session.js'
import { copyStats, emptyStats, type KinesisEventSourceStats } from './esm/stats.js'

export type {
  KinesisDestinationConfig,
  KinesisEventSourceOptions,
  KinesisOnFailureRecord,
  KinesisSourceHandler,
} from './esm/options.js'
export type { KinesisEventSourceStats, KinesisShardStats } from './esm/stats.js'

/**
 * A running (or stopped) event source mapping; see {@link kinesisEventSource}.
 * @group Local cloud
 */
export interface KinesisEventSource {
  /** Lists the shards and starts reading each; resumes from the checkpoints after a `stop()`. Idempotent. */
  start(): Promise<void>
  /**
   * Stops reading, lets invocations in flight finish (at most the function timeout), and resolves once nothing runs.
   * Records read but not checkpointed are read again by the next `start()`, as after a Lambda restart.
   */
  stop(): Promise<void>
  /**
   * Resolves when every record that was in the stream when it was called is checkpointed (succeeded or sent to
   * on-failure), and with tumbling windows, when the windows holding them had their final invocation.
   * Rejects with `LocalOptionsError` if the source is not running or stops first.
   */
  drain(): Promise<void>
  /** A copy of the live counters, fresh on every read. */
  readonly stats: KinesisEventSourceStats
  /** `true` between `start()` and `stop()`. */
  readonly running: boolean
}

/**
 * Creates an event source mapping from a stream of the local cloud to a handler, with AWS's parameters and defaults.
 * Nothing runs before `start()`.
 *
 * - Events have AWS's shape (`test/fixtures/aws-events/kinesis-stream.json`): `eventID` `shardId-…:<sequenceNumber>`,
 *   `approximateArrivalTimestamp` in epoch seconds, ARNs with the region and account. A batch holds one shard's
 *   records, at most `batchSize` and 6 MB.
 * - Each shard is read on its own, about once per `pollIntervalMs` when idle and at once after a full read. With
 *   `parallelizationFactor` N, N batches of one shard run at a time, each partition key always in the same lane.
 * - Checkpointing: success moves the checkpoint over the batch; with `ReportBatchItemFailures` the lowest reported
 *   record is where the retry starts (an empty or null list or response is success; an empty, null or unknown
 *   identifier fails the whole batch); a throw or a timeout fails the whole batch. Bisect halves a failed batch (or
 *   splits it at the reported record) without using a retry. Spent retries and too-old records send AWS's on-failure
 *   record to `destinationConfig.onFailure` and move on.
 * - Tumbling windows: records grouped by arrival time; `window`, `state`, `shardId`, `isFinalInvokeForWindow` and
 *   `isWindowTerminatedEarly` as AWS documents; a response without an object `state` is a failure. When a window is
 *   over (a later record arrived, or the wall clock passed its end and the shard was read after that), a final
 *   invocation with no records gets its state. A state over 1 MB ends the window early: an invocation with no records
 *   and `isWindowTerminatedEarly: true`, then the window goes on with a fresh state.
 *
 * Differences from AWS: `startingPosition` defaults to `TRIM_HORIZON`; `maximumRecordAgeInSeconds` also takes 1–59;
 * tumbling windows need `parallelizationFactor` 1; the checkpoints live in memory (they survive `stop()`/`start()` of
 * this object, not the process); records that expire from the stream while a batch is retried are not detected;
 * enhanced fan-out and filter criteria are not emulated.
 *
 * @param options - the cloud, stream and handler, and the mapping's parameters; see {@link KinesisEventSourceOptions}
 * @returns the event source, not started; `start()` rejects with `LocalCloudError` when an optional peer is missing
 *
 * @example
 * ```ts
 * import { PutRecordsCommand } from '@aws-sdk/client-kinesis'
 * import type { KinesisStreamEvent } from 'aws-lambda'
 * import { kinesisEventSource, startLocalCloud } from 'serverless-done-right/local'
 *
 * const cloud = await startLocalCloud()
 * await cloud.createStream('events', 2)
 * const source = kinesisEventSource({
 *   cloud,
 *   streamName: 'events',
 *   batchSize: 50,
 *   functionResponseTypes: ['ReportBatchItemFailures'],
 *   pollIntervalMs: 100,
 *   handler: async (event: KinesisStreamEvent) => {
 *     for (const record of event.Records) console.log(Buffer.from(record.kinesis.data, 'base64').toString())
 *     return { batchItemFailures: [] }
 *   },
 * })
 * await source.start()
 * await cloud.kinesis.send(new PutRecordsCommand({
 *   StreamName: 'events',
 *   Records: [{ PartitionKey: 'u1', Data: Buffer.from('hello') }, { PartitionKey: 'u2', Data: Buffer.from('world') }],
 * }))
 * await source.drain()
 * console.log(source.stats.invocations, source.stats.recordsCheckpointed) // e.g. 2 2
 * await source.stop()
 * await cloud.stop()
 * ```
 * @group Local cloud
 */
export function kinesisEventSource(options: KinesisEventSourceOptions): KinesisEventSource {
  const source: SourceState = {
    options,
    resolved: resolveOptions(options),
    stats: emptyStats(),
    progressByShard: new Map(),
    identity: undefined,
    session: undefined,
    starting: undefined,
  }
  return {
    start() {
      source.starting ??= startSession(source).finally(() => {
        source.starting = undefined
      })
      return source.starting
    },
    async stop() {
      await source.starting?.catch(() => undefined)
      const current = source.session
      if (current === undefined) return
      source.session = undefined
      await shutDown(current)
    },
    drain: () => drainSession(source),
    get stats() {
      return copyStats(source.stats)
    },
    get running() {
      return source.session !== undefined
    },
  }
}
