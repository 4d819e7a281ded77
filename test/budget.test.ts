import type { Context } from 'aws-lambda'
import { budgetOf } from 'serverless-done-right'
import { internalsOf } from '../src/budget/invocation.js'
import { MemoryPressureError, TimeoutApproachingError } from '../src/errors.js'
import { lambdaContext } from './helpers/context.js'

describe('budgetOf', () => {
  it('takes its deadline from the context', () => {
    const before = Date.now()
    const budget = budgetOf(lambdaContext({ timeoutMs: 2000 }))
    expect(budget.deadline).toBeGreaterThanOrEqual(before + 1990)
    expect(budget.deadline).toBeLessThanOrEqual(Date.now() + 2000)
    expect(budget.remainingMs()).toBeGreaterThan(1900)
    expect(budget.remainingMs()).toBeLessThanOrEqual(2000)
  })

  it('has no deadline when the context has no clock', () => {
    const budget = budgetOf({ awsRequestId: 'x' } as unknown as Context)
    expect(budget.deadline).toBe(Number.POSITIVE_INFINITY)
    expect(budget.remainingMs()).toBe(Number.POSITIVE_INFINITY)
  })

  it('is the same object for the same context and another for another context', () => {
    const a = lambdaContext()
    const b = lambdaContext()
    expect(budgetOf(a)).toBe(budgetOf(a))
    expect(budgetOf(a)).not.toBe(budgetOf(b))
  })

  it('keeps two contexts used at once apart', async () => {
    const a = lambdaContext({ timeoutMs: 100 })
    const b = lambdaContext({ timeoutMs: 5000 })
    const [ra, rb] = await Promise.all([
      (async () => {
        budgetOf(a).abort(new TimeoutApproachingError({ phase: 'soft', remainingMs: 10 }))
        internalsOf(a).reportProgress(() => ['1'])
        return budgetOf(a)
      })(),
      (async () => budgetOf(b))(),
    ])
    expect(ra.signal.aborted).toBe(true)
    expect(rb.signal.aborted).toBe(false)
    expect(internalsOf(b).confirmedIds().size).toBe(0)
    expect(rb.deadline - ra.deadline).toBeGreaterThan(4000)
  })

  it('keeps the first abort reason', () => {
    const budget = budgetOf(lambdaContext())
    const first = new MemoryPressureError({
      kind: 'rss',
      ratio: 0.95,
      rssMb: 120,
      limitMb: 128,
      heapUsedMb: 50,
      heapLimitMb: 100,
    })
    const events: unknown[] = []
    budget.signal.addEventListener('abort', () => events.push(budget.signal.reason))
    budget.abort(first)
    budget.abort(new TimeoutApproachingError({ phase: 'soft', remainingMs: 1 }))
    expect(budget.signal.reason).toBe(first)
    expect(events).toEqual([first])
  })

  it('keeps the first abort reason when it aborts before anybody read the signal', () => {
    const budget = budgetOf(lambdaContext())
    const first = new TimeoutApproachingError({ phase: 'soft', remainingMs: 5 })
    budget.abort(first)
    budget.abort(new TimeoutApproachingError({ phase: 'hard', remainingMs: 1 }))
    expect(budget.signal.aborted).toBe(true)
    expect(budget.signal.reason).toBe(first)
    expect(budgetOf(lambdaContext()).signal.aborted).toBe(false)
  })

  it('works detached, as the README destructures it', () => {
    const { signal, remainingMs, abort } = budgetOf(lambdaContext({ timeoutMs: 2000 }))
    expect(remainingMs()).toBeGreaterThan(1900)
    abort(new TimeoutApproachingError({ phase: 'soft', remainingMs: 1 }))
    expect(signal.aborted).toBe(true)
  })

  it('never reports negative time left', async () => {
    const budget = budgetOf(lambdaContext({ timeoutMs: 5 }))
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(budget.remainingMs()).toBe(0)
  })

  it('runs registered checks until they are removed', () => {
    const budget = internalsOf(lambdaContext())
    let calls = 0
    const count = () => {
      calls++
    }
    budget.addCheck(count)
    budget.check()
    budget.check()
    budget.removeCheck(count)
    budget.removeCheck(count) // idempotent
    budget.check()
    expect(calls).toBe(2)
  })
})

describe('budgetOf on unusual contexts', () => {
  it('leaves the context looking as it did: no enumerable key, same JSON', () => {
    const context = lambdaContext()
    const before = JSON.stringify(context)
    const keys = Object.keys(context)
    budgetOf(context)
    expect(JSON.stringify(context)).toBe(before)
    expect(Object.keys(context)).toEqual(keys)
    expect({ ...context }).not.toHaveProperty('budget')
    expect(Object.getOwnPropertySymbols(context)).toEqual([])
    expect(budgetOf({ ...context })).not.toBe(budgetOf(context))
  })

  it('works on a frozen context, once per context', () => {
    const frozen = Object.freeze(lambdaContext())
    const budget = budgetOf(frozen)
    expect(budgetOf(frozen)).toBe(budget)
    expect(budgetOf(Object.freeze(lambdaContext()))).not.toBe(budget)
  })
})

describe('progress (internal: who answers the timeout fallback)', () => {
  it('asks every engine that reported, only when asked, and unites their answers', () => {
    const budget = internalsOf(lambdaContext())
    let asked = 0
    budget.reportProgress(() => {
      asked++
      return ['a', 'b']
    })
    budget.reportProgress(() => ['b', 'c'])
    expect(asked).toBe(0)
    expect([...budget.confirmedIds()].sort()).toEqual(['a', 'b', 'c'])
    expect(asked).toBe(1)
  })
})
