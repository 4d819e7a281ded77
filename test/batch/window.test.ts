import middy from '@middy/core'
import type { DynamoDBStreamEvent, KinesisStreamEvent } from 'aws-lambda'
import {
  BatchFailureError,
  budgetOf,
  type FlushMeta,
  TimeoutApproachingError,
  type TumblingWindowEvent,
  UnsupportedEventError,
  type WindowSummary,
  windowReducer,
} from 'serverless-done-right'
import { z } from 'zod'
import { internalsOf } from '../../src/budget/invocation.js'
import { lambdaContext } from '../helpers/context.js'
import { fixture } from '../helpers/fixtures.js'
import { kinesisEvent, kinesisRawRecord, memoryLogger } from './factories.js'

const Click = z.object({ page: z.string(), n: z.number() })
type Click = z.infer<typeof Click>
const window = { start: '2026-11-27T10:00:00Z', end: '2026-11-27T10:05:00Z' }

function windowEvent(
  records: KinesisStreamEvent['Records'] | DynamoDBStreamEvent['Records'],
  state: Record<string, unknown> = {},
  flags: Partial<Pick<TumblingWindowEvent, 'isFinalInvokeForWindow' | 'isWindowTerminatedEarly'>> = {},
): TumblingWindowEvent {
  return {
    Records: records,
    window,
    state,
    shardId: 'shardId-000000000006',
    eventSourceARN: 'arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream',
    isFinalInvokeForWindow: false,
    isWindowTerminatedEarly: false,
    ...flags,
  }
}

function clicks(pages: string, from = 0) {
  return kinesisEvent([...pages].map((page, i) => [page, { page, n: from + i }] as const)).Records.map((record, i) => {
    // Sequence numbers continue across invocations, as on a real shard.
    const seq = `${record.kinesis.sequenceNumber.slice(0, -7)}${String(from + i).padStart(7, '0')}`
    return { ...record, eventID: `shardId-000000000006:${seq}`, kinesis: { ...record.kinesis, sequenceNumber: seq } }
  })
}

function counter(
  flushed: { state: Record<string, number>; meta: FlushMeta }[],
  extra: { maxStateBytes?: number } = {},
) {
  return windowReducer<Click, number>({
    schema: Click,
    key: (click) => click.page,
    initial: () => 0,
    reduce: (count) => count + 1,
    flush: async (state, bounds, meta) => {
      expect(bounds).toEqual(window)
      flushed.push({ state, meta })
    },
    logger: memoryLogger().logger,
    ...extra,
  })
}

describe('windowReducer', () => {
  it('carries state across invocations and flushes it on the final one, through a middy chain', async () => {
    const flushed: { state: Record<string, number>; meta: FlushMeta }[] = []
    const handler = middy().handler(counter(flushed))
    const first = await handler(windowEvent(clicks('abca')), lambdaContext())
    expect(first).toEqual({ state: { a: 2, b: 1, c: 1 }, batchItemFailures: [] })
    const second = await handler(windowEvent(clicks('ccd', 4), first.state), lambdaContext())
    expect(second).toEqual({ state: { a: 2, b: 1, c: 3, d: 1 }, batchItemFailures: [] })
    expect(flushed).toEqual([])
    const final = await handler(windowEvent([], second.state, { isFinalInvokeForWindow: true }), lambdaContext())
    expect(final).toEqual({ state: {}, batchItemFailures: [] })
    expect(flushed).toHaveLength(1)
    expect(flushed[0]?.state).toEqual({ a: 2, b: 1, c: 3, d: 1 })
    expect(flushed[0]?.meta).toMatchObject({
      windowStart: window.start,
      windowEnd: window.end,
      shardId: 'shardId-000000000006',
      reason: 'final',
      part: 0,
      flushId: expect.stringMatching(/^[0-9a-f]{64}$/),
    })
  })

  it('folds the real DynamoDB Streams fixture by item key', async () => {
    const real = fixture<DynamoDBStreamEvent>('dynamodb-stream')
    const flushed: Record<string, string[]>[] = []
    const handler = windowReducer<{ Id: number; Message: string }, string[]>({
      key: (item) => String(item.Id),
      initial: () => [],
      reduce: (messages, item) => [...messages, item.Message],
      flush: async (state) => void flushed.push(state),
      logger: memoryLogger().logger,
    })
    const event = windowEvent(real.Records, {}, { isFinalInvokeForWindow: true })
    expect(await middy().handler(handler)(event, lambdaContext())).toEqual({ state: {}, batchItemFailures: [] })
    expect(flushed).toEqual([{ '101': ['New item!', 'This item has changed'] }])
  })

  it('flushes early when the state would pass maxStateBytes, so flushes add up to the whole window', async () => {
    const flushed: { state: Record<string, number>; meta: FlushMeta }[] = []
    const summaries: WindowSummary[] = []
    const handler = windowReducer<Click, number>({
      schema: Click,
      key: (click) => `page-with-a-long-name-${click.n % 40}`,
      initial: () => 0,
      reduce: (count) => count + 1,
      flush: async (state, _bounds, meta) => void flushed.push({ state, meta }),
      maxStateBytes: 400,
      logger: memoryLogger().logger,
      onSummary: (summary) => void summaries.push(summary),
    })
    const event = windowEvent(clicks('x'.repeat(200)))
    const response = await middy().handler(handler)(event, lambdaContext())
    expect(flushed.length).toBeGreaterThanOrEqual(5)
    expect(flushed.every(({ meta }) => meta.reason === 'state-limit')).toBe(true)
    expect(flushed.map(({ meta }) => meta.part)).toEqual(flushed.map((_, part) => part))
    expect(new Set(flushed.map(({ meta }) => meta.flushId)).size).toBe(flushed.length)
    for (const { state } of flushed) expect(JSON.stringify(state).length).toBeLessThanOrEqual(400 + 40)
    expect(JSON.stringify(response.state).length).toBeLessThanOrEqual(400)
    const parts: Record<string, number>[] = [...flushed.map(({ state }) => state), response.state]
    const total = parts.reduce((sum, state) => sum + Object.values(state).reduce((a, b) => a + b, 0), 0)
    expect(total).toBe(200)
    expect(summaries[0]).toMatchObject({ records: 200, folded: 200, flushes: flushed.length, final: false })
  })

  it('keeps a growing accumulator under the limit too (lists, not counts)', async () => {
    let flushes = 0
    let kept = 0
    const handler = windowReducer<Click, number[]>({
      schema: Click,
      key: () => 'one-key',
      initial: () => [],
      reduce: (list, click) => [...list, click.n],
      flush: async (state) => {
        flushes++
        kept += state['one-key']?.length ?? 0
        expect(Buffer.byteLength(JSON.stringify(state))).toBeLessThan(2 * 4000)
      },
      maxStateBytes: 4000,
      logger: memoryLogger().logger,
    })
    const response = await handler(windowEvent(clicks('p'.repeat(3000))), lambdaContext())
    expect(flushes).toBeGreaterThanOrEqual(3)
    expect(Buffer.byteLength(JSON.stringify(response.state))).toBeLessThanOrEqual(4000)
    expect(kept + (response.state['one-key']?.length ?? 0)).toBe(3000)
  })

  it('gives every flush a stable id across a retry of the same invocation, and fails when flush fails', async () => {
    const ids: string[][] = [[], []]
    let attempt = 0
    const handler = windowReducer<Click, number>({
      schema: Click,
      key: (click) => `${click.page}-${click.n}-a-key-long-enough-to-matter`,
      initial: () => 0,
      reduce: (count) => count + 1,
      flush: async (_state, _bounds, meta) => {
        ids[attempt]?.push(meta.flushId)
        if (attempt === 0 && meta.reason === 'final') throw new Error('DynamoDB unavailable')
      },
      maxStateBytes: 300,
      logger: memoryLogger().logger,
    })
    const event = windowEvent(clicks('abcdefghijklmnopqrst'), { seed: 7 }, { isFinalInvokeForWindow: true })
    await expect(middy().handler(handler)(event, lambdaContext())).rejects.toThrow('DynamoDB unavailable')
    attempt = 1
    expect(await middy().handler(handler)(event, lambdaContext())).toEqual({ state: {}, batchItemFailures: [] })
    expect(ids[0]?.length).toBeGreaterThan(1)
    expect(ids[1]).toEqual(ids[0])
    // Another invocation (other records or another incoming state) never reuses an id.
    const other: string[] = []
    const again = windowReducer<Click, number>({
      schema: Click,
      key: (click) => `${click.page}-${click.n}-a-key-long-enough-to-matter`,
      initial: () => 0,
      reduce: (count) => count + 1,
      flush: async (_state, _bounds, meta) => void other.push(meta.flushId),
      maxStateBytes: 300,
      logger: memoryLogger().logger,
    })
    await again(
      windowEvent(clicks('abcdefghijklmnopqrst'), { seed: 8 }, { isFinalInvokeForWindow: true }),
      lambdaContext(),
    )
    expect(other.some((id) => ids[0]?.includes(id))).toBe(false)
  })

  it('stops at the first invalid record: it and every later record are reported, the state holds those before', async () => {
    const records = clicks('ab')
    records.push(kinesisRawRecord(2, 'c', Buffer.from('{"page":').toString('base64')), ...clicks('aa', 3))
    const { logger, calls } = memoryLogger()
    const handler = windowReducer<Click, number>({
      schema: Click,
      key: (click) => click.page,
      initial: () => 0,
      reduce: (count) => count + 1,
      flush: async () => undefined,
      logger,
    })
    const response = await handler(windowEvent(records, { a: 10 }), lambdaContext())
    expect(response.state).toEqual({ a: 11, b: 1 })
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(
      records.slice(2).map((r) => r.kinesis.sequenceNumber),
    )
    expect(calls.filter((call) => call.message === 'Invalid record')).toHaveLength(1)
  })

  it('dead-letters invalid records and keeps folding; a rejecting sink stops the fold there', async () => {
    const records = [...clicks('ab'), kinesisRawRecord(2, 'c', 'bad base64!'), ...clicks('a', 3)]
    const dead: string[] = []
    const handler = windowReducer<Click, number>({
      schema: Click,
      key: (click) => click.page,
      initial: () => 0,
      reduce: (count) => count + 1,
      flush: async () => undefined,
      onInvalid: async (record, error) => {
        expect(error.reason).toBe('decode')
        dead.push('kinesis' in record ? record.kinesis.sequenceNumber : '')
      },
      logger: memoryLogger().logger,
    })
    expect(await handler(windowEvent(records), lambdaContext())).toEqual({
      state: { a: 2, b: 1 },
      batchItemFailures: [],
    })
    expect(dead).toEqual([records[2]?.kinesis.sequenceNumber])
    const failingSink = windowReducer<Click, number>({
      schema: Click,
      key: (click) => click.page,
      initial: () => 0,
      reduce: (count) => count + 1,
      flush: async () => undefined,
      onInvalid: async () => {
        throw new Error('dead-letter stream down')
      },
      logger: memoryLogger().logger,
    })
    const response = await failingSink(windowEvent(records), lambdaContext())
    expect(response.state).toEqual({ a: 1, b: 1 })
    expect(response.batchItemFailures).toHaveLength(2)
  })

  it('reports from a record whose reduce throws, and from the first record left when the budget aborts', async () => {
    const handler = windowReducer<Click, number>({
      schema: Click,
      key: (click) => click.page,
      initial: () => 0,
      reduce: (count, click) => {
        if (click.page === 'z') throw new Error('cannot fold z')
        return count + 1
      },
      flush: async () => undefined,
      logger: memoryLogger().logger,
    })
    const records = clicks('abzab')
    const response = await handler(windowEvent(records), lambdaContext())
    expect(response).toEqual({
      state: { a: 1, b: 1 },
      batchItemFailures: records.slice(2).map((r) => ({ itemIdentifier: r.kinesis.sequenceNumber })),
    })

    const context = lambdaContext()
    let seen = 0
    internalsOf(context).addCheck(() => {
      if (++seen === 3) budgetOf(context).abort(new TimeoutApproachingError({ phase: 'soft', remainingMs: 50 }))
    })
    const aborted = await handler(windowEvent(clicks('abab')), context)
    expect(aborted.state).toEqual({ a: 1, b: 1 })
    expect(aborted.batchItemFailures).toHaveLength(2)
  })

  it('fails the final invocation as a whole when a record fails, and flushes nothing', async () => {
    const flushed: unknown[] = []
    const handler = counter(flushed as never[])
    const records = [...clicks('a'), kinesisRawRecord(1, 'b', 'x')]
    const error = await handler(
      windowEvent(records, { a: 3 }, { isFinalInvokeForWindow: true }),
      lambdaContext(),
    ).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(BatchFailureError)
    expect((error as BatchFailureError).recordErrors.map((entry) => entry.id)).toEqual([
      records[1]?.kinesis.sequenceNumber,
    ])
    expect(flushed).toEqual([])
  })

  it('flushes and starts afresh when Lambda terminated the window early, and says so', async () => {
    const flushed: { state: Record<string, number>; meta: FlushMeta }[] = []
    const { logger, calls } = memoryLogger()
    const handler = windowReducer<Click, number>({
      schema: Click,
      key: (click) => click.page,
      initial: () => 0,
      reduce: (count) => count + 1,
      flush: async (state, _bounds, meta) => void flushed.push({ state, meta }),
      logger,
    })
    const event = windowEvent(clicks('ab'), { a: 1 }, { isWindowTerminatedEarly: true, isFinalInvokeForWindow: true })
    expect(await handler(event, lambdaContext())).toEqual({ state: {}, batchItemFailures: [] })
    expect(flushed).toEqual([{ state: { a: 2, b: 1 }, meta: expect.objectContaining({ reason: 'terminated-early' }) }])
    expect(calls.some((call) => call.level === 'warn' && call.message.includes('terminated the window early'))).toBe(
      true,
    )
  })

  it('never mutates the incoming event, even when reduce mutates its accumulator', async () => {
    const handler = windowReducer<Click, { hits: number }>({
      schema: Click,
      key: (click) => click.page,
      initial: () => ({ hits: 0 }),
      reduce: (acc) => {
        acc.hits++
        return acc
      },
      flush: async () => undefined,
      logger: memoryLogger().logger,
    })
    const event = windowEvent(clicks('aa'), { a: { hits: 5 }, ['__proto__']: { hits: 1 } })
    const before = JSON.stringify(event)
    const response = await handler(event, lambdaContext())
    expect(JSON.stringify(event)).toBe(before)
    expect(response.state.a).toEqual({ hits: 7 })
    expect(Object.hasOwn(response.state, '__proto__')).toBe(true)
  })

  it('rejects an event without a window and nonsense options', async () => {
    const flushed: never[] = []
    await expect(counter(flushed)(kinesisEvent([]) as unknown as TumblingWindowEvent, lambdaContext())).rejects.toThrow(
      UnsupportedEventError,
    )
    expect(() => counter(flushed, { maxStateBytes: 0 })).toThrow(RangeError)
  })
})
