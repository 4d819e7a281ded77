import { DescribeStreamSummaryCommand, ListShardsCommand, SplitShardCommand } from '@aws-sdk/client-kinesis'
import type { KinesisStreamEvent } from 'aws-lambda'
import { kinesisEventSource, startLocalCloud } from 'serverless-done-right/local'
import { laneOf } from '../../src/local/esm/records.js'
import { useLocalCloud } from '../helpers/local-cloud.js'
import { dataOf, datas, eventually, putAll, sleep, uniqueStreamName } from './kinesis-source-helpers.js'

const local = useLocalCloud()
const { startSource } = local

describe('kinesisEventSource parallelizationFactor', () => {
  it('runs batches of one shard concurrently while each partition key stays in order', async () => {
    const streamName = uniqueStreamName('lanes')
    await local.cloud.createStream(streamName, 1)
    const keys = Array.from({ length: 12 }, (_, i) => `user-${i}`)
    const entries = Array.from({ length: 240 }, (_, i) => ({ key: keys[i % keys.length] as string, data: `${i}` }))
    const written = await putAll(local.cloud, streamName, entries)
    const seenByKey = new Map<string, number[]>()
    let running = 0
    let mostAtOnce = 0
    const source = await startSource({
      streamName,
      batchSize: 5,
      parallelizationFactor: 4,
      handler: async (event: KinesisStreamEvent) => {
        running++
        mostAtOnce = Math.max(mostAtOnce, running)
        await sleep(10)
        for (const record of event.Records) {
          const seen = seenByKey.get(record.kinesis.partitionKey) ?? []
          seen.push(Number(dataOf(record)))
          seenByKey.set(record.kinesis.partitionKey, seen)
        }
        running--
      },
    })
    await source.drain()
    expect(mostAtOnce).toBeGreaterThan(1)
    expect(mostAtOnce).toBeLessThanOrEqual(4)
    for (const key of keys) {
      const expected = entries.filter((entry) => entry.key === key).map((entry) => Number(entry.data))
      expect(seenByKey.get(key)).toEqual(expected)
    }
    const shard = source.stats.shards[written[0]?.shardId ?? '']
    expect(shard?.checkpoint).toBe(written.at(-1)?.sequenceNumber)
    expect(shard?.pendingRecords).toBe(0)
  })

  it('never checkpoints past a record still in flight in another lane', async () => {
    const streamName = uniqueStreamName('lanes')
    await local.cloud.createStream(streamName, 1)
    // Two keys in different lanes: `slow` holds the first record, `fast` everything after it.
    const slow = 'slow'
    const fast = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].find((key) => laneOf(key, 2) !== laneOf(slow, 2)) as string
    const written = await putAll(local.cloud, streamName, [
      { key: slow, data: 'held' },
      ...Array.from({ length: 5 }, (_, i) => ({ key: fast, data: `f${i}` })),
    ])
    let release: () => void = () => undefined
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const done: string[] = []
    const source = await startSource({
      streamName,
      parallelizationFactor: 2,
      handler: async (event: KinesisStreamEvent) => {
        if (datas(event).includes('held')) await gate
        done.push(...datas(event))
      },
    })
    await eventually(() => done.length === 5)
    const shardId = written[0]?.shardId ?? ''
    expect(source.stats.shards[shardId]).toMatchObject({ checkpoint: undefined, pendingRecords: 6 })
    release()
    await source.drain()
    expect(source.stats.shards[shardId]).toMatchObject({ checkpoint: written[5]?.sequenceNumber, pendingRecords: 0 })
    expect(source.stats.recordsCheckpointed).toBe(6)
  })
})

describe('kinesisEventSource shards', () => {
  it('reads every shard on its own: a blocked shard does not hold the others back', async () => {
    const streamName = uniqueStreamName('shards')
    await local.cloud.createStream(streamName, 2)
    const written = await putAll(
      local.cloud,
      streamName,
      Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, data: `${i}` })),
    )
    const shardIds = [...new Set(written.map((entry) => entry.shardId))]
    expect(shardIds).toHaveLength(2)
    const [blocked, free] = shardIds as [string, string]
    const delivered = new Set<string>()
    const source = await startSource({
      streamName,
      handler: async (event: KinesisStreamEvent) => {
        if (event.Records[0]?.eventID.startsWith(blocked)) throw new Error('this shard is down')
        for (const record of event.Records) delivered.add(dataOf(record))
      },
    })
    const onFree = written.filter((entry) => entry.shardId === free).map((entry) => entry.data)
    await eventually(() => onFree.every((data) => delivered.has(data)))
    expect(source.stats.shards[free]?.checkpoint).toBe(
      written.filter((entry) => entry.shardId === free).at(-1)?.sequenceNumber,
    )
    expect(source.stats.shards[blocked]?.checkpoint).toBeUndefined()
  })

  it('after a split, reads the children once the parent is finished', async () => {
    const streamName = uniqueStreamName('split')
    await local.cloud.createStream(streamName, 1)
    const before = await putAll(local.cloud, streamName, [{ key: 'k', data: 'before' }])
    const events: KinesisStreamEvent[] = []
    const source = await startSource({
      streamName,
      handler: async (event: KinesisStreamEvent) => void events.push(event),
    })
    await source.drain()
    const parent = before[0]?.shardId as string
    await local.cloud.kinesis.send(
      new SplitShardCommand({
        StreamName: streamName,
        ShardToSplit: parent,
        NewStartingHashKey: (2n ** 127n).toString(),
      }),
    )
    for (;;) {
      const { StreamDescriptionSummary } = await local.cloud.kinesis.send(
        new DescribeStreamSummaryCommand({ StreamName: streamName }),
      )
      if (StreamDescriptionSummary?.StreamStatus === 'ACTIVE') break
      await sleep(20)
    }
    const after = await putAll(
      local.cloud,
      streamName,
      Array.from({ length: 20 }, (_, i) => ({ key: `key-${i}`, data: `after-${i}` })),
    )
    const children = new Set(after.map((entry) => entry.shardId))
    expect(children.has(parent)).toBe(false)
    await source.drain()
    const { Shards = [] } = await local.cloud.kinesis.send(new ListShardsCommand({ StreamName: streamName }))
    expect(Shards).toHaveLength(3)
    expect(events.flatMap(datas).sort()).toEqual(['before', ...after.map((entry) => entry.data)].sort())
    expect(source.stats.shards[parent]?.finished).toBe(true)
    for (const child of children) expect(source.stats.shards[child]?.checkpoint).toBeDefined()
  })

  it('keeps reading through throttled and failing GetRecords calls, losing and repeating nothing', async () => {
    const faulty = await startLocalCloud({
      faults: {
        requestThrottleRate: 0.3,
        requestInternalFailureRate: 0.2,
        operations: ['GetRecords', 'GetShardIterator'],
        seed: 7,
      },
    })
    try {
      const streamName = uniqueStreamName('faults')
      await faulty.createStream(streamName, 2)
      const written = await putAll(
        faulty,
        streamName,
        Array.from({ length: 300 }, (_, i) => ({ key: `k${i % 17}`, data: `${i}` })),
      )
      const delivered: string[] = []
      const source = kinesisEventSource({
        cloud: faulty,
        streamName,
        pollIntervalMs: 50,
        batchSize: 25,
        handler: async (event: KinesisStreamEvent) => void delivered.push(...datas(event)),
      })
      await source.start()
      await source.drain()
      await source.stop()
      expect(delivered.sort()).toEqual(written.map((entry) => entry.data).sort())
      expect(faulty.faults?.counts.throttledRequests).toBeGreaterThan(0)
      expect(faulty.faults?.counts.internalFailureRequests).toBeGreaterThan(0)
    } finally {
      await faulty.stop()
    }
  })
})
