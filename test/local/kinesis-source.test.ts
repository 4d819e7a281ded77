import type { KinesisStreamEvent } from 'aws-lambda'
import {
  type KinesisEventSourceOptions,
  type KinesisOnFailureRecord,
  kinesisEventSource,
  LocalOptionsError,
} from 'serverless-done-right/local'
import { fixture } from '../helpers/fixtures.js'
import { useLocalCloud } from '../helpers/local-cloud.js'
import { dataOf, datas, eventually, putAll, putOne, shape, sleep, uniqueStreamName } from './kinesis-source-helpers.js'

const local = useLocalCloud()
const { startSource } = local

type Options = Omit<KinesisEventSourceOptions, 'cloud'>

/** A stream with `shards` shards and `count` records `r0…` written in order, key `k<i % keys>`. */
async function streamWith(shards: number, count: number, keys = 1) {
  const streamName = uniqueStreamName('esm')
  await local.cloud.createStream(streamName, shards)
  const written = await putAll(
    local.cloud,
    streamName,
    Array.from({ length: count }, (_, i) => ({ key: `k${i % keys}`, data: `r${i}` })),
  )
  return { streamName, written }
}

describe('kinesisEventSource events', () => {
  it('delivers events whose keys at every level equal a real Kinesis event', async () => {
    const { streamName, written } = await streamWith(1, 2)
    const events: KinesisStreamEvent[] = []
    const source = await startSource({
      streamName,
      handler: async (event: KinesisStreamEvent) => void events.push(event),
    })
    await source.drain()
    const event = events[0] as KinesisStreamEvent
    expect(shape(event)).toEqual(shape(fixture('kinesis-stream')))
    const [first] = event.Records
    const sent = written[0]
    expect(first?.eventID).toBe(`${sent?.shardId}:${sent?.sequenceNumber}`)
    expect(first?.kinesis.sequenceNumber).toBe(sent?.sequenceNumber)
    expect(first?.kinesis.partitionKey).toBe('k0')
    expect(first && dataOf(first)).toBe('r0')
    expect(first?.awsRegion).toBe(local.cloud.region)
    expect(first?.eventSourceARN).toMatch(
      new RegExp(`^arn:aws:kinesis:${local.cloud.region}:\\d{12}:stream/${streamName}$`),
    )
    expect(first?.invokeIdentityArn).toMatch(/^arn:aws:iam::\d{12}:role\//)
    // Epoch seconds with milliseconds, as AWS sends it.
    expect(Math.abs((first?.kinesis.approximateArrivalTimestamp ?? 0) - Date.now() / 1000)).toBeLessThan(60)
    expect(datas(event)).toEqual(['r0', 'r1'])
  })

  it('keeps batches within batchSize and one shard, in shard order, each record once', async () => {
    const { streamName, written } = await streamWith(3, 250, 25)
    const events: KinesisStreamEvent[] = []
    const source = await startSource({
      streamName,
      batchSize: 40,
      handler: async (event: KinesisStreamEvent) => void events.push(event),
    })
    await source.drain()
    const lastSeen = new Map<string, bigint>()
    for (const event of events) {
      expect(event.Records.length).toBeGreaterThan(0)
      expect(event.Records.length).toBeLessThanOrEqual(40)
      const shards = new Set(event.Records.map((record) => record.eventID.split(':')[0]))
      expect(shards.size).toBe(1)
      for (const record of event.Records) {
        const shardId = record.eventID.split(':')[0] as string
        const sequence = BigInt(record.kinesis.sequenceNumber)
        expect(sequence > (lastSeen.get(shardId) ?? -1n)).toBe(true)
        lastSeen.set(shardId, sequence)
      }
    }
    expect(events.flatMap(datas).sort()).toEqual(written.map((entry) => entry.data).sort())
    const stats = source.stats
    expect(stats.recordsDelivered).toBe(250)
    expect(stats.recordsCheckpointed).toBe(250)
    expect(stats.invocations).toBe(events.length)
    for (const entry of written) expect(stats.shards[entry.shardId]).toBeDefined()
  })

  it('gathers records for maximumBatchingWindowInSeconds before invoking with a batch that is not full', async () => {
    const streamName = uniqueStreamName('esm')
    await local.cloud.createStream(streamName, 1)
    const events: KinesisStreamEvent[] = []
    const source = await startSource({
      streamName,
      maximumBatchingWindowInSeconds: 2,
      handler: async (event: KinesisStreamEvent) => void events.push(event),
    })
    for (const data of ['a', 'b', 'c']) {
      await putOne(local.cloud, streamName, 'k', data)
      await sleep(150)
    }
    await source.drain()
    expect(events.map(datas)).toEqual([['a', 'b', 'c']])
  })

  it('never sends a batch over 6 MB', async () => {
    const streamName = uniqueStreamName('esm')
    await local.cloud.createStream(streamName, 1)
    const megabyte = 'x'.repeat(1024 * 1024 - 16)
    for (let i = 0; i < 5; i++) await putOne(local.cloud, streamName, 'k', `${i}${megabyte}`)
    const sizes: number[] = []
    const counts: number[] = []
    const source = await startSource({
      streamName,
      batchSize: 100,
      handler: async (event: KinesisStreamEvent) => {
        sizes.push(Buffer.byteLength(JSON.stringify(event)))
        counts.push(event.Records.length)
      },
    })
    await source.drain()
    // A 1 MB record is 1.4 MB in base64: four fit in 6 MB, the fifth needs a second batch.
    expect(counts.reduce((sum, count) => sum + count, 0)).toBe(5)
    expect(counts.length).toBeGreaterThanOrEqual(2)
    for (const size of sizes) expect(size).toBeLessThanOrEqual(6 * 1024 * 1024)
  })
})

describe('kinesisEventSource checkpointing', () => {
  it('retries from the lowest reported failure and redelivers the records after it', async () => {
    const { streamName, written } = await streamWith(1, 10)
    const events: string[][] = []
    const source = await startSource({
      streamName,
      batchSize: 10,
      functionResponseTypes: ['ReportBatchItemFailures'],
      handler: async (event: KinesisStreamEvent) => {
        events.push(datas(event))
        if (events.length > 1) return { batchItemFailures: [] }
        const ids = [7, 4].map((i) => ({ itemIdentifier: written[i]?.sequenceNumber }))
        return { batchItemFailures: ids }
      },
    })
    await source.drain()
    expect(events).toEqual([written.map((entry) => entry.data), ['r4', 'r5', 'r6', 'r7', 'r8', 'r9']])
    const stats = source.stats
    expect(stats).toMatchObject({ partialFailures: 1, retries: 1, recordsDelivered: 16, recordsCheckpointed: 10 })
    expect(stats.shards[written[0]?.shardId ?? '']?.checkpoint).toBe(written[9]?.sequenceNumber)
  })

  const successes: Array<[string, unknown]> = [
    ['no response', undefined],
    ['a null response', null],
    ['an empty object', {}],
    ['an empty list', { batchItemFailures: [] }],
    ['a null list', { batchItemFailures: null }],
  ]
  it.each(successes)('takes %s as success', async (_what, response) => {
    const { streamName } = await streamWith(1, 3)
    let invocations = 0
    const source = await startSource({
      streamName,
      functionResponseTypes: ['ReportBatchItemFailures'],
      handler: async () => {
        invocations++
        return response
      },
    })
    await source.drain()
    expect(invocations).toBe(1)
    expect(source.stats).toMatchObject({ errors: 0, retries: 0, recordsCheckpointed: 3 })
  })

  const wholeFailures: Array<[string, (sequenceNumber: string) => unknown]> = [
    ['an empty itemIdentifier', () => ({ batchItemFailures: [{ itemIdentifier: '' }] })],
    ['a null itemIdentifier', () => ({ batchItemFailures: [{ itemIdentifier: null }] })],
    ['an identifier under a wrong key', (sequenceNumber) => ({ batchItemFailures: [{ id: sequenceNumber }] })],
    ['an identifier not in the batch', () => ({ batchItemFailures: [{ itemIdentifier: '12345' }] })],
    ['batchItemFailures that is not a list', (sequenceNumber) => ({ batchItemFailures: sequenceNumber })],
    ['a thrown error', () => Promise.reject(new Error('boom'))],
  ]
  it.each(wholeFailures)('fails the whole batch for %s, then redelivers all of it', async (_what, respond) => {
    const { streamName, written } = await streamWith(1, 4)
    const events: string[][] = []
    const source = await startSource({
      streamName,
      functionResponseTypes: ['ReportBatchItemFailures'],
      handler: async (event: KinesisStreamEvent) => {
        events.push(datas(event))
        return events.length === 1 ? respond(written[2]?.sequenceNumber ?? '') : { batchItemFailures: [] }
      },
    })
    await source.drain()
    expect(events).toEqual([
      ['r0', 'r1', 'r2', 'r3'],
      ['r0', 'r1', 'r2', 'r3'],
    ])
    expect(source.stats).toMatchObject({ errors: 1, retries: 1, partialFailures: 0 })
  })

  it('ignores batchItemFailures without ReportBatchItemFailures', async () => {
    const { streamName, written } = await streamWith(1, 3)
    let invocations = 0
    const source = await startSource({
      streamName,
      handler: async () => {
        invocations++
        return { batchItemFailures: [{ itemIdentifier: written[0]?.sequenceNumber }] }
      },
    })
    await source.drain()
    expect(invocations).toBe(1)
  })

  it('fails and retries a batch whose invocation times out', async () => {
    const { streamName } = await streamWith(1, 3)
    const events: string[][] = []
    const source = await startSource({
      streamName,
      timeoutMs: 100,
      handler: (event: KinesisStreamEvent) => {
        events.push(datas(event))
        return events.length === 1 ? new Promise(() => undefined) : Promise.resolve()
      },
    })
    await source.drain()
    expect(events).toEqual([
      ['r0', 'r1', 'r2'],
      ['r0', 'r1', 'r2'],
    ])
    expect(source.stats).toMatchObject({ timeouts: 1, errors: 1, retries: 1, recordsCheckpointed: 3 })
  })
})

describe('kinesisEventSource failures', () => {
  it('sends the batch to on-failure after maximumRetryAttempts, then moves on', async () => {
    const { streamName, written } = await streamWith(1, 5)
    const failures: KinesisOnFailureRecord[] = []
    const events: string[][] = []
    const source = await startSource({
      streamName,
      maximumRetryAttempts: 2,
      destinationConfig: { onFailure: (record) => void failures.push(record) },
      handler: async (event: KinesisStreamEvent) => {
        events.push(datas(event))
        if (datas(event).includes('r3')) throw new Error('poison')
      },
    })
    await source.drain()
    expect(events).toHaveLength(3)
    expect(failures).toHaveLength(1)
    const report = failures[0] as KinesisOnFailureRecord
    expect(Object.keys(report).sort()).toEqual(
      ['KinesisBatchInfo', 'requestContext', 'responseContext', 'timestamp', 'version'].sort(),
    )
    expect(report).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 3 },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      KinesisBatchInfo: {
        shardId: written[0]?.shardId,
        startSequenceNumber: written[0]?.sequenceNumber,
        endSequenceNumber: written[4]?.sequenceNumber,
        batchSize: 5,
      },
    })
    expect(report.requestContext.functionArn).toMatch(/^arn:aws:lambda:[a-z0-9-]+:\d{12}:function:local-function$/)
    expect(report.KinesisBatchInfo.streamArn).toMatch(new RegExp(`:stream/${streamName}$`))
    expect(Date.parse(report.KinesisBatchInfo.approximateArrivalOfFirstRecord)).not.toBeNaN()
    expect(Date.parse(report.timestamp)).not.toBeNaN()

    await putOne(local.cloud, streamName, 'k0', 'after')
    await source.drain()
    expect(events.at(-1)).toEqual(['after'])
    expect(source.stats).toMatchObject({ onFailureBatches: 1, onFailureRecords: 5, retries: 2, recordsCheckpointed: 6 })
  })

  it('bisects a failed batch down to the bad record without using retries', async () => {
    const { streamName, written } = await streamWith(1, 8)
    const failures: KinesisOnFailureRecord[] = []
    const events: string[][] = []
    const source = await startSource({
      streamName,
      batchSize: 8,
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: 0,
      destinationConfig: { onFailure: (record) => void failures.push(record) },
      handler: async (event: KinesisStreamEvent) => {
        events.push(datas(event))
        if (datas(event).includes('r5')) throw new Error('poison')
      },
    })
    await source.drain()
    expect(events).toEqual([
      ['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7'],
      ['r0', 'r1', 'r2', 'r3'],
      ['r4', 'r5', 'r6', 'r7'],
      ['r4', 'r5'],
      ['r4'],
      ['r5'],
      ['r6', 'r7'],
    ])
    expect(failures.map((report) => report.KinesisBatchInfo)).toMatchObject([
      { batchSize: 1, startSequenceNumber: written[5]?.sequenceNumber, endSequenceNumber: written[5]?.sequenceNumber },
    ])
    expect(source.stats).toMatchObject({ bisects: 3, retries: 0, onFailureBatches: 1, recordsCheckpointed: 8 })
  })

  it('with ReportBatchItemFailures, splits a bisected batch at the reported record', async () => {
    const { streamName, written } = await streamWith(1, 6)
    const failures: KinesisOnFailureRecord[] = []
    const events: string[][] = []
    const source = await startSource({
      streamName,
      batchSize: 6,
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: 0,
      functionResponseTypes: ['ReportBatchItemFailures'],
      destinationConfig: { onFailure: (record) => void failures.push(record) },
      handler: async (event: KinesisStreamEvent) => {
        events.push(datas(event))
        const bad = event.Records.filter((record) => dataOf(record) === 'r3')
        return { batchItemFailures: bad.map((record) => ({ itemIdentifier: record.kinesis.sequenceNumber })) }
      },
    })
    await source.drain()
    expect(events).toEqual([
      ['r0', 'r1', 'r2', 'r3', 'r4', 'r5'],
      ['r3', 'r4', 'r5'],
      ['r3', 'r4'],
      ['r3'],
      ['r4'],
      ['r5'],
    ])
    expect(failures.map((report) => report.KinesisBatchInfo.startSequenceNumber)).toEqual([written[3]?.sequenceNumber])
    expect(failures[0]?.responseContext.functionError).toBeUndefined()
    expect(source.stats).toMatchObject({ bisects: 3, retries: 0, onFailureBatches: 1, recordsCheckpointed: 6 })
  })

  it('sends records older than maximumRecordAgeInSeconds to on-failure without invoking', async () => {
    const { streamName, written } = await streamWith(1, 3)
    await sleep(1300)
    const failures: KinesisOnFailureRecord[] = []
    const events: string[][] = []
    const source = await startSource({
      streamName,
      maximumRecordAgeInSeconds: 1,
      destinationConfig: { onFailure: (record) => void failures.push(record) },
      handler: async (event: KinesisStreamEvent) => void events.push(datas(event)),
    })
    await source.drain()
    expect(events).toEqual([])
    expect(failures).toMatchObject([
      {
        requestContext: { condition: 'RecordAgeExceeded', approximateInvokeCount: 0 },
        responseContext: { statusCode: 0 },
        KinesisBatchInfo: { batchSize: 3, startSequenceNumber: written[0]?.sequenceNumber },
      },
    ])
    await putOne(local.cloud, streamName, 'k0', 'fresh')
    await source.drain()
    expect(events).toEqual([['fresh']])
  })

  it('retries a failing batch until its records pass maximumRecordAgeInSeconds', async () => {
    const { streamName } = await streamWith(1, 2)
    const failures: KinesisOnFailureRecord[] = []
    const source = await startSource({
      streamName,
      maximumRecordAgeInSeconds: 1,
      destinationConfig: { onFailure: (record) => void failures.push(record) },
      handler: async () => {
        throw new Error('always')
      },
    })
    await source.drain()
    expect(failures).toHaveLength(1)
    expect(failures[0]?.requestContext.condition).toBe('RecordAgeExceeded')
    expect(failures[0]?.requestContext.approximateInvokeCount).toBeGreaterThanOrEqual(1)
    expect(failures[0]?.responseContext.functionError).toBe('Unhandled')
    expect(source.stats.retries).toBeGreaterThanOrEqual(1)
  })

  it('calls a throwing on-failure destination again until it takes the batch', async () => {
    const { streamName } = await streamWith(1, 1)
    let calls = 0
    const source = await startSource({
      streamName,
      maximumRetryAttempts: 0,
      destinationConfig: {
        onFailure: () => {
          calls++
          if (calls < 3) throw new Error('destination down')
        },
      },
      handler: async () => {
        throw new Error('always')
      },
    })
    await source.drain()
    expect(calls).toBe(3)
    expect(source.stats).toMatchObject({ destinationErrors: 2, onFailureBatches: 1, recordsCheckpointed: 1 })
  })
})

describe('kinesisEventSource lifecycle and options', () => {
  it('resumes from the checkpoint after stop() and start()', async () => {
    const { streamName } = await streamWith(1, 3)
    const events: string[][] = []
    const source = await startSource({
      streamName,
      handler: async (event: KinesisStreamEvent) => void events.push(datas(event)),
    })
    await source.drain()
    await source.stop()
    expect(source.running).toBe(false)
    await putOne(local.cloud, streamName, 'k0', 'later')
    await source.start()
    await source.drain()
    expect(events.flat()).toEqual(['r0', 'r1', 'r2', 'later'])
  })

  it('waits for in-flight invocations on stop()', async () => {
    const { streamName } = await streamWith(1, 1)
    let finished = false
    let started = false
    const source = await startSource({
      streamName,
      handler: async () => {
        started = true
        await sleep(200)
        finished = true
      },
    })
    await eventually(() => started)
    await source.stop()
    expect(finished).toBe(true)
  })

  it('starts at LATEST and AT_TIMESTAMP', async () => {
    const { streamName } = await streamWith(1, 2)
    const latest: string[] = []
    const atLatest = await startSource({
      streamName,
      startingPosition: 'LATEST',
      handler: async (event: KinesisStreamEvent) => void latest.push(...datas(event)),
    })
    await atLatest.drain()
    await sleep(20)
    const since = new Date()
    await sleep(20)
    await putOne(local.cloud, streamName, 'k0', 'new')
    await atLatest.drain()
    expect(latest).toEqual(['new'])

    const timed: string[] = []
    const atTimestamp = await startSource({
      streamName,
      startingPosition: 'AT_TIMESTAMP',
      startingPositionTimestamp: since.getTime() / 1000,
      handler: async (event: KinesisStreamEvent) => void timed.push(...datas(event)),
    })
    await atTimestamp.drain()
    expect(timed).toEqual(['new'])

    // A timestamp after the last record: nothing yet, then what comes next.
    const future: string[] = []
    const fromNow = await startSource({
      streamName,
      startingPosition: 'AT_TIMESTAMP',
      startingPositionTimestamp: new Date(),
      handler: async (event: KinesisStreamEvent) => void future.push(...datas(event)),
    })
    await fromNow.drain()
    expect(future).toEqual([])
    await sleep(20)
    await putOne(local.cloud, streamName, 'k0', 'newer')
    await fromNow.drain()
    expect(future).toEqual(['newer'])
  })

  it('refuses options AWS refuses', () => {
    const base = { cloud: local.cloud, streamName: 'x', handler: async () => undefined }
    const bad: Options[] = [
      { ...base, batchSize: 10_001 },
      { ...base, batchSize: 0 },
      { ...base, parallelizationFactor: 11 },
      { ...base, maximumRetryAttempts: -2 },
      { ...base, maximumRecordAgeInSeconds: 0 },
      { ...base, maximumBatchingWindowInSeconds: 301 },
      { ...base, tumblingWindowInSeconds: 901 },
      { ...base, tumblingWindowInSeconds: 60, parallelizationFactor: 2 },
      { ...base, startingPosition: 'AT_TIMESTAMP' },
    ]
    for (const options of bad)
      expect(() => kinesisEventSource({ cloud: local.cloud, ...options })).toThrow(LocalOptionsError)
  })

  it('refuses drain() on a source that is not running', async () => {
    const source = kinesisEventSource({
      cloud: local.cloud,
      streamName: 'never-started',
      handler: async () => undefined,
    })
    await expect(source.drain()).rejects.toThrow(LocalOptionsError)
  })
})
