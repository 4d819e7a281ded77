import { getHeapStatistics, setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { jest } from '@jest/globals'
import middy from '@middy/core'
import type { Context } from 'aws-lambda'
import {
  budgetOf,
  MemoryPressureError,
  type MemorySummary,
  type MemoryWatchdogOptions,
  memoryWatchdog,
} from 'serverless-done-right'
import { oldGenerationLimitMb } from '../../src/guards/heap.js'
import { leakTrend } from '../../src/guards/leak-trend.js'
import { lambdaContext } from '../helpers/context.js'
import { fixture } from '../helpers/fixtures.js'
import { recordingLogger, sleep, timerTracker, turns } from './helpers.js'

const MB = 1024 * 1024
const rssMb = () => process.memoryUsage.rss() / MB

// V8's collector, for the tests that set a limit from the RSS they start at: garbage an earlier test file left in this
// jest worker, collected mid-test, would lower RSS by tens of MB under the test's feet (it once let a clean-clone CI
// run's worker hold 64 MB more without crossing a threshold 32 MB above its start). Collected first, RSS is steady.
setFlagsFromString('--expose-gc')
const collectGarbage = runInNewContext('gc') as () => void
/** RSS after a full garbage collection: the baseline a test sets its limit from. */
const settledRssMb = () => {
  collectGarbage()
  return rssMb()
}

/**
 * Memory the tests below allocate on purpose, kept until the file ends: if a test let its buffer go, a garbage
 * collection during a later test would lower RSS under that test's feet and blur its thresholds.
 */
const kept: Buffer[] = []
const keptOnHeap: number[][] = []
function hold(mb: number): Buffer {
  const buffer = Buffer.alloc(mb * MB, 1) // filled, so its pages count in RSS
  kept.push(buffer)
  return buffer
}

function watched<R>(handler: (event: unknown, context: Context) => Promise<R>, options?: MemoryWatchdogOptions) {
  return middy()
    .use(memoryWatchdog({ logger: false, ...options }))
    .handler(handler) // no default JSON log lines
}

/** A context whose function memory is `limitMb`. */
function contextWithLimit(limitMb: number, requestId?: string): Context {
  return lambdaContext({ memoryMb: Math.round(limitMb), timeoutMs: 10_000, ...(requestId ? { requestId } : {}) })
}

/**
 * Counts real RSS readings. A spy, not a mock: every call goes through to `process.memoryUsage.rss`; the watchdog's
 * timer is unref'd, so counting readings is how a test sees whether it still runs.
 */
function countReadings() {
  return jest.spyOn(process.memoryUsage, 'rss')
}

afterEach(() => {
  jest.restoreAllMocks()
})

describe('memoryWatchdog(): thresholds', () => {
  it('warns once per invocation above warnRatio, without shedding', async () => {
    const logger = recordingLogger()
    const handler = watched(
      async (_event, context) => {
        for (let i = 0; i < 50; i++) budgetOf(context).check()
        return budgetOf(context).signal.aborted
      },
      { logger, sampleIntervalMs: 0, warnRatio: 0.5, shedRatio: 50 },
    )
    // RSS is about the whole limit: well above warnRatio, far below shedRatio.
    expect(await handler(fixture('sqs'), contextWithLimit(rssMb(), 'one'))).toBe(false)
    expect(await handler(fixture('sqs'), contextWithLimit(rssMb(), 'two'))).toBe(false)
    const warnings = logger.lines.filter((line) => line.level === 'warn')
    expect(warnings.map((line) => [line.message, line.fields.kind, line.fields.requestId])).toEqual([
      ['Memory use is high', 'rss', 'one'],
      ['Memory use is high', 'rss', 'two'],
    ])
  })

  it('aborts the budget with a MemoryPressureError above shedRatio, so a batch loop stops taking records', async () => {
    const startMb = settledRssMb()
    // The limit is set so that RSS now is below 90% of it, and RSS plus the 192 MB allocated below is above. Margins
    // of 96 MB each way: RSS in a busy jest worker drifted 32 MB between this reading and the handler's first one.
    const limitMb = (startMb + 96) / 0.9
    const handler = watched(
      async (_event, context) => {
        const budget = budgetOf(context)
        let taken = 0
        for (let record = 0; record < 100; record++) {
          budget.check() // what fanOut calls between records
          if (budget.signal.aborted) break
          if (record === 10) hold(192)
          taken++
        }
        return { taken, reason: budget.signal.reason }
      },
      { sampleIntervalMs: 0 },
    )
    const { taken, reason } = await handler(fixture('kinesis-stream'), contextWithLimit(limitMb))
    expect(taken).toBe(11)
    expect(reason).toBeInstanceOf(MemoryPressureError)
    expect(reason).toMatchObject({
      code: 'SDR_MEMORY_PRESSURE',
      details: { kind: 'rss', limitMb: Math.round(limitMb) },
    })
    expect((reason as MemoryPressureError).details.ratio).toBeGreaterThanOrEqual(0.9)
  })

  it('does not shed an invocation whose memory was over shedRatio from its first reading: it would never progress', async () => {
    // Found by the memory-pressure suite (test/reliability/memory-pressure.test.ts): after a shed invocation V8 leaves
    // its garbage in the heap until it needs the room, so the retry started over shedRatio, was shed before taking a
    // single record, and so was every retry after it. Now only pressure that comes while an invocation runs sheds it.
    const startMb = settledRssMb()
    const limitMb = (startMb + 96) / 0.9 // under shedRatio now, over it once 192 MB more are held
    const handler = watched(
      async (event, context) => {
        const budget = budgetOf(context)
        let taken = 0
        for (let record = 0; record < 20; record++) {
          budget.check()
          if (budget.signal.aborted) break
          if ((event as { allocate?: boolean }).allocate === true && record === 5) hold(192)
          taken++
        }
        return taken
      },
      { sampleIntervalMs: 0 },
    )
    // The first invocation builds the pressure and is shed after its sixth record; what it held stays (as garbage V8
    // has not collected would), so the second starts over shedRatio and runs all its records.
    const event = fixture<Record<string, unknown>>('kinesis-stream')
    expect(await handler({ ...event, allocate: true }, contextWithLimit(limitMb))).toBe(6)
    expect(rssMb() / Math.round(limitMb)).toBeGreaterThanOrEqual(0.9)
    expect(await handler(fixture('kinesis-stream'), contextWithLimit(limitMb))).toBe(20)
  })

  it('watches the V8 heap against its own limit', async () => {
    // Ratios just above the heap in use now, crossed by the 16 MB the handler keeps on the heap while it runs (an
    // invocation is shed for pressure that comes while it runs, not for what it found).
    const ratio = (getHeapStatistics().used_heap_size / MB + 6) / oldGenerationLimitMb()
    const handler = watched(
      async (_event, context) => {
        keptOnHeap.push(new Array(2_000_000).fill(1.5)) // 16 MB of doubles on the V8 heap, kept as `kept` is
        budgetOf(context).check()
        return budgetOf(context).signal.reason
      },
      { warnRatio: ratio, shedRatio: ratio, sampleIntervalMs: 0 },
    )
    // A function memory far above this process's RSS: only the heap can cross the ratios.
    const reason = await handler(fixture('sqs'), contextWithLimit(1_000_000))
    expect(reason).toBeInstanceOf(MemoryPressureError)
    const { details } = reason as MemoryPressureError
    expect(details.kind).toBe('heap')
    // The old generation's limit: V8's heap_size_limit minus the young generation's reserve (see heap.test.ts).
    expect(details.heapLimitMb).toBe(oldGenerationLimitMb())
    expect(details.heapLimitMb).toBeLessThan(getHeapStatistics().heap_size_limit / MB)
    expect(details.heapUsedMb).toBeGreaterThan(0)
  })
})

describe('memoryWatchdog(): the limit', () => {
  const saved = process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE
  afterEach(() => {
    if (saved === undefined) delete process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE
    else process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE = saved
  })

  async function limitSeen(context: Context, options: MemoryWatchdogOptions = {}) {
    const reports: MemorySummary[] = []
    await watched(async () => 'ok', { ...options, onSummary: (report) => reports.push(report) })(
      fixture('sqs'),
      context,
    )
    return reports[0]?.limitMb
  }

  it('takes context.memoryLimitInMB (a string), else AWS_LAMBDA_FUNCTION_MEMORY_SIZE, else options.memoryMb', async () => {
    process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE = '512'
    const noLimit = { ...lambdaContext(), memoryLimitInMB: undefined } as unknown as Context
    expect(await limitSeen(lambdaContext({ memoryMb: 1024 }), { memoryMb: 256 })).toBe(1024)
    expect(await limitSeen(noLimit, { memoryMb: 256 })).toBe(512)
    delete process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE
    expect(await limitSeen(noLimit, { memoryMb: 256 })).toBe(256)
    expect(await limitSeen(noLimit)).toBeUndefined()
    expect(await limitSeen({ ...lambdaContext(), memoryLimitInMB: 'lots' } as Context)).toBeUndefined()
  })
})

describe('memoryWatchdog(): sampling', () => {
  it('reads memory at most once per sampleIntervalMs across invocations', async () => {
    const readings = countReadings()
    const handler = watched(async () => 'ok', { sampleIntervalMs: 60_000 })
    for (let i = 0; i < 50; i++) await handler(fixture('apigw-http-v2'), lambdaContext())
    expect(readings).toHaveBeenCalledTimes(1)
  })

  it("samples on its timer while an invocation runs, even when nothing calls the budget's check", async () => {
    const startMb = settledRssMb()
    const limitMb = (startMb + 32) / 0.9
    const handler = watched(
      async (_event, context) => {
        // 128 MB against a threshold 32 MB above the start: a collection of garbage other tests left (tens of MB under
        // test:stress) must not take RSS back under the threshold while the buffer is held.
        const held = hold(128)
        const { signal } = budgetOf(context)
        // No budget.check() here: only the watchdog's own timer can notice.
        for (let waited = 0; !signal.aborted && waited < 2000; waited += 10) await sleep(10)
        return { aborted: signal.aborted, reason: signal.reason, held: held.length }
      },
      { sampleIntervalMs: 20 },
    )
    const result = await handler(fixture('sqs'), contextWithLimit(limitMb))
    expect(result.aborted).toBe(true)
    expect(result.reason).toMatchObject({ details: { kind: 'rss' } })
  })

  it('stops sampling when the last running invocation settles, not before, and leaves no timer', async () => {
    const timers = timerTracker()
    try {
      const readings = countReadings()
      const handler = watched(async (event) => sleep((event as { ms: number }).ms), { sampleIntervalMs: 10 })
      const long = handler({ ms: 250 }, lambdaContext())
      await handler({ ms: 40 }, lambdaContext())
      const whenShortEnded = readings.mock.calls.length
      await sleep(80)
      expect(readings.mock.calls.length).toBeGreaterThan(whenShortEnded) // the long one is still watched
      expect((await timers.pending()).join('\n')).toMatch(/guards[/\\]memory/) // its unref'd interval
      await long
      const whenAllEnded = readings.mock.calls.length
      await sleep(60)
      expect(readings.mock.calls.length).toBe(whenAllEnded)
      expect(await timers.pending()).toEqual([])
    } finally {
      timers.stop()
    }
  })

  it('samples on one timer for invocations back to back, not one each', async () => {
    const timers = timerTracker()
    try {
      const handler = watched(async () => 'ok')
      for (let i = 0; i < 50; i++) expect(await handler(fixture('sqs'), lambdaContext())).toBe('ok')
      // Armed by the first invocation, the sampler is still armed when the next starts: none is set or cleared for it.
      expect(timers.created().filter((origin) => /^[^<]*guards[/\\]memory-monitor/.test(origin))).toHaveLength(1)
      await sleep(150) // past one sample interval, with no invocation running, the sampler is not armed again
      expect(await timers.pending()).toEqual([])
    } finally {
      timers.stop()
    }
  })

  it('stops watching an invocation whose cleanup Middy skipped, at its deadline', async () => {
    const timers = timerTracker()
    try {
      const readings = countReadings()
      // A later middleware answers early from `before`: Middy then runs no `after`, so the watchdog never hears
      // that the invocation ended.
      const handler = middy()
        .use(memoryWatchdog({ sampleIntervalMs: 10, logger: false }))
        .use({ before: () => 'from cache' })
        .handler(async () => 'fresh')
      expect(await handler(fixture('sqs'), lambdaContext({ timeoutMs: 80 }))).toBe('from cache')
      await sleep(200)
      const afterDeadline = readings.mock.calls.length
      expect(await timers.pending()).toEqual([])
      await sleep(50)
      expect(readings.mock.calls.length).toBe(afterDeadline)
    } finally {
      timers.stop()
    }
  })

  it('removes its check from the budget when the invocation settles', async () => {
    const readings = countReadings()
    const context = lambdaContext()
    await watched(async (_event, ctx) => budgetOf(ctx).check(), { sampleIntervalMs: 0 })(fixture('sqs'), context)
    const after = readings.mock.calls.length
    budgetOf(context).check()
    expect(readings.mock.calls.length).toBe(after)
  })

  it('keeps two invocations running at once apart: own budget, own report', async () => {
    const reports: MemorySummary[] = []
    const handler = watched(
      async (event, context) => {
        await sleep((event as { ms: number }).ms)
        return budgetOf(context)
      },
      { onSummary: (report) => reports.push(report), sampleIntervalMs: 5 },
    )
    const [a, b] = await Promise.all([
      handler({ ms: 60 }, lambdaContext({ requestId: 'a' })),
      handler({ ms: 20 }, lambdaContext({ requestId: 'b' })),
    ])
    expect(a).not.toBe(b)
    expect(reports.map((report) => report.requestId)).toEqual(['b', 'a'])
  })
})

describe('memoryWatchdog(): reports', () => {
  it('reports peak RSS and heap after every invocation, through onReport and the logger, also on errors', async () => {
    const reports: MemorySummary[] = []
    const logger = recordingLogger()
    const handler = watched(
      async (event) => {
        if ((event as { fail?: boolean }).fail) throw new Error('nope')
        return 'ok'
      },
      { onSummary: (report) => reports.push(report), logger, sampleIntervalMs: 0 },
    )
    await handler(fixture('sqs'), lambdaContext({ requestId: 'first', memoryMb: 100_000 }))
    await expect(handler({ fail: true }, lambdaContext({ requestId: 'second', memoryMb: 100_000 }))).rejects.toThrow(
      'nope',
    )
    expect(reports).toHaveLength(2)
    expect(reports[0]).toMatchObject({ requestId: 'first', coldStart: true, limitMb: 100_000, leakSuspected: false })
    expect(reports[1]).toMatchObject({ requestId: 'second', coldStart: false })
    for (const report of reports) {
      expect(report.peakRssMb).toBeGreaterThan(10)
      expect(report.peakHeapUsedMb).toBeGreaterThan(1)
      expect(report.peakHeapUsedMb).toBeLessThan(report.heapLimitMb)
    }
    expect(logger.lines.filter((line) => line.level === 'debug').map((line) => line.fields.requestId)).toEqual([
      'first',
      'second',
    ])
  })

  it('reports a peak that includes memory the invocation used', async () => {
    const reports: MemorySummary[] = []
    const startMb = settledRssMb()
    const handler = watched(
      async (_event, context) => {
        const held = hold(64)
        budgetOf(context).check()
        return held.length
      },
      { onSummary: (report) => reports.push(report), sampleIntervalMs: 0 },
    )
    await handler(fixture('sqs'), lambdaContext({ memoryMb: 100_000 }))
    expect(reports[0]?.peakRssMb).toBeGreaterThan(startMb + 40)
  })

  it('warns once when the heap left by major collections keeps growing', async () => {
    const logger = recordingLogger()
    const reports: MemorySummary[] = []
    const leaked: number[][] = []
    const handler = watched(
      async () => {
        leaked.push(new Array(1_000_000).fill(1.5)) // 8 MB kept on the V8 heap each time: a leak
        return leaked.length
      },
      { logger, leakWindow: 6, onSummary: (report) => reports.push(report) },
    )
    for (let i = 0; i < 10; i++) {
      await handler(fixture('sqs'), lambdaContext({ memoryMb: 100_000 }))
      // A major collection between invocations; Node reports it to the watchdog's observer on a later turn.
      collectGarbage()
      await turns(4)
    }
    const leakWarnings = logger.lines.filter((line) => line.message.includes('possible leak'))
    expect(leakWarnings).toHaveLength(1)
    expect(leakWarnings[0]?.fields).toMatchObject({ window: 6 })
    expect(Number(leakWarnings[0]?.fields.lastMb) - Number(leakWarnings[0]?.fields.firstMb)).toBeGreaterThan(30)
    // The observer starts with the first warm invocation (the 2nd); the heap the collection after it left is fed at
    // the end of the 3rd, and so on: the 8th invocation's end fills the window of 6, and the trend holds from there.
    expect(reports.map((report) => report.leakSuspected)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      true,
      true,
      true,
    ])
    leaked.length = 0
  })

  it('leaves out the collections that ran while other invocations ran: their live objects are not a leak', async () => {
    const logger = recordingLogger()
    const leaked: number[][] = []
    const handler = watched(
      async () => {
        leaked.push(new Array(1_000_000).fill(1.5)) // 8 MB kept each time, as above
        collectGarbage() // a major collection while the other invocation runs too
        await turns(6) // Node reports it to the observer meanwhile, while both still run
        return leaked.length
      },
      { logger, leakWindow: 2 },
    )
    await handler(fixture('sqs'), lambdaContext({ memoryMb: 100_000 })) // cold
    for (let i = 0; i < 6; i++) {
      const both = [1, 2].map(() => handler(fixture('sqs'), lambdaContext({ memoryMb: 100_000 })))
      await Promise.all(both)
    }
    expect(logger.lines.filter((line) => line.message.includes('possible leak'))).toEqual([])
    // The control: the same invocations one at a time are read, and the 96 MB they kept is a leak.
    for (let i = 0; i < 3; i++) await handler(fixture('sqs'), lambdaContext({ memoryMb: 100_000 }))
    expect(logger.lines.filter((line) => line.message.includes('possible leak'))).toHaveLength(1)
    leaked.length = 0
  })

  it('spots a trend only when the newer half of the window is all above the older half', () => {
    const feed = (values: number[]) => {
      const trend = leakTrend(6)
      return values.map((value) => trend.add(value))
    }
    expect(feed([1, 2, 3, 4, 5, 6])).toEqual([false, false, false, false, false, true])
    expect(feed([1, 1, 1, 1, 1, 1, 1])).toEqual(Array(7).fill(false)) // flat: no leak
    expect(feed([5, 9, 5, 9, 5, 9, 5])).toEqual(Array(7).fill(false)) // garbage collection saw-tooth
    expect(feed([1, 4, 2, 5, 6, 9])).toEqual([false, false, false, false, false, true]) // growing through the saw
    expect(feed([1, 2, 3, 9, 2, 10])).toEqual(Array(6).fill(false)) // a drop into the older band clears it
    const trend = leakTrend(4)
    for (const value of [10, 20, 30, 40, 50]) trend.add(value)
    expect(trend.readings()).toEqual([20, 30, 40, 50])
  })

  it('lets 5% of the pairs of an older and a newer reading disagree, from a window of 10', () => {
    const last = (values: number[]) => {
      const trend = leakTrend(values.length)
      return values.map((value) => trend.add(value)).at(-1)
    }
    const rising = Array.from({ length: 20 }, (_, i) => i)
    const dipped = (at: number, value: number) => rising.map((mb, i) => (i === at ? value : mb))
    expect(last(rising)).toBe(true)
    expect(last(dipped(12, 8.5))).toBe(true) // a newer reading under one older one: 1 pair of 100
    expect(last(dipped(12, 4.5))).toBe(true) // under five: 5 pairs
    expect(last(dipped(12, 3.5))).toBe(false) // under six: too many
    expect(last(dipped(3, 30))).toBe(false) // an older reading above all the newer ones: 10 pairs
    expect(last(Array.from({ length: 20 }, (_, i) => 5 + (i % 3)))).toBe(false) // wandering in a band
    expect(last([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((mb, i) => (i === 6 ? 4.5 : mb)))).toBe(true) // 1 pair of 25
    expect(last([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((mb, i) => (i === 6 ? 3.5 : mb)))).toBe(false) // 2 of 25
  })

  it('rejects bad options at creation', () => {
    expect(() => memoryWatchdog({ sampleIntervalMs: -1 })).toThrow(RangeError)
    expect(() => memoryWatchdog({ sampleIntervalMs: -1 })).toThrow(
      'memoryWatchdog(options): sampleIntervalMs must be a finite number of milliseconds >= 0 and <= 2147483647, got -1',
    )
    expect(() => memoryWatchdog({ warnRatio: 0.95, shedRatio: 0.9 })).toThrow(RangeError)
    expect(() => memoryWatchdog({ warnRatio: 0 })).toThrow(RangeError)
    expect(() => memoryWatchdog({ shedRatio: Number.POSITIVE_INFINITY })).toThrow(RangeError)
    expect(() => memoryWatchdog({ leakWindow: 1 })).toThrow(RangeError)
    expect(() => memoryWatchdog({ leakWindow: 2.5 })).toThrow(RangeError)
    expect(() => memoryWatchdog({ memoryMb: 0 })).toThrow(RangeError)
    expect(() => memoryWatchdog({ leakWindow: 0 })).not.toThrow()
  })
})

afterAll(() => {
  kept.length = 0
})
