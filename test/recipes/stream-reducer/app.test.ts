/**
 * The stream reducer's handler (the real Middy chain and `windowReducer`) invoked like Lambda with tumbling-window
 * events, writing to the local DynamoDB through the real SDK.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { TumblingWindowEvent, WindowResponse } from 'serverless-done-right'
import { invoke, type LocalCloud, startLocalCloud } from 'serverless-done-right/local'
import { createStreamReducer, maxKeyLength, readWindowCounts } from '../../../recipes/stream-reducer/app.js'
import { createCountsTable, kinesisRecords, logEvents, silentLogger, testMemoryMb, windowEvent } from './helpers.js'

const tableName = 'reducer-app-test'
let cloud: LocalCloud

beforeAll(async () => {
  cloud = await startLocalCloud()
  await createCountsTable(cloud, tableName)
})

afterAll(async () => {
  await cloud?.stop()
})

let windowMinute = 0
function freshWindow(): string {
  windowMinute++
  return new Date(Date.UTC(2026, 3, 1, 8, windowMinute)).toISOString()
}

type Reducer = ReturnType<typeof createStreamReducer>

async function run(handler: Reducer, event: TumblingWindowEvent): Promise<WindowResponse<number>> {
  const outcome = await invoke(handler, event, { timeoutMs: 30_000, memoryMb: testMemoryMb })
  if (outcome.status !== 'ok') throw new Error(`invocation ${outcome.status}: ${outcome.errorMessage}`)
  return outcome.result as WindowResponse<number>
}

const counts = (windowStart: string) =>
  readWindowCounts({ documentClient: cloud.documentClient, tableName, windowStart })

type ReducerOptions = Parameters<typeof createStreamReducer>[0]

function reducer(options: Partial<Pick<ReducerOptions, 'key' | 'maxStateBytes'>> = {}): Reducer {
  return createStreamReducer({ documentClient: cloud.documentClient, tableName, logger: silentLogger(), ...options })
}

describe('createStreamReducer', () => {
  it('carries the counts in the window state, then writes them on the final invocation', async () => {
    const handler = reducer()
    const start = freshWindow()
    const shardId = 'shardId-000000000000'
    const first = await run(
      handler,
      windowEvent({ shardId, start, records: kinesisRecords(shardId, 0, logEvents({ GET: 3, POST: 1 })) }),
    )
    expect(first).toEqual({ state: { GET: 3, POST: 1 }, batchItemFailures: [] })
    expect(await counts(start)).toEqual({})

    const second = await run(
      handler,
      windowEvent({
        shardId,
        start,
        state: first.state,
        records: kinesisRecords(shardId, 4, logEvents({ GET: 2, ERROR: 1 })),
      }),
    )
    expect(second.state).toEqual({ GET: 5, POST: 1, ERROR: 1 })

    const final = await run(handler, windowEvent({ shardId, start, state: second.state, final: true }))
    expect(final).toEqual({ state: {}, batchItemFailures: [] })
    expect(await counts(start)).toEqual({ GET: 5, POST: 1, ERROR: 1 })
  })

  it('counts exactly once when Lambda replays the final invocation of a window', async () => {
    const handler = reducer()
    const start = freshWindow()
    const shardId = 'shardId-000000000001'
    const final = windowEvent({
      shardId,
      start,
      state: { GET: 10 },
      records: kinesisRecords(shardId, 0, logEvents({ GET: 2, DELETE: 3 })),
      final: true,
    })
    await run(handler, final)
    expect(await counts(start)).toEqual({ GET: 12, DELETE: 3 })

    await run(handler, structuredClone(final))
    await run(reducer(), structuredClone(final)) // another instance of the function, as after a crash
    expect(await counts(start)).toEqual({ GET: 12, DELETE: 3 })
  })

  it('sums a window across shards', async () => {
    const handler = reducer()
    const start = freshWindow()
    await run(handler, windowEvent({ shardId: 'shardId-000000000000', start, state: { GET: 4, POST: 2 }, final: true }))
    await run(handler, windowEvent({ shardId: 'shardId-000000000001', start, state: { GET: 6 }, final: true }))
    expect(await counts(start)).toEqual({ GET: 10, POST: 2 })
  })

  it('skips records without a key and records that are not JSON objects, without blocking the shard', async () => {
    const handler = reducer()
    const start = freshWindow()
    const shardId = 'shardId-000000000002'
    const payloads = [
      { message: 'GET /' },
      'not json',
      { level: 'INFO' },
      [1, 2],
      { message: '   ' },
      { message: 'GET /a' },
    ]
    const response = await run(handler, windowEvent({ shardId, start, records: kinesisRecords(shardId, 0, payloads) }))
    expect(response).toEqual({ state: { GET: 2 }, batchItemFailures: [] })
  })

  it('counts by a field of the event, or by a function', async () => {
    const shardId = 'shardId-000000000003'
    const events = [
      { message: 'a', service: 'auth', status: 200 },
      { message: 'b', service: 'auth', status: 503 },
      { message: 'c', service: 'billing', status: 404 },
    ]
    const byService = await run(
      reducer({ key: 'service' }),
      windowEvent({ shardId, start: freshWindow(), records: kinesisRecords(shardId, 0, events) }),
    )
    expect(byService.state).toEqual({ auth: 2, billing: 1 })
    const byClass = await run(
      reducer({ key: (event) => `${String(event.status).charAt(0)}xx` }),
      windowEvent({ shardId, start: freshWindow(), records: kinesisRecords(shardId, 0, events) }),
    )
    expect(byClass.state).toEqual({ '2xx': 1, '5xx': 1, '4xx': 1 })
  })

  it('flushes early when the state passes maxStateBytes, and still counts each event exactly once, also on replay', async () => {
    const maxStateBytes = 4096
    const handler = reducer({ maxStateBytes })
    const start = freshWindow()
    const shardId = 'shardId-000000000004'
    // 100 distinct keys of the longest length: a state of about 14 KB, so several early flushes.
    const keys = 100
    const longKey = (index: number) => `${String(index).padStart(6, '0')}${'k'.repeat(maxKeyLength - 6)}`
    const payloads = Array.from({ length: keys }, (_, index) => ({ message: `${longKey(index)} happened` }))
    payloads.push({ message: `${longKey(0)} again` })
    const event = windowEvent({ shardId, start, records: kinesisRecords(shardId, 0, payloads) })

    const response = await run(handler, event)
    expect(JSON.stringify(response.state).length).toBeLessThanOrEqual(maxStateBytes)
    const carried = Object.values(response.state).reduce((sum, count) => sum + count, 0)
    const afterEarlyFlushes = await counts(start)
    const flushed = Object.values(afterEarlyFlushes).reduce((sum, count) => sum + count, 0)
    expect(flushed).toBeGreaterThan(0)
    expect(flushed + carried).toBe(payloads.length)

    await run(handler, structuredClone(event)) // Lambda retries the same invocation: no early flush is written twice
    expect(await counts(start)).toEqual(afterEarlyFlushes)

    await run(handler, windowEvent({ shardId, start, state: response.state, final: true }))
    const total = await counts(start)
    expect(Object.keys(total)).toHaveLength(keys)
    expect(Object.values(total).reduce((sum, count) => sum + count, 0)).toBe(payloads.length)
    expect(total[longKey(0)]).toBe(2)
    expect(total[longKey(keys - 1)]).toBe(1)
  })
})
