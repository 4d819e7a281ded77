import type { SQSEvent } from 'aws-lambda'
import {
  type BatchSummary,
  fanOut,
  type InvalidRecordError,
  type WindowSummary,
  windowReducer,
} from 'serverless-done-right'
import * as v from 'valibot'
import { z } from 'zod'
import { lambdaContext } from '../helpers/context.js'
import { kinesisEvent, memoryLogger, sqsRecord } from './factories.js'

describe('fanOut with any Standard Schema', () => {
  it('takes a valibot schema, with its issues as pointers', async () => {
    const Order = v.object({ id: v.string(), total: v.pipe(v.number(), v.minValue(0)) })
    const totals: number[] = []
    const dead: InvalidRecordError[] = []
    const handler = fanOut(async (order) => void totals.push(order.total), {
      schema: Order,
      onInvalid: async (_record, error) => void dead.push(error),
      logger: memoryLogger().logger,
    })
    const event: SQSEvent = {
      Records: [sqsRecord(0, { id: 'a', total: 3 }), sqsRecord(1, { id: 'b', total: -1 }), sqsRecord(2, { id: 'c' })],
    }
    expect(await handler(event, lambdaContext())).toEqual({ batchItemFailures: [] })
    expect(totals).toEqual([3])
    expect(dead.map((error) => error.issues.map((issue) => issue.pointer))).toEqual([['/total'], ['/total']])
  })

  it('awaits an asynchronous schema, and reports what it rejects', async () => {
    const taken = new Set(['alice'])
    const Signup = z.object({ user: z.string() }).refine(async ({ user }) => !taken.has(user), 'user name taken')
    const users: string[] = []
    const handler = fanOut(async (signup) => void users.push(signup.user), {
      schema: Signup,
      ordering: 'none',
      logger: memoryLogger().logger,
    })
    const event = kinesisEvent([
      ['1', { user: 'bob' }],
      ['2', { user: 'alice' }],
    ])
    const response = await handler(event, lambdaContext())
    expect(users).toEqual(['bob'])
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: event.Records[1]?.kinesis.sequenceNumber }])
  })
})

describe('summaries', () => {
  it('logs one info line for a clean batch, and survives an onSummary that throws', async () => {
    const { logger, calls } = memoryLogger()
    const seen: BatchSummary[] = []
    const handler = fanOut(async () => undefined, {
      logger,
      onSummary: (summary) => {
        seen.push(summary)
        throw new Error('metrics down')
      },
    })
    const event = kinesisEvent(Array.from({ length: 100 }, (_, i) => [`k${i % 7}`, { i }] as const))
    expect(await handler(event, lambdaContext())).toEqual({ batchItemFailures: [] })
    expect(calls.filter((call) => call.level === 'info')).toHaveLength(1)
    expect(calls.filter((call) => call.level === 'debug' || call.level === 'warn')).toEqual([])
    expect(calls.filter((call) => call.level === 'error').map((call) => call.message)).toEqual(['onSummary threw'])
    expect(seen[0]).toMatchObject({ records: 100, succeeded: 100, failed: 0, skipped: 0, aborted: 0 })
    expect(seen[0]?.durationMs).toBeGreaterThanOrEqual(0)

    const windows: WindowSummary[] = []
    const reducer = windowReducer({
      key: (item: { i: number }) => String(item.i % 3),
      initial: () => 0,
      reduce: (count: number) => count + 1,
      flush: async () => undefined,
      logger,
      onSummary: (summary) => {
        windows.push(summary)
        throw new Error('metrics down')
      },
    })
    const window = { start: '2026-01-01T00:00:00Z', end: '2026-01-01T00:01:00Z' }
    const result = await reducer(
      { ...event, window, isFinalInvokeForWindow: false, isWindowTerminatedEarly: false },
      lambdaContext(),
    )
    expect(result.state).toEqual({ '0': 34, '1': 33, '2': 33 })
    expect(windows[0]).toMatchObject({ records: 100, folded: 100, reported: 0, keys: 3, final: false, flushes: 0 })
  })
})
