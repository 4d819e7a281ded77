import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis'

/** A record read back from a stream, with the shard it is on. */
export interface StoredRecord {
  shardId: string
  partitionKey: string
  sequenceNumber: string
  data: string
}

/**
 * Every record on the stream, shard by shard (shards in id order, each in sequence-number order): what a consumer
 * reading from TRIM_HORIZON would see. Reads until a shard answers with no records and no lag.
 */
export async function readStream(client: KinesisClient, streamName: string): Promise<StoredRecord[]> {
  const { Shards = [] } = await client.send(new ListShardsCommand({ StreamName: streamName }))
  const records: StoredRecord[] = []
  for (const shard of [...Shards].sort((a, b) => String(a.ShardId).localeCompare(String(b.ShardId)))) {
    const shardId = shard.ShardId ?? ''
    let { ShardIterator: iterator } = await client.send(
      new GetShardIteratorCommand({ StreamName: streamName, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
    )
    while (iterator !== undefined) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }))
      for (const record of page.Records ?? []) {
        records.push({
          shardId,
          partitionKey: record.PartitionKey ?? '',
          sequenceNumber: record.SequenceNumber ?? '',
          data: Buffer.from(record.Data ?? new Uint8Array()).toString('utf8'),
        })
      }
      if ((page.Records ?? []).length === 0 && (page.MillisBehindLatest ?? 0) === 0) break
      iterator = page.NextShardIterator
    }
  }
  return records
}

/** The data of each partition key's records in stream order. */
export function byKey(records: readonly StoredRecord[]): Map<string, string[]> {
  const keys = new Map<string, string[]>()
  for (const record of records) keys.set(record.partitionKey, [...(keys.get(record.partitionKey) ?? []), record.data])
  return keys
}

/**
 * The entries of packed records (`putRecords(…, { pack: true })`: data lines joined with `\n`), one `StoredRecord` per
 * line, each with its record's shard, key and sequence number. A record of one entry stays as it is.
 */
export function unpack(records: readonly StoredRecord[]): StoredRecord[] {
  return records.flatMap((record) => record.data.split('\n').map((data) => ({ ...record, data })))
}
