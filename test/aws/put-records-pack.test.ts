import type { Context } from 'aws-lambda'
import { fanOut, type PutRecordsEntry, putRecords } from 'serverless-done-right'
import { type FaultController, type LocalCloud, startLocalCloud } from 'serverless-done-right/local'
import { kinesisEvent } from '../batch/factories.js'
import { byKey, readStream, unpack } from './stream-reader.js'

let cloud: LocalCloud
let faults: FaultController
let streams = 0

async function freshStream(shards = 2): Promise<string> {
  streams += 1
  const name = `put-records-pack-${streams}`
  await cloud.createStream(name, shards)
  return name
}

/** `count` JSON entries over `keys` partition keys, each naming its position. */
function entries(count: number, keys: number, padding = 0): PutRecordsEntry[] {
  return Array.from({ length: count }, (_, index) => ({
    partitionKey: `key-${index % keys}`,
    data: JSON.stringify({ index, padding: 'x'.repeat(padding) }),
  }))
}

const indexOf = (data: string) => (JSON.parse(data) as { index: number }).index
const fast = { baseDelayMs: 1, maxDelayMs: 5 }

beforeAll(async () => {
  cloud = await startLocalCloud({ faults: { seed: 20260302 } })
  faults = cloud.faults as FaultController
})

afterAll(async () => {
  await cloud.stop()
})

beforeEach(() => {
  faults.update({ putRecordsThrottleRate: 0, putRecordsInternalFailureRate: 0, latencyMs: 0, seed: 20260302 })
  faults.resetCounts()
})

describe('putRecords with pack', () => {
  it('writes 500 entries of one key in one request, as one JSON Lines record, each entry with its result', async () => {
    const stream = await freshStream()
    const input = entries(500, 1)
    const result = await putRecords(cloud.kinesis, stream, input, { pack: true })

    // Without pack, keepKeyOrder sends one entry of the key per request: 500 requests.
    expect(result.requests).toBe(1)
    expect(faults.counts.requests).toBe(1)
    expect(result.failedCount).toBe(0)
    expect(result.records).toHaveLength(500)
    const sequenceNumbers = new Set(result.records.map((record) => (record.ok ? record.sequenceNumber : 'failed')))
    expect(sequenceNumbers.size).toBe(1)
    const stored = await readStream(cloud.kinesis, stream)
    expect(stored).toHaveLength(1)
    expect(unpack(stored).map((record) => indexOf(record.data))).toEqual(input.map((_, index) => index))
  })

  it('keeps each partition key in input order across retries under 30% throttling', async () => {
    const stream = await freshStream(4)
    faults.update({ putRecordsThrottleRate: 0.3 })
    // 2 KiB entries and 16 KiB records: each key's 30 entries need several records, so order across records counts.
    const input = entries(600, 20, 2048)
    const result = await putRecords(cloud.kinesis, stream, input, {
      ...fast,
      maxAttempts: 30,
      pack: true,
      maxEntryBytes: 16 * 1024,
    })

    expect(result.failedCount).toBe(0)
    expect(faults.counts.throttledEntries).toBeGreaterThan(5)
    const stored = await readStream(cloud.kinesis, stream)
    expect(stored.length).toBeGreaterThan(60)
    for (const record of stored) expect(record.data.length + record.partitionKey.length).toBeLessThanOrEqual(16 * 1024)
    const all = unpack(stored)
    expect(all).toHaveLength(600)
    for (const [key, data] of byKey(all)) {
      const order = data.map(indexOf)
      expect({ key, order }).toEqual({ key, order: [...order].sort((a, b) => a - b) })
    }
  })

  it('keeps requests within 500 records and 5 MiB when packs are large', async () => {
    const stream = await freshStream(4)
    // 40 keys × 30 entries of 10 KiB: packs of ~300 KiB, over 5 MiB in all.
    const input = entries(1200, 40, 10 * 1024)
    const result = await putRecords(cloud.kinesis, stream, input, { pack: true })

    expect(result.failedCount).toBe(0)
    // About 12 MiB in all: at least three requests of at most 5 MiB each.
    expect(result.requests).toBeGreaterThanOrEqual(3)
    expect(unpack(await readStream(cloud.kinesis, stream))).toHaveLength(1200)
  })

  it('fails an entry holding a line feed and the later entries of its key, and writes the other keys', async () => {
    const stream = await freshStream()
    const input: PutRecordsEntry[] = [
      { partitionKey: 'a', data: '{"index":0}' },
      { partitionKey: 'b', data: '{"index":1}' },
      { partitionKey: 'a', data: 'two\nlines' },
      { partitionKey: 'a', data: '{"index":3}' },
      { partitionKey: 'b', data: '{"index":4}' },
    ]
    const result = await putRecords(cloud.kinesis, stream, input, { pack: true })

    expect(result.records.map((record) => (record.ok ? 'ok' : record.errorCode))).toEqual([
      'ok',
      'ok',
      'InvalidEntry',
      'PrecedingEntryFailed',
      'ok',
    ])
    expect(result.failedCount).toBe(2)
    const stored = byKey(unpack(await readStream(cloud.kinesis, stream)))
    expect(stored.get('a')?.map(indexOf)).toEqual([0])
    expect(stored.get('b')?.map(indexOf)).toEqual([1, 4])
  })

  it('packs only entries with the same explicit hash key, and sends a lone entry as it is', async () => {
    const stream = await freshStream()
    const input: PutRecordsEntry[] = [
      { partitionKey: 'a', data: '{"index":0}' },
      { partitionKey: 'a', data: '{"index":1}' },
      { partitionKey: 'a', data: '{"index":2}', explicitHashKey: '1' },
      { partitionKey: 'b', data: '{"index":3}' },
    ]
    const result = await putRecords(cloud.kinesis, stream, input, { pack: true })

    expect(result.failedCount).toBe(0)
    const stored = await readStream(cloud.kinesis, stream)
    expect(stored.map((record) => record.data).sort()).toEqual(
      ['{"index":0}\n{"index":1}', '{"index":2}', '{"index":3}'].sort(),
    )
  })

  it('fails an entry too large for a record on its own, as without pack', async () => {
    const stream = await freshStream()
    const input: PutRecordsEntry[] = [
      { partitionKey: 'a', data: 'x'.repeat(200) },
      { partitionKey: 'c', data: 'small' },
    ]
    const result = await putRecords(cloud.kinesis, stream, input, { pack: true, maxEntryBytes: 100 })
    expect(result.records.map((record) => (record.ok ? 'ok' : record.errorCode))).toEqual(['InvalidEntry', 'ok'])
  })
})

describe("fanOut with decode: 'json-lines'", () => {
  const context = { getRemainingTimeInMillis: () => 60_000, functionName: 'f', awsRequestId: 'r' } as unknown as Context

  it('hands the handler the items of a packed record in order, and fails the record when a line is not JSON', async () => {
    const seen: unknown[][] = []
    const handler = fanOut(async (items: unknown[]) => void seen.push(items), {
      decode: 'json-lines',
      logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    })
    const event = kinesisEvent([
      ['a', '{"n":1}\n{"n":2}\n{"n":3}'],
      ['b', '{"n":4}'],
      ['c', '{"n":5}\nnot json'],
    ])
    const response = await handler(event, context)

    expect(seen).toEqual([[{ n: 1 }, { n: 2 }, { n: 3 }], [{ n: 4 }]])
    const third = event.Records[2]?.kinesis.sequenceNumber
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: third }])
  })
})
