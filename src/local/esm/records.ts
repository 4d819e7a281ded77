/**
 * Kinesis records as Lambda delivers them, and the reports Lambda makes about them. Internal to
 * `serverless-done-right/local`.
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import type { _Record as SdkRecord } from '@aws-sdk/client-kinesis'
import type { KinesisStreamRecord } from 'aws-lambda'
import type { KinesisOnFailureRecord } from './options.js'

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
  readonly event: KinesisStreamRecord
  /** Its share of the event's JSON size, in bytes. */
  readonly bytes: number
  /** Where it is in its shard's read order: 0, 1, 2, … */
  readonly position: number
  /** Set once the record succeeded or went to on-failure; the checkpoint moves over finished records only. */
  finished: boolean
}

/** Builds the record Lambda delivers: `kinesis.*`, `eventID` `shardId-…:<sequenceNumber>`, ARNs with region. */
export function toShardRecord(
  record: SdkRecord,
  shardId: string,
  position: number,
  identity: MappingIdentity,
): ShardRecord {
  const sequenceNumber = record.SequenceNumber ?? ''
  const partitionKey = record.PartitionKey ?? ''
  const arrivalMs = record.ApproximateArrivalTimestamp?.getTime() ?? Date.now()
  const event: KinesisStreamRecord = {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey,
      sequenceNumber,
      data: Buffer.from(record.Data ?? new Uint8Array()).toString('base64'),
      approximateArrivalTimestamp: arrivalMs / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${shardId}:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: identity.roleArn,
    awsRegion: identity.region,
    eventSourceARN: identity.streamArn,
  }
  const bytes = Buffer.byteLength(JSON.stringify(event)) + 1
  return {
    shardId,
    sequenceNumber,
    partitionKey,
    arrivalMs,
    readAtMs: Date.now(),
    event,
    bytes,
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

/** The record Lambda sends to the on-failure destination for `records` (one shard, contiguous). */
export function onFailureRecord(
  records: readonly ShardRecord[],
  condition: KinesisOnFailureRecord['requestContext']['condition'],
  approximateInvokeCount: number,
  last: LastResponse,
  identity: MappingIdentity,
): KinesisOnFailureRecord {
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
    KinesisBatchInfo: {
      shardId: first.shardId,
      startSequenceNumber: first.sequenceNumber,
      endSequenceNumber: final.sequenceNumber,
      approximateArrivalOfFirstRecord: new Date(first.arrivalMs).toISOString(),
      approximateArrivalOfLastRecord: new Date(final.arrivalMs).toISOString(),
      batchSize: records.length,
      streamArn: identity.streamArn,
    },
  }
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
