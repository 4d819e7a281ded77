/**
 * Poison records in kafkaWindowReducer, against the local DynamoDB (dynalite): a `timeOf` or `reduce` that throws
 * `PermanentError` sends the record to `deadLetter`; it is left out of its window, folding goes on, and a replay of the
 * batch (after a crash or not) neither counts anything twice nor loses a record.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import {
  BatchFailureError,
  type ClosedWindow,
  type KafkaRecord,
  type KafkaWindowReducerOptions,
  type KafkaWindowSummary,
  kafkaWindowReducer,
  PermanentError,
} from 'serverless-done-right'
import { type LocalCloud, startLocalCloud } from 'serverless-done-right/local'
import { lambdaContext } from '../helpers/context.js'
import { kafkaEvent, kafkaRecord } from '../helpers/kafka-events.js'
import { createCountsTable } from '../recipes/stream-reducer/helpers.js'
import { memoryLogger } from './factories.js'

type Counts = Record<string, number>
interface Click {
  readonly page: string
}
const t0 = Date.UTC(2026, 0, 1)

let cloud: LocalCloud
let tables = 0

beforeAll(async () => {
  cloud = await startLocalCloud()
})

afterAll(async () => {
  await cloud?.stop()
})

const click = (offset: number, page: string, atMs: number) => kafkaRecord('clicks', 0, offset, { page }, t0 + atMs)

/** A fresh table and a reducer of page counts whose `reduce` mutates its accumulator, then refuses page `poison`. */
async function reducer(overrides: Partial<KafkaWindowReducerOptions<Click, Counts>> = {}, deadLettering = true) {
  const tableName = `kafka-permanent-${++tables}`
  await createCountsTable(cloud, tableName)
  const closed: ClosedWindow<Counts>[] = []
  const summaries: KafkaWindowSummary[] = []
  const letters: string[] = []
  const options: KafkaWindowReducerOptions<Click, Counts> = {
    table: { client: cloud.dynamodb, tableName },
    windowMs: 10_000,
    initial: () => ({}),
    reduce: (counts, { page }) => {
      counts[page] = (counts[page] ?? 0) + 1 // in place: a refused record must still leave no trace
      if (page === 'poison') throw new PermanentError('no such page')
      return counts
    },
    onWindowClosed: async (window) => {
      closed.push(window)
    },
    deadLetter: async (_record, error, { id }) => {
      letters.push(`${id} ${error.code}`)
    },
    logger: false,
    onSummary: (summary) => summaries.push(summary),
    ...overrides,
  }
  if (!deadLettering) delete options.deadLetter
  const make = (more: Partial<typeof options> = {}) => kafkaWindowReducer({ ...options, ...more })
  const handler = make()
  const run = (records: readonly KafkaRecord[]) => handler(kafkaEvent(records), lambdaContext({ timeoutMs: 10_000 }))
  return { options, make, run, closed, summaries, letters }
}

const values = (closed: readonly ClosedWindow<Counts>[]) => closed.map(({ value, records }) => ({ value, records }))

describe('kafkaWindowReducer and PermanentError', () => {
  it('dead-letters a record whose reduce throws PermanentError, leaves it out, and goes on', async () => {
    const { run, closed, summaries, letters } = await reducer()
    const batch = [click(0, 'a', 0), click(1, 'poison', 1_000), click(2, 'a', 2_000), click(3, 'b', 12_000)]
    await run(batch)
    await run([click(4, 'end', 30_000)])
    await run(batch) // a replay: skipped, nothing dead-lettered again
    expect(letters).toEqual(['clicks-0@1 SDR_PERMANENT'])
    expect(values(closed)).toEqual([
      { value: { a: 2 }, records: 2 },
      { value: { b: 1 }, records: 1 },
    ])
    expect(summaries.map(({ folded, permanent, replayed }) => [folded, permanent, replayed])).toEqual([
      [3, 1, 0],
      [1, 0, 0],
      [0, 0, 4],
    ])
  })

  it('is exact when the batch is retried after its windows were written but not its mark', async () => {
    const { options, make, closed, letters } = await reducer()
    let failures = 1
    const client = {
      send: (command: never, more?: never) => {
        const isMark = (command as object).constructor.name === 'UpdateItemCommand'
        if (isMark && failures-- > 0) return Promise.reject(new Error('ServiceUnavailable'))
        return cloud.dynamodb.send(command, more)
      },
    }
    const failing = make({ table: { ...options.table, client } })
    // The poison record is the last of its window: the window's offset must still move past it.
    const batch = [click(0, 'a', 0), click(1, 'a', 1_000), click(2, 'poison', 2_000), click(3, 'b', 12_000)]
    await expect(failing(kafkaEvent(batch), lambdaContext())).rejects.toBeInstanceOf(BatchFailureError)
    await make()(kafkaEvent(batch), lambdaContext())
    await make()(kafkaEvent([click(4, 'end', 30_000)]), lambdaContext())
    expect(letters).toEqual(['clicks-0@2 SDR_PERMANENT'])
    expect(values(closed)).toEqual([
      { value: { a: 2 }, records: 2 },
      { value: { b: 1 }, records: 1 },
    ])
  })

  it('dead-letters a record whose timeOf throws PermanentError, as itself, not as an invalid record', async () => {
    const { run, closed, summaries, letters } = await reducer({
      timeOf: ({ page }, record) => {
        if (page === 'undated') throw new PermanentError('no event time, ever')
        return record.timestamp
      },
    })
    await run([click(0, 'a', 0), click(1, 'undated', 500), click(2, 'a', 1_000), click(3, 'end', 20_000)])
    expect(letters).toEqual(['clicks-0@1 SDR_PERMANENT'])
    expect(values(closed)).toEqual([{ value: { a: 2 }, records: 2 }])
    expect(summaries[0]).toMatchObject({ folded: 3, permanent: 1, invalid: 0, deadLettered: 0 })
  })

  it('fails the invocation when the dead-letter handler rejects; the retry is exact', async () => {
    let down = true
    const { run, closed, letters } = await reducer({
      deadLetter: async (_record, _error, { id }) => {
        if (down) throw new Error('dead-letter queue down')
        letters.push(id)
      },
    })
    const batch = [click(0, 'a', 0), click(1, 'poison', 1_000), click(2, 'a', 2_000), click(3, 'end', 20_000)]
    const failure = await run(batch).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(BatchFailureError)
    expect((failure as BatchFailureError).recordErrors[0]?.error).toBeInstanceOf(PermanentError)
    expect(closed).toEqual([])
    down = false
    await run(batch)
    expect(letters).toEqual(['clicks-0@1'])
    expect(values(closed)).toEqual([{ value: { a: 2 }, records: 2 }])
  })

  it('without a deadLetter handler, fails the partition and logs that the PermanentError had nowhere to go', async () => {
    const { calls, logger } = memoryLogger()
    const { run } = await reducer({ logger }, false)
    const failure = await run([click(0, 'a', 0), click(1, 'poison', 1_000)]).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(BatchFailureError)
    expect(calls.filter(({ level }) => level === 'error').map(({ message }) => message)).toContain(
      'PermanentError thrown but no deadLetter handler is configured; record reported',
    )
  })

  it("with onPermanent: 'fail', fails the partition; an invalid record still goes to deadLetter", async () => {
    const { run, letters } = await reducer({ onPermanent: 'fail' })
    const invalid = kafkaRecord('clicks', 0, 0, 'not json', t0)
    await expect(run([invalid, click(1, 'poison', 1_000)])).rejects.toBeInstanceOf(BatchFailureError)
    expect(letters).toEqual(['clicks-0@0 SDR_INVALID_RECORD'])
  })

  it("refuses 'dead-letter' without a deadLetter handler when the handler is made", async () => {
    const { make } = await reducer({}, false)
    expect(() => make({ onPermanent: 'dead-letter' })).toThrow(
      "kafkaWindowReducer(options): onPermanent is 'dead-letter', which needs a deadLetter handler; none is configured",
    )
    expect(() => make({ onInvalid: 'dead-letter' })).toThrow(/onInvalid is 'dead-letter'/)
  })
})
