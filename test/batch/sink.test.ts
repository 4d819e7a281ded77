/**
 * The budget contract and the sink stage, through real Middy chains with the real guards: a reused context gets a
 * fresh budget; a sink that fails some items, and a hard timeout while the sink writes, both yield exactly the records
 * not confirmed; per-key stop-on-failure applies to sink failures too.
 */
import middy from '@middy/core'
import type { Context } from 'aws-lambda'
import {
  type BatchResponse,
  budgetOf,
  fanOut,
  memoryWatchdog,
  type SinkReport,
  TimeoutApproachingError,
  timeoutGuard,
} from 'serverless-done-right'
import { z } from 'zod'
import { lambdaContext } from '../helpers/context.js'
import { lagMeter } from '../helpers/timing.js'
import { kinesisEvent, memoryLogger } from './factories.js'

const Line = z.object({ n: z.number() })
type Line = z.infer<typeof Line>
const quiet = () => memoryLogger().logger
const never = () => new Promise<never>(() => undefined)

/** A context object a harness reuses for every invocation: same object, same request id, a fresh clock each time. */
function reusedContext(timeoutMs: number): { context: Context; restart: () => void } {
  let deadline = Date.now() + timeoutMs
  const context = {
    ...lambdaContext({ requestId: 'same-every-time' }),
    getRemainingTimeInMillis: () => deadline - Date.now(),
  }
  const restart = () => {
    deadline = Date.now() + timeoutMs
  }
  return { context, restart }
}

describe('the budget of a reused context', () => {
  it('is fresh for every invocation of a guarded chain: no previous abort, deadline or confirmed ids', async () => {
    const guard = timeoutGuard({ softMarginMs: 300, hardMarginMs: 100, logger: false })
    const seen: { aborted: boolean; deadline: number }[] = []
    const handler = middy(guard.middyOptions)
      .use(guard)
      .use(memoryWatchdog({ logger: false }))
      .handler(async (_event: unknown, context: Context) => {
        const budget = budgetOf(context)
        seen.push({ aborted: budget.signal.aborted, deadline: budget.deadline })
        budget.abort(new TimeoutApproachingError({ phase: 'soft', remainingMs: 1 }))
        return 'done'
      })
    const { context, restart } = reusedContext(1000)
    await handler({}, context)
    await new Promise((resolve) => setTimeout(resolve, 30))
    restart()
    await handler({}, context)
    expect(seen.map((s) => s.aborted)).toEqual([false, false])
    expect(seen[1]?.deadline).toBeGreaterThan(seen[0]?.deadline as number)
  })

  it('gives the timeout fallback of a second invocation none of the first one’s confirmed records', async () => {
    const guard = timeoutGuard({ softMarginMs: 200, hardMarginMs: 100, logger: false })
    const event = kinesisEvent([
      ['a', { n: 0 }],
      ['b', { n: 1 }],
    ])
    let call = 0
    const handler = middy<unknown, BatchResponse>(guard.middyOptions)
      .use(guard)
      .handler(
        fanOut<Line>(
          async () => {
            if (call === 2) await never() // the second invocation confirms nothing before the hard phase
          },
          { schema: Line, logger: quiet(), drainMs: 5_000 },
        ),
      )
    const { context, restart } = reusedContext(400)
    call = 1
    expect(await handler(event, context)).toEqual({ batchItemFailures: [] })
    restart()
    call = 2
    const second = await handler(event, context)
    expect(second.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(
      event.Records.map((r) => r.kinesis.sequenceNumber),
    )
  })

  it('is fresh when a context object comes back with another awsRequestId', () => {
    const context = lambdaContext({ requestId: 'one' })
    const first = budgetOf(context)
    first.abort(new Error('spent'))
    expect(budgetOf(context)).toBe(first)
    ;(context as { awsRequestId: string }).awsRequestId = 'two'
    expect(budgetOf(context)).not.toBe(first)
    expect(budgetOf(context).signal.aborted).toBe(false)
  })
})

describe('fanOut sink', () => {
  const event = kinesisEvent([
    ['a', { n: 0 }],
    ['b', { n: 1 }],
    ['a', { n: 2 }],
    ['c', { n: 3 }],
    ['b', { n: 4 }],
  ])
  const seq = (i: number) => event.Records[i]?.kinesis.sequenceNumber as string

  it('gets the mapped results in batch order, with their records, and confirms only what it reports ok', async () => {
    const got: { results: number[]; ids: string[] }[] = []
    const handler = middy<unknown, BatchResponse>().handler(
      fanOut<Line, number>(async (line) => line.n * 10, {
        schema: Line,
        logger: quiet(),
        sink: async (results, meta): Promise<SinkReport> => {
          got.push({ results: [...results], ids: meta.records.map((r) => r.id) })
          // n=1 (key b) fails: n=4, later in key b, is reported too; n=3 is left out of the report.
          return results.map((n) => (n === 30 ? undefined : { ok: n !== 10 }))
        },
      }),
    )
    const response = await handler(event, lambdaContext())
    expect(got).toEqual([{ results: [0, 10, 20, 30, 40], ids: [0, 1, 2, 3, 4].map(seq) }])
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([seq(1), seq(3), seq(4)])
  })

  it('hands the sink nothing of a record that failed in the handler, nor of the rest of its key', async () => {
    const sunk: number[] = []
    const handler = fanOut<Line, number>(
      async (line) => {
        if (line.n === 0) throw new Error('bad')
        return line.n
      },
      {
        schema: Line,
        logger: quiet(),
        sink: async (results) => {
          sunk.push(...results)
          return results.map(() => ({ ok: true }))
        },
      },
    )
    const response = await handler(event, lambdaContext())
    expect(sunk).toEqual([1, 3, 4])
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([seq(0), seq(2)])
  })

  it('reports every record the sink took when it rejects or returns no report', async () => {
    for (const sink of [async () => Promise.reject(new Error('down')), async () => 'yes' as never]) {
      const handler = fanOut<Line, number>(async (line) => line.n, {
        schema: Line,
        logger: quiet(),
        sink,
        throwOnFullBatchFailure: false,
      })
      const response = await handler(event, lambdaContext())
      expect(response.batchItemFailures).toHaveLength(5)
    }
  })

  it('names exactly the unconfirmed records when the hard phase comes while the sink writes', async () => {
    const guard = timeoutGuard({ softMarginMs: 300, hardMarginMs: 150, logger: false })
    const sinkStarted: number[] = []
    const handler = middy<unknown, BatchResponse>(guard.middyOptions)
      .use(guard)
      .handler(
        fanOut<Line, number>(
          async (line) => {
            if (line.n === 3) throw new Error('record 3 fails in the handler')
            return line.n
          },
          {
            schema: Line,
            logger: quiet(),
            onInvalid: async () => undefined,
            sink: async (results) => {
              sinkStarted.push(...results)
              return never() // the write hangs past the hard phase
            },
          },
        ),
      )
    // Record 2 is invalid and dead-lettered (confirmed); 3 failed; 0, 1 and 4 are in the hung sink.
    const withInvalid = {
      Records: event.Records.map((record, i) =>
        i === 2 ? { ...record, kinesis: { ...record.kinesis, data: Buffer.from('nope').toString('base64') } } : record,
      ),
    }
    const response = await handler(withInvalid, lambdaContext({ timeoutMs: 400 }))
    expect(sinkStarted).toEqual([0, 1, 4])
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([seq(0), seq(1), seq(3), seq(4)])
  })
})

describe('observers that throw, in a guarded chain', () => {
  it('still answers at once with the right batchItemFailures when every logger and onReport throws', async () => {
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => void unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    process.on('uncaughtException', onUnhandled)
    try {
      const throwing = {
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
      const guard = timeoutGuard({ softMarginMs: 300, hardMarginMs: 100, logger: throwing })
      const event = kinesisEvent([
        ['a', { n: 0 }],
        ['b', { n: 1 }],
        ['c', 'not json'],
      ])
      const handler = middy<unknown, BatchResponse>(guard.middyOptions)
        .use(guard)
        .use(
          memoryWatchdog({
            logger: throwing,
            onSummary: () => {
              throw new Error('onReport')
            },
          }),
        )
        .handler(
          fanOut<Line>(
            async (line, { signal }) => {
              if (line.n === 1) {
                await new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason)))
              }
            },
            {
              schema: Line,
              logger: throwing,
              onSummary: () => {
                throw new Error('onSummary')
              },
            },
          ),
        )
      const context = lambdaContext({ timeoutMs: 500 })
      const lag = lagMeter(200)
      const started = Date.now()
      const response = await handler(event, context)
      // The soft phase fires at 200 ms: the waiting record is aborted, the engine answers, not the hard phase.
      expect(Date.now() - started).toBeLessThan(400 + (await lag.ms()))
      expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([
        event.Records[1]?.kinesis.sequenceNumber,
        event.Records[2]?.kinesis.sequenceNumber,
      ])
      await new Promise((resolve) => setTimeout(resolve, 20))
      expect(unhandled).toEqual([])
    } finally {
      process.off('unhandledRejection', onUnhandled)
      process.off('uncaughtException', onUnhandled)
    }
  })
})
