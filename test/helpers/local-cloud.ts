import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis'
import { afterAll, afterEach, beforeAll } from '@jest/globals'
import {
  type KinesisEventSource,
  type KinesisEventSourceOptions,
  kinesisEventSource,
  type LocalCloud,
  startLocalCloud,
} from 'serverless-done-right/local'

/** A test file's local cloud and the event sources its tests start (see `useLocalCloud`). */
export interface LocalCloudFixture {
  /** The running cloud (started in `beforeAll`: read it in hooks and tests, not at module scope). */
  readonly cloud: LocalCloud
  /** Starts a source on the cloud, polling every 50 ms unless `options` say otherwise; it is stopped after the test. */
  startSource(options: Omit<KinesisEventSourceOptions, 'cloud'>): Promise<KinesisEventSource>
}

/** Starts a local cloud before the file's tests, stops the sources each test started after it, and the cloud last. */
export function useLocalCloud(): LocalCloudFixture {
  let cloud: LocalCloud | undefined
  const sources: KinesisEventSource[] = []
  const running = (): LocalCloud => {
    if (cloud === undefined) throw new Error('the local cloud is not started (read it inside a hook or test)')
    return cloud
  }
  beforeAll(async () => {
    cloud = await startLocalCloud()
  })
  afterEach(async () => {
    await Promise.all(sources.splice(0).map((source) => source.stop()))
  })
  afterAll(async () => {
    await cloud?.stop()
  })
  return {
    get cloud() {
      return running()
    },
    async startSource(options) {
      const source = kinesisEventSource({ cloud: running(), pollIntervalMs: 50, ...options })
      sources.push(source)
      await source.start()
      return source
    },
  }
}

/** Every record of every shard of `stream`, data decoded, in shard then sequence order: one GetRecords call a shard. */
export async function readAll(kinesis: KinesisClient, stream: string): Promise<string[]> {
  const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName: stream }))
  const data: string[] = []
  for (const shard of Shards) {
    const { ShardIterator } = await kinesis.send(
      new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
    )
    const { Records = [] } = await kinesis.send(new GetRecordsCommand({ ShardIterator }))
    data.push(...Records.map((record) => Buffer.from(record.Data ?? new Uint8Array()).toString('utf8')))
  }
  return data
}
