import { KinesisClient } from '@aws-sdk/client-kinesis'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import { type PutRecordsEntry, putRecords } from 'serverless-done-right'
import { type FaultController, type LocalCloud, startLocalCloud } from 'serverless-done-right/local'
import { byKey, readStream } from './stream-reader.js'

let cloud: LocalCloud
let faults: FaultController
let streams = 0

/** A fresh stream for each test, so that what a test reads back is only what it wrote. */
async function freshStream(shards = 2): Promise<string> {
  streams += 1
  const name = `put-records-${streams}`
  await cloud.createStream(name, shards)
  return name
}

/** A client on the fault proxy whose SDK does not retry: every whole-request fault reaches `putRecords`. */
function clientWithoutSdkRetries(): KinesisClient {
  return new KinesisClient({
    endpoint: cloud.endpoints.kinesis,
    region: cloud.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: new NodeHttpHandler(),
    maxAttempts: 1,
  })
}

/** `count` entries over `keys` partition keys, each entry's data naming its key and its position. */
function entries(count: number, keys: number, padding = 0): PutRecordsEntry[] {
  return Array.from({ length: count }, (_, index) => ({
    partitionKey: `key-${index % keys}`,
    data: JSON.stringify({ index, padding: 'x'.repeat(padding) }),
  }))
}

const indexOf = (data: string) => (JSON.parse(data) as { index: number }).index
const fast = { baseDelayMs: 1, maxDelayMs: 5 }

beforeAll(async () => {
  cloud = await startLocalCloud({ faults: { seed: 20260301 } })
  faults = cloud.faults as FaultController
})

afterAll(async () => {
  await cloud.stop()
})

beforeEach(() => {
  faults.update({
    putRecordsThrottleRate: 0,
    putRecordsInternalFailureRate: 0,
    requestThrottleRate: 0,
    requestInternalFailureRate: 0,
    seed: 20260301, // the same draws whichever tests run before
  })
  faults.resetCounts()
})

describe('putRecords against the local Kinesis', () => {
  it('writes every entry once, in 500-entry requests, and returns results in input order', async () => {
    const stream = await freshStream()
    const input = entries(1201, 1201)
    const result = await putRecords(cloud.kinesis, stream, input)

    expect(result.failedCount).toBe(0)
    expect(result.requests).toBe(3)
    expect(faults.counts.requests).toBe(3)
    const stored = await readStream(cloud.kinesis, stream)
    expect(stored.map((record) => indexOf(record.data)).sort((a, b) => a - b)).toEqual(input.map((_, index) => index))
    const bySequence = new Map(stored.map((record) => [record.sequenceNumber, record]))
    result.records.forEach((record, index) => {
      if (!record.ok) throw new Error(`entry ${index} failed`)
      const found = bySequence.get(record.sequenceNumber)
      expect(found && indexOf(found.data)).toBe(index)
      expect(found?.shardId).toBe(record.shardId)
    })
  })

  it('splits requests at 5 MiB, counting data and partition key bytes', async () => {
    const stream = await freshStream()
    // Six entries of just under 1 MiB: five fit in 5 MiB, so two requests (5, 1).
    const result = await putRecords(cloud.kinesis, stream, entries(6, 6, 1024 * 1024 - 64))
    expect(result.failedCount).toBe(0)
    expect(result.requests).toBe(2)
  })

  it('honours smaller limits given as options', async () => {
    const stream = await freshStream()
    const byCount = await putRecords(cloud.kinesis, stream, entries(10, 10), { maxEntriesPerRequest: 4 })
    expect(byCount.requests).toBe(3)
    const byBytes = await putRecords(cloud.kinesis, stream, entries(10, 10, 1000), { maxBytesPerRequest: 3000 })
    expect(byBytes.requests).toBe(5)
  })

  it('resends only the failed entries: under 40% entry failures every entry is in the stream exactly once', async () => {
    const stream = await freshStream(4)
    faults.update({ putRecordsThrottleRate: 0.3, putRecordsInternalFailureRate: 0.1 })
    const input = entries(1500, 1500)
    const result = await putRecords(cloud.kinesis, stream, input, { ...fast, maxAttempts: 20 })

    expect(faults.counts.throttledEntries).toBeGreaterThan(300)
    expect(faults.counts.internalFailureEntries).toBeGreaterThan(50)
    expect(result.failedCount).toBe(0)
    expect(result.records.some((record) => record.attempts > 1)).toBe(true)
    const written = (await readStream(cloud.kinesis, stream)).map((record) => indexOf(record.data))
    expect(written.length).toBe(1500)
    expect(new Set(written).size).toBe(1500)
  })

  it('keeps each partition key in input order across retries', async () => {
    const stream = await freshStream(4)
    faults.update({ putRecordsThrottleRate: 0.3 })
    const input = entries(600, 20)
    const result = await putRecords(cloud.kinesis, stream, input, { ...fast, maxAttempts: 30 })

    expect(result.failedCount).toBe(0)
    expect(faults.counts.throttledEntries).toBeGreaterThan(50)
    for (const [key, data] of byKey(await readStream(cloud.kinesis, stream))) {
      const order = data.map(indexOf)
      expect({ key, order }).toEqual({ key, order: [...order].sort((a, b) => a - b) })
    }
  })

  it('shows why: without keepKeyOrder, a retried entry lands after a later entry of its key', async () => {
    const stream = await freshStream(4)
    faults.update({ putRecordsThrottleRate: 0.3, seed: 11 })
    const result = await putRecords(cloud.kinesis, stream, entries(600, 20), {
      ...fast,
      maxAttempts: 30,
      keepKeyOrder: false,
    })

    expect(result.failedCount).toBe(0)
    const outOfOrder = [...byKey(await readStream(cloud.kinesis, stream)).values()].filter((data) => {
      const order = data.map(indexOf)
      return order.some((value, position) => position > 0 && value < (order[position - 1] as number))
    })
    expect(outOfOrder.length).toBeGreaterThan(0)
  })

  it('retries whole requests refused with a throttling error or a 500', async () => {
    const stream = await freshStream()
    const client = clientWithoutSdkRetries()
    faults.update({ requestThrottleRate: 0.3, requestInternalFailureRate: 0.2 })
    try {
      const result = await putRecords(client, stream, entries(2000, 2000), {
        ...fast,
        maxAttempts: 30,
        maxEntriesPerRequest: 100,
      })
      expect(faults.counts.throttledRequests).toBeGreaterThan(0)
      expect(faults.counts.internalFailureRequests).toBeGreaterThan(0)
      expect(result.failedCount).toBe(0)
      expect(result.requests).toBe(20 + faults.counts.throttledRequests + faults.counts.internalFailureRequests)
      const written = (await readStream(cloud.kinesis, stream)).map((record) => indexOf(record.data))
      expect(new Set(written).size).toBe(2000)
      expect(written.length).toBe(2000)
    } finally {
      client.destroy()
    }
  })

  it('gives up after maxAttempts, reporting the last error, and holds back the later entries of a failed key', async () => {
    const stream = await freshStream()
    faults.update({ putRecordsThrottleRate: 1 })
    const result = await putRecords(cloud.kinesis, stream, entries(6, 2), { ...fast, maxAttempts: 3 })

    expect(result.failedCount).toBe(6)
    expect(result.requests).toBe(3)
    expect(result.records.slice(0, 2)).toEqual([
      expect.objectContaining({ ok: false, errorCode: 'ProvisionedThroughputExceededException', attempts: 3 }),
      expect.objectContaining({ ok: false, errorCode: 'ProvisionedThroughputExceededException', attempts: 3 }),
    ])
    for (const record of result.records.slice(2)) {
      expect(record).toEqual(expect.objectContaining({ ok: false, errorCode: 'PrecedingEntryFailed', attempts: 0 }))
    }
    expect(await readStream(cloud.kinesis, stream)).toEqual([])
  })

  it('fails invalid entries without sending them and writes the rest', async () => {
    const stream = await freshStream()
    const result = await putRecords(cloud.kinesis, stream, [
      { partitionKey: '', data: 'empty key' },
      { partitionKey: 'k'.repeat(257), data: 'long key' },
      { partitionKey: 'big', data: new Uint8Array(1024 * 1024) },
      { partitionKey: '🔑'.repeat(129), data: 'an emoji is two UTF-16 code units: 258' },
      { partitionKey: '🔑'.repeat(128), data: '256 code units, 512 bytes' },
      { partitionKey: 'fine', data: new TextEncoder().encode('bytes as given') },
    ])

    expect(result.records.map((record) => (record.ok ? 'ok' : record.errorCode))).toEqual([
      'InvalidEntry',
      'InvalidEntry',
      'InvalidEntry',
      'InvalidEntry',
      'ok',
      'ok',
    ])
    expect((await readStream(cloud.kinesis, stream)).map((record) => record.data).sort()).toEqual([
      '256 code units, 512 bytes',
      'bytes as given',
    ])
  })

  it('fails every entry at once on an error that a retry cannot fix', async () => {
    const result = await putRecords(cloud.kinesis, 'no-such-stream', entries(700, 700))
    expect(result.requests).toBe(1)
    expect(result.failedCount).toBe(700)
    expect(new Set(result.records.map((record) => (record.ok ? 'ok' : record.errorCode)))).toEqual(
      new Set(['ResourceNotFoundException']),
    )
  })

  it('sends nothing once the signal has aborted', async () => {
    const stream = await freshStream()
    const result = await putRecords(cloud.kinesis, stream, entries(3, 3), { signal: AbortSignal.abort() })
    expect(result.requests).toBe(0)
    expect(result.records.map((record) => (record.ok ? 'ok' : record.errorCode))).toEqual([
      'Aborted',
      'Aborted',
      'Aborted',
    ])
    expect(await readStream(cloud.kinesis, stream)).toEqual([])
  })

  it('stops waiting for a retry when the signal aborts, and names the last error', async () => {
    const stream = await freshStream()
    faults.update({ putRecordsThrottleRate: 1 })
    const controller = new AbortController()
    const client = clientWithoutSdkRetries()
    // Abort as soon as the first response is in: putRecords is then waiting for a backoff of up to ten minutes.
    client.middlewareStack.add(
      (next) => async (args) => {
        const output = await next(args)
        controller.abort(new Error('deadline'))
        return output
      },
      { step: 'initialize' },
    )
    try {
      const result = await putRecords(client, stream, entries(2, 2), {
        baseDelayMs: 600_000,
        maxDelayMs: 600_000,
        signal: controller.signal,
      })
      expect(result.requests).toBe(1)
      for (const record of result.records) {
        expect(record).toEqual(expect.objectContaining({ ok: false, errorCode: 'Aborted', attempts: 1 }))
        expect(record.ok || record.errorMessage).toMatch(/ProvisionedThroughputExceededException/)
      }
    } finally {
      client.destroy()
    }
  })

  it('refuses options Kinesis would refuse, before sending anything', async () => {
    for (const options of [
      { maxAttempts: 0 },
      { maxAttempts: 1.5 },
      { maxEntriesPerRequest: 501 },
      { maxEntriesPerRequest: 0 },
      { maxBytesPerRequest: 0 },
      { baseDelayMs: -1 },
      { maxDelayMs: Number.NaN },
    ]) {
      const attempt = putRecords(cloud.kinesis, 'never-used', entries(1, 1), options)
      await expect(attempt).rejects.toThrow(RangeError)
      // The message names the option at fault and the value it got.
      const [[name, value]] = Object.entries(options) as [[string, number]]
      await expect(attempt).rejects.toThrow(`putRecords(options): ${name} must be `)
      await expect(attempt).rejects.toThrow(`, got ${value}`)
    }
    expect(faults.counts.requests).toBe(0)
  })

  it('does not modify the entries it is given', async () => {
    const stream = await freshStream()
    const input = entries(5, 2)
    const copy = structuredClone(input)
    await putRecords(cloud.kinesis, stream, input)
    expect(input).toEqual(copy)
  })
})
