/**
 * The floor the local log pipeline is compared with: the same events put to kinesalite with `PutRecords` of 500 and
 * read back with `GetRecords` (shard by shard, 10,000 at a time), in the same process and run, with nothing between.
 * The pipeline does this twice over (input and output stream) plus the event source mapping and the function, so
 * the ratio pipeline / raw says how much of kinesalite's own speed the whole local pipeline keeps.
 */
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis'
import type { LocalCloud } from '../src/local/index.js'

interface Entry {
  partitionKey: string
  data: string | Uint8Array
}

export async function putAll(cloud: LocalCloud, streamName: string, entries: readonly Entry[]): Promise<void> {
  for (let from = 0; from < entries.length; from += 500) {
    let pending = entries.slice(from, from + 500)
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt === 10) throw new Error('PutRecords kept failing')
      const batch = pending
      const result = await cloud.kinesis.send(
        new PutRecordsCommand({
          StreamName: streamName,
          Records: batch.map((entry) => ({
            PartitionKey: entry.partitionKey,
            Data: typeof entry.data === 'string' ? Buffer.from(entry.data) : entry.data,
          })),
        }),
      )
      pending = batch.filter((_, i) => result.Records?.[i]?.ErrorCode !== undefined)
    }
  }
}

async function readAll(cloud: LocalCloud, streamName: string): Promise<number> {
  const { Shards = [] } = await cloud.kinesis.send(new ListShardsCommand({ StreamName: streamName }))
  let read = 0
  for (const shard of Shards) {
    const { ShardIterator } = await cloud.kinesis.send(
      new GetShardIteratorCommand({
        StreamName: streamName,
        ShardId: shard.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    )
    let iterator = ShardIterator
    while (iterator !== undefined) {
      const page = await cloud.kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }))
      read += page.Records?.length ?? 0
      if ((page.Records?.length ?? 0) === 0) break
      iterator = page.NextShardIterator
    }
  }
  return read
}

/** Puts `entries` into a new stream of `shards` shards, reads them all back, and returns events per second. */
export async function rawKinesisThroughput(
  cloud: LocalCloud,
  streamName: string,
  shards: number,
  entries: readonly Entry[],
): Promise<{ eventsPerSecond: number; ms: number }> {
  await cloud.createStream(streamName, shards)
  const start = performance.now()
  await putAll(cloud, streamName, entries)
  const read = await readAll(cloud, streamName)
  const ms = performance.now() - start
  if (read !== entries.length) throw new Error(`raw read ${read} of ${entries.length} records`)
  return { eventsPerSecond: entries.length / (ms / 1000), ms }
}
