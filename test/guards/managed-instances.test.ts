import middy from '@middy/core'
import type { Context } from 'aws-lambda'
import {
  fanOut,
  type MemorySummary,
  memoryWatchdog,
  type RecordMeta,
  TimeoutApproachingError,
  timeoutGuard,
  warmup,
} from 'serverless-done-right'
import { invokeConcurrently } from 'serverless-done-right/local'
import { kinesisBatch, sequenceNumbers } from '../helpers/kinesis-batch.js'
import { besidesIdleGuardTimers, forever, recordingLogger, timerTracker } from './helpers.js'

// Lambda Managed Instances run up to 64 invocations per vCPU in one Node process (docs/aws-semantics.md). Here 64
// invocations of one handler, created once as a module would create it, run at once through every guard and fanOut;
// each must get exactly its own answer.

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined }
const invocations = 64
const recordsPerBatch = 6

interface Item {
  readonly invocation: number
  readonly record: number
  /** True for a record that only ends when its invocation's budget aborts (then it fails). */
  readonly waitsForAbort: boolean
}

/** Every third invocation has a short deadline and records that outlast it from `firstSlow` on. */
const isShort = (invocation: number) => invocation % 3 === 0
const firstSlow = (invocation: number) => 1 + (invocation % 4)
/** Half of those then hang after their batch, ignoring the signal: the timeout guard's fallback answers for them. */
const hangsAfterBatch = (invocation: number) => invocation % 6 === 3

function itemsOf(invocation: number): Item[] {
  return Array.from({ length: recordsPerBatch }, (_, record) => ({
    invocation,
    record,
    waitsForAbort: isShort(invocation) && record >= firstSlow(invocation),
  }))
}

function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason)
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true })
  })
}

describe('64 invocations at once in one process (Lambda Managed Instances)', () => {
  it('gives each its own budget, deadline, timers, fallback and reports: exactly its own records back', async () => {
    const timers = timerTracker()
    const signals = new Map<number, Set<AbortSignal>>()
    const handled: string[] = []
    const summaries: MemorySummary[] = []
    const guardLogger = recordingLogger()
    const guard = timeoutGuard({ softMarginMs: 5000, hardMarginMs: 2500, logger: guardLogger })
    const recordHandler = async (item: Item, meta: RecordMeta) => {
      const seen = signals.get(item.invocation) ?? new Set<AbortSignal>()
      seen.add(meta.signal)
      signals.set(item.invocation, seen)
      // A fast record settles in microtasks, before any timer can fire (the soft phase included) however late the
      // event loop runs; a slow one only when its own invocation's budget aborts.
      await (item.waitsForAbort ? untilAborted(meta.signal) : Promise.resolve())
      handled.push(`${item.invocation}:${item.record}`)
    }
    const engine = fanOut(recordHandler, { logger: quiet })
    const handler = middy(guard.middyOptions)
      .use(warmup({ logger: quiet }))
      .use(guard)
      .use(memoryWatchdog({ logger: quiet, onSummary: (summary) => summaries.push(summary) }))
      .handler(async (event: unknown, context: Context) => {
        const response = await engine(event, context)
        if (hangsAfterBatch(Number(context.awsRequestId.slice('inv-'.length)))) await forever()
        return response
      })

    const events = Array.from({ length: invocations }, (_, invocation) => kinesisBatch(invocation, itemsOf(invocation)))
    const requestIds = events.map((_, invocation) => `inv-${invocation}`)
    // Short deadlines: the soft phase at 3 s (8 s - 5 s) aborts them mid-batch; the hard phase at 5.5 s, 2.3 s after the
    // drain, and the 2.5 s the fallback has to answer before Lambda's timeout leave room for the event-loop stalls of
    // 64 invocations on two noisy cores (up to 2.2 s measured under test:stress). Long deadlines are never reached.
    const timeoutMs = events.map((_, invocation) => (isShort(invocation) ? 8000 : 60_000))
    const outcomes = await invokeConcurrently(handler, events, { timeoutMs, requestIds, memoryMb: 10_240 })

    for (const [invocation, outcome] of outcomes.entries()) {
      const ids = sequenceNumbers(events[invocation] as (typeof events)[number])
      const unfinished = isShort(invocation) ? ids.slice(firstSlow(invocation)) : []
      expect({ invocation, status: outcome.status, result: outcome.result }).toEqual({
        invocation,
        status: 'ok',
        result: { batchItemFailures: unfinished.map((itemIdentifier) => ({ itemIdentifier })) },
      })
      // One budget per invocation: every record of it saw one signal, aborted only when its own deadline came.
      const seen = [...(signals.get(invocation) ?? [])]
      expect(seen).toHaveLength(1)
      const reason = seen[0]?.reason
      if (isShort(invocation)) expect(reason).toEqual(expect.any(TimeoutApproachingError))
      else expect(reason).toBeUndefined()
    }
    expect(new Set([...signals.values()].flatMap((set) => [...set])).size).toBe(invocations)
    const expectedHandled = events.flatMap((_, invocation) =>
      itemsOf(invocation)
        .filter((item) => !item.waitsForAbort)
        .map((item) => `${item.invocation}:${item.record}`),
    )
    expect(handled.sort()).toEqual(expectedHandled.sort())
    // One memory summary per invocation, under its own request id; one soft-phase warning per short invocation.
    expect(summaries.map((summary) => summary.requestId).sort()).toEqual([...requestIds].sort())
    expect(summaries.filter((summary) => summary.coldStart)).toHaveLength(1)
    const warned = guardLogger.lines.filter((line) => line.fields.phase === 'soft').map((line) => line.fields.requestId)
    expect(warned.sort()).toEqual(requestIds.filter((_, invocation) => isShort(invocation)).sort())
    // The fallback answered (with the records its own engine had not confirmed) only for the ones that hung.
    const cutOff = guardLogger.lines.filter((line) => line.fields.phase === 'hard').map((line) => line.fields.requestId)
    expect(cutOff.sort()).toEqual(requestIds.filter((_, invocation) => hangsAfterBatch(invocation)).sort())
    // Every invocation cleaned up after itself: no timer outlives them but each guard's own idle one (see the helper).
    const pending = await timers.pending()
    expect(besidesIdleGuardTimers(pending)).toEqual([])
    expect(pending.length).toBeLessThanOrEqual(2)
    timers.stop()
  }, 30_000)
})
