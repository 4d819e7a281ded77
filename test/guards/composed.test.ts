import middy from '@middy/core'
import type { Context, KinesisStreamEvent } from 'aws-lambda'
import {
  budgetOf,
  fanOut,
  type MemorySummary,
  memoryWatchdog,
  type RecordMeta,
  timeoutGuard,
  warmup,
} from 'serverless-done-right'
import { internalsOf } from '../../src/budget/invocation.js'
import { lambdaContext } from '../helpers/context.js'
import { fixture } from '../helpers/fixtures.js'
import { lagMeter } from '../helpers/timing.js'
import { besidesIdleGuardTimers, forever, recordingLogger, sleep, timerTracker } from './helpers.js'

/** The three guards composed as the README shows them, around a real fanOut. */
function composedHandler(handleLine: (line: string, meta: RecordMeta) => Promise<void>) {
  const logger = recordingLogger()
  const reports: MemorySummary[] = []
  const guard = timeoutGuard({ logger })
  const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined }
  const handler = middy(guard.middyOptions)
    .use(warmup({ scheduleRule: 'warm-up-every-5-minutes', logger }))
    .use(guard)
    .use(memoryWatchdog({ logger, onSummary: (report) => reports.push(report) }))
    .handler(fanOut(handleLine, { decode: 'text', logger: quiet }) as (e: unknown, c: Context) => Promise<unknown>)
  return { handler, logger, reports }
}

describe('warmup + timeoutGuard + memoryWatchdog in one handler', () => {
  it('answers pings before the other guards run, handles batches, and reports memory per real invocation', async () => {
    const timers = timerTracker()
    const lines: string[] = []
    const { handler, logger, reports } = composedHandler(async (line) => {
      lines.push(line)
    })

    expect(await handler(fixture('eventbridge-scheduled'), lambdaContext())).toEqual({
      warmup: true,
      coldStart: true,
      invocation: 1,
    })
    expect(reports).toEqual([]) // the watchdog never ran for the ping

    const context = lambdaContext({ timeoutMs: 3000, memoryMb: 10_240 }) // jest's own RSS is above 128 MB
    expect(await handler(fixture('kinesis-stream'), context)).toEqual({ batchItemFailures: [] })
    expect(lines).toEqual(['Hello, this is a test.', 'This is only a test.'])
    expect(internalsOf(context).confirmedIds().size).toBe(2)
    expect(reports).toHaveLength(1)
    expect(reports[0]?.coldStart).toBe(true) // the watchdog's first invocation: the ping never reached it
    expect(logger.lines.filter((line) => line.level === 'warn')).toEqual([])
    expect(besidesIdleGuardTimers(await timers.pending())).toEqual([]) // at most each guard's idle timer
    timers.stop()
  })

  it('drains on the soft phase and names only the unfinished record, with no timer left', async () => {
    const timers = timerTracker()
    const event = fixture<KinesisStreamEvent>('kinesis-stream')
    const { handler, logger, reports } = composedHandler(async (line, meta) => {
      if (line.startsWith('This')) await forever() // a record that ignores the signal
      expect(meta.signal.aborted).toBe(false)
    })
    // 1.5 s left with the defaults: soft at 500 ms; fanOut drains 200 ms and returns before the hard phase.
    const context = lambdaContext({ timeoutMs: 1500, memoryMb: 10_240 })
    const response = await handler(event, context)
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: event.Records[1]?.kinesis.sequenceNumber }] })
    expect(budgetOf(context).signal.reason).toMatchObject({ phase: 'soft' })
    expect(budgetOf(context).remainingMs()).toBeGreaterThan(250)
    expect(logger.lines.map((line) => line.fields.phase).filter(Boolean)).toEqual(['soft'])
    expect(reports).toHaveLength(1)
    // The soft phase fired, so the guard's alarm timer is gone; the watchdog's sampler ends one interval on.
    await sleep(150)
    expect(await timers.pending()).toEqual([])
    timers.stop()
    await sleep(10)
  })

  it('fires the soft phase on time with the memory watchdog sampling alongside', async () => {
    const logger = recordingLogger()
    const context = lambdaContext({ timeoutMs: 700 })
    const lag = lagMeter(400)
    const startedAt = Date.now()
    let abortedAfter = 0
    // The guards in the README's order; the handler waits for the soft abort, due at 700 - 300 = 400 ms.
    const guard = timeoutGuard({ softMarginMs: 300, hardMarginMs: 100, logger })
    const chain = middy(guard.middyOptions)
      .use(guard)
      .use(memoryWatchdog({ sampleIntervalMs: 30, logger: false }))
      .handler(async (_event: unknown, ctx: Context) => {
        const { signal } = budgetOf(ctx)
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }))
        abortedAfter = Date.now() - startedAt
        return 'drained'
      })
    expect(await chain(fixture('sqs'), context)).toBe('drained')
    expect(abortedAfter).toBeGreaterThanOrEqual(395)
    expect(abortedAfter).toBeLessThan(460 + (await lag.ms())) // late only by this run's event-loop lag
    expect(logger.lines.filter((line) => line.fields.phase === 'soft')).toHaveLength(1)
  })
})
