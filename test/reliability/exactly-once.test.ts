/**
 * Suite 2 — exactly-once counts. The real stream reducer (`createStreamReducer`) behind the event source mapping
 * emulator with tumbling windows, under injected failures:
 *
 * - the final invocation of every window on every shard fails on its first attempt, in turn: a throw before the flush,
 *   a throw after the flush has written its counts, and a hang past the function timeout after the flush;
 * - 10% of the other invocations throw after folding their records (the state they folded is thrown away);
 * - at the wire, between the reducer and DynamoDB: 10% of PutItem calls refused (throttled or a 500, nothing written)
 *   and 5% applied with the answer lost (a 500 after the write: the SDK and Lambda retry a write that happened).
 *
 * The counts read back with `readWindowCounts` must equal the true counts, computed from what the stream holds and
 * when each record arrived, exactly: every key of every window, no count lost, none added twice.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { MiddlewareObj } from '@middy/core'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import type { Context } from 'aws-lambda'
import { type PutRecordsEntry, putRecords, type TumblingWindowEvent } from 'serverless-done-right'
import { kinesisEventSource, type LocalCloud, startLocalCloud } from 'serverless-done-right/local'
import { eventSourceParameters } from '../../recipes/kinesis-log-processor/local.js'
import { createStreamReducer, readWindowCounts } from '../../recipes/stream-reducer/app.js'
import { countKeySchema } from '../../recipes/stream-reducer/schema.js'
import { streamReducerSettings } from '../../recipes/stream-reducer/settings.js'
import { createCountsTable, readArrivals, silentLogger } from '../recipes/stream-reducer/helpers.js'
import { printFigures } from './helpers/figures.js'
import { dynamoError, startWireProxy, type WireProxy } from './helpers/wire-proxy.js'

const names = { stream: 'exactly-once-logs', table: 'exactly-once-counts' } as const
const shards = 3
const bursts = 8
const eventsPerBurst = 2500
const windowSeconds = 2
const timeoutMs = 2000
const words = ['GET', 'POST', 'PUT', 'DELETE', 'ERROR', 'WARN', 'login.failed', 'checkout', 'search', 'ünïcödé']

function seeded(start: number): () => number {
  let state = start >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let mixed = Math.imul(state ^ (state >>> 15), state | 1)
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61)
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296
  }
}

/** One burst of log events; one in twenty has no key or is not JSON (never counted). */
function burst(index: number, random: () => number): PutRecordsEntry[] {
  return Array.from({ length: eventsPerBurst }, (_, offset) => {
    const n = index * eventsPerBurst + offset
    const word = words[Math.floor(random() * words.length)] as string
    const draw = random()
    const data =
      draw < 0.025
        ? `not json ${n}`
        : draw < 0.05
          ? JSON.stringify({ level: 'INFO', n })
          : JSON.stringify({ message: `${word} /items/${n} took ${n % 50} ms`, n })
    return { partitionKey: `client-${Math.floor(random() * 300)}`, data }
  })
}

/** The true count of every key in every window, from the stream's records and their arrival times. */
function trueCounts(records: ReadonlyArray<{ data: string; arrivalMs: number }>): Map<string, Record<string, number>> {
  const keyOf = countKeySchema()
  const windowMs = windowSeconds * 1000
  const windows = new Map<string, Record<string, number>>()
  for (const record of records) {
    let parsed: unknown
    try {
      parsed = JSON.parse(record.data)
    } catch {
      continue
    }
    const key = keyOf.safeParse(parsed)
    if (!key.success) continue
    const start = new Date(Math.floor(record.arrivalMs / windowMs) * windowMs).toISOString()
    const counts = windows.get(start) ?? {}
    counts[key.data] = (counts[key.data] ?? 0) + 1
    windows.set(start, counts)
  }
  return windows
}

let cloud: LocalCloud
let dynamoProxy: WireProxy | undefined

beforeAll(async () => {
  cloud = await startLocalCloud()
  await cloud.createStream(names.stream, shards)
  await createCountsTable(cloud, names.table)
})

afterAll(async () => {
  await dynamoProxy?.stop()
  await cloud?.stop()
})

describe('suite 2: exactly-once counts from the stream reducer', () => {
  it('counts every event once, per key and window, while final invocations and DynamoDB writes fail', async () => {
    const random = seeded(424_242)
    const faults = { refused: 0, answersLost: 0, finalFailures: 0, batchFailures: 0, timeouts: 0 }

    // The wire between the reducer and DynamoDB.
    const wire = seeded(7)
    dynamoProxy = await startWireProxy(cloud.endpoints.dynamodb, (request) => {
      if (request.operation !== 'PutItem') return { kind: 'forward' }
      const draw = wire()
      if (draw < 0.05) {
        faults.refused++
        return { kind: 'refuse', answer: dynamoError(400, 'ProvisionedThroughputExceededException', 'Rate exceeded') }
      }
      if (draw < 0.1) {
        faults.refused++
        return { kind: 'refuse', answer: dynamoError(500, 'InternalServerError', 'Internal server error') }
      }
      if (draw < 0.15) {
        faults.answersLost++
        return { kind: 'lose-answer', answer: dynamoError(500, 'InternalServerError', 'Internal server error') }
      }
      return { kind: 'forward' }
    })
    const dynamodb = new DynamoDBClient({
      endpoint: dynamoProxy.url,
      region: cloud.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      requestHandler: new NodeHttpHandler(),
    })
    const documentClient = DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } })

    // In the handler: a middleware after the recipe's guards fails invocations, before or after the reducer ran. The
    // final invocation of each window on each shard fails once, each in turn one of three ways.
    const kinds = ['throw before the flush', 'throw after the flush', 'hang after the flush'] as const
    const finalFault = new Map<string, (typeof kinds)[number] | undefined>()
    const failedBatches = new Set<string>()
    const batchFaults = seeded(99)
    const windowOf = (event: TumblingWindowEvent) => `${event.window.start}#${event.shardId}`
    /** The fault planned for this final invocation, if it has not happened yet; each is taken once. */
    const takeFinalFault = (event: TumblingWindowEvent, kind: (typeof kinds)[number]) => {
      const window = windowOf(event)
      if (!finalFault.has(window)) finalFault.set(window, kinds[finalFault.size % kinds.length])
      if (finalFault.get(window) !== kind) return false
      finalFault.set(window, undefined)
      return true
    }
    const failures: MiddlewareObj<TumblingWindowEvent> = {
      before: (request) => {
        const event = request.event
        if (event.isFinalInvokeForWindow && takeFinalFault(event, 'throw before the flush')) {
          faults.finalFailures++
          throw new Error(`injected fault: final invocation of ${windowOf(event)} failed before its flush`)
        }
      },
      after: (request) => {
        const event = request.event
        if (event.isFinalInvokeForWindow) {
          if (!takeFinalFault(event, 'throw after the flush')) return
          faults.finalFailures++
          throw new Error(`injected fault: final invocation of ${windowOf(event)} failed after its flush`)
        }
        const first = (event.Records[0] as { kinesis?: { sequenceNumber: string } } | undefined)?.kinesis
        if (first === undefined || failedBatches.has(first.sequenceNumber) || batchFaults() >= 0.1) return
        failedBatches.add(first.sequenceNumber)
        faults.batchFailures++
        throw new Error('injected fault: the invocation failed after folding its records')
      },
    }
    const reducer = createStreamReducer({ documentClient, tableName: names.table, logger: silentLogger() }).use(
      failures,
    )
    const handler = async (event: TumblingWindowEvent, context: Context) => {
      const response = await reducer(event, context)
      if (event.isFinalInvokeForWindow && takeFinalFault(event, 'hang after the flush')) {
        faults.timeouts++
        await sleep(context.getRemainingTimeInMillis() + 100) // Lambda kills it at the timeout
      }
      return response
    }

    const source = kinesisEventSource({
      cloud,
      streamName: names.stream,
      handler,
      ...eventSourceParameters(streamReducerSettings),
      tumblingWindowInSeconds: windowSeconds,
      timeoutMs,
      memoryMb: 4096,
      functionName: 'exactly-once-reducer',
      pollIntervalMs: 50,
    })
    await source.start()
    try {
      for (let index = 0; index < bursts; index++) {
        const { failedCount } = await putRecords(cloud.kinesis, names.stream, burst(index, random))
        expect(failedCount).toBe(0)
        await sleep(windowSeconds * 600)
      }
      await source.drain()
    } finally {
      await source.stop()
    }
    dynamodb.destroy()

    const truth = trueCounts(await readArrivals(cloud, names.stream))
    let expected = 0
    let counted = 0
    let lost = 0
    let duplicated = 0
    const mismatches: string[] = []
    for (const [windowStart, counts] of truth) {
      const read = await readWindowCounts({ documentClient: cloud.documentClient, tableName: names.table, windowStart })
      for (const key of new Set([...Object.keys(counts), ...Object.keys(read)])) {
        const want = counts[key] ?? 0
        const got = read[key] ?? 0
        expected += want
        counted += got
        lost += Math.max(0, want - got)
        duplicated += Math.max(0, got - want)
        if (want !== got) mismatches.push(`${windowStart} ${key}: counted ${got}, expected ${want}`)
      }
    }
    const stats = source.stats
    printFigures('exactly-once', {
      events: bursts * eventsPerBurst,
      counted,
      expected,
      windows: truth.size,
      faults,
      lost,
      duplicated,
      orderViolations: 'n/a',
      mismatches: mismatches.length,
      invocations: stats.invocations,
      errors: stats.errors,
      finalInvocations: stats.windowFinalInvocations,
    })

    expect(mismatches).toEqual([])
    expect(counted).toBe(expected)
    expect(truth.size).toBeGreaterThanOrEqual(4)
    // Every kind of fault took place, and the emulator saw the failures.
    expect(faults.finalFailures).toBeGreaterThanOrEqual(2)
    expect(faults.finalFailures + faults.timeouts).toBe(finalFault.size)
    expect(faults.timeouts).toBeGreaterThanOrEqual(1)
    expect(faults.batchFailures).toBeGreaterThan(0)
    expect(faults.refused).toBeGreaterThan(0)
    expect(faults.answersLost).toBeGreaterThan(0)
    expect(stats.timeouts).toBeGreaterThanOrEqual(faults.timeouts)
    expect(stats.onFailureBatches).toBe(0)
  })
})
