/**
 * What the event source knows about one shard while it runs, and the checkpoint: it moves over a record only when
 * every record read before it has finished too, whichever lane it was in. Internal to `serverless-done-right/local`.
 *
 * @module
 */
import type { ConnectedStream, ShardReader } from './adapter.js'
import type { KinesisSourceHandler } from './options.js'
import type { BatchInfoKey, MappingIdentity, ShardRecord } from './records.js'
import type { ResolvedOptions } from './resolve.js'
import type { KinesisEventSourceStats, KinesisShardStats } from './stats.js'
import { createWakeup, type Wakeup } from './wakeup.js'

/** Everything the readers and lanes of one running event source share. */
export interface Runtime {
  readonly options: ResolvedOptions
  readonly identity: MappingIdentity
  readonly handler: KinesisSourceHandler
  /** The stream, connected for this session. */
  readonly stream: ConnectedStream
  /** The member of on-failure records that names the records. */
  readonly batchInfoKey: BatchInfoKey
  readonly stats: KinesisEventSourceStats
  /** Aborts at `stop()`. */
  readonly signal: AbortSignal
  /** Rung whenever a shard moved on: a read, a checkpoint, a window closed. `drain()` waits on it. */
  readonly progress: Wakeup
}

/** A tumbling window that has received records and has not had its final invocation yet. */
export interface OpenWindow {
  /** Epoch ms. */
  readonly start: number
  /** The state the function returned last. */
  state: Record<string, unknown>
  /** The last state passed 1 MB: the window ends early before anything else happens. */
  terminateEarly: boolean
}

/** What survives `stop()` and a later `start()`: where the shard is checkpointed and its open window. */
export interface ShardProgress {
  checkpoint: string | undefined
  window: OpenWindow | undefined
  finished: boolean
}

/** The records of one lane, in read order, waiting to be batched. */
export interface Lane {
  readonly queue: ShardRecord[]
}

/** One shard of a running event source. */
export interface ShardWorker {
  readonly shardId: string
  /** Shards that must be finished before this one is read (Kinesis resharding). */
  readonly parentIds: readonly string[]
  readonly progress: ShardProgress
  readonly stats: KinesisShardStats
  /** Reads the shard's records from the service. */
  readonly reader: ShardReader
  /** Records read and not yet checkpointed, in read order. */
  readonly log: ShardRecord[]
  readonly lanes: readonly Lane[]
  /** Rung when records arrive or finish, so lanes and the reader wake. */
  readonly changed: Wakeup
  /** Records read since `start()`. */
  readCount: number
  /** Of those, how many the checkpoint has passed. */
  checkpointedCount: number
  /** The last record read, to resume after an expired iterator. */
  lastRead: ShardRecord | undefined
  /**
   * The latest read that reached the end of the shard: when it started, how many records had been read by then, and
   * the arrival time of the last one. Every record that arrived before `at` has been read.
   */
  caughtUp: { at: number; readCount: number; lastArrivalMs: number | undefined } | undefined
  /** The shard is closed and read to its end. */
  ended: boolean
}

/** A worker for `shardId`, resuming from `progress`. */
export function createShardWorker(
  runtime: Runtime,
  shardId: string,
  parentIds: readonly string[],
  progress: ShardProgress,
): ShardWorker {
  const stats = runtime.stats.shards[shardId] ?? {
    checkpoint: progress.checkpoint,
    checkpoints: 0,
    pendingRecords: 0,
    reads: 0,
    finished: progress.finished,
  }
  stats.pendingRecords = 0
  runtime.stats.shards[shardId] = stats
  return {
    shardId,
    parentIds,
    progress,
    stats,
    log: [],
    reader: runtime.stream.openShard(shardId, parentIds.length > 0),
    lanes: Array.from({ length: runtime.options.parallelizationFactor }, () => ({ queue: [] })),
    changed: createWakeup(),
    readCount: 0,
    checkpointedCount: 0,
    lastRead: undefined,
    caughtUp: undefined,
    ended: false,
  }
}

/**
 * Marks `records` finished (succeeded or sent to on-failure) and moves the checkpoint over every finished record at
 * the head of the read order: never past a record that is still in flight in another lane.
 */
export function finishRecords(runtime: Runtime, worker: ShardWorker, records: readonly ShardRecord[]): void {
  for (const record of records) record.finished = true
  let passed = 0
  while (passed < worker.log.length && (worker.log[passed] as ShardRecord).finished) passed++
  if (passed === 0) return
  const last = worker.log[passed - 1] as ShardRecord
  worker.log.splice(0, passed)
  worker.checkpointedCount += passed
  worker.progress.checkpoint = last.sequenceNumber
  worker.stats.checkpoint = last.sequenceNumber
  worker.stats.checkpoints++
  worker.stats.pendingRecords = worker.log.length
  runtime.stats.recordsCheckpointed += passed
  worker.changed.notify()
  runtime.progress.notify()
}

/** The start of the tumbling window a record falls in, epoch ms. */
export function windowStartOf(record: ShardRecord, windowMs: number): number {
  return Math.floor(record.arrivalMs / windowMs) * windowMs
}

/** Per shard, the end-of-shard read `drain()` waits to see checkpointed. */
export type DrainTargets = Map<ShardWorker, NonNullable<ShardWorker['caughtUp']>>

/**
 * Whether `worker` has checkpointed everything that its first end-of-shard read after `since` saw, and with tumbling
 * windows, whether the window of the last record seen had its final invocation. `targets` remembers that read.
 */
export function hasDrained(worker: ShardWorker, since: number, targets: DrainTargets, windowMs: number): boolean {
  if (worker.progress.finished) return true
  // Closed and read to its end, but its children are not listed yet.
  if (worker.ended) return false
  let target = targets.get(worker)
  if (target === undefined && worker.caughtUp !== undefined && worker.caughtUp.at >= since) {
    target = worker.caughtUp
    targets.set(worker, target)
  }
  if (target === undefined || worker.checkpointedCount < target.readCount) return false
  const open = worker.progress.window
  if (open === undefined) return true
  const last = target.lastArrivalMs
  return last !== undefined && open.start > Math.floor(last / windowMs) * windowMs
}
