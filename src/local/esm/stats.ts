/**
 * The counters a Kinesis event source keeps while it runs.
 *
 * @module
 */

/**
 * What one shard's reader has done.
 * @group Local cloud
 */
export interface KinesisShardStats {
  /** The sequence number of the last checkpointed record; `undefined` before the first checkpoint. */
  checkpoint: string | undefined
  /** How many times the checkpoint moved forward. */
  checkpoints: number
  /** Records read but not yet checkpointed (in flight, waiting in a lane, or being retried). */
  pendingRecords: number
  /** GetRecords calls. */
  reads: number
  /** `true` once the shard is closed (after a reshard) and every record of it is checkpointed. */
  finished: boolean
}

/**
 * Live counters of a `kinesisEventSource()`; `stats` returns a fresh copy on every read.
 * @group Local cloud
 */
export interface KinesisEventSourceStats {
  /** Function invocations, the final ones of tumbling windows included. */
  invocations: number
  /** Records passed to the function, counting every redelivery. */
  recordsDelivered: number
  /** Records the checkpoints moved past: succeeded, or given up on and sent to on-failure. */
  recordsCheckpointed: number
  /** Re-invocations of a failed batch (or its failed part) that count toward `maximumRetryAttempts`. */
  retries: number
  /** Failed batches split in two (`bisectBatchOnFunctionError`, or a partial failure split at the reported record). */
  bisects: number
  /** Invocations that failed the whole batch: a throw, a timeout, or a response Lambda refuses. */
  errors: number
  /** Of `errors`, the invocations that timed out. */
  timeouts: number
  /** Invocations that reported `batchItemFailures`. */
  partialFailures: number
  /** Batches given up on (retries spent or records too old), sent to `destinationConfig.onFailure` if set. */
  onFailureBatches: number
  /** Records in those batches. */
  onFailureRecords: number
  /** Calls of `destinationConfig.onFailure` that threw (and were repeated). */
  destinationErrors: number
  /** Final invocations of tumbling windows, early terminations included. */
  windowFinalInvocations: number
  /** GetShardIterator and GetRecords calls that failed after the SDK's own retries (throttling, faults). */
  readErrors: number
  /** Per shard, keyed by shard id. */
  shards: Record<string, KinesisShardStats>
}

/** Counters at zero. */
export function emptyStats(): KinesisEventSourceStats {
  return {
    invocations: 0,
    recordsDelivered: 0,
    recordsCheckpointed: 0,
    retries: 0,
    bisects: 0,
    errors: 0,
    timeouts: 0,
    partialFailures: 0,
    onFailureBatches: 0,
    onFailureRecords: 0,
    destinationErrors: 0,
    windowFinalInvocations: 0,
    readErrors: 0,
    shards: {},
  }
}

/** A deep copy, so that readers never see later updates nor change the live counters. */
export function copyStats(stats: KinesisEventSourceStats): KinesisEventSourceStats {
  const shards: Record<string, KinesisShardStats> = {}
  for (const [shardId, shard] of Object.entries(stats.shards)) shards[shardId] = { ...shard }
  return { ...stats, shards }
}
