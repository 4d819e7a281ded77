import { jest } from '@jest/globals'
import middy from '@middy/core'
import type { Context } from 'aws-lambda'
import {
  fanOut,
  MemoryPressureError,
  type MemorySummary,
  memoryWatchdog,
  type RecordMeta,
  type StructuredLogger,
} from 'serverless-done-right'
import { invokeConcurrently } from 'serverless-done-right/local'
import { invocationsToShed } from '../../src/guards/shed-policy.js'
import { kinesisBatch, sequenceNumbers } from '../helpers/kinesis-batch.js'
import { sleep } from './helpers.js'

// What the watchdog sheds when 64 invocations share one process (Lambda Managed Instances). RSS is injected: the spy
// answers every `process.memoryUsage.rss()` reading (the watchdog's and invoke's sampler's) with `rssMb`, so that one
// invocation's "allocation" is a number set at a known point of its batch, with no real allocation. The V8 heap is
// real and far below its limit here.

const MB = 1024 * 1024
const limitMb = 1024
const invocations = 64
const recordsPerBatch = 12
const allocator = 10 // neither the oldest nor the youngest

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined }

interface Item {
  readonly invocation: number
  readonly record: number
}

interface Scenario {
  /** The used share of the function memory the allocator's third record takes RSS to. */
  readonly pressure: number
  /** How many sheds the pressure outlasts: RSS falls back to half the limit once this many were shed. */
  readonly clearsAfterSheds: number
}

/** Runs 64 batches at once; the allocator's third record takes RSS to `pressure` of the limit. */
async function run({ pressure, clearsAfterSheds }: Scenario) {
  let rssMb = limitMb / 2
  jest.spyOn(process.memoryUsage, 'rss').mockImplementation(() => rssMb * MB)
  const timeline: string[] = []
  const logger: StructuredLogger = {
    ...quiet,
    warn: (message, fields) => {
      if (message !== 'Memory pressure: budget aborted to shed load') return
      timeline.push(`shed ${(fields as { requestId: string }).requestId}`)
      // The memory frees once enough were shed (synchronously, before any further reading).
      if (timeline.filter((entry) => entry.startsWith('shed')).length >= clearsAfterSheds) rssMb = limitMb / 2
    },
  }
  const onSummary = (summary: MemorySummary) => timeline.push(`end ${summary.requestId}`)
  const watchdog = memoryWatchdog({ sampleIntervalMs: 0, logger, onSummary })
  const reasons = new Map<number, unknown>()
  const recordHandler = async (item: Item, meta: RecordMeta) => {
    if (item.invocation === allocator && item.record === 2) rssMb = limitMb * pressure
    await sleep(15)
    if (meta.signal.aborted) reasons.set(item.invocation, meta.signal.reason)
  }
  const handler = middy(watchdog.middyOptions)
    .use(watchdog)
    .handler(
      fanOut(recordHandler, { ordering: 'batch', logger: quiet }) as (e: unknown, c: Context) => Promise<unknown>,
    )
  const events = Array.from({ length: invocations }, (_, invocation) =>
    kinesisBatch(
      invocation,
      Array.from({ length: recordsPerBatch }, (_, record) => ({ invocation, record })),
    ),
  )
  const requestIds = events.map((_, invocation) => `inv-${invocation}`)
  const outcomes = await invokeConcurrently(handler, events, { timeoutMs: 30_000, memoryMb: limitMb, requestIds })
  const failures = outcomes.map(
    (outcome) => (outcome.result as { batchItemFailures: { itemIdentifier: string }[] }).batchItemFailures,
  )
  return { timeline, failures, events, reasons }
}

afterEach(() => {
  jest.restoreAllMocks()
})

describe('memoryWatchdog() with 64 invocations in one process', () => {
  it("sheds only the youngest for one invocation's allocation; the other 63 finish every record", async () => {
    const { timeline, failures, events, reasons } = await run({ pressure: 0.92, clearsAfterSheds: 1 })
    expect(timeline.filter((entry) => entry.startsWith('shed'))).toEqual(['shed inv-63'])
    expect(timeline).toHaveLength(1 + invocations) // one shed, 64 summaries
    for (const [invocation, failed] of failures.entries()) {
      if (invocation === 63) continue
      expect({ invocation, failed }).toEqual({ invocation, failed: [] })
    }
    // The youngest stopped taking records: what it had not finished is retried, in batch order.
    const youngest = sequenceNumbers(events[63] as (typeof events)[number])
    const failedIds = failures[63]?.map((failure) => failure.itemIdentifier) ?? []
    expect(failedIds.length).toBeGreaterThan(0)
    expect(failedIds).toEqual(youngest.slice(youngest.length - failedIds.length))
    // No other invocation's record ever saw its signal aborted (the youngest's may have had none in flight).
    expect([...reasons.keys()].filter((invocation) => invocation !== 63)).toEqual([])
    for (const reason of reasons.values()) expect(reason).toBeInstanceOf(MemoryPressureError)
  }, 30_000)

  it('sheds the next youngest only after the previous one ended, while the pressure lasts', async () => {
    const { timeline, failures } = await run({ pressure: 0.92, clearsAfterSheds: 3 })
    const sheds = timeline.filter((entry) => entry.startsWith('shed'))
    expect(sheds).toEqual(['shed inv-63', 'shed inv-62', 'shed inv-61'])
    for (const [previous, next] of [
      ['inv-63', 'inv-62'],
      ['inv-62', 'inv-61'],
    ]) {
      expect(timeline.indexOf(`end ${previous}`)).toBeLessThan(timeline.indexOf(`shed ${next}`))
    }
    expect(failures.filter((failed) => failed.length > 0)).toHaveLength(3)
  }, 30_000)

  it('sheds every invocation at once at shedAllRatio', async () => {
    const { timeline, failures } = await run({ pressure: 0.97, clearsAfterSheds: invocations })
    const sheds = timeline.filter((entry) => entry.startsWith('shed'))
    expect(sheds).toHaveLength(invocations)
    // All in one reading: no invocation ended between the first shed and the last.
    expect(timeline.slice(0, invocations)).toEqual(sheds)
    expect(failures.every((failed) => failed.length > 0)).toBe(true)
  }, 30_000)
})

describe('invocationsToShed()', () => {
  const thresholds = { shedRatio: 0.9, shedAllRatio: 0.95 }
  const watch = (order: number, pressure: number, shed = false) => ({ order, pressure, shed })

  it('picks the youngest under pressure, on a full reading, when none shed is still running', () => {
    const running = [watch(3, 0.92), watch(7, 0.92), watch(5, 0.92), watch(9, 0)]
    expect(invocationsToShed(running, thresholds, true)).toEqual([watch(7, 0.92)])
    expect(invocationsToShed(running, thresholds, false)).toEqual([])
    expect(invocationsToShed([...running, watch(1, 0.92, true)], thresholds, true)).toEqual([])
    expect(invocationsToShed([watch(1, 0.5), watch(2, 0)], thresholds, true)).toEqual([])
  })

  it('picks every one under pressure at shedAllRatio, on any reading, even while one shed still runs', () => {
    const running = [watch(1, 0.96), watch(2, 0.96), watch(3, 0), watch(4, 0.96, true)]
    expect(invocationsToShed(running, thresholds, false)).toEqual([watch(1, 0.96), watch(2, 0.96)])
  })
})
