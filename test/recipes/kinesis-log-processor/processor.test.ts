import { setTimeout as sleep } from 'node:timers/promises'
import { Logger } from '@aws-lambda-powertools/logger'
import { jest } from '@jest/globals'
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda'
import { putRecords } from 'serverless-done-right'
import {
  type FaultController,
  invoke,
  kinesisEventSource,
  type LocalCloud,
  startLocalCloud,
} from 'serverless-done-right/local'
import { createLogProcessor } from '../../../recipes/kinesis-log-processor/app.js'
import { threatCounts } from '../../../recipes/kinesis-log-processor/enrich.js'
import { eventSourceParameters } from '../../../recipes/kinesis-log-processor/local.js'
import { sampleTraffic } from '../../../recipes/kinesis-log-processor/sample-traffic.js'
import type { DeadLetter, EnrichedLogEvent } from '../../../recipes/kinesis-log-processor/schema.js'
import { logProcessorSettings } from '../../../recipes/kinesis-log-processor/settings.js'
import { readStream, type StoredRecord, unpack } from '../../aws/stream-reader.js'
import { fixture } from '../../helpers/fixtures.js'

jest.setTimeout(120_000)

let cloud: LocalCloud
let faults: FaultController
let run = 0
const logger = new Logger({ serviceName: 'kinesis-log-processor-test', logLevel: 'SILENT' })

/** Fresh input, output and dead-letter streams, so that what a test reads is only its own. */
async function freshStreams() {
  run += 1
  const names = { input: `logs-${run}`, output: `logs-enriched-${run}`, deadLetter: `logs-dead-letter-${run}` }
  await cloud.createStream(names.input, logProcessorSettings.inputShardCount)
  await cloud.createStream(names.output, logProcessorSettings.outputShardCount)
  await cloud.createStream(names.deadLetter, logProcessorSettings.deadLetterShardCount)
  return names
}

type Streams = Awaited<ReturnType<typeof freshStreams>>

/** The processor writing to `names`' output and dead-letter streams; `overrides` replace either name. */
function processorFor(names: Streams, overrides: { outputStreamName?: string; deadLetterStreamName?: string } = {}) {
  return createLogProcessor({
    kinesis: cloud.kinesis,
    outputStreamName: names.output,
    deadLetterStreamName: names.deadLetter,
    logger,
    ...overrides,
  })
}

/** Runs the processor behind the event source mapping emulator until everything put so far is checkpointed. */
async function processAll(names: Streams) {
  const source = kinesisEventSource({
    cloud,
    streamName: names.input,
    handler: processorFor(names),
    ...eventSourceParameters(logProcessorSettings),
    maximumBatchingWindowInSeconds: 0,
    pollIntervalMs: 50,
  })
  await source.start()
  try {
    await source.drain()
  } finally {
    await source.stop()
  }
  return source.stats
}

const parsed = (records: readonly StoredRecord[]) =>
  records.map((record) => JSON.parse(record.data) as EnrichedLogEvent)

/** The dead letters on `names`' dead-letter stream, parsed. */
const deadLetters = async (names: Streams) =>
  (await readStream(cloud.kinesis, names.deadLetter)).map((record) => JSON.parse(record.data) as DeadLetter)

/** The request ids of the events on `names`' output stream, sorted. */
const writtenRequestIds = async (names: Streams) =>
  parsed(unpack(await readStream(cloud.kinesis, names.output)))
    .map((event) => event.requestId)
    .sort()

/** Each IP's request ids in the order of their first appearance (a retried batch may write an event twice). */
function firstOccurrenceByIp(events: readonly EnrichedLogEvent[]): Map<string, string[]> {
  const seen = new Set<string>()
  const byIp = new Map<string, string[]>()
  for (const event of events) {
    const id = String(event.requestId)
    if (seen.has(id)) continue
    seen.add(id)
    byIp.set(event.ip, [...(byIp.get(event.ip) ?? []), id])
  }
  return byIp
}

function inputOrderByIp(traffic: ReturnType<typeof sampleTraffic>): Map<string, string[]> {
  const byIp = new Map<string, string[]>()
  for (const entry of traffic.entries) {
    if (entry.partitionKey === 'invalid') continue
    const event = JSON.parse(String(entry.data)) as { ip: string; requestId: string }
    byIp.set(event.ip, [...(byIp.get(event.ip) ?? []), event.requestId])
  }
  return byIp
}

beforeAll(async () => {
  cloud = await startLocalCloud({ faults: { seed: 7 } })
  faults = cloud.faults as FaultController
})

afterAll(async () => {
  await cloud.stop()
})

beforeEach(() => {
  faults.update({ putRecordsThrottleRate: 0, putRecordsInternalFailureRate: 0, latencyMs: 0, seed: 7 })
  faults.resetCounts()
})

describe('kinesis-log-processor end to end', () => {
  it('reads events put with the SDK, writes them enriched to the output stream, and invalid ones to the dead-letter stream', async () => {
    const names = await freshStreams()
    const traffic = sampleTraffic({ events: 1500, clients: 150, seed: 3, attackShare: 0.06, invalidShare: 0.02 })
    expect((await putRecords(cloud.kinesis, names.input, traffic.entries)).failedCount).toBe(0)

    const stats = await processAll(names)
    expect(stats.errors).toBe(0)
    expect(stats.partialFailures).toBe(0)

    const output = unpack(await readStream(cloud.kinesis, names.output))
    const events = parsed(output)
    // Without faults nothing is retried: every valid event exactly once.
    expect(events.map((event) => event.requestId).sort()).toEqual([...traffic.validRequestIds].sort())
    for (const [index, event] of events.entries()) {
      expect(output[index]?.partitionKey).toBe(event.ip)
      expect(Array.isArray(event.threats)).toBe(true)
      expect(Number.isNaN(Date.parse(event.processedAt))).toBe(false)
      expect(event.latencyMs).toEqual(expect.any(Number)) // unknown fields are kept
    }
    // One partition key per client, spread over every shard (never one constant, hot key).
    expect(new Set(output.map((record) => record.partitionKey)).size).toBe(150 + traffic.bruteForceIps.length)
    expect(new Set(output.map((record) => record.shardId)).size).toBe(logProcessorSettings.outputShardCount)
    expect(firstOccurrenceByIp(events)).toEqual(inputOrderByIp(traffic))

    // Every attack is found, as its kind, and no everyday request is flagged.
    const { 'brute-force': bruteForce, ...requestThreats } = threatCounts(events)
    expect(requestThreats).toEqual(traffic.attacks)
    const flaggedIps = new Set(events.filter((e) => e.threats.some((t) => t.kind === 'brute-force')).map((e) => e.ip))
    expect([...flaggedIps].sort()).toEqual([...traffic.bruteForceIps].sort())
    expect(bruteForce).toBe(events.filter((event) => flaggedIps.has(event.ip)).length)

    const letters = await deadLetters(names)
    expect(letters.length).toBe(traffic.invalid)
    const invalidData = traffic.entries
      .filter((entry) => entry.partitionKey === 'invalid')
      .map((entry) => Buffer.from(entry.data).toString('base64'))
    expect(letters.map((letter) => letter.data).sort()).toEqual(invalidData.sort())
    for (const letter of letters) {
      expect(['decode', 'schema']).toContain(letter.reason)
      expect(letter.code).toBe('SDR_INVALID_RECORD')
      expect(letter.issues.length).toBeGreaterThan(0)
      expect(letter.source.partitionKey).toBe('invalid')
      expect(letter.source.eventSourceARN).toContain(`stream/${names.input}`)
    }
  })

  it('under throttling of 60 % of the output entries, every valid event still comes out, each IP in order', async () => {
    const names = await freshStreams()
    const traffic = sampleTraffic({ events: 600, clients: 100, seed: 5 })
    expect((await putRecords(cloud.kinesis, names.input, traffic.entries)).failedCount).toBe(0)
    // 60 %, not 50 %: an output entry then fails all five attempts with 0.6^5 ≈ 8 % (not 3 %), so at ~100 entries a
    // round some batch takes the retry path asserted below in every run (at 50 % about one run in ten took none: 1-5
    // partial failures a run, 14-31 at 60 %, seen in 6 and 4 local runs; CI ci18 failed on it).
    faults.update({ putRecordsThrottleRate: 0.6 })

    const stats = await processAll(names)
    faults.update({ putRecordsThrottleRate: 0 })
    // Counted in records on the wire, and each packs one IP's events of a batch: ~100 records a round, not 600.
    expect(faults.counts.throttledEntries).toBeGreaterThan(100)
    expect(stats.partialFailures).toBeGreaterThan(0) // some outputs failed five times: their records were retried
    expect(stats.onFailureBatches).toBe(0)

    const events = parsed(unpack(await readStream(cloud.kinesis, names.output)))
    expect(new Set(events.map((event) => event.requestId))).toEqual(new Set(traffic.validRequestIds))
    expect(firstOccurrenceByIp(events)).toEqual(inputOrderByIp(traffic))
    const letters = await readStream(cloud.kinesis, names.deadLetter)
    const letterSources = new Set(letters.map((r) => (JSON.parse(r.data) as DeadLetter).source.sequenceNumber))
    expect(letterSources.size).toBe(traffic.invalid)
  })
})

describe('kinesis-log-processor, one invocation', () => {
  const template = fixture<KinesisStreamEvent>('kinesis-stream').Records[0] as KinesisStreamRecord
  const valid = (n: number, overrides: Record<string, unknown> = {}) => ({
    requestId: `one-${n}`,
    timestamp: '2026-03-01T12:00:00.000Z',
    level: 'INFO',
    service: 'storefront',
    ip: `198.51.100.${n}`,
    method: 'GET',
    path: '/',
    status: 200,
    userAgent: 'Mozilla/5.0',
    message: 'page.view',
    ...overrides,
  })

  /** A Kinesis event of AWS's shape whose records carry `payloads`, base64-encoded as Lambda delivers them. */
  function kinesisEvent(streamName: string, payloads: ReadonlyArray<string | object>): KinesisStreamEvent {
    return {
      Records: payloads.map((payload, index) => {
        const sequenceNumber = `4959033827149025660855969253836157109592157598913658${String(index).padStart(4, '0')}`
        const data = typeof payload === 'string' ? payload : JSON.stringify(payload)
        return {
          ...template,
          eventSourceARN: `arn:aws:kinesis:us-east-1:000000000000:stream/${streamName}`,
          eventID: `shardId-000000000000:${sequenceNumber}`,
          kinesis: {
            ...template.kinesis,
            partitionKey: String((payload as { ip?: unknown }).ip || 'no-ip'), // Kinesis keys are never empty
            sequenceNumber,
            data: Buffer.from(data).toString('base64'),
          },
        }
      }),
    }
  }

  const { memoryMb } = logProcessorSettings.function
  const ids = (event: KinesisStreamEvent, indices: number[]) =>
    indices.map((index) => ({ itemIdentifier: event.Records[index]?.kinesis.sequenceNumber }))

  it('writes a batch of 500 events from one client IP in one output request, in order', async () => {
    const names = await freshStreams()
    const handler = processorFor(names)
    const event = kinesisEvent(
      names.input,
      Array.from({ length: 500 }, (_, n) => valid(n, { ip: '203.0.113.66', status: 401, path: '/login' })),
    )
    faults.resetCounts()
    const outcome = await invoke(handler, event, { timeoutMs: 10_000, memoryMb })
    expect(outcome.result).toEqual({ batchItemFailures: [] })
    // One entry of the IP per request (keepKeyOrder) made this 500 sequential requests: with 10 ms at the wire, 5 s.
    expect(faults.counts.requests).toBe(1)
    const written = parsed(unpack(await readStream(cloud.kinesis, names.output)))
    expect(written.map((written) => written.requestId)).toEqual(event.Records.map((_, n) => `one-${n}`))
    expect(written.every((written) => written.threats.some((threat) => threat.kind === 'brute-force'))).toBe(true)
  })

  it('reports the records whose output could not be written; a confirmed dead letter is not retried', async () => {
    const names = await freshStreams()
    const handler = processorFor(names, { outputStreamName: 'no-such-output' })
    const event = kinesisEvent(names.input, [valid(1), 'not json', valid(2)])
    const outcome = await invoke(handler, event, { timeoutMs: 10_000, memoryMb })
    expect(outcome.status).toBe('ok')
    expect(outcome.result).toEqual({ batchItemFailures: ids(event, [0, 2]) })
    expect((await readStream(cloud.kinesis, names.deadLetter)).length).toBe(1)
  })

  it('reports an invalid record when its dead letter cannot be written, and still writes the valid ones', async () => {
    const names = await freshStreams()
    const handler = processorFor(names, { deadLetterStreamName: 'no-such-dead-letter-stream' })
    const event = kinesisEvent(names.input, [valid(1), valid(2, { status: 'OK' }), valid(3)])
    const outcome = await invoke(handler, event, { timeoutMs: 10_000, memoryMb })
    expect(outcome.result).toEqual({ batchItemFailures: ids(event, [1]) })
    expect(await writtenRequestIds(names)).toEqual(['one-1', 'one-3'])
  })

  it('dead-letters a batch of nothing but invalid records without failing it', async () => {
    const names = await freshStreams()
    const handler = processorFor(names)
    const event = kinesisEvent(names.input, ['{"truncated": ', valid(1, { ip: '' }), [1, 2]])
    const outcome = await invoke(handler, event, { timeoutMs: 10_000, memoryMb })
    expect(outcome.result).toEqual({ batchItemFailures: [] })
    const letters = await deadLetters(names)
    expect(letters.map((letter) => letter.reason).sort()).toEqual(['decode', 'schema', 'schema'])
    expect(letters.find((letter) => letter.reason === 'decode')?.data).toBe(
      Buffer.from('{"truncated": ').toString('base64'),
    )
    expect(unpack(await readStream(cloud.kinesis, names.output))).toEqual([])
  })

  it('names every unwritten record in the timeout fallback when the output write hangs past the deadline', async () => {
    const names = await freshStreams()
    const handler = processorFor(names)
    const event = kinesisEvent(names.input, [valid(1), valid(2), valid(3)])
    faults.update({ latencyMs: 5000 }) // every PutRecords waits 5 s at the wire; the function has 2 s
    const outcome = await invoke(handler, event, { timeoutMs: 2000, memoryMb })
    faults.update({ latencyMs: 0 })
    expect(outcome.status).toBe('ok')
    // fanOut had marked the three records completed after reading them; the processor took them back until written.
    expect(outcome.result).toEqual({ batchItemFailures: ids(event, [0, 1, 2]) })
  })

  it('dead-letters a valid event that cannot be written back as JSON, and writes the others', async () => {
    // Found by the hostile-records suite (test/reliability/hostile-records.test.ts): an unknown field nested 100,000
    // deep passes JSON.parse and the schema, but JSON.stringify overflows the stack; the throw failed the whole batch on
    // every retry until Lambda gave up on it.
    const names = await freshStreams()
    const handler = processorFor(names)
    const deep = JSON.stringify(valid(2)).replace('{', `{"extra":${'['.repeat(100_000)}${']'.repeat(100_000)},`)
    const event = kinesisEvent(names.input, [valid(1), deep, valid(3)])
    const outcome = await invoke(handler, event, { timeoutMs: 10_000, memoryMb })
    expect(outcome.status).toBe('ok')
    expect(outcome.result).toEqual({ batchItemFailures: [] })
    const letters = await deadLetters(names)
    expect(letters.map((letter) => [letter.reason, letter.source.sequenceNumber])).toEqual([
      ['schema', event.Records[1]?.kinesis.sequenceNumber],
    ])
    expect(letters[0]?.issues[0]?.message).toMatch(/cannot be written as JSON/)
    expect(await writtenRequestIds(names)).toEqual(['one-1', 'one-3'])
  })

  it('names the records it has only read when the hard deadline comes during the read pass', async () => {
    // Found by the chaos suite (test/reliability/chaos.test.ts): with little time left the soft phase fires 75 ms in
    // and the hard one 150 ms in, while fanOut still drains (200 ms) a dead-letter write the wire holds back. fanOut
    // has marked the valid records completed after reading them; none of them is written, so none may be acknowledged.
    const names = await freshStreams()
    const handler = processorFor(names)
    const event = kinesisEvent(names.input, [valid(1), valid(2, { status: 'OK' }), valid(3)])
    faults.update({ latencyMs: 600 })
    const outcome = await invoke(handler, event, { timeoutMs: 400, memoryMb })
    faults.update({ latencyMs: 0 })
    await sleep(700) // the held-back dead letter lands, and the cut-off invocation ends
    expect(outcome.status).toBe('ok')
    expect(outcome.result).toEqual({ batchItemFailures: ids(event, [0, 1, 2]) })
  })

  it('answers a warm-up ping without touching any stream', async () => {
    const names = await freshStreams()
    const handler = processorFor(names)
    faults.resetCounts()
    const outcome = await invoke(handler, { source: 'serverless-plugin-warmup' } as never, {
      timeoutMs: 5000,
      memoryMb,
    })
    expect(outcome.status).toBe('ok')
    expect(outcome.result).toEqual(expect.objectContaining({ warmup: true }))
    expect(faults.counts.requests).toBe(0)
  })

  it('refuses a brute-force threshold below 1', () => {
    const options = { kinesis: cloud.kinesis, outputStreamName: 'o', deadLetterStreamName: 'd', logger }
    expect(() => createLogProcessor({ ...options, bruteForceThreshold: 0 })).toThrow(RangeError)
    expect(() => createLogProcessor({ ...options, bruteForceThreshold: 2.5 })).toThrow(RangeError)
  })
})
