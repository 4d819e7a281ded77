import type { Context } from 'aws-lambda'
import { budgetOf } from 'serverless-done-right'
import { MemoryPressureError, TimeoutApproachingError } from '../src/errors.js'
import { timerTracker } from './guards/helpers.js'
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
        budgetOf(a).completed.add('1')
        return budgetOf(a)
      })(),
      (async () => budgetOf(b))(),
    ])
    expect(ra.signal.aborted).toBe(true)
    expect(rb.signal.aborted).toBe(false)
    expect(rb.completed.size).toBe(0)
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
    const budget = budgetOf(lambdaContext())
    let calls = 0
    const remove = budget.addCheck(() => {
      calls++
    })
    budget.check()
    budget.check()
    remove()
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

describe('budget.completed', () => {
  it('is filled by trackers only when first read, then kept up to date by them', () => {
    const budget = budgetOf(lambdaContext())
    const finished = ['a', 'b']
    let fills = 0
    let sink: Set<string> | undefined
    budget.trackCompletion((set) => {
      fills++
      sink = set
      for (const id of finished) set.add(id)
    })
    expect(fills).toBe(0)
    expect([...budget.completed]).toEqual(['a', 'b'])
    sink?.add('c')
    expect([...budget.completed]).toEqual(['a', 'b', 'c'])
    budget.trackCompletion((set) => set.add('late'))
    expect(budget.completed.has('late')).toBe(true)
    expect(fills).toBe(1)
  })
})

describe('budget.alarm (internal: the one timer the guards share)', () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

  it('fires the earliest alarm first, whatever the order they were set in', async () => {
    const budget = budgetOf(lambdaContext())
    const fired: string[] = []
    const startedAt = Date.now()
    budget.alarm(150, (name) => fired.push(`${name} at ${Date.now() - startedAt}`), 'late')
    budget.alarm(30, (name) => fired.push(`${name} at ${Date.now() - startedAt}`), 'early')
    await sleep(80)
    expect(fired).toHaveLength(1)
    expect(fired[0]).toMatch(/^early at/)
    await sleep(120)
    expect(fired.map((line) => line.split(' ')[0])).toEqual(['early', 'late'])
    expect(Number(fired[1]?.split(' at ')[1])).toBeGreaterThanOrEqual(148) // re-armed after the first fired
  })

  it('clears its timer when the last alarm is cancelled, and fires a cancelled alarm never', async () => {
    const timers = timerTracker()
    try {
      const budget = budgetOf(lambdaContext())
      let calls = 0
      const count = () => {
        calls++
      }
      const first = budget.alarm(20, count, undefined)
      const second = budget.alarm(40, count, undefined)
      expect(await timers.pending()).toHaveLength(1) // one timer for both
      budget.cancelAlarm(first)
      expect(await timers.pending()).toHaveLength(1)
      budget.cancelAlarm(second)
      budget.cancelAlarm(second) // idempotent
      expect(await timers.pending()).toEqual([])
      await sleep(60)
      expect(calls).toBe(0)
    } finally {
      timers.stop()
    }
  })

  it('re-arms for an alarm set when one fires, and leaves no timer once all have fired', async () => {
    const timers = timerTracker()
    try {
      const budget = budgetOf(lambdaContext())
      const fired: number[] = []
      budget.alarm(
        10,
        (round) => {
          fired.push(round)
          budget.alarm(10, (next) => fired.push(next), round + 1)
        },
        1,
      )
      await sleep(60)
      expect(fired).toEqual([1, 2])
      expect(await timers.pending()).toEqual([])
    } finally {
      timers.stop()
    }
  })

  it('wakes at most every 100 ms for a far alarm, and still fires it on time', async () => {
    const budget = budgetOf(lambdaContext())
    const startedAt = Date.now()
    let firedAfter = 0
    let referenceAfter = 0
    budget.alarm(
      250,
      () => {
        firedAfter = Date.now() - startedAt
      },
      undefined,
    )
    // A plain timer armed at the same moment: on a busy machine both are late alike, so the comparison holds.
    setTimeout(() => {
      referenceAfter = Date.now() - startedAt
    }, 250)
    await sleep(400)
    expect(firedAfter).toBeGreaterThanOrEqual(248)
    // On the 100 ms wake-ups alone it would fire at 300: it re-arms for its own time.
    expect(firedAfter).toBeLessThan(referenceAfter + 40)
  })

  it('skips an alarm cancelled by another that fires in the same wake-up', async () => {
    const budget = budgetOf(lambdaContext())
    const fired: string[] = []
    const now = Date.now()
    // Set with one clock reading, so that both are due in the same wake-up; the first set is fired last.
    const second = budget.alarm(20, (name) => fired.push(name), 'second', now)
    budget.alarm(
      20,
      (name) => {
        fired.push(name)
        budget.cancelAlarm(second)
      },
      'first',
      now,
    )
    await sleep(60)
    expect(fired).toEqual(['first'])
  })

  it('keeps the alarms of two budgets apart', async () => {
    const a = budgetOf(lambdaContext())
    const b = budgetOf(lambdaContext())
    const fired: string[] = []
    const onA = a.alarm(20, (name) => fired.push(name), 'a')
    b.alarm(20, (name) => fired.push(name), 'b')
    b.cancelAlarm(onA) // not b's: nothing happens
    a.cancelAlarm(onA)
    await sleep(50)
    expect(fired).toEqual(['b'])
  })
})
