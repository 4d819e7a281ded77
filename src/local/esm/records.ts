/**
 * Stream records as the engine tracks them, and the reports Lambda makes about them. Internal to
 * `serverless-done-right/local`.
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import type { StreamItem } from './adapter.js'
import type { StreamOnFailureRecord } from './resolve.js'

/** The stream and function a mapping connects; fixed for the life of an event source. */
export interface MappingIdentity {
  readonly streamArn: string
  readonly region: string
  readonly accountId: string
  readonly functionArn: string
  /** The role Lambda reads the stream with, `invokeIdentityArn` in each record. */
  readonly roleArn: string
}

/** One record read from a shard, ready to deliver, with what the emulator tracks about it. */
export interface ShardRecord {
  readonly shardId: string
  readonly sequenceNumber: string
  readonly partitionKey: string
  readonly arrivalMs: number
  /** When the emulator read it, epoch ms: the batching window counts from here. */
  readonly readAtMs: number
  /** The record exactly as the Lambda event carries it. */
  readonly event: object
  /** Its share of the event's JSON size, in bytes. */
  readonly bytes: number
  /** Where it is in its shard's read order: 0, 1, 2, … */
  readonly position: number
  /** Set once the record succeeded or went to on-failure; the checkpoint moves over finished records only. */
  finished: boolean
}

/** Starts tracking a record a shard reader returned, at `position` in its shard's read order. */
export function toShardRecord(item: StreamItem, shardId: string, position: number): ShardRecord {
  return {
    shardId,
    sequenceNumber: item.sequenceNumber,
    partitionKey: item.partitionKey,
    arrivalMs: item.arrivalMs,
    readAtMs: Date.now(),
    event: item.event,
    bytes: Buffer.byteLength(JSON.stringify(item.event)) + 1,
    position,
    finished: false,
  }
}

/** The mapping's ARNs, from the stream ARN the service reports. */
export function mappingIdentity(streamArn: string, region: string, functionName: string): MappingIdentity {
  const accountId = streamArn.split(':')[4] || '000000000000'
  return {
    streamArn,
    region,
    accountId,
    functionArn: `arn:aws:lambda:${region}:${accountId}:function:${functionName}`,
    roleArn: `arn:aws:iam::${accountId}:role/${functionName}-role`,
  }
}

/** How the last invocation of a batch that is given up on ended, for the on-failure record. */
export interface LastResponse {
  /** `false` when the batch was never invoked (its records expired first). */
  readonly invoked: boolean
  /** `true` when the function threw or timed out. */
  readonly functionError: boolean
}

/** The member of an on-failure record that names its records. */
export type BatchInfoKey = 'KinesisBatchInfo' | 'DDBStreamBatchInfo'

/**
 * The record Lambda sends to the on-failure destination for `records` (one shard, contiguous); `batchInfoKey` names
 * the member that describes them (`KinesisBatchInfo`, `DDBStreamBatchInfo`).
 */
export function onFailureRecord(
  records: readonly ShardRecord[],
  condition: StreamOnFailureRecord['requestContext']['condition'],
  approximateInvokeCount: number,
  last: LastResponse,
  identity: MappingIdentity,
  batchInfoKey: BatchInfoKey,
): StreamOnFailureRecord {
  const first = records[0] as ShardRecord
  const final = records[records.length - 1] as ShardRecord
  return {
    requestContext: {
      requestId: randomUUID(),
      functionArn: identity.functionArn,
      condition,
      approximateInvokeCount,
    },
    responseContext: {
      statusCode: last.invoked ? 200 : 0,
      executedVersion: '$LATEST',
      ...(last.functionError && { functionError: 'Unhandled' }),
    },
    version: '1.0',
    timestamp: new Date().toISOString(),
    [batchInfoKey]: {
      shardId: first.shardId,
      startSequenceNumber: first.sequenceNumber,
      endSequenceNumber: final.sequenceNumber,
      approximateArrivalOfFirstRecord: new Date(first.arrivalMs).toISOString(),
      approximateArrivalOfLastRecord: new Date(final.arrivalMs).toISOString(),
      batchSize: records.length,
      streamArn: identity.streamArn,
    },
  } as StreamOnFailureRecord
}

/** The lane of a partition key among `lanes`: FNV-1a, so that one key always lands in the same lane. */
export function laneOf(partitionKey: string, lanes: number): number {
  if (lanes === 1) return 0
  let hash = 0x811c9dc5
  for (let index = 0; index < partitionKey.length; index++) {
    hash ^= partitionKey.charCodeAt(index)
    hash = Math.imul(hash, 0x01000193)
  }
  return (hash >>> 0) % lanes
}
