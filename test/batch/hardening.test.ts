/**
 * Malformed batches and failing observers (issue 19, issue 15): each case once crashed the engine, hung it, or failed
 * the whole invocation on every retry. The engine must answer at once with the right `batchItemFailures`.
 */
import { inspect } from 'node:util'
import middy from '@middy/core'
import type { StandardSchemaV1 } from '@standard-schema/spec'
import type { KinesisStreamEvent } from 'aws-lambda'
import {
  type BatchLogger,
  type BatchResponse,
  fanOut,
  type TumblingWindowEvent,
  UnsupportedEventError,
  windowReducer,
} from 'serverless-done-right'
import { lambdaContext } from '../helpers/context.js'
import { kinesisEvent, memoryLogger } from './factories.js'

const quiet = () => memoryLogger().logger
const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => void unhandled.push(reason)
beforeAll(() => process.on('unhandledRejection', onUnhandled))
afterAll(() => process.off('unhandledRejection', onUnhandled))
afterEach(async () => {
  await new Promise((resolve) => setTimeout(resolve, 10))
  expect(unhandled).toEqual([])
})

/** An error no logger can print: its `message` getter and its inspection both throw. */
function unprintable(): Error {
  const error = new Error('x')
  Object.defineProperty(error, 'message', {
    get() {
      throw new Error('message getter')
    },
  })
  Object.defineProperty(error, inspect.custom, {
    value() {
      throw new Error('inspect hook')
    },
  })
  return error
}

const throwingLogger: BatchLogger = {
  debug: () => {
    throw new Error('debug')
  },
  info: () => {
    throw new Error('info')
  },
  warn: () => {
    throw new Error('warn')
  },
  error: () => {
    throw new Error('error')
  },
}

describe('fanOut on malformed batches', () => {
  it('reports a null or string record after the first instead of throwing a TypeError', async () => {
    const good = kinesisEvent([
      ['a', { n: 0 }],
      ['b', { n: 1 }],
    ])
    const event = { Records: [good.Records[0], null, 'junk', good.Records[1]] } as unknown as KinesisStreamEvent
    const handled: unknown[] = []
    const response = await fanOut(async (item) => void handled.push(item), { logger: quiet() })(event, lambdaContext())
    expect(handled).toEqual([{ n: 0 }, { n: 1 }])
    // The two bad records have no identifier: '' makes Lambda retry the batch, the safe outcome.
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: '' }, { itemIdentifier: '' }] })
  })

  it('answers a numeric sequenceNumber as a string itemIdentifier', async () => {
    const event = kinesisEvent([
      ['a', { n: 0 }],
      ['b', { n: 1 }],
    ])
    ;(event.Records[1]?.kinesis as unknown as { sequenceNumber: number }).sequenceNumber = 42
    const response = await fanOut(
      async (item: { n: number }) => {
        if (item.n === 1) throw new Error('fails')
      },
      { logger: quiet() },
    )(event, lambdaContext())
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: '42' }] })
  })
})

describe('fanOut with failing observers', () => {
  const event = kinesisEvent([
    ['a', { n: 0 }],
    ['a', { n: 1 }],
    ['b', 'not json'],
  ])
  const seq = (i: number) => event.Records[i]?.kinesis.sequenceNumber as string

  it('answers at once and correctly when the logger, onSummary and the errors all throw', async () => {
    const handler = middy<unknown, BatchResponse>().handler(
      fanOut(
        async (item: { n: number }) => {
          if (item.n === 1) throw unprintable()
        },
        {
          logger: throwingLogger,
          onSummary: () => {
            throw unprintable()
          },
        },
      ),
    )
    const response = await handler(event, lambdaContext())
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([seq(1), seq(2)])
  })

  it('reports a record whose schema throws a non-Error (even one with no prototype)', async () => {
    const schema: StandardSchemaV1<unknown, { n: number }> = {
      '~standard': {
        version: 1,
        vendor: 'hostile',
        validate: (value) => {
          if ((value as { n?: number }).n === 0) throw Object.create(null)
          return { value: value as { n: number } }
        },
      },
    }
    const handled: number[] = []
    const response = await fanOut(async (item) => void handled.push(item.n), { schema, logger: throwingLogger })(
      kinesisEvent([
        ['a', { n: 0 }],
        ['b', { n: 1 }],
      ]),
      lambdaContext(),
    )
    expect(handled).toEqual([1])
    expect(response.batchItemFailures).toHaveLength(1)
  })

  it('throws the full-failure error even when no record error can be printed', async () => {
    const handler = fanOut(
      async () => {
        throw unprintable()
      },
      { logger: throwingLogger },
    )
    await expect(handler(kinesisEvent([['a', { n: 0 }]]), lambdaContext())).rejects.toMatchObject({
      code: 'SDR_BATCH_FAILED',
    })
  })
})

describe('windowReducer on malformed input', () => {
  const window = { start: '2026-11-27T10:00:00Z', end: '2026-11-27T10:05:00Z' }
  const windowEvent = (records: KinesisStreamEvent['Records'], state: unknown): TumblingWindowEvent =>
    ({
      Records: records,
      window,
      state,
      shardId: 'shardId-000000000006',
      isFinalInvokeForWindow: false,
      isWindowTerminatedEarly: false,
    }) as TumblingWindowEvent

  it('refuses a state that is not an object instead of spreading a string into {0: …, 1: …}', async () => {
    const handler = windowReducer<{ n: number }, number>({
      key: () => 'k',
      initial: () => 0,
      reduce: (count) => count + 1,
      flush: async () => undefined,
      logger: quiet(),
    })
    for (const state of ['ab', [1, 2], 7]) {
      await expect(
        handler(windowEvent(kinesisEvent([['a', { n: 0 }]]).Records, state), lambdaContext()),
      ).rejects.toThrow(UnsupportedEventError)
    }
  })

  it.each([
    ['a BigInt', () => 10n],
    [
      'a cycle',
      () => {
        const cycle: Record<string, unknown> = {}
        cycle.self = cycle
        return cycle
      },
    ],
  ])('fails only the record whose reduce returns %s, keeping the state before it', async (_what, bad) => {
    const handler = windowReducer<{ n: number }, unknown>({
      key: (item) => `k${item.n % 2}`,
      initial: () => 0,
      reduce: (count, item) => (item.n === 2 ? bad() : (count as number) + 1),
      flush: async () => undefined,
      logger: quiet(),
    })
    const event = kinesisEvent([
      ['a', { n: 0 }],
      ['a', { n: 1 }],
      ['a', { n: 2 }],
      ['a', { n: 3 }],
    ])
    const response = await handler(windowEvent(event.Records, {}), lambdaContext())
    expect(response.state).toEqual({ k0: 1, k1: 1 })
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(
      event.Records.slice(2).map((r) => r.kinesis.sequenceNumber),
    )
  })

  it('never double-counts when reduce mutates its accumulator and then throws', async () => {
    const handler = windowReducer<{ n: number }, { seen: number[] }>({
      key: () => 'all',
      initial: () => ({ seen: [] }),
      reduce: (accumulator, item) => {
        accumulator.seen.push(item.n) // mutates first…
        if (item.n === 2) throw new Error('…then throws')
        return accumulator
      },
      flush: async () => undefined,
      logger: quiet(),
    })
    const event = kinesisEvent([
      ['a', { n: 0 }],
      ['a', { n: 1 }],
      ['a', { n: 2 }],
      ['a', { n: 3 }],
    ])
    const first = await handler(windowEvent(event.Records, { all: { seen: [-1] } }), lambdaContext())
    expect(first.state).toEqual({ all: { seen: [-1, 0, 1] } })
    // Lambda retries from the first failure, with the returned state: nothing is folded twice.
    const retry = windowEvent(event.Records.slice(2), first.state)
    const fixedHandler = windowReducer<{ n: number }, { seen: number[] }>({
      key: () => 'all',
      initial: () => ({ seen: [] }),
      reduce: (accumulator, item) => ({ seen: [...accumulator.seen, item.n] }),
      flush: async () => undefined,
      logger: quiet(),
    })
    const second = await fixedHandler(retry, lambdaContext())
    expect(second.state).toEqual({ all: { seen: [-1, 0, 1, 2, 3] } })
  })
})
