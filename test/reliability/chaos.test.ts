/**
 * Suite 1 — chaos through the log processor. 50,000 log events with unique ids go through the real recipe
 * (`createLogProcessor`) behind the event source mapping emulator with the recipe's own settings (batch 500,
 * parallelization 2, bisect, 5 retries, ReportBatchItemFailures), over 4 shards, while faults are injected:
 *
 * - in the handler: 5% of records make the function throw on their first delivery (one throw per record);
 * - at the wire, by the local cloud's fault proxy: 5% of PutRecords entries failed (throttled or InternalFailure)
 *   and 2% of all Kinesis requests throttled (reads, writes, shard listing);
 * - at the wire, by a stall proxy in front of the processor's output: 1% of records stall the output write that
 *   carries them past the soft deadline, so the timeout guard must drain and report what is unwritten;
 * - once, the function is killed mid-batch: half the batch is processed, then it hangs past the function timeout.
 *
 * Then everything is read back with the real SDK. "Lost" is an input id that is not in the output stream, not in the
 * dead-letter stream, and not in the sequence range of an on-failure record (what AWS sends to the on-failure
 * destination: metadata only, resolved here against the input stream).
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { Logger } from '@aws-lambda-powertools/logger'
import type { MiddlewareObj } from '@middy/core'
import type { Context, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda'
import { budgetOf, type PutRecordsEntry, putRecords, TimeoutApproachingError } from 'serverless-done-right'
import {
  type FaultController,
  type KinesisOnFailureRecord,
  kinesisEventSource,
  type LocalCloud,
  startLocalCloud,
} from 'serverless-done-right/local'
import { createLogProcessor } from '../../recipes/kinesis-log-processor/app.js'
import { eventSourceParameters } from '../../recipes/kinesis-log-processor/local.js'
import type { DeadLetter, EnrichedLogEvent } from '../../recipes/kinesis-log-processor/schema.js'
import { logProcessorSettings } from '../../recipes/kinesis-log-processor/settings.js'
import { readStream, type StoredRecord, unpack } from '../aws/stream-reader.js'
import { printFigures } from './helpers/figures.js'
import { idsInRange, kinesisClient, orderViolations } from './helpers/streams.js'
import { startWireProxy, type WireProxy } from './helpers/wire-proxy.js'

const events = Number(process.env.CHAOS_EVENTS ?? 50_000)
const seed = 20_260_901
const names = { input: 'chaos-logs', output: 'chaos-enriched', deadLetter: 'chaos-dead-letter' } as const
/** A short function timeout, so that a stall past the soft deadline costs seconds, not the recipe's minute. */
const timeoutMs = 3000
/** How long a stalled output write is held: past the soft deadline (2 s into a 3 s invocation), mostly short of the hard one (2.75 s). */
const stallMs = 2300
const faultRates = {
  putRecordsThrottleRate: 0.025,
  putRecordsInternalFailureRate: 0.025,
  requestThrottleRate: 0.02,
} as const

const idPattern = /ev-\d{6}/

function seeded(start: number): () => number {
  let state = start >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let mixed = Math.imul(state ^ (state >>> 15), state | 1)
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61)
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296
  }
}

interface Traffic {
  readonly entries: PutRecordsEntry[]
  readonly valid: Set<string>
  readonly invalid: Set<string>
  /** Records that make the function throw on their first delivery. */
  readonly poisoned: Set<string>
  /** Valid records whose output write stalls once. */
  readonly stalling: Set<string>
}

/** `count` log events from 400 clients, each with a unique id; 1% invalid (each still carrying its id somewhere). */
function chaosTraffic(count: number): Traffic {
  const random = seeded(seed)
  const ips = Array.from({ length: 400 }, (_, index) =>
    index % 20 === 19 ? `2001:db8::${(index + 1).toString(16)}` : `198.51.${100 + (index % 3)}.${1 + (index >> 2)}`,
  )
  const traffic: Traffic = {
    entries: [],
    valid: new Set(),
    invalid: new Set(),
    poisoned: new Set(),
    stalling: new Set(),
  }
  const start = Date.now()
  for (let n = 0; n < count; n++) {
    const id = `ev-${String(n).padStart(6, '0')}`
    const ip = ips[Math.floor(random() * ips.length)] as string
    const event = {
      requestId: id,
      timestamp: new Date(start + n).toISOString(),
      level: 'INFO',
      service: 'storefront',
      ip,
      method: 'GET',
      path: `/products/${n % 997}`,
      status: 200,
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0',
      message: `product.view GET /products ${n}`,
    }
    const draw = random()
    let data: string
    if (draw < 0.004) data = JSON.stringify({ ...event, status: 'OK' })
    else if (draw < 0.007) data = JSON.stringify({ ...event, ip: 'not-an-ip' })
    else if (draw < 0.01) data = `${ip} - - "GET /products/${n} HTTP/1.1" 200 ${id}`
    else data = JSON.stringify(event)
    ;(draw < 0.01 ? traffic.invalid : traffic.valid).add(id)
    if (random() < 0.05) traffic.poisoned.add(id)
    if (draw >= 0.01 && random() < 0.01) traffic.stalling.add(id)
    traffic.entries.push({ partitionKey: ip, data })
  }
  return traffic
}

const idOfText = (text: string) => idPattern.exec(text)?.[0]

let cloud: LocalCloud
let faults: FaultController
let stallProxy: WireProxy | undefined

beforeAll(async () => {
  cloud = await startLocalCloud({ faults: { seed, operations: 'all' } })
  faults = cloud.faults as FaultController
  await cloud.createStream(names.input, logProcessorSettings.inputShardCount)
  await cloud.createStream(names.output, logProcessorSettings.outputShardCount)
  await cloud.createStream(names.deadLetter, logProcessorSettings.deadLetterShardCount)
})

afterAll(async () => {
  await stallProxy?.stop()
  await cloud?.stop()
})

describe('suite 1: chaos through the log processor', () => {
  it(`loses none of ${events} events and keeps each key's first occurrences in order`, async () => {
    const traffic = chaosTraffic(events)

    // The stall: an output PutRecords carrying a stalling id not stalled before is held past the soft deadline.
    const stalledIds = new Set<string>()
    let stalledRequests = 0
    stallProxy = await startWireProxy(cloud.endpoints.kinesis, (request) => {
      if (request.operation !== 'PutRecords') return { kind: 'forward' }
      const payload = JSON.parse(request.body.toString('utf8')) as { StreamName?: string; Records?: { Data: string }[] }
      if (payload.StreamName !== names.output) return { kind: 'forward' }
      let stall = false
      for (const entry of payload.Records ?? []) {
        // A packed record (JSON Lines) carries several events: look at each.
        for (const line of Buffer.from(entry.Data, 'base64').toString('utf8').split('\n')) {
          const id = idOfText(line)
          if (id !== undefined && traffic.stalling.has(id) && !stalledIds.has(id)) {
            stalledIds.add(id)
            stall = true
          }
        }
      }
      if (!stall) return { kind: 'forward' }
      stalledRequests++
      return { kind: 'forward', delayMs: stallMs }
    })
    const processorKinesis = kinesisClient(cloud, stallProxy.url)

    // The throw: a middleware after the recipe's guards throws on the first delivery of a poisoned record.
    const poisonOf = new Map<string, string | undefined>()
    const thrown = new Set<string>()
    const poison: MiddlewareObj<KinesisStreamEvent> = {
      before: (request) => {
        for (const record of request.event.Records) {
          const sequence = record.kinesis.sequenceNumber
          let id = poisonOf.get(sequence)
          if (!poisonOf.has(sequence)) {
            const found = idOfText(Buffer.from(record.kinesis.data, 'base64').toString('latin1'))
            id = found !== undefined && traffic.poisoned.has(found) ? found : undefined
            poisonOf.set(sequence, id)
          }
          if (id !== undefined && !thrown.has(id)) {
            thrown.add(id)
            throw new Error(`injected fault: record ${id} threw`)
          }
        }
      },
    }
    const processor = createLogProcessor({
      kinesis: processorKinesis,
      outputStreamName: names.output,
      deadLetterStreamName: names.deadLetter,
      logger: new Logger({ serviceName: 'chaos', logLevel: 'SILENT' }),
    }).use(poison)

    // The kill, and a count of invocations the timeout guard drained (answered after its soft deadline fired).
    let invocations = 0
    let killed = 0
    let drained = 0
    const handler = async (event: KinesisStreamEvent, context: Context) => {
      invocations++
      if (killed === 0 && invocations > 50 && event.Records.length >= 20) {
        killed++
        const half: KinesisStreamRecord[] = event.Records.slice(0, event.Records.length >> 1)
        await processor({ ...event, Records: half }, context).catch(() => undefined)
        await sleep(context.getRemainingTimeInMillis() + 100) // hangs past the function timeout: Lambda kills it
        return undefined
      }
      const response = await processor(event, context)
      const { signal } = budgetOf(context)
      if (signal.aborted && signal.reason instanceof TimeoutApproachingError) drained++
      return response
    }

    const onFailure: KinesisOnFailureRecord[] = []
    const source = kinesisEventSource({
      cloud,
      streamName: names.input,
      handler,
      ...eventSourceParameters(logProcessorSettings),
      timeoutMs,
      memoryMb: 4096,
      functionName: 'chaos-log-processor',
      pollIntervalMs: 50,
      destinationConfig: { onFailure: (report) => void onFailure.push(report) },
    })

    faults.update(faultRates)
    await source.start()
    try {
      for (let from = 0; from < traffic.entries.length; from += 1000) {
        let pending = traffic.entries.slice(from, from + 1000)
        // The producer rides the same faults; what putRecords gives up on is sent again, in order.
        while (pending.length > 0) {
          const { records } = await putRecords(cloud.kinesis, names.input, pending)
          pending = pending.filter((_entry, index) => records[index]?.ok !== true)
        }
      }
      await source.drain()
    } finally {
      await source.stop()
    }
    while (stallProxy.held > 0) await sleep(50)
    const injected = faults.counts
    faults.update({ putRecordsThrottleRate: 0, putRecordsInternalFailureRate: 0, requestThrottleRate: 0 })
    processorKinesis.destroy()

    const input = await readStream(cloud.kinesis, names.input)
    const output = unpack(await readStream(cloud.kinesis, names.output))
    const letters = await readStream(cloud.kinesis, names.deadLetter)

    // The input, as the stream holds it: each id once, and each key's order.
    const inputIdOf = (record: StoredRecord) => idOfText(record.data)
    const inputPosition = new Map<string, number>()
    input.forEach((record, index) => {
      const id = inputIdOf(record)
      if (id !== undefined && !inputPosition.has(id)) inputPosition.set(id, index)
    })
    expect(input.length).toBe(events)
    expect(inputPosition.size).toBe(events)

    const outputPairs = output.map((record) => {
      const event = JSON.parse(record.data) as EnrichedLogEvent
      return [record.partitionKey, String(event.requestId)] as const
    })
    const outputIds = new Set(outputPairs.map(([, id]) => id))
    const letterIds: string[] = []
    for (const record of letters) {
      const letter = JSON.parse(record.data) as DeadLetter
      expect(['decode', 'schema']).toContain(letter.reason)
      expect(letter.issues.length).toBeGreaterThan(0)
      const id = idOfText(Buffer.from(letter.data, 'base64').toString('utf8'))
      if (id !== undefined) letterIds.push(id)
    }
    const deadLettered = new Set(letterIds)
    const givenUp = new Set(onFailure.flatMap((report) => idsInRange(report, input, inputIdOf)))

    const lost = [...inputPosition.keys()].filter(
      (id) => !outputIds.has(id) && !deadLettered.has(id) && !givenUp.has(id),
    )
    const misrouted =
      [...outputIds].filter((id) => !traffic.valid.has(id)).length +
      [...deadLettered].filter((id) => !traffic.invalid.has(id)).length
    const duplicated = output.length - outputIds.size + (letterIds.length - deadLettered.size)
    const violations = orderViolations(inputPosition, outputPairs)
    const stats = source.stats

    printFigures('chaos', {
      events,
      faults: {
        thrown: thrown.size,
        stalledRequests,
        stalledRecords: stalledIds.size,
        killed,
        failedEntries: injected.throttledEntries + injected.internalFailureEntries,
        throttledRequests: injected.throttledRequests,
      },
      lost: lost.length,
      duplicated,
      orderViolations: violations,
      output: outputIds.size,
      deadLettered: deadLettered.size,
      onFailure: givenUp.size,
      invocations: stats.invocations,
      drained,
      timeouts: stats.timeouts,
      retries: stats.retries,
      bisects: stats.bisects,
    })

    expect(lost.slice(0, 10)).toEqual([])
    expect(violations).toBe(0)
    expect(misrouted).toBe(0)
    expect(outputIds.size + deadLettered.size + givenUp.size).toBeGreaterThanOrEqual(events)
    // Every fault really happened: each poisoned record threw once, the stalls and the kill took place, the guard
    // drained invocations past their soft deadline, and the kill was seen as a timeout. (Another timeout can only come
    // from this one process starving its own event loop past a deadline: the figures line shows how many.)
    expect(thrown.size).toBe(traffic.poisoned.size)
    expect(stalledRequests).toBeGreaterThan(0)
    expect(drained).toBeGreaterThan(0)
    expect(killed).toBe(1)
    expect(stats.timeouts).toBeGreaterThanOrEqual(1)
    expect(injected.throttledEntries + injected.internalFailureEntries).toBeGreaterThan(0)
    expect(injected.throttledRequests).toBeGreaterThan(0)
  })
})
