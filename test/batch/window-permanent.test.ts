/**
 * Poison records in `windowReducer`: a `key` or `reduce` that throws `PermanentError` sends the record to the
 * `deadLetter` handler; it is left out of the state (as if never folded) and folding goes on. Real middy chains, records
 * derived from the real Kinesis and DynamoDB Streams fixtures.
 */
import middy from '@middy/core'
import type { DynamoDBRecord, KinesisStreamRecord } from 'aws-lambda'
import {
  BatchFailureError,
  PermanentError,
  type TumblingWindowEvent,
  type WindowReducerOptions,
  type WindowResponse,
  type WindowSummary,
  windowReducer,
} from 'serverless-done-right'
import { lambdaContext } from '../helpers/context.js'
import { dynamodbRecord, kinesisRecord, memoryLogger } from './factories.js'

interface Order {
  readonly page: string
  readonly n: number
  readonly poison?: 'key' | 'reduce' | 'late-reduce'
}
type Tally = { count: number; ns: number[] }

function windowEvent(Records: (KinesisStreamRecord | DynamoDBRecord)[], final = false): TumblingWindowEvent {
  return {
    Records,
    window: { start: '2026-11-27T10:00:00Z', end: '2026-11-27T10:05:00Z' },
    state: {},
    shardId: 'shardId-000000000006',
    isFinalInvokeForWindow: final,
    isWindowTerminatedEarly: false,
  }
}

const sources = [
  {
    name: 'Kinesis',
    records: (orders: readonly Order[]) => orders.map((order, i) => kinesisRecord(i, order.page, order)),
    id: (record: KinesisStreamRecord | DynamoDBRecord) => ('kinesis' in record ? record.kinesis.sequenceNumber : ''),
  },
  {
    name: 'DynamoDB Streams',
    records: (orders: readonly Order[]) =>
      orders.map((order, i) => {
        const { page, n, poison } = order
        return dynamodbRecord(i, n, poison === undefined ? { page, n } : { page, n, poison })
      }),
    id: (record: KinesisStreamRecord | DynamoDBRecord) =>
      'dynamodb' in record ? (record.dynamodb?.SequenceNumber ?? '') : '',
  },
] as const

/** A reducer of tallies per page that throws `PermanentError` where an order says so. */
function tallies(extra: Partial<WindowReducerOptions<Order, Tally>> = {}) {
  return windowReducer<Order, Tally>({
    key: (order) => {
      if (order.poison === 'key') throw new PermanentError(`order ${order.n}: no such page`)
      return order.page
    },
    initial: () => ({ count: 0, ns: [] }),
    reduce: (tally, order) => {
      // Mutates the accumulator before it throws: the record must still leave no trace.
      tally.ns.push(order.n)
      if (order.poison === 'reduce') throw new PermanentError(`order ${order.n}: refused`)
      tally.count++
      return tally
    },
    flush: async () => undefined,
    logger: memoryLogger().logger,
    ...extra,
  })
}

const orders: readonly Order[] = [
  { page: 'a', n: 0 },
  { page: 'a', n: 1, poison: 'reduce' },
  { page: 'b', n: 2 },
  { page: 'b', n: 3, poison: 'key' },
  { page: 'a', n: 4 },
  { page: 'a', n: 5, poison: 'reduce' },
  { page: 'b', n: 6 },
]

describe('windowReducer: a PermanentError record goes to the dead-letter handler', () => {
  it.each(sources)(
    '$name: a PermanentError record is dead-lettered once and never appears in batchItemFailures',
    async (source) => {
      const records = source.records(orders)
      const letters: { id: string; reason: string }[] = []
      const summaries: WindowSummary[] = []
      const handler = middy<unknown, WindowResponse<Tally>>().handler(
        tallies({
          deadLetter: async (record, error, meta) => {
            expect(meta.id).toBe(source.id(record as KinesisStreamRecord | DynamoDBRecord))
            letters.push({ id: meta.id, reason: error instanceof PermanentError ? error.reason : error.message })
          },
          onSummary: (summary) => void summaries.push(summary),
        }),
      )
      const response = await handler(windowEvent(records), lambdaContext())
      expect(response).toEqual({
        state: { a: { count: 2, ns: [0, 4] }, b: { count: 2, ns: [2, 6] } },
        batchItemFailures: [],
      })
      expect(letters).toEqual([
        { id: source.id(records[1] as KinesisStreamRecord), reason: 'order 1: refused' },
        { id: source.id(records[3] as KinesisStreamRecord), reason: 'order 3: no such page' },
        { id: source.id(records[5] as KinesisStreamRecord), reason: 'order 5: refused' },
      ])
      const summary = summaries[0] as WindowSummary
      expect(summary).toMatchObject({ records: 7, folded: 4, permanent: 3, deadLettered: 0, reported: 0 })
      expect(summary.folded + summary.deadLettered + summary.permanent + summary.reported).toBe(summary.records)
    },
  )

  it('keeps the state exact when an ordinary failure comes after dead-lettered records', async () => {
    const records = sourceRecords([...orders, { page: 'a', n: 7, poison: 'late-reduce' }, { page: 'b', n: 8 }])
    const summaries: WindowSummary[] = []
    const handler = tallies({
      reduce: (tally, order) => {
        tally.ns.push(order.n)
        if (order.poison === 'reduce') throw new PermanentError('refused')
        if (order.poison === 'late-reduce') throw new Error('database down')
        tally.count++
        return tally
      },
      deadLetter: async () => undefined,
      onSummary: (summary) => void summaries.push(summary),
    })
    const response = await handler(windowEvent(records), lambdaContext())
    // The state holds exactly the records folded before the failure; the failure and the rest are reported.
    expect(response.state).toEqual({ a: { count: 2, ns: [0, 4] }, b: { count: 2, ns: [2, 6] } })
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(
      [records[7], records[8]].map((record) => record?.kinesis.sequenceNumber),
    )
    const summary = summaries[0] as WindowSummary
    expect(summary.folded + summary.deadLettered + summary.permanent + summary.reported).toBe(summary.records)
  })

  it('reports the record and every later one when the dead-letter handler rejects', async () => {
    const { logger, calls } = memoryLogger()
    const handler = tallies({
      logger,
      deadLetter: async () => {
        throw new Error('dead-letter stream down')
      },
    })
    const records = sourceRecords(orders)
    const response = await handler(windowEvent(records), lambdaContext())
    expect(response.state).toEqual({ a: { count: 1, ns: [0] } })
    expect(response.batchItemFailures).toHaveLength(6)
    expect(calls.filter((call) => call.level === 'error').map((call) => call.message)).toEqual([
      'Dead-letter sink failed; record reported as failed',
    ])
    // On the final invocation of the window, the failure fails the invocation, as any failure there.
    await expect(handler(windowEvent(records, true), lambdaContext())).rejects.toBeInstanceOf(BatchFailureError)
  })

  it('without a dead-letter handler, fails the record as any error and logs it at error', async () => {
    const { logger, calls } = memoryLogger()
    const records = sourceRecords(orders)
    const response = await tallies({ logger, onInvalid: async () => undefined })(windowEvent(records), lambdaContext())
    expect(response.state).toEqual({ a: { count: 1, ns: [0] } })
    expect(response.batchItemFailures).toHaveLength(6)
    expect(calls.filter((call) => call.level === 'error')).toEqual([
      {
        level: 'error',
        message: 'PermanentError thrown but no deadLetter handler is configured; record reported',
        extra: [{ id: records[1]?.kinesis.sequenceNumber, reason: 'order 1: refused' }],
      },
    ])
  })

  it('is a creation-time error to rely on a dead-letter handler that is not configured, naming the option', () => {
    expect(() => tallies({ onPermanent: 'dead-letter' })).toThrow(
      /windowReducer\(options\): onPermanent is 'dead-letter', which needs a deadLetter handler/,
    )
    expect(() => tallies({ onInvalid: 'dead-letter', onPermanent: 'fail' })).toThrow(/onInvalid is 'dead-letter'/)
  })
})

function sourceRecords(list: readonly Order[]): KinesisStreamRecord[] {
  return list.map((order, i) => kinesisRecord(i, order.page, order))
}
