/**
 * What the stream engine needs from a stream service: its identity, its shards, and a reader per shard. Kinesis and
 * DynamoDB Streams each implement it; batching, checkpointing, retries and windows are shared. Internal to
 * `serverless-done-right/local`.
 *
 * @module
 */
import type { BatchInfoKey, MappingIdentity } from './records.js'

/** One record as a shard reader returns it, before the engine tracks it. */
export interface StreamItem {
  readonly sequenceNumber: string
  /** The ordering key: records of one key stay in one lane (Kinesis partition key, DynamoDB item key). */
  readonly partitionKey: string
  /** Epoch ms. */
  readonly arrivalMs: number
  /** The record exactly as the Lambda event carries it. */
  readonly event: object
}

/** A page of records; `ended` when the shard is closed and read to its end. */
export interface ShardPage {
  readonly items: readonly StreamItem[]
  readonly ended: boolean
}

/** Reads one shard from where the engine left it. */
export interface ShardReader {
  /**
   * The next records after `resumeAfter` (the last sequence number read or checkpointed; `undefined` at the starting
   * position), at most `limit`. Throws when the service refuses or fails: the engine counts it, pauses and asks again.
   */
  read(limit: number, resumeAfter: string | undefined, signal: AbortSignal): Promise<ShardPage>
}

/** A shard as listed, with the shards that must be finished before it is read. */
export interface ListedShard {
  readonly shardId: string
  readonly parentIds: readonly string[]
}

/** A stream the engine is connected to, for one session (`start()` to `stop()`). */
export interface ConnectedStream {
  readonly identity: MappingIdentity
  /** Every shard of the stream, in any order. */
  listShards(signal: AbortSignal): Promise<ListedShard[]>
  /** A reader of `shardId`; `hasParents` when it is a child of a reshard (read from its start). */
  openShard(shardId: string, hasParents: boolean): ShardReader
  /** Releases clients and sockets. */
  close(): void
}

/** A stream service the engine can read. */
export interface StreamAdapter {
  /** The public function's name, for error messages (`kinesisEventSource`). */
  readonly label: string
  /** The member of the on-failure record that names the records (`KinesisBatchInfo`, `DDBStreamBatchInfo`). */
  readonly batchInfoKey: BatchInfoKey
  /**
   * Loads what the adapter needs, once per `start()` before `connect` (not retried): resolves with the adapter to use
   * from then on. Optional.
   */
  prepare?(): Promise<StreamAdapter>
  /** Looks the stream up; throws when it does not exist (the engine retries a few times first). */
  connect(signal: AbortSignal, functionName: string): Promise<ConnectedStream>
}
