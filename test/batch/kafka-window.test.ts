/**
 * kafkaWindowReducer against the local DynamoDB (dynalite): close-once, crashes and conflicts retried exactly,
 * invalid and late records, the budget, and the event check.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import {
  BatchFailureError,
  type ClosedWindow,
  type KafkaRecord,
  type KafkaWindowReducerOptions,
  type KafkaWindowSummary,
  kafkaWindowReducer,
  UnsupportedEventError,
} from 'serverless-done-right'
import { type LocalCloud, startLocalCloud } from 'serverless-done-right/local'
import { z } from 'zod'
import { internalsOf } from '../../src/budget/invocation.js'
import { lambdaContext } from '../helpers/context.js'
import { kafkaEvent, kafkaRecord } from '../helpers/kafka-events.js'
import { createCountsTable } from '../recipes/stream-reducer/helpers.js'

type Counts = Record<string, number>
const Click = z.object({ page: z.string() })
const t0 = Date.UTC(2026, 0, 1)
const second = 1_000

let cloud: LocalCloud
let tables = 0

beforeAll(async () => {
  cloud = await startLocalCloud()
})

afterAll(async () => {
  await cloud?.stop()
})

/** A click on `page` at `atMs` after t0, on partition `partition` of `clicks`. */
const click = (partition: number, offset: number, page: string, atMs: number) =>
  kafkaRecord('clicks', partition, offset, { page }, t0 + atMs)

/** A fresh table and a counting reducer over it; `closed` collects every window handed out. */
async function reducer(overrides: Partial<KafkaWindowReducerOptions<{ page: string }, Counts>> = {}) {
  const tableName = `kafka-window-${++tables}`
  await createCountsTable(cloud, tableName)
  const closed: ClosedWindow<Counts>[] = []
  const summaries: KafkaWindowSummary[] = []
  const options: KafkaWindowReducerOptions<{ page: string }, Counts> = {
    table: { client: cloud.dynamodb, tableName },
    windowMs: 10 * second,
    schema: Click,
    initial: () => ({}),
    reduce: (counts, { page }) => ({ ...counts, [page]: (counts[page] ?? 0) + 1 }),
    onWindowClosed: async (window) => {
      closed.push(window)
    },
    logger: false,
    onSummary: (summary) => summaries.push(summary),
    ...overrides,
  }
  const make = (more: Partial<typeof options> = {}) => kafkaWindowReducer({ ...options, ...more })
  const handler = make()
  const run = (records: readonly KafkaRecord[]) => handler(kafkaEvent(records), lambdaContext({ timeoutMs: 10_000 }))
  return { tableName, options, make, run, closed, summaries }
}

/** The closed windows by closeId; duplicates (at-least-once) must carry the same value. */
function byCloseId(closed: readonly ClosedWindow<Counts>[]) {
  const windows = new Map<string, Counts>()
  for (const window of closed) {
    const seen = windows.get(window.closeId)
    if (seen !== undefined) expect(window.value).toEqual(seen)
    windows.set(window.closeId, window.value)
  }
  return Object.fromEntries(windows)
}

describe('kafkaWindowReducer', () => {
  it('hands each window out once, when the watermark passes its end, and never again on replay', async () => {
    const { run, closed, summaries } = await reducer()
    const batch = [click(0, 0, 'a', 1_000), click(0, 1, 'b', 2_000), click(0, 2, 'a', 9_999), click(0, 3, 'c', 10_000)]
    await run(batch) // watermark 10 s: [0, 10 s) closes (its end is exclusive)
    expect(closed.length).toBe(1)
    await run([click(0, 4, 'x', 20_000)]) // watermark 20 s: [10 s, 20 s) closes
    await run(batch)
    await run([click(0, 4, 'x', 20_000)])
    expect(closed.map(({ start, value, records, partition }) => ({ start, value, records, partition }))).toEqual([
      { start: new Date(t0).toISOString(), value: { a: 2, b: 1 }, records: 3, partition: 0 },
      { start: new Date(t0 + 10_000).toISOString(), value: { c: 1 }, records: 1, partition: 0 },
    ])
    expect(closed[0]?.closeId).toBe(`kafka-window#clicks-0#${new Date(t0).toISOString()}`)
    expect(summaries.map(({ folded, replayed, windowsClosed }) => [folded, replayed, windowsClosed])).toEqual([
      [4, 0, 1],
      [1, 0, 1],
      [0, 4, 0],
      [0, 1, 0],
    ])
  })

  it('calls onWindowClosed again after it failed (at-least-once), with the same value', async () => {
    let failures = 1
    const seen: Counts[] = []
    const { run } = await reducer({
      onWindowClosed: async ({ value }) => {
        seen.push(value)
        if (failures-- > 0) throw new Error('sink down')
      },
    })
    const batch = [click(0, 0, 'a', 0), click(0, 1, 'a', 1_000), click(0, 2, 'z', 30_000)]
    await expect(run(batch)).rejects.toBeInstanceOf(BatchFailureError)
    await run(batch) // Lambda retries the batch: nothing is folded twice, the window closes now
    await run(batch)
    expect(seen).toEqual([{ a: 2 }, { a: 2 }])
  })

  it('is exact when DynamoDB fails half-way and the batch is retried, whole or split', async () => {
    const { options, make, closed } = await reducer()
    let sends = 0
    const flaky = {
      send: (command: never, more?: never) => {
        if (++sends === 5) return Promise.reject(new Error('ServiceUnavailable')) // the second window's write
        return cloud.dynamodb.send(command, more)
      },
    }
    const failing = make({ table: { ...options.table, client: flaky } })
    const handler = make()
    const records = [0, 1, 2, 3, 4, 5].map((offset) => click(0, offset, `p${offset % 2}`, offset * 4_000))
    const context = () => lambdaContext({ timeoutMs: 10_000 })
    await expect(failing(kafkaEvent(records), context())).rejects.toBeInstanceOf(BatchFailureError)
    await handler(kafkaEvent(records.slice(0, 2)), context()) // a split retry
    await handler(kafkaEvent(records), context())
    await handler(kafkaEvent([click(0, 6, 'end', 60_000)]), context())
    expect(Object.values(byCloseId(closed))).toEqual([{ p0: 2, p1: 1 }, { p1: 1, p0: 1 }, { p1: 1 }])
  })

  it('is exact when two invocations of the same batch race', async () => {
    const { run, closed } = await reducer()
    const records = Array.from({ length: 20 }, (_, offset) => click(0, offset, `p${offset % 3}`, offset * 1_000))
    await Promise.allSettled([run(records), run(records), run(records)])
    await run(records) // whichever lost a race is retried by Lambda
    await run([click(0, 20, 'end', 60_000)])
    const windows = byCloseId(closed)
    expect(Object.values(windows)).toEqual([
      { p0: 4, p1: 3, p2: 3 },
      { p1: 4, p2: 3, p0: 3 },
    ])
  })

  it('stores what came before an invalid record, then fails; a dead-letter function lets it go on', async () => {
    const { run, make, summaries } = await reducer()
    const bad = kafkaRecord('clicks', 0, 2, { nope: true }, t0 + 2_000)
    const batch = [click(0, 0, 'a', 0), click(0, 1, 'a', 1_000), bad, click(0, 3, 'b', 3_000)]
    const failure = await run(batch).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(BatchFailureError)
    expect((failure as BatchFailureError).recordErrors.map(({ id }) => id)).toEqual(['clicks-0@2'])
    const deadLetters: string[] = []
    const onInvalid = async (_record: KafkaRecord, _error: unknown, { id }: { id: string }) => {
      deadLetters.push(id)
    }
    const lenient = make({ onInvalid })
    await lenient(kafkaEvent(batch), lambdaContext())
    expect(deadLetters).toEqual(['clicks-0@2'])
    expect(summaries.at(-1)).toMatchObject({ replayed: 2, invalid: 1, deadLettered: 1, folded: 1 })
  })

  it('gives late records to onLate, and counts an event time that is no epoch time as invalid', async () => {
    const late: string[] = []
    const { run, summaries } = await reducer({
      onLate: async (_record, { windowStart }, { id }) => {
        late.push(`${id} ${windowStart}`)
      },
      onInvalid: async () => undefined,
      timeOf: (_item, record) => (record.offset === 3 ? Number.NaN : record.timestamp),
    })
    await run([click(0, 0, 'a', 25_000), click(0, 1, 'b', 3_000), click(0, 2, 'c', 22_000), click(0, 3, 'd', 0)])
    expect(late).toEqual([`clicks-0@1 ${new Date(t0).toISOString()}`])
    expect(summaries[0]).toMatchObject({ late: 1, invalid: 1, folded: 2 })
  })

  it('stops at an aborted budget, stores nothing past it, and the retry folds it all', async () => {
    const { run, closed } = await reducer()
    const context = lambdaContext()
    internalsOf(context).abort(new Error('soft deadline'))
    const records = [click(0, 0, 'a', 0), click(0, 1, 'b', 20_000)]
    await expect((await reducer()).make()(kafkaEvent(records), context)).rejects.toBeInstanceOf(BatchFailureError)
    await run(records)
    expect(closed.map(({ value }) => value)).toEqual([{ a: 1 }])
  })

  it('refuses an accumulator over maxStateBytes before DynamoDB does', async () => {
    const { run } = await reducer({ maxStateBytes: 20 })
    const failure = await run([click(0, 0, 'a-very-long-page-name', 0)]).catch((error: unknown) => error)
    expect((failure as BatchFailureError).recordErrors[0]?.error).toBeInstanceOf(RangeError)
  })

  it('refuses an event that is not a Kafka batch, and options it cannot use', async () => {
    const { run, make } = await reducer()
    await expect(make()({ Records: [] }, lambdaContext())).rejects.toBeInstanceOf(UnsupportedEventError)
    await run([]) // an empty Kafka batch is fine
    expect(() => make({ table: { client: {} as never, tableName: 't' } })).toThrow(/table must be/)
    expect(() => kafkaWindowReducer({} as never)).toThrow('kafkaWindowReducer(options): table is required')
  })
})
