import middy from '@middy/core'
import type { MSKEvent, MSKRecord, SelfManagedKafkaEvent } from 'aws-lambda'
import {
  BatchFailureError,
  type BatchResponse,
  fanOut,
  type KafkaItemIdentifier,
  kafkaHeaders,
  kafkaKey,
  type RecordMeta,
  UnsupportedEventError,
  windowReducer,
} from 'serverless-done-right'
import { internalsOf } from '../../src/budget/invocation.js'
import { lambdaContext } from '../helpers/context.js'
import { fixture } from '../helpers/fixtures.js'
import { kafkaEvent, kafkaRecord, memoryLogger } from './factories.js'

const at = (partition: string, offset: number): { itemIdentifier: KafkaItemIdentifier } => ({
  itemIdentifier: { partition, offset },
})

describe('fanOut over Kafka', () => {
  it('handles the real MSK fixture: JSON value, topic-partition key, key and headers through the helpers', async () => {
    const seen: unknown[] = []
    const { logger, calls } = memoryLogger()
    const handler = middy<unknown, BatchResponse>().handler(
      fanOut(
        async (item, meta) => {
          const record = meta.record as MSKRecord
          seen.push({ item, key: meta.key, id: meta.id, kafkaKey: kafkaKey(record), headers: kafkaHeaders(record) })
        },
        { logger },
      ),
    )
    const context = lambdaContext()
    expect(await handler(fixture<MSKEvent>('kafka-msk'), context)).toEqual({ batchItemFailures: [] })
    expect(seen).toEqual([
      {
        item: { key: 'value' },
        key: 'mytopic-0',
        id: 'mytopic-0@15',
        kafkaKey: 'recordKey',
        headers: { headerKey: 'headerValue' },
      },
    ])
    expect([...internalsOf(context).confirmedIds()]).toEqual(['mytopic-0@15'])
    expect(calls.find((call) => call.level === 'info')?.extra[0]).toMatchObject({ source: 'kafka', succeeded: 1 })
  })

  it('handles the documented self-managed Kafka event, whose value is text', async () => {
    const seen: unknown[] = []
    const handler = middy<unknown, BatchResponse>().handler(
      fanOut(async (item, meta) => void seen.push([item, meta.key]), { decode: 'text', logger: false }),
    )
    const event = fixture<SelfManagedKafkaEvent>('kafka-self-managed')
    expect(await handler(event, lambdaContext())).toEqual({ batchItemFailures: [] })
    expect(seen).toEqual([['Hello, this is a test.', 'mytopic-0']])
  })

  it('answers with the documented itemIdentifier object', async () => {
    // AWS Lambda DG, "Configuring error handling controls for Kafka event sources", PartialBatchResponse:
    // https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html#kafka-partial-batch-response
    // documents { "batchItemFailures": [ { "itemIdentifier": { "partition": "topic-partition_number", "offset": 100 } } ] }
    const documented = '{"batchItemFailures":[{"itemIdentifier":{"partition":"mytopic-0","offset":100}}]}'
    const handler = middy<unknown, BatchResponse>().handler(
      fanOut(
        async (item: { ok: boolean }) => {
          if (!item.ok) throw new Error('boom')
        },
        { logger: false },
      ),
    )
    const event = kafkaEvent([
      kafkaRecord('mytopic', 0, 99, { ok: true }),
      kafkaRecord('mytopic', 0, 100, { ok: false }),
    ])
    expect(JSON.stringify(await handler(event, lambdaContext()))).toBe(documented)
  })

  it('keeps offset order per topic-partition, stops a partition at its first failure and reports the rest of it', async () => {
    const started: string[] = []
    const handler = middy<unknown, BatchResponse>().handler(
      fanOut(
        async (item: { fail?: boolean }, meta: RecordMeta) => {
          started.push(meta.id)
          await new Promise((resolve) => setTimeout(resolve, 1))
          if (item.fail) throw new Error(`${meta.id} fails`)
        },
        { logger: false, concurrency: 4 },
      ),
    )
    const event = kafkaEvent([
      kafkaRecord('orders', 0, 10, {}),
      kafkaRecord('orders', 0, 11, { fail: true }),
      kafkaRecord('orders', 0, 12, {}),
      kafkaRecord('orders', 0, 13, {}),
      kafkaRecord('orders', 1, 20, {}),
      kafkaRecord('orders', 1, 21, {}),
      kafkaRecord('audit', 0, 5, {}),
    ])
    const response = await handler(event, lambdaContext())
    // Lambda may retry a partition from its lowest reported offset: everything after it is reported too.
    expect(response).toEqual({ batchItemFailures: [at('orders-0', 11), at('orders-0', 12), at('orders-0', 13)] })
    expect(started.filter((id) => id.startsWith('orders-0@'))).toEqual(['orders-0@10', 'orders-0@11'])
    expect(started.filter((id) => id.startsWith('orders-1@'))).toEqual(['orders-1@20', 'orders-1@21'])
    expect(started).toContain('audit-0@5')
  })

  it("flattens the groups in the event's order, and 'batch' ordering stops the whole batch at the first failure", async () => {
    const started: string[] = []
    const handler = middy<unknown, BatchResponse>().handler(
      fanOut(
        async (item: { fail?: boolean }, meta) => {
          started.push(meta.id)
          if (item.fail) throw new Error('boom')
        },
        { logger: false, ordering: 'batch' },
      ),
    )
    const event = kafkaEvent([
      kafkaRecord('b', 1, 7, {}),
      kafkaRecord('a', 0, 3, { fail: true }),
      kafkaRecord('a', 0, 4, {}),
    ])
    const response = await handler(event, lambdaContext())
    expect(started).toEqual(['b-1@7', 'a-0@3'])
    expect(response).toEqual({ batchItemFailures: [at('a-0', 3), at('a-0', 4)] })
  })

  it('reports undecodable values (bad base64, bad JSON, null, missing) as invalid, never a crash', async () => {
    const handled: unknown[] = []
    const { logger, calls } = memoryLogger()
    const handler = middy<unknown, BatchResponse>().handler(fanOut(async (item) => void handled.push(item), { logger }))
    const good = kafkaRecord('t', 0, 1, { fine: true })
    const badBase64 = { ...kafkaRecord('t', 1, 1, ''), value: 'abc' }
    const badJson = kafkaRecord('t', 2, 1, '{not json')
    const nullValue = { ...kafkaRecord('t', 3, 1, ''), value: null } as unknown as MSKRecord
    const { value: _dropped, ...missing } = kafkaRecord('t', 4, 1, '')
    const event = kafkaEvent([good, badBase64, badJson, nullValue, missing as MSKRecord])
    const response = await handler(event, lambdaContext())
    expect(handled).toEqual([{ fine: true }])
    expect(response).toEqual({ batchItemFailures: [at('t-1', 1), at('t-2', 1), at('t-3', 1), at('t-4', 1)] })
    const errors = calls.filter((call) => call.message === 'Invalid record').map((call) => call.extra[0])
    expect(errors).toEqual([
      expect.objectContaining({ id: 't-1@1', error: expect.stringMatching(/value is not valid base64/) }),
      expect.objectContaining({ id: 't-2@1', error: expect.stringMatching(/value is not valid JSON/) }),
      expect.objectContaining({ id: 't-3@1', error: expect.stringMatching(/value is missing/) }),
      expect.objectContaining({ id: 't-4@1', error: expect.stringMatching(/value is missing/) }),
    ])
  })

  it('throws BatchFailureError when every record failed, with every record named', async () => {
    const handler = middy<unknown, BatchResponse>().handler(
      fanOut(
        async () => {
          throw new Error('down')
        },
        { logger: false },
      ),
    )
    const event = kafkaEvent([kafkaRecord('t', 0, 1, {}), kafkaRecord('t', 0, 2, {}), kafkaRecord('t', 1, 9, {})])
    const error = await handler(event, lambdaContext()).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(BatchFailureError)
    expect((error as BatchFailureError).recordErrors.map((entry) => entry.id)).toEqual(['t-0@1', 't-0@2', 't-1@9'])
  })

  it('fails the whole batch (an invalid identifier) for a record without an offset', async () => {
    const handler = fanOut(
      async () => {
        throw new Error('down')
      },
      { logger: false, throwOnFullBatchFailure: false },
    )
    const { offset: _dropped, ...noOffset } = kafkaRecord('t', 0, 1, {})
    const response = await handler(kafkaEvent([noOffset as MSKRecord]), lambdaContext())
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: '' }] })
  })

  it('answers an empty Kafka batch with no failures; windowReducer refuses Kafka, which has no tumbling windows', async () => {
    const handler = fanOut(async () => undefined, { logger: false })
    expect(await handler({ ...fixture<MSKEvent>('kafka-msk'), records: {} }, lambdaContext())).toEqual({
      batchItemFailures: [],
    })
    const reducer = windowReducer({
      key: () => 'k',
      initial: () => 0,
      reduce: (count: number) => count + 1,
      flush: async () => undefined,
      logger: false,
    })
    const windowed = { ...fixture<MSKEvent>('kafka-msk'), window: { start: 'a', end: 'b' }, state: {} }
    await expect(reducer(windowed, lambdaContext())).rejects.toThrow(UnsupportedEventError)
    await expect(reducer(windowed, lambdaContext())).rejects.toThrow(/Kinesis or DynamoDB Streams tumbling-window/)
  })
})

describe('kafkaKey and kafkaHeaders', () => {
  it('decode a key (or its absence) and headers (last value of a repeated name wins)', () => {
    const record = kafkaRecord('t', 0, 1, {})
    expect(kafkaKey({ ...record, key: Buffer.from('user-7').toString('base64') })).toBe('user-7')
    expect(kafkaKey({ ...record, key: null } as unknown as MSKRecord)).toBeUndefined()
    const headers = [{ a: [49] }, { b: [50, 51] }, { a: [52] }, null, { c: 'x' }]
    expect(kafkaHeaders({ ...record, headers } as unknown as MSKRecord)).toEqual({ a: '4', b: '23' })
    expect(kafkaHeaders({ ...record, headers: undefined } as unknown as MSKRecord)).toEqual({})
  })
})
