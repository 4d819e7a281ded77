/**
 * The Kinesis side of the stream engine: the stream's ARN and shards, GetShardIterator and GetRecords through the
 * cloud's Kinesis endpoint (its fault proxy included), and records in Lambda's Kinesis event shape. Internal to
 * `serverless-done-right/local`.
 *
 * @module
 */
import {
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type GetShardIteratorCommandInput,
  type KinesisClient,
  ListShardsCommand,
  type _Record as SdkRecord,
  type Shard,
} from '@aws-sdk/client-kinesis'
import type { KinesisStreamRecord } from 'aws-lambda'
import type { LocalCloud } from '../cloud.js'
import { LocalOptionsError } from '../options-error.js'
import type { ListedShard, ShardReader, StreamAdapter, StreamItem } from './adapter.js'
import { createReaderClient } from './client.js'
import { type MappingIdentity, mappingIdentity } from './records.js'
import type { ResolvedOptions } from './resolve.js'

/** The record Lambda delivers: `kinesis.*`, `eventID` `shardId-…:<sequenceNumber>`, ARNs with region. */
function kinesisItem(record: SdkRecord, shardId: string, identity: MappingIdentity): StreamItem {
  const sequenceNumber = record.SequenceNumber ?? ''
  const partitionKey = record.PartitionKey ?? ''
  const arrivalMs = record.ApproximateArrivalTimestamp?.getTime() ?? Date.now()
  const bytes = record.Data ?? new Uint8Array()
  const event: KinesisStreamRecord = {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey,
      sequenceNumber,
      data: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'), // a view, not a copy
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
  return { sequenceNumber, partitionKey, arrivalMs, event }
}

function isIteratorError(error: unknown): boolean {
  const name = error instanceof Error ? error.name : ''
  return name === 'ExpiredIteratorException' || name === 'InvalidArgumentException'
}

/**
 * A shard reader over GetRecords. Its iterator starts after the last record read (or the checkpoint, after a
 * restart), else at the starting position; a reshard's child starts at its beginning, as Lambda reads children from
 * the start. An expired or refused iterator is replaced at the next read; after a throttle or a fault the same one is
 * used again.
 */
function kinesisShardReader(
  kinesis: KinesisClient,
  identity: MappingIdentity,
  target: { streamName: string; shardId: string; hasParents: boolean; startingPosition: string },
): ShardReader {
  let iterator: string | undefined
  const acquire = async (resumeAfter: string | undefined, signal: AbortSignal): Promise<string> => {
    const base = { StreamName: target.streamName, ShardId: target.shardId }
    let input: GetShardIteratorCommandInput
    if (resumeAfter !== undefined) {
      input = { ...base, ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: resumeAfter }
    } else if (target.hasParents || target.startingPosition === 'AT_TIMESTAMP') {
      // AT_TIMESTAMP: the engine reads from the trim horizon and skips what arrived earlier (see readShard).
      input = { ...base, ShardIteratorType: 'TRIM_HORIZON' }
    } else {
      input = { ...base, ShardIteratorType: target.startingPosition as 'TRIM_HORIZON' | 'LATEST' }
    }
    const { ShardIterator } = await kinesis.send(new GetShardIteratorCommand(input), { abortSignal: signal })
    if (ShardIterator === undefined) throw new Error(`no iterator for ${target.shardId}`)
    return ShardIterator
  }
  return {
    async read(limit, resumeAfter, signal) {
      iterator ??= await acquire(resumeAfter, signal)
      try {
        const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }), {
          abortSignal: signal,
        })
        iterator = page.NextShardIterator
        const items = (page.Records ?? []).map((record) => kinesisItem(record, target.shardId, identity))
        return { items, ended: iterator === undefined }
      } catch (error) {
        if (isIteratorError(error)) iterator = undefined
        throw error
      }
    },
  }
}

/** The Kinesis stream `streamName` of `cloud`, read the way Lambda's poller does. */
export function kinesisAdapter(
  cloud: LocalCloud,
  streamName: string,
  startingPosition: ResolvedOptions['startingPosition'],
): StreamAdapter {
  return {
    label: 'kinesisEventSource',
    batchInfoKey: 'KinesisBatchInfo',
    async connect(signal, functionName) {
      const kinesis = createReaderClient(cloud)
      try {
        const { StreamDescriptionSummary } = await kinesis.send(
          new DescribeStreamSummaryCommand({ StreamName: streamName }),
          { abortSignal: signal },
        )
        const streamArn = StreamDescriptionSummary?.StreamARN
        if (streamArn === undefined) throw new LocalOptionsError(`kinesisEventSource: stream ${streamName} has no ARN`)
        const identity = mappingIdentity(streamArn, cloud.region, functionName)
        return {
          identity,
          listShards: (abortSignal) => listShards(kinesis, streamName, abortSignal),
          openShard: (shardId, hasParents) =>
            kinesisShardReader(kinesis, identity, { streamName, shardId, hasParents, startingPosition }),
          close: () => kinesis.destroy(),
        }
      } catch (error) {
        kinesis.destroy()
        throw error
      }
    },
  }
}

async function listShards(kinesis: KinesisClient, streamName: string, signal: AbortSignal): Promise<ListedShard[]> {
  const shards: Shard[] = []
  let nextToken: string | undefined
  do {
    const page = await kinesis.send(
      new ListShardsCommand(nextToken === undefined ? { StreamName: streamName } : { NextToken: nextToken }),
      { abortSignal: signal },
    )
    shards.push(...(page.Shards ?? []))
    nextToken = page.NextToken
  } while (nextToken !== undefined)
  const listed = new Set(shards.map((shard) => shard.ShardId))
  return shards.flatMap((shard) =>
    shard.ShardId === undefined
      ? []
      : [
          {
            shardId: shard.ShardId,
            parentIds: [shard.ParentShardId, shard.AdjacentParentShardId].filter(
              (id): id is string => id !== undefined && listed.has(id),
            ),
          },
        ],
  )
}
