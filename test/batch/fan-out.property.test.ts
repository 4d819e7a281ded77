/**
 * Property test of the fan-out engine over random batches: sizes, keys, sources, orderings, concurrency, failures,
 * permanent failures (`PermanentError` to the dead-letter handler), invalid payloads, latencies and abort points.
 */
import middy from '@middy/core'
import type { DynamoDBStreamEvent, KinesisStreamEvent, SQSEvent } from 'aws-lambda'
import fc from 'fast-check'
import {
  BatchFailureError,
  type BatchResponse,
  type BatchSummary,
  budgetOf,
  fanOut,
  PermanentError,
  TimeoutApproachingError,
} from 'serverless-done-right'
import { internalsOf } from '../../src/budget/invocation.js'
import { lambdaContext } from '../helpers/context.js'
import { type LagMeter, lagMeter } from '../helpers/timing.js'
import { dynamodbRecord, kinesisRecord, memoryLogger, sleep, sqsRecord } from './factories.js'

type Latency = 'sync' | 'micro' | 'timer' | 'slow'
interface Plan {
  key: number
  fails: boolean
  /** Throws a `PermanentError`: dead-lettered, complete, its key goes on. */
  permanent: boolean
  invalid: boolean
  latency: Latency
}

const SLOW_MS = 40

const planArb = fc.record({
  key: fc.nat(19),
  fails: fc.boolean().chain((b) => (b ? fc.boolean() : fc.constant(false))), // ~25 %
  permanent: fc.integer({ min: 0, max: 9 }).map((n) => n === 0), // ~10 %, when it does not fail
  invalid: fc.integer({ min: 0, max: 29 }).map((n) => n === 0),
  latency: fc.oneof(
    { weight: 10, arbitrary: fc.constant<Latency>('sync') },
    { weight: 10, arbitrary: fc.constant<Latency>('micro') },
    { weight: 1, arbitrary: fc.constant<Latency>('timer') }, // ~5 %: a real macrotask turn
  ),
})

const batchArb = fc
  .record({
    // Mostly small batches (fast runs), a fifth of them up to the full 500.
    size: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 60 }) }, fc.integer({ min: 1, max: 500 })),
    keys: fc.integer({ min: 1, max: 20 }),
    source: fc.constantFrom('kinesis', 'dynamodb', 'sqs-fifo'),
    ordering: fc.constantFrom('key', 'key', 'batch', 'none'),
    concurrency: fc.integer({ min: 1, max: 32 }),
    drainMs: fc.integer({ min: 0, max: 20 }),
    abortAfterStarts: fc.option(fc.nat(300), { freq: 3 }),
    slowRecord: fc.option(fc.nat(499), { freq: 20 }),
    throwOnFullBatchFailure: fc.boolean(),
  })
  .chain((shape) =>
    fc.array(planArb, { minLength: shape.size, maxLength: shape.size }).map((plans) => ({
      ...shape,
      plans: plans.map((plan, index) => ({
        ...plan,
        key: plan.key % shape.keys,
        latency: index === shape.slowRecord ? ('slow' as const) : plan.latency,
      })),
    })),
  )

type Batch = typeof batchArb extends fc.Arbitrary<infer B> ? B : never

function eventOf(batch: Batch): { event: KinesisStreamEvent | DynamoDBStreamEvent | SQSEvent; ids: string[] } {
  const payload = (index: number, plan: Plan) => (plan.invalid ? '{not json' : { index })
  if (batch.source === 'kinesis') {
    const Records = batch.plans.map((plan, index) => kinesisRecord(index, `pk-${plan.key}`, payload(index, plan)))
    return { event: { Records }, ids: Records.map((record) => record.kinesis.sequenceNumber) }
  }
  if (batch.source === 'sqs-fifo') {
    const Records = batch.plans.map((plan, index) => sqsRecord(index, payload(index, plan), `group-${plan.key}`))
    return { event: { Records }, ids: Records.map((record) => record.messageId) }
  }
  // DynamoDB: invalid records carry a number DynamoDB cannot represent as a JS number.
  const Records = batch.plans.map((plan, index) => {
    const record = dynamodbRecord(index, plan.key, { index })
    if (plan.invalid && record.dynamodb?.NewImage !== undefined) record.dynamodb.NewImage.index = { N: '1e20' }
    return record
  })
  return { event: { Records }, ids: Records.map((record) => record.dynamodb?.SequenceNumber ?? '') }
}

async function wait(latency: Latency): Promise<void> {
  if (latency === 'micro') {
    await Promise.resolve()
    await Promise.resolve()
  } else if (latency === 'timer') await sleep(1)
  else if (latency === 'slow') await sleep(SLOW_MS) // ignores the signal on purpose
}

describe('fanOut property', () => {
  it('loses nothing, keeps per-key order, stops keys at failures, bounds in-flight, drains in time', async () => {
    await fc.assert(
      fc.asyncProperty(batchArb, async (batch) => {
        const { event, ids } = eventOf(batch)
        const context = lambdaContext({ timeoutMs: 60_000 })
        const budget = budgetOf(context)
        const startedByKey = new Map<number, number[]>()
        const startedInOrder: number[] = []
        const threw = new Set<number>()
        const resolved = new Set<number>()
        const lettered = new Set<number>()
        let summary: BatchSummary | undefined
        const keyBusy = new Set<number>()
        let inFlight = 0
        let peak = 0
        let abortedAt: number | undefined
        let lag: LagMeter | undefined
        const handler = fanOut<{ index: number } | Record<string, unknown>>(
          async (item) => {
            const index = Number(item.index)
            const plan = batch.plans[index] as Plan
            startedInOrder.push(index)
            startedByKey.set(plan.key, [...(startedByKey.get(plan.key) ?? []), index])
            if (batch.ordering !== 'none' && keyBusy.has(plan.key)) throw new Error(`key ${plan.key} ran twice at once`)
            keyBusy.add(plan.key)
            peak = Math.max(peak, ++inFlight)
            if (startedInOrder.length === batch.abortAfterStarts) {
              abortedAt = performance.now()
              budget.abort(new TimeoutApproachingError({ phase: 'soft', remainingMs: 100 }))
              lag = lagMeter(batch.drainMs)
            }
            try {
              await wait(plan.latency)
              if (plan.fails) {
                threw.add(index)
                throw new Error(`record ${index} fails`)
              }
              if (plan.permanent) throw new PermanentError(`record ${index} can never succeed`)
              resolved.add(index)
            } finally {
              inFlight--
              keyBusy.delete(plan.key)
            }
          },
          {
            ordering: batch.ordering,
            concurrency: batch.concurrency,
            drainMs: batch.drainMs,
            throwOnFullBatchFailure: batch.throwOnFullBatchFailure,
            logger: memoryLogger().logger,
            onInvalid: 'fail',
            deadLetter: async (_record, error, meta) => {
              expect(error).toBeInstanceOf(PermanentError)
              const index = ids.indexOf(meta.id)
              await wait((batch.plans[index] as Plan).latency)
              lettered.add(index)
            },
            onSummary: (counts) => {
              summary = counts
            },
          },
        )
        let response: BatchResponse
        try {
          response = await middy<unknown, BatchResponse>().handler(handler)(event, context)
        } catch (error) {
          if (!(error instanceof BatchFailureError)) throw error
          expect(error.recordErrors.map((entry) => entry.id)).toEqual(ids)
          response = { batchItemFailures: error.recordErrors.map((entry) => ({ itemIdentifier: entry.id })) }
        }
        const returnedAt = performance.now()
        const reported = response.batchItemFailures.map((failure) => failure.itemIdentifier as string)

        // Every reported identifier is a record's identifier, of the right field, reported once.
        const idSet = new Set(ids)
        expect(reported.every((id) => idSet.has(id))).toBe(true)
        expect(new Set(reported).size).toBe(reported.length)
        // No record lost: each one resolved in its handler, was dead-lettered, or is reported; a record whose handler
        // threw (not a PermanentError) is reported.
        const reportedSet = new Set(reported)
        ids.forEach((id, index) => {
          const plan = batch.plans[index] as Plan
          if (!reportedSet.has(id)) expect(resolved.has(index) || lettered.has(index)).toBe(true)
          if (threw.has(index) || plan.invalid) expect(reportedSet.has(id)).toBe(true)
        })
        // The summary's outcome counts are disjoint and add up to the batch; `permanent` is what was dead-lettered in time.
        const { succeeded, failed, invalid, deadLettered, permanent, skipped, aborted, unconfirmed } =
          summary as BatchSummary
        expect(succeeded + failed + invalid + deadLettered + permanent + skipped + aborted + unconfirmed).toBe(
          ids.length,
        )
        expect(succeeded + deadLettered + permanent).toBe(ids.length - reported.length)
        expect(permanent).toBe([...lettered].filter((index) => !reportedSet.has(ids[index] as string)).length)
        // The budget names exactly the records done.
        for (const id of internalsOf(context).confirmedIds()) expect(reportedSet.has(id)).toBe(false)
        expect(internalsOf(context).confirmedIds().size + reported.length).toBe(ids.length)
        // In flight never exceeds concurrency.
        expect(peak).toBeLessThanOrEqual(batch.concurrency)
        // Per-key start order is batch order, with no gap, and nothing starts after a failure in its lane.
        const lanes =
          batch.ordering === 'batch'
            ? [batch.plans.map((_, index) => index)]
            : batch.ordering === 'key'
              ? [...new Set(batch.plans.map((plan) => plan.key))].map((key) =>
                  batch.plans.flatMap((plan, index) => (plan.key === key ? [index] : [])),
                )
              : []
        for (const lane of lanes) {
          const laneSet = new Set(lane)
          const started = startedInOrder.filter((index) => laneSet.has(index))
          const handled = lane.filter((index) => !(batch.plans[index] as Plan).invalid)
          // Invalid records never reach the handler; the started ones are a prefix of the lane's valid records.
          expect(started).toEqual(handled.slice(0, started.length))
          const failedAt = lane.findIndex((index) => threw.has(index) || (batch.plans[index] as Plan).invalid)
          if (failedAt !== -1) {
            const after = new Set(lane.slice(failedAt + 1))
            expect(started.some((index) => after.has(index))).toBe(false)
          }
        }
        // After an abort the engine returns within drainMs + 50 ms. A loaded machine can fire any timer late; the
        // event-loop lag measured from the abort for drainMs is what no code could avoid, so it is allowed.
        if (abortedAt !== undefined && lag !== undefined) {
          expect(returnedAt - abortedAt).toBeLessThan(batch.drainMs + 50 + (await lag.ms()))
        }
      }),
      { numRuns: 1000 },
    )
  }, 120_000)
})
