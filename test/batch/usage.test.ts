/**
 * fanOut and windowReducer as users compose them: behind the real timeout guard in one middy chain, typed by their
 * schema, and exported as plain Lambda handlers.
 */
import middy from '@middy/core'
import type { KinesisStreamHandler } from 'aws-lambda'
import {
  type BatchResponse,
  type BatchSummary,
  fanOut,
  memoryWatchdog,
  type RecordMeta,
  timeoutGuard,
  type WindowResponse,
  windowReducer,
} from 'serverless-done-right'
import { z } from 'zod'
import { internalsOf } from '../../src/budget/invocation.js'
import { lambdaContext } from '../helpers/context.js'
import { lagMeter } from '../helpers/timing.js'
import { kinesisEvent, memoryLogger, sleep } from './factories.js'

const LogLine = z.object({ user: z.string(), action: z.string() })

describe('fanOut behind timeoutGuard', () => {
  it('drains at the soft deadline and returns a partial result before the hard one', async () => {
    const guard = timeoutGuard({ softMarginMs: 400, hardMarginMs: 100, logger: false })
    const handled: string[] = []
    const handler = middy<unknown, BatchResponse>(guard.middyOptions)
      .use(guard)
      .handler(
        fanOut(
          async (line, { id, signal }) => {
            // Real work would pass the signal to its I/O; this waits 40 ms unless told to stop.
            await new Promise<void>((resolve, reject) => {
              const timer = setTimeout(resolve, 40)
              signal.addEventListener('abort', () => reject(clearTimeout(timer) ?? signal.reason), { once: true })
            })
            handled.push(`${line.user}:${id}`)
          },
          { schema: LogLine, concurrency: 4, logger: memoryLogger().logger },
        ),
      )
    const event = kinesisEvent(Array.from({ length: 60 }, (_, i) => [`u${i % 6}`, { user: `u${i % 6}`, action: 'x' }]))
    const context = lambdaContext({ timeoutMs: 1000 })
    const lag = lagMeter(600) // the soft phase is due at 1000 - 400 ms
    const startedAt = Date.now()
    const response = await handler(event, context)
    const elapsed = Date.now() - startedAt
    const failed = response.batchItemFailures.map((failure) => failure.itemIdentifier)
    expect(failed.length).toBeGreaterThan(0)
    expect(failed.length).toBeLessThan(60)
    expect(handled.length + failed.length).toBe(60)
    expect(internalsOf(context).confirmedIds().size).toBe(handled.length)
    // Returned by the soft phase's drain, before Lambda's deadline (however late this run's event loop fired timers).
    expect(elapsed).toBeLessThan(1000 + (await lag.ms()))
  })
})

describe('fanOut behind memoryWatchdog', () => {
  it('stops taking records once the watchdog sheds load, through the check it runs between records', async () => {
    // The function's memory is set to twice what this process uses now; shedding starts 120 MB above it, and one
    // record allocates 250 MB. The records before it ran; the ones after it never start.
    const rssMb = process.memoryUsage.rss() / 2 ** 20
    const memoryMb = Math.ceil(rssMb * 2)
    const shedRatio = (rssMb + 120) / memoryMb
    const ballast: Buffer[] = []
    const handled: number[] = []
    const summaries: BatchSummary[] = []
    const handler = middy<unknown, BatchResponse>()
      .use(memoryWatchdog({ sampleIntervalMs: 0, warnRatio: shedRatio, shedRatio, logger: false }))
      .handler(
        fanOut(
          async (item: { n: number }) => {
            if (item.n === 3) ballast.push(Buffer.alloc(250 * 2 ** 20, 1))
            handled.push(item.n)
          },
          { ordering: 'batch', logger: memoryLogger().logger, onSummary: (summary) => void summaries.push(summary) },
        ),
      )
    const event = kinesisEvent(Array.from({ length: 10 }, (_, n) => ['k', { n }] as const))
    const response = await handler(event, lambdaContext({ memoryMb }))
    expect(ballast).toHaveLength(1)
    ballast.length = 0 // let it go
    expect(handled).toEqual([0, 1, 2, 3])
    expect(response.batchItemFailures).toHaveLength(6)
    expect(summaries[0]).toMatchObject({ succeeded: 4, aborted: 6, abortReason: expect.stringMatching(/Memory/) })
  })
})

describe('types', () => {
  it('infers the item from the schema and fits Lambda handler types', async () => {
    const seen: string[] = []
    const typed = fanOut(
      async (line, meta: RecordMeta) => {
        seen.push(`${line.user}/${line.action}/${meta.key}`)
        // @ts-expect-error the schema has no `ip`
        seen.push(line.ip)
      },
      { schema: LogLine, logger: memoryLogger().logger },
    )
    // A fanOut handler is a valid KinesisStreamHandler.
    const exported: KinesisStreamHandler = typed
    const event = kinesisEvent([['u1', { user: 'u1', action: 'login' }]])
    const response = await (exported(event, lambdaContext(), () => undefined) as Promise<BatchResponse>)
    expect(response).toEqual({ batchItemFailures: [] })
    expect(seen).toEqual(['u1/login/u1', undefined])

    const counts = windowReducer({
      schema: LogLine,
      key: (line) => line.user,
      initial: () => 0,
      reduce: (count: number) => count + 1,
      flush: async () => undefined,
      logger: memoryLogger().logger,
    })
    const window = { start: '2026-01-01T00:00:00Z', end: '2026-01-01T00:01:00Z' }
    const result: WindowResponse<number> = await middy().handler(counts)(
      { ...event, window, state: {}, isFinalInvokeForWindow: false, isWindowTerminatedEarly: false },
      lambdaContext(),
    )
    expect(result.state).toEqual({ u1: 1 })
    await sleep(0)
  })
})
