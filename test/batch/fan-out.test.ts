import middy from '@middy/core'
import type { DynamoDBStreamEvent, KinesisStreamEvent, SQSEvent } from 'aws-lambda'
import {
  BatchFailureError,
  type BatchResponse,
  type BatchSummary,
  budgetOf,
  fanOut,
  InvalidRecordError,
  type RecordHandler,
  RecordNotProcessedError,
  TimeoutApproachingError,
  UnsupportedEventError,
} from 'serverless-done-right'
import { z } from 'zod'
import { internalsOf } from '../../src/budget/invocation.js'
import { lambdaContext } from '../helpers/context.js'
import { fixture } from '../helpers/fixtures.js'
import { type LagMeter, lagMeter } from '../helpers/timing.js'
import { dynamodbRecord, kinesisEvent, kinesisRawRecord, memoryLogger, sleep, sqsRecord } from './factories.js'

const Line = z.object({ user: z.string(), n: z.number() })
type Line = z.infer<typeof Line>

function lines(keys: string): [string, Line][] {
  return [...keys].map((key, n) => [key, { user: key, n }])
}

describe('fanOut', () => {
  it('handles the real Kinesis fixture through a middy chain and reports nothing when all succeed', async () => {
    const seen: { item: unknown; id: string; key: string | undefined }[] = []
    const { logger, calls } = memoryLogger()
    const handler = middy<unknown, BatchResponse>().handler(
      fanOut(
        async (item, meta) => {
          seen.push({ item, id: meta.id, key: meta.key })
        },
        { decode: 'text', logger },
      ),
    )
    const event = fixture<KinesisStreamEvent>('kinesis-stream')
    const context = lambdaContext()
    expect(await handler(event, context)).toEqual({ batchItemFailures: [] })
    expect(seen).toEqual([
      { item: 'Hello, this is a test.', id: event.Records[0]?.kinesis.sequenceNumber, key: '1' },
      { item: 'This is only a test.', id: event.Records[1]?.kinesis.sequenceNumber, key: '1' },
    ])
    expect([...internalsOf(context).confirmedIds()]).toEqual(
      event.Records.map((record) => record.kinesis.sequenceNumber),
    )
    const summaries = calls.filter((call) => call.level === 'info')
    expect(summaries).toHaveLength(1)
    expect(summaries[0]?.extra[0]).toMatchObject({ source: 'kinesis', records: 2, succeeded: 2, peakInFlight: 1 })
    expect(calls.filter((call) => call.level !== 'info')).toEqual([])
  })

  it('reports the fixture as invalid under the default JSON decoding, and does not call the handler', async () => {
    const handled: unknown[] = []
    const { logger, calls } = memoryLogger()
    const handler = middy<unknown, BatchResponse>().handler(
      fanOut(async (item) => void handled.push(item), { logger, throwOnFullBatchFailure: false }),
    )
    const event = fixture<KinesisStreamEvent>('kinesis-stream')
    const response = await handler(event, lambdaContext())
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(
      event.Records.map((record) => record.kinesis.sequenceNumber),
    )
    expect(handled).toEqual([])
    // Both records share partition key '1': the first is invalid, so the second is skipped, not decoded.
    const warnings = calls.filter((call) => call.level === 'warn' && call.message === 'Invalid record')
    expect(warnings).toHaveLength(1)
    expect(warnings[0]?.extra[0]).toMatchObject({ reason: 'decode', error: expect.stringMatching(/not valid JSON/) })
    const summary = calls.find((call) => call.message.startsWith('fanOut'))?.extra[0]
    expect(summary).toMatchObject({ records: 2, invalid: 1, skipped: 1, succeeded: 0 })
  })

  it('keeps batch order within a key, runs keys concurrently, and stops a key after its failure', async () => {
    const started: string[] = []
    const handler = middy<unknown, BatchResponse>().handler(
      fanOut<Line>(
        async (item, { id }) => {
          started.push(`${item.user}${item.n}`)
          await sleep(item.user === 'a' ? 5 : 1)
          if (item.user === 'b' && item.n === 5) throw new Error(`boom ${id}`)
        },
        { schema: Line, logger: memoryLogger().logger },
      ),
    )
    const event = kinesisEvent(lines('aabbabbba'))
    const response = await handler(event, lambdaContext())
    const byKey = (key: string) => started.filter((entry) => entry.startsWith(key))
    expect(byKey('a')).toEqual(['a0', 'a1', 'a4', 'a8'])
    expect(byKey('b')).toEqual(['b2', 'b3', 'b5']) // b5 fails: b6 and b7 never start
    expect(started.indexOf('b2')).toBeLessThan(started.indexOf('a1')) // b did not wait for a
    const failed = response.batchItemFailures.map((failure) => failure.itemIdentifier)
    expect(failed).toEqual([5, 6, 7].map((index) => event.Records[index]?.kinesis.sequenceNumber))
  })

  it('never has more than `concurrency` records in flight, across many keys', async () => {
    let inFlight = 0
    let peak = 0
    let summary: BatchSummary | undefined
    const handler = middy<unknown, BatchResponse>().handler(
      fanOut(
        async () => {
          peak = Math.max(peak, ++inFlight)
          await sleep(1)
          inFlight--
        },
        {
          concurrency: 3,
          logger: memoryLogger().logger,
          onSummary: (s) => {
            summary = s
          },
        },
      ),
    )
    const event = kinesisEvent(Array.from({ length: 40 }, (_, i) => [`k${i % 10}`, { i }] as const))
    expect(await handler(event, lambdaContext())).toEqual({ batchItemFailures: [] })
    expect(peak).toBe(3)
    expect(summary).toMatchObject({ records: 40, succeeded: 40, peakInFlight: 3 })
  })

  it("runs the whole batch one record at a time and stops at the first failure with ordering 'batch'", async () => {
    const started: number[] = []
    let inFlight = 0
    let peak = 0
    const handler = fanOut<Line>(
      async (item) => {
        started.push(item.n)
        peak = Math.max(peak, ++inFlight)
        await sleep(0)
        inFlight--
        if (item.n === 3) throw new Error('stop here')
      },
      { schema: Line, ordering: 'batch', logger: memoryLogger().logger },
    )
    const event = kinesisEvent(lines('abcdefg'))
    const response = await middy<unknown, BatchResponse>().handler(handler)(event, lambdaContext())
    expect(started).toEqual([0, 1, 2, 3])
    expect(peak).toBe(1)
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(
      event.Records.slice(3).map((record) => record.kinesis.sequenceNumber),
    )
  })

  it("ignores keys with ordering 'none': a failure stops nothing else", async () => {
    let peak = 0
    let inFlight = 0
    const handler = fanOut<Line>(
      async (item) => {
        peak = Math.max(peak, ++inFlight)
        await sleep(1)
        inFlight--
        if (item.n === 0) throw new Error('only me')
      },
      { schema: Line, ordering: 'none', concurrency: 4, logger: memoryLogger().logger },
    )
    const event = kinesisEvent(lines('aaaaaa'))
    const response = await middy<unknown, BatchResponse>().handler(handler)(event, lambdaContext())
    expect(peak).toBe(4)
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]?.kinesis.sequenceNumber }])
  })

  it('throws a BatchFailureError with every record error when every record fails, so bisect works', async () => {
    const handler = middy<unknown, BatchResponse>().handler(
      fanOut<Line>(
        async (item) => {
          throw new Error(`no ${item.n}`)
        },
        { schema: Line, logger: memoryLogger().logger },
      ),
    )
    const event = kinesisEvent(lines('aab'))
    const error = await handler(event, lambdaContext()).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(BatchFailureError)
    const { recordErrors, code } = error as BatchFailureError
    expect(code).toBe('SDR_BATCH_FAILED')
    expect(recordErrors.map((entry) => entry.id)).toEqual(event.Records.map((record) => record.kinesis.sequenceNumber))
    const [a0, a1, b2] = recordErrors.map((entry) => entry.error as Error)
    expect(a0?.message).toBe('no 0')
    expect(a1).toBeInstanceOf(RecordNotProcessedError) // a1 skipped after a0 failed
    expect((a1 as RecordNotProcessedError).reason).toBe('skipped')
    expect(a1?.cause).toBe(a0)
    expect(b2?.message).toBe('no 2')
  })

  it('returns every record instead of throwing when throwOnFullBatchFailure is false', async () => {
    const handler = fanOut(
      async () => {
        throw new Error('down')
      },
      { throwOnFullBatchFailure: false, logger: memoryLogger().logger },
    )
    const event = kinesisEvent(lines('ab'))
    const response = await middy<unknown, BatchResponse>().handler(handler)(event, lambdaContext())
    expect(response.batchItemFailures).toHaveLength(2)
  })

  describe('invalid records', () => {
    const event = (): KinesisStreamEvent => ({
      Records: [
        ...kinesisEvent([
          ['a', { user: 'a', n: 0 }],
          ['a', { user: 'a' }], // fails the schema
          ['a', { user: 'a', n: 2 }],
          ['b', { user: 'b', n: 3 }],
        ]).Records,
        kinesisRawRecord(4, 'c', 'not*base64!'),
        kinesisRawRecord(5, 'd', Buffer.from([0xff, 0xfe, 0x7b]).toString('base64')),
      ],
    })

    it("reports them by default ('fail') with a logged reason, and stops their key", async () => {
      const handled: number[] = []
      const { logger, calls } = memoryLogger()
      const handler = fanOut<Line>(async (item) => void handled.push(item.n), { schema: Line, logger })
      const batch = event()
      const response = await middy<unknown, BatchResponse>().handler(handler)(batch, lambdaContext())
      expect(handled.sort()).toEqual([0, 3])
      expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(
        [1, 2, 4, 5].map((index) => batch.Records[index]?.kinesis.sequenceNumber),
      )
      const reasons = calls.filter((call) => call.message === 'Invalid record').map((call) => call.extra[0])
      expect(reasons).toHaveLength(3)
      expect(reasons).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ reason: 'schema', error: expect.stringContaining('/n:') }),
          expect.objectContaining({ reason: 'decode', error: expect.stringContaining('not valid base64') }),
          expect.objectContaining({ reason: 'decode', error: expect.stringContaining('not valid UTF-8') }),
        ]),
      )
      const summary = calls.find((call) => call.level === 'warn' && call.message.startsWith('fanOut'))?.extra[0]
      expect(summary).toMatchObject({ records: 6, succeeded: 2, invalid: 3, skipped: 1, failed: 0, deadLettered: 0 })
    })

    it('hands them to a dead-letter function; a confirmed one counts as handled and its key goes on', async () => {
      const handled: number[] = []
      const dead: { id: string | undefined; error: InvalidRecordError }[] = []
      const batch = event()
      const context = lambdaContext()
      const handler = fanOut<Line>(async (item) => void handled.push(item.n), {
        schema: Line,
        logger: memoryLogger().logger,
        onInvalid: async (record, error) => {
          await sleep(1)
          if ('kinesis' in record && record.kinesis.partitionKey === 'd') throw new Error('dead-letter stream down')
          dead.push({ id: 'kinesis' in record ? record.kinesis.sequenceNumber : undefined, error })
        },
      })
      const response = await middy<unknown, BatchResponse>().handler(handler)(batch, context)
      expect(handled.sort()).toEqual([0, 2, 3])
      dead.sort((x, y) => String(x.id).localeCompare(String(y.id)))
      expect(dead.map((entry) => entry.id)).toEqual([1, 4].map((i) => batch.Records[i]?.kinesis.sequenceNumber))
      expect(dead[0]?.error).toBeInstanceOf(InvalidRecordError)
      expect(dead[0]?.error.issues).toEqual([{ pointer: '/n', message: expect.any(String) }])
      expect(dead[1]?.error.reason).toBe('decode')
      // The sink rejected record 5: it is reported, not lost.
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: batch.Records[5]?.kinesis.sequenceNumber }])
      expect(internalsOf(context).confirmedIds().size).toBe(5)
    })
  })

  it('handles SQS standard messages without order and reports failures by messageId', async () => {
    const event = fixture<SQSEvent>('sqs')
    const seen: unknown[] = []
    const handler = fanOut(
      async (body, { key }) => {
        expect(key).toBeUndefined()
        if (body === 'Test message.') throw new Error('cannot handle plain text')
        seen.push(body)
      },
      { decode: 'text', logger: memoryLogger().logger },
    )
    const response = await middy<unknown, BatchResponse>().handler(handler)(event, lambdaContext())
    expect(seen).toEqual(['{"message": "foo1"}'])
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: event.Records[0]?.messageId }] })
  })

  it('keeps SQS FIFO message groups in order and stops a group after its failure', async () => {
    const groups = ['g1', 'g2', 'g1', 'g1', 'g2', 'g3', 'g1']
    const event: SQSEvent = { Records: groups.map((group, index) => sqsRecord(index, { index }, group)) }
    const order: string[] = []
    const handler = fanOut<{ index: number }>(
      async ({ index }, { key }) => {
        order.push(`${key}:${index}`)
        await sleep(groups.length - index) // later messages are faster: order must come from the engine
        if (index === 2) throw new Error('g1 is stuck')
      },
      { logger: memoryLogger().logger },
    )
    const response = await middy<unknown, BatchResponse>().handler(handler)(event, lambdaContext())
    expect(order.filter((entry) => entry.startsWith('g1'))).toEqual(['g1:0', 'g1:2'])
    expect(order.filter((entry) => entry.startsWith('g2'))).toEqual(['g2:1', 'g2:4'])
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(
      [2, 3, 6].map((index) => event.Records[index]?.messageId),
    )
  })

  it('unmarshalls DynamoDB images (OldImage for REMOVE), orders by item key, reports by SequenceNumber', async () => {
    const real = fixture<DynamoDBStreamEvent>('dynamodb-stream')
    const items: [string | undefined, unknown][] = []
    const handler = fanOut(async (item, { key }) => void items.push([key, item]), { logger: memoryLogger().logger })
    expect(await middy<unknown, BatchResponse>().handler(handler)(real, lambdaContext())).toEqual({
      batchItemFailures: [],
    })
    expect(items).toEqual([
      ['Id={"N":"101"}', { Id: 101, Message: 'New item!' }],
      ['Id={"N":"101"}', { Id: 101, Message: 'This item has changed' }],
    ])

    const event: DynamoDBStreamEvent = {
      Records: [dynamodbRecord(0, 1, { v: 1 }), dynamodbRecord(1, 2, { v: 1 }), dynamodbRecord(2, 1, {}, 'REMOVE')],
    }
    const failing = fanOut(
      async (item: unknown) => {
        if ((item as { Id: number }).Id === 1) throw new Error('table throttled')
      },
      { logger: memoryLogger().logger },
    )
    const response = await middy<unknown, BatchResponse>().handler(failing)(event, lambdaContext())
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: '1000' }, { itemIdentifier: '1002' }])
  })

  describe('the invocation budget', () => {
    it('stops starting records on abort, shows the signal in flight, and reports every unfinished record', async () => {
      const context = lambdaContext({ timeoutMs: 10_000 })
      const budget = budgetOf(context)
      const started: number[] = []
      const sawAbort: number[] = []
      const handler: RecordHandler<Line> = async (item, { signal }) => {
        started.push(item.n)
        if (item.n === 3) budget.abort(new TimeoutApproachingError({ phase: 'soft', remainingMs: 500 }))
        await sleep(2)
        if (signal.aborted) sawAbort.push(item.n)
      }
      const event = kinesisEvent(Array.from({ length: 12 }, (_, n) => [`k${n % 4}`, { user: 'u', n }] as const))
      let summary: BatchSummary | undefined
      const response = await middy<unknown, BatchResponse>().handler(
        fanOut(handler, {
          schema: Line,
          concurrency: 4,
          logger: memoryLogger().logger,
          onSummary: (s) => {
            summary = s
          },
        }),
      )(event, context)
      expect(started).toEqual([0, 1, 2, 3])
      expect(sawAbort).toEqual([0, 1, 2, 3])
      expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(
        event.Records.slice(4).map((record) => record.kinesis.sequenceNumber),
      )
      expect([...internalsOf(context).confirmedIds()].sort()).toEqual(
        event.Records.slice(0, 4).map((r) => r.kinesis.sequenceNumber),
      )
      expect(summary).toMatchObject({ succeeded: 4, aborted: 8, abortReason: expect.stringMatching(/deadline/) })
    })

    it('returns about drainMs after an abort even when a record never settles, reporting it failed', async () => {
      const context = lambdaContext({ timeoutMs: 10_000 })
      const budget = budgetOf(context)
      const handler = fanOut<Line>(
        async (item) => {
          if (item.n === 1) return new Promise<void>(() => undefined) // hangs forever
        },
        { schema: Line, drainMs: 50, logger: memoryLogger().logger },
      )
      const event = kinesisEvent(lines('ab'))
      let abortedAt = 0
      let lag: LagMeter | undefined
      setTimeout(() => {
        abortedAt = performance.now()
        budget.abort(new TimeoutApproachingError({ phase: 'soft', remainingMs: 100 }))
        lag = lagMeter(50) // how late timers run in this process right now, over the same 50 ms drain
      }, 20)
      const response = await middy<unknown, BatchResponse>().handler(handler)(event, context)
      const sinceAbort = performance.now() - abortedAt
      expect(sinceAbort).toBeGreaterThanOrEqual(49) // the hung record got its whole drain
      expect(sinceAbort).toBeLessThan(50 + 50 + ((await lag?.ms()) ?? 0))
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: event.Records[1]?.kinesis.sequenceNumber }])
      expect([...internalsOf(context).confirmedIds()]).toEqual([event.Records[0]?.kinesis.sequenceNumber])
    })

    it('runs budget.check() before every record and stops when a check aborts the budget', async () => {
      const context = lambdaContext()
      const budget = budgetOf(context)
      let checks = 0
      internalsOf(context).addCheck(() => {
        checks++
        if (checks === 3) budget.abort(new Error('memory pressure'))
      })
      const handled: number[] = []
      const handler = fanOut<Line>(async (item) => void handled.push(item.n), {
        schema: Line,
        ordering: 'batch',
        logger: memoryLogger().logger,
      })
      const event = kinesisEvent(lines('aaaaa'))
      const response = await middy<unknown, BatchResponse>().handler(handler)(event, context)
      expect(handled).toEqual([0, 1])
      expect(response.batchItemFailures).toHaveLength(3)
    })

    it('reports everything without starting anything when the budget is already aborted', async () => {
      const context = lambdaContext()
      budgetOf(context).abort(new Error('already out of time'))
      const handled: unknown[] = []
      const handler = fanOut(async (item) => void handled.push(item), {
        throwOnFullBatchFailure: false,
        logger: memoryLogger().logger,
      })
      const response = await middy<unknown, BatchResponse>().handler(handler)(kinesisEvent(lines('ab')), context)
      expect(handled).toEqual([])
      expect(response.batchItemFailures).toHaveLength(2)
    })
  })

  it('answers an empty batch with no failures, and rejects an event that is not a batch', async () => {
    const handler = fanOut(async () => undefined, { logger: memoryLogger().logger })
    expect(await handler({ Records: [] } as unknown as SQSEvent, lambdaContext())).toEqual({ batchItemFailures: [] })
    await expect(handler({ detail: {} } as unknown as SQSEvent, lambdaContext())).rejects.toBeInstanceOf(
      UnsupportedEventError,
    )
  })

  it('rejects nonsense options at creation', () => {
    expect(() => fanOut(async () => undefined, { concurrency: 0 })).toThrow(RangeError)
    expect(() => fanOut(async () => undefined, { drainMs: -1 })).toThrow(RangeError)
  })

  it('does not mutate the event', async () => {
    const event = kinesisEvent(lines('ab'))
    const copy = structuredClone(event)
    await fanOut(async () => undefined, { logger: memoryLogger().logger })(event, lambdaContext())
    expect(event).toEqual(copy)
  })
})
