/**
 * Poison records in `fanOut` (issue: Powertools TS #4478): a record handler throws `PermanentError` for a record that
 * can never succeed, and the record goes to the `deadLetter` handler, never back to the source. Real middy chains,
 * records derived from the real AWS event fixtures, every source.
 */
import middy from '@middy/core'
import type { DynamoDBStreamEvent, KinesisStreamEvent, SQSEvent } from 'aws-lambda'
import {
  type BatchRecord,
  type BatchResponse,
  type BatchSummary,
  budgetOf,
  type DeadLetterHandler,
  fanOut,
  InvalidRecordError,
  PermanentError,
  TimeoutApproachingError,
} from 'serverless-done-right'
import { internalsOf } from '../../src/budget/invocation.js'
import { lambdaContext } from '../helpers/context.js'
import { dynamodbRecord, kafkaEvent, kafkaRecord, kinesisRecord, memoryLogger, sleep, sqsRecord } from './factories.js'

type Action = 'ok' | 'permanent' | 'fail'
interface Step {
  readonly key: number
  readonly action: Action
}
interface Item {
  readonly n: number
  readonly action: Action
}

/** One source: the event of `steps` (record n has key `steps[n].key`) and its identifiers, in batch order. */
interface Source {
  readonly name: string
  readonly ordered: boolean
  readonly event: (steps: readonly Step[]) => {
    event: KinesisStreamEvent | DynamoDBStreamEvent | SQSEvent
    ids: string[]
  }
}

const sources: readonly Source[] = [
  {
    name: 'Kinesis',
    ordered: true,
    event: (steps) => {
      const Records = steps.map((step, n) => kinesisRecord(n, `k${step.key}`, { n, action: step.action }))
      return { event: { Records }, ids: Records.map((record) => record.kinesis.sequenceNumber) }
    },
  },
  {
    name: 'DynamoDB Streams',
    ordered: true,
    event: (steps) => {
      const Records = steps.map((step, n) => dynamodbRecord(n, step.key, { n, action: step.action }))
      return { event: { Records }, ids: Records.map((record) => record.dynamodb?.SequenceNumber ?? '') }
    },
  },
  {
    name: 'SQS standard',
    ordered: false,
    event: (steps) => {
      const Records = steps.map((step, n) => sqsRecord(n, { n, action: step.action }))
      return { event: { Records }, ids: Records.map((record) => record.messageId) }
    },
  },
  {
    name: 'SQS FIFO',
    ordered: true,
    event: (steps) => {
      const Records = steps.map((step, n) => sqsRecord(n, { n, action: step.action }, `group-${step.key}`))
      return { event: { Records }, ids: Records.map((record) => record.messageId) }
    },
  },
]

/** One source by name. */
function sourceNamed(name: string): Source {
  const found = sources.find((source) => source.name === name)
  if (found === undefined) throw new Error(`no source ${name}`)
  return found
}

/** The item of any source: DynamoDB items carry `Id` besides `n` and `action`. */
function itemOf(item: unknown): Item {
  const { n, action } = item as Item
  return { n, action }
}

/** A record handler that does what each item says, and remembers what it started. */
function actor(started: number[]) {
  return async (raw: unknown) => {
    const item = itemOf(raw)
    started.push(item.n)
    await sleep(0)
    if (item.action === 'permanent') throw new PermanentError(`record ${item.n} can never succeed`)
    if (item.action === 'fail') throw new Error(`record ${item.n} failed for now`)
  }
}

/** The outcome counts of a summary, which are disjoint and must add up to `records`. */
function outcomeTotal(summary: BatchSummary): number {
  const { succeeded, failed, invalid, deadLettered, permanent, skipped, aborted, unconfirmed } = summary
  return succeeded + failed + invalid + deadLettered + permanent + skipped + aborted + unconfirmed
}

const failuresOf = (response: BatchResponse) => response.batchItemFailures.map((failure) => failure.itemIdentifier)

describe('fanOut: a PermanentError record goes to the dead-letter handler', () => {
  // key 0: ok, permanent, ok (its key goes on); key 1: ok, fail, ok (stopped after the failure); key 2: permanent alone
  const steps: readonly Step[] = [
    { key: 0, action: 'ok' },
    { key: 1, action: 'ok' },
    { key: 0, action: 'permanent' },
    { key: 1, action: 'fail' },
    { key: 0, action: 'ok' },
    { key: 1, action: 'ok' },
    { key: 2, action: 'permanent' },
  ]

  it.each(sources)(
    '%s: a PermanentError record is dead-lettered once and never appears in batchItemFailures',
    async (source) => {
      const { event, ids } = source.event(steps)
      const started: number[] = []
      const letters: { record: BatchRecord; error: unknown; id: string }[] = []
      const summaries: BatchSummary[] = []
      const { logger, calls } = memoryLogger()
      const context = lambdaContext()
      const handler = middy<unknown, BatchResponse>().handler(
        fanOut(actor(started), {
          logger,
          deadLetter: async (record, error, meta) => void letters.push({ record, error, id: meta.id }),
          onSummary: (summary) => void summaries.push(summary),
        }),
      )
      const response = await handler(event, context)
      // Keys run concurrently: put what the handlers saw in batch order.
      letters.sort((a, b) => ids.indexOf(a.id) - ids.indexOf(b.id))

      expect(letters.map((letter) => letter.id)).toEqual([ids[2], ids[6]])
      expect(letters.map((letter) => letter.record)).toEqual([event.Records[2], event.Records[6]])
      expect(letters[0]?.error).toBeInstanceOf(PermanentError)
      expect(letters[0]?.error).toMatchObject({ reason: 'record 2 can never succeed' })
      // Only the ordinary failure is reported, and with an ordering key the rest of its key.
      expect(failuresOf(response)).toEqual(source.ordered ? [ids[3], ids[5]] : [ids[3]])
      expect(started).toContain(4) // the record after the dead-lettered one, same key, ran
      expect([...internalsOf(context).confirmedIds()]).toEqual(expect.arrayContaining([ids[2], ids[6]]))

      const summary = summaries[0] as BatchSummary
      expect(summary).toMatchObject({
        records: 7,
        permanent: 2,
        deadLettered: 0,
        failed: 1,
        succeeded: source.ordered ? 3 : 4,
        skipped: source.ordered ? 1 : 0,
      })
      expect(outcomeTotal(summary)).toBe(summary.records)
      const warnings = calls.filter((call) => call.message === 'Permanent record')
      expect(warnings.map((call) => [call.level, call.extra[0]])).toEqual(
        expect.arrayContaining([
          ['warn', { id: ids[2], reason: 'record 2 can never succeed' }],
          ['warn', { id: ids[6], reason: 'record 6 can never succeed' }],
        ]),
      )
      expect(warnings).toHaveLength(2)
    },
  )

  // Kafka, the fifth source: the ordering key is the topic-partition, records are grouped by it in the event, and a
  // failure is reported as the documented { partition, offset } object.
  it('Kafka: a PermanentError record is dead-lettered once and never appears in batchItemFailures', async () => {
    const offsets = new Map<number, number>()
    const records = steps.map((step, n) => {
      const offset = offsets.get(step.key) ?? 0
      offsets.set(step.key, offset + 1)
      return kafkaRecord('orders', step.key, offset, { n, action: step.action })
    })
    const ids = records.map((record) => `orders-${record.partition}@${record.offset}`)
    const letters: { record: BatchRecord; error: unknown; id: string }[] = []
    const summaries: BatchSummary[] = []
    const handler = middy<unknown, BatchResponse>().handler(
      fanOut(actor([]), {
        logger: false,
        deadLetter: async (record, error, meta) => void letters.push({ record, error, id: meta.id }),
        onSummary: (summary) => void summaries.push(summary),
      }),
    )
    const response = await handler(kafkaEvent(records), lambdaContext())
    letters.sort((a, b) => ids.indexOf(a.id) - ids.indexOf(b.id))

    expect(letters.map((letter) => letter.id)).toEqual([ids[2], ids[6]])
    expect(letters.map((letter) => letter.record)).toEqual([records[2], records[6]])
    expect(letters[0]?.error).toBeInstanceOf(PermanentError)
    // Partition 1 stops at its failure (offset 1) and reports the rest of it; nothing of partitions 0 and 2.
    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: { partition: 'orders-1', offset: 1 } },
      { itemIdentifier: { partition: 'orders-1', offset: 2 } },
    ])
    const summary = summaries[0] as BatchSummary
    expect(summary).toMatchObject({ source: 'kafka', records: 7, permanent: 2, failed: 1, succeeded: 3, skipped: 1 })
    expect(outcomeTotal(summary)).toBe(summary.records)
  })

  it('hands the dead-letter handler the PermanentError with its cause, and a batch of only such records succeeds', async () => {
    const cause = new Error('404 from the accounts service')
    const errors: unknown[] = []
    const handler = middy<unknown, BatchResponse>().handler(
      fanOut(
        async () => {
          throw new PermanentError('account a-1 was deleted', { cause })
        },
        { logger: memoryLogger().logger, deadLetter: async (_record, error) => void errors.push(error) },
      ),
    )
    const { event } = sourceNamed('Kinesis').event([{ key: 0, action: 'ok' }])
    // Every record dead-lettered is no full-batch failure: nothing is thrown, nothing is reported.
    expect(await handler(event, lambdaContext())).toEqual({ batchItemFailures: [] })
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ code: 'SDR_PERMANENT', reason: 'account a-1 was deleted', cause })
  })

  it('reports the record, and stops its key, when the dead-letter handler rejects', async () => {
    const { logger, calls } = memoryLogger()
    const summaries: BatchSummary[] = []
    const handler = middy<unknown, BatchResponse>().handler(
      fanOut(actor([]), {
        logger,
        deadLetter: async () => {
          throw new Error('dead-letter stream down')
        },
        onSummary: (summary) => void summaries.push(summary),
      }),
    )
    const { event, ids } = sourceNamed('Kinesis').event([
      { key: 0, action: 'permanent' },
      { key: 0, action: 'ok' },
      { key: 1, action: 'ok' },
    ])
    expect(failuresOf(await handler(event, lambdaContext()))).toEqual([ids[0], ids[1]])
    expect(summaries[0]).toMatchObject({ records: 3, failed: 1, skipped: 1, succeeded: 1, permanent: 0 })
    expect(calls.filter((call) => call.level === 'error').map((call) => call.message)).toEqual([
      'Dead-letter sink failed; record reported as failed',
    ])
  })

  it('still dead-letters a PermanentError thrown after the budget aborted, while the engine drains', async () => {
    const context = lambdaContext({ timeoutMs: 10_000 })
    const budget = budgetOf(context)
    const letters: string[] = []
    const handler = middy<unknown, BatchResponse>().handler(
      fanOut(
        async (raw: unknown) => {
          const item = itemOf(raw)
          if (item.n !== 0) return
          budget.abort(new TimeoutApproachingError({ phase: 'soft', remainingMs: 500 }))
          await sleep(2)
          throw new PermanentError('found out too late to matter')
        },
        {
          logger: memoryLogger().logger,
          drainMs: 1000,
          deadLetter: async (_record, _error, { id }) => void letters.push(id),
        },
      ),
    )
    const { event, ids } = sourceNamed('Kinesis').event([
      { key: 0, action: 'ok' },
      { key: 0, action: 'ok' },
    ])
    // The first record is dead-lettered during the drain; the second never started and is reported.
    expect(failuresOf(await handler(event, context))).toEqual([ids[1]])
    expect(letters).toEqual([ids[0]])
  })
})

describe('fanOut: which dead-letter handler, and what without one', () => {
  const steps: readonly Step[] = [
    { key: 0, action: 'permanent' },
    { key: 1, action: 'ok' },
  ]
  const invalidAndPermanent = () => {
    const { event, ids } = sourceNamed('Kinesis').event(steps)
    const bad = kinesisRecord(2, 'k2', '{not json')
    return {
      event: { Records: [...(event as KinesisStreamEvent).Records, bad] },
      ids: [...ids, bad.kinesis.sequenceNumber],
    }
  }

  it('is a creation-time error to rely on a dead-letter handler that is not configured, naming the option', () => {
    const handler = async () => undefined
    const toInvalid: DeadLetterHandler = async () => undefined
    expect(() => fanOut(handler, { onPermanent: 'dead-letter' })).toThrow(
      /fanOut\(recordHandler, options\): onPermanent is 'dead-letter', which needs a deadLetter handler/,
    )
    // An onInvalid function is no dead-letter handler for PermanentError records: it is typed for invalid ones only.
    expect(() => fanOut(handler, { onInvalid: toInvalid, onPermanent: 'dead-letter' })).toThrow(TypeError)
    expect(() => fanOut(handler, { onInvalid: 'dead-letter' })).toThrow(/onInvalid is 'dead-letter'/)
    expect(() => fanOut(handler, { onPermanent: 'dead-letter', deadLetter: async () => undefined })).not.toThrow()
  })

  it('without a dead-letter handler, fails a PermanentError record as any error and logs it at error', async () => {
    const { logger, calls } = memoryLogger()
    const invalid: unknown[] = []
    const summaries: BatchSummary[] = []
    const handler = middy<unknown, BatchResponse>().handler(
      fanOut(actor([]), {
        logger,
        // a dead-letter function for invalid records only: it never receives a PermanentError
        onInvalid: async (_record, error) => void invalid.push(error),
        onSummary: (summary) => void summaries.push(summary),
      }),
    )
    const { event, ids } = invalidAndPermanent()
    expect(failuresOf(await handler(event, lambdaContext()))).toEqual([ids[0]])
    expect(invalid).toHaveLength(1)
    expect(invalid[0]).toBeInstanceOf(InvalidRecordError)
    expect(summaries[0]).toMatchObject({ records: 3, failed: 1, succeeded: 1, deadLettered: 1, permanent: 0 })
    const errors = calls.filter((call) => call.level === 'error')
    expect(errors.map((call) => [call.message, call.extra[0]])).toEqual([
      [
        'PermanentError thrown but no deadLetter handler is configured; record reported',
        { id: ids[0], reason: 'record 0 can never succeed' },
      ],
    ])
  })

  it('sends invalid records to deadLetter too, unless onInvalid says otherwise', async () => {
    const run = async (options: Parameters<typeof fanOut>[1]) => {
      const letters: string[] = []
      const handler = middy<unknown, BatchResponse>().handler(
        fanOut(actor([]), {
          logger: memoryLogger().logger,
          deadLetter: async (_record, error) => void letters.push(error.code),
          ...options,
        }),
      )
      const { event } = invalidAndPermanent()
      return { response: await handler(event, lambdaContext()), letters: letters.sort() }
    }
    const { ids } = invalidAndPermanent()
    // By default both kinds go to deadLetter; the error tells them apart.
    expect(await run({})).toEqual({
      response: { batchItemFailures: [] },
      letters: ['SDR_INVALID_RECORD', 'SDR_PERMANENT'],
    })
    expect(await run({ onInvalid: 'dead-letter', onPermanent: 'dead-letter' })).toEqual(await run({}))
    // onInvalid: 'fail' reports invalid records; onPermanent: 'fail' reports PermanentError ones, without an error line.
    expect(await run({ onInvalid: 'fail' })).toEqual({
      response: { batchItemFailures: [{ itemIdentifier: ids[2] }] },
      letters: ['SDR_PERMANENT'],
    })
    expect(await run({ onPermanent: 'fail' })).toEqual({
      response: { batchItemFailures: [{ itemIdentifier: ids[0] }] },
      letters: ['SDR_INVALID_RECORD'],
    })
    // An onInvalid function keeps the invalid records; deadLetter gets the PermanentError ones.
    const invalid: string[] = []
    const mixed = await run({ onInvalid: async (_record, error) => void invalid.push(error.reason) })
    expect([mixed.letters, invalid]).toEqual([['SDR_PERMANENT'], ['decode']])
  })

  it('with a sink, dead-letters a PermanentError record in the map phase and never hands it to the sink', async () => {
    const written: unknown[] = []
    const letters: string[] = []
    const summaries: BatchSummary[] = []
    const handler = middy<unknown, BatchResponse>().handler(
      fanOut(
        async (raw: unknown) => {
          const item = itemOf(raw)
          if (item.action === 'permanent') throw new PermanentError('no such customer')
          return item.n
        },
        {
          logger: memoryLogger().logger,
          deadLetter: async (_record, _error, { id }) => void letters.push(id),
          sink: async (results) => {
            written.push(...results)
            return results.map(() => ({ ok: true }))
          },
          onSummary: (summary) => void summaries.push(summary),
        },
      ),
    )
    const { event, ids } = sourceNamed('SQS FIFO').event([
      { key: 0, action: 'ok' },
      { key: 0, action: 'permanent' },
      { key: 0, action: 'ok' },
    ])
    expect(await handler(event, lambdaContext())).toEqual({ batchItemFailures: [] })
    expect(written).toEqual([0, 2])
    expect(letters).toEqual([ids[1]])
    expect(summaries[0]).toMatchObject({ records: 3, succeeded: 2, permanent: 1 })
  })
})
