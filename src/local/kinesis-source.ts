/**
 * A Kinesis event source mapping emulator: reads the local Kinesis the way Lambda's poller does and invokes a handler
 * with AWS's events, checkpointing, retries, bisection, on-failure records and tumbling windows.
 *
 * @module
 */
import type { Shard } from '@aws-sdk/client-kinesis'
import { runLane } from './esm/lanes.js'
import { type KinesisEventSourceOptions, resolveOptions } from './esm/options.js'
import { type MappingIdentity, mappingIdentity } from './esm/records.js'
import {
  createShardWorker,
  type DrainTargets,
  hasDrained,
  type Runtime,
  type ShardProgress,
  type ShardWorker,
} from './esm/shard.js'
import { copyStats, emptyStats, type KinesisEventSourceStats } from './esm/stats.js'
import { createWakeup, pause } from './esm/wakeup.js'
import { runWindowLane } from './esm/windows.js'
import { LocalOptionsError } from './options-error.js'
import { type KinesisSourceEngine, loadKinesisSourceEngine } from './peers.js'

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

interface Session {
  readonly engine: KinesisSourceEngine
  readonly runtime: Runtime
  readonly controller: AbortController
  readonly workers: Map<string, ShardWorker>
  readonly tasks: Set<Promise<void>>
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
  const resolved = resolveOptions(options)
  const { cloud, streamName } = options
  const stats = emptyStats()
  const progressByShard = new Map<string, ShardProgress>()
  let identity: MappingIdentity | undefined
  let session: Session | undefined
  let starting: Promise<void> | undefined

  /** Starts a worker for every shard not yet known; children wait for their parents to finish. */
  const discoverShards = async (current: Session): Promise<void> => {
    const shards: Shard[] = []
    let nextToken: string | undefined
    do {
      const request = nextToken === undefined ? { StreamName: streamName } : { NextToken: nextToken }
      const page = await current.runtime.kinesis.send(new current.engine.ListShardsCommand(request), {
        abortSignal: current.controller.signal,
      })
      shards.push(...(page.Shards ?? []))
      nextToken = page.NextToken
    } while (nextToken !== undefined)
    const listed = new Set(shards.map((shard) => shard.ShardId))
    for (const shard of shards) {
      const shardId = shard.ShardId
      if (shardId === undefined || current.workers.has(shardId)) continue
      const progress = progressByShard.get(shardId) ?? { checkpoint: undefined, window: undefined, finished: false }
      progressByShard.set(shardId, progress)
      if (progress.finished) continue
      const parentIds = [shard.ParentShardId, shard.AdjacentParentShardId].filter(
        (id): id is string => id !== undefined && listed.has(id),
      )
      const worker = createShardWorker(current.runtime, shardId, parentIds, progress)
      current.workers.set(shardId, worker)
      const task = runShard(current, worker)
      current.tasks.add(task)
      // Both ways, so that a failed task is no unhandled rejection: stop() awaits it and reports it.
      task.then(
        () => current.tasks.delete(task),
        () => current.tasks.delete(task),
      )
    }
  }

  const runShard = async (current: Session, worker: ShardWorker): Promise<void> => {
    const { runtime } = current
    const parentsFinished = () => worker.parentIds.every((id) => progressByShard.get(id)?.finished === true)
    while (!runtime.signal.aborted && !parentsFinished()) await runtime.progress.wait(runtime.signal)
    const runLaneOf = resolved.windowMs > 0 ? runWindowLane : runLane
    const lanes = worker.lanes.map((lane) => runLaneOf(runtime, worker, lane))
    await current.engine.readShard(runtime, worker)
    await Promise.all(lanes)
    if (runtime.signal.aborted || !worker.ended || worker.log.length > 0) return
    // A closed shard has children (a split or a merge). They are listed before the parent counts as finished, so
    // that drain() never sees a finished parent without its children.
    while (!runtime.signal.aborted) {
      try {
        await discoverShards(current)
        break
      } catch {
        if (runtime.signal.aborted) return
        stats.readErrors++
        await pause(resolved.pollIntervalMs, runtime.signal)
      }
    }
    if (runtime.signal.aborted) return
    worker.progress.finished = true
    worker.stats.finished = true
    runtime.progress.notify()
  }

  const start = async (): Promise<void> => {
    if (session !== undefined) return
    const engine = await loadKinesisSourceEngine()
    const { retrying } = engine
    const controller = new AbortController()
    const kinesis = engine.createReaderClient(cloud)
    const retry = {
      signal: controller.signal,
      pauseMs: resolved.pollIntervalMs,
      attempts: 5,
      onError: () => stats.readErrors++,
    }
    try {
      identity ??= await retrying(async () => {
        const { StreamDescriptionSummary } = await kinesis.send(new engine.DescribeSummary({ StreamName: streamName }))
        const streamArn = StreamDescriptionSummary?.StreamARN
        if (streamArn === undefined) throw new LocalOptionsError(`kinesisEventSource: stream ${streamName} has no ARN`)
        return mappingIdentity(streamArn, cloud.region, resolved.functionName)
      }, retry)
    } catch (error) {
      kinesis.destroy()
      throw error
    }
    const runtime: Runtime = {
      options: resolved,
      identity,
      handler: options.handler,
      kinesis,
      streamName,
      stats,
      signal: controller.signal,
      progress: createWakeup(),
    }
    const current: Session = { engine, runtime, controller, workers: new Map(), tasks: new Set() }
    session = current
    try {
      await retrying(() => discoverShards(current), retry)
    } catch (error) {
      session = undefined
      await shutDown(current)
      throw error
    }
  }

  return {
    start() {
      starting ??= start().finally(() => {
        starting = undefined
      })
      return starting
    },
    async stop() {
      await starting?.catch(() => undefined)
      const current = session
      if (current === undefined) return
      session = undefined
      await shutDown(current)
    },
    async drain() {
      await starting
      const current = session
      if (current === undefined) throw new LocalOptionsError('kinesisEventSource: drain() needs a started source')
      const since = Date.now()
      const targets: DrainTargets = new Map()
      for (;;) {
        if (session !== current) throw new LocalOptionsError('kinesisEventSource: stopped before it drained')
        if ([...current.workers.values()].every((worker) => hasDrained(worker, since, targets, resolved.windowMs)))
          return
        await current.runtime.progress.wait(current.runtime.signal)
      }
    },
    get stats() {
      return copyStats(stats)
    },
    get running() {
      return session !== undefined
    },
  }

  /** Aborts a session, waits for its shard tasks (and so for invocations in flight), and closes its client. */
  async function shutDown(current: Session): Promise<void> {
    current.controller.abort()
    const failures: unknown[] = []
    while (current.tasks.size > 0) {
      for (const outcome of await Promise.allSettled([...current.tasks])) {
        if (outcome.status === 'rejected') failures.push(outcome.reason)
      }
    }
    current.runtime.kinesis.destroy()
    // A shard task only fails on a bug of the emulator: say so rather than hide it.
    if (failures.length > 0) throw failures[0]
  }
}
