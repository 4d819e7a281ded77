import { describe, expect, it } from '@jest/globals'
import type { Context } from 'aws-lambda'
import { budgetOf } from 'serverless-done-right'
import { invokeConcurrently, LocalOptionsError } from 'serverless-done-right/local'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('invokeConcurrently', () => {
  it('runs every invocation at once, each with its own context, request id and deadline', async () => {
    let running = 0
    let mostAtOnce = 0
    const seen: Array<{ id: string; leftMs: number; context: Context }> = []
    const handler = async (event: { n: number }, context: Context) => {
      running++
      mostAtOnce = Math.max(mostAtOnce, running)
      seen.push({ id: context.awsRequestId, leftMs: context.getRemainingTimeInMillis(), context })
      await sleep(20)
      running--
      return event.n * 2
    }
    const outcomes = await invokeConcurrently(handler, [{ n: 1 }, { n: 2 }, { n: 3 }], {
      timeoutMs: [5000, 10_000, 20_000],
      requestIds: ['a', 'b', 'c'],
      memoryMb: 256,
    })
    expect(outcomes.map((outcome) => [outcome.status, outcome.result])).toEqual([
      ['ok', 2],
      ['ok', 4],
      ['ok', 6],
    ])
    expect(mostAtOnce).toBe(3)
    expect(seen.map((entry) => entry.id)).toEqual(['a', 'b', 'c'])
    expect(new Set(seen.map((entry) => entry.context)).size).toBe(3)
    // Deadlines 5, 10 and 20 s away (less whatever the start took): each its own.
    const [a, b, c] = seen.map((entry) => entry.leftMs) as [number, number, number]
    expect(a).toBeLessThanOrEqual(5000)
    expect(b).toBeGreaterThan(5000)
    expect(b).toBeLessThanOrEqual(10_000)
    expect(c).toBeGreaterThan(10_000)
    expect(seen.every((entry) => entry.context.memoryLimitInMB === '256')).toBe(true)
  })

  it('reports a timeout for the invocation that ran out of time without touching the others', async () => {
    // A plain handler: a Middy one would end itself 5 ms before the deadline (core's own early timeout).
    const handler = async (event: { waitMs: number }, context: Context) => {
      await sleep(event.waitMs)
      return { id: context.awsRequestId, aborted: budgetOf(context).signal.aborted }
    }
    const outcomes = await invokeConcurrently(handler, [{ waitMs: 10 }, { waitMs: 600 }, { waitMs: 10 }], {
      timeoutMs: [10_000, 200, 10_000],
      requestIds: ['first', 'stuck', 'third'],
    })
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['ok', 'timeout', 'ok'])
    expect(outcomes[1]?.errorMessage).toBe('Task timed out after 0.20 seconds')
    expect(outcomes[0]?.result).toEqual({ id: 'first', aborted: false })
    expect(outcomes[2]?.result).toEqual({ id: 'third', aborted: false })
  })

  it('gives every invocation a fresh request id and one timeout when told one number', async () => {
    const ids: string[] = []
    const outcomes = await invokeConcurrently(
      (_event: unknown, context: Context) => {
        ids.push(context.awsRequestId)
        return context.getRemainingTimeInMillis()
      },
      [{}, {}, {}, {}],
      { timeoutMs: 4000 },
    )
    expect(new Set(ids).size).toBe(4)
    for (const outcome of outcomes) expect(outcome.result).toBeLessThanOrEqual(4000)
  })

  it('refuses bad arguments before any handler runs', async () => {
    let ran = false
    const handler = () => {
      ran = true
    }
    const refused = (events: unknown, options?: object) =>
      invokeConcurrently(handler, events as never[], options as never).then(
        () => undefined,
        (error: unknown) => error,
      )
    expect(await refused([{}], { timeoutMs: [100, 200] })).toEqual(
      new LocalOptionsError(
        'invokeConcurrently(handler, events, options): timeoutMs must have one entry per event (1), got 2',
      ),
    )
    expect(await refused([{}, {}], { requestIds: ['same', 'same'] })).toBeInstanceOf(LocalOptionsError)
    expect(await refused([{}], { timeoutMs: [-1] })).toBeInstanceOf(LocalOptionsError)
    expect(await refused([{}], { requestId: 'one' })).toBeInstanceOf(LocalOptionsError)
    expect(await refused({ Records: [] })).toBeInstanceOf(LocalOptionsError)
    expect(ran).toBe(false)
    expect(await invokeConcurrently(handler, [])).toEqual([])
  })
})
