import { AlarmClock } from '../../src/budget/alarms.js'
import { timerTracker } from '../guards/helpers.js'

describe('AlarmClock (internal: the one timer the guards share)', () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

  it('fires the earliest alarm first, whatever the order they were set in', async () => {
    const budget = new AlarmClock()
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

  it('fires an alarm that fell due while the event loop was blocked before later overdue timers', async () => {
    // Found with 64 invocations at once under test:stress: the budget's timer sleeps at most 100 ms at a time; when it
    // woke late, it fired only what was due by its own wake-up time and re-armed for the rest, so Middy's hard-phase
    // timer, also overdue by then, ran before the soft phase's alarm.
    const budget = new AlarmClock()
    const fired: string[] = []
    budget.alarm(300, () => fired.push('alarm'), undefined)
    const other = setTimeout(() => fired.push('later timer'), 350)
    const blockedUntil = Date.now() + 500
    while (Date.now() < blockedUntil) {
      // a synchronous stretch: every timer above falls due meanwhile
    }
    await sleep(20)
    clearTimeout(other)
    expect(fired).toEqual(['alarm', 'later timer'])
  })

  it('clears its timer when the last alarm is cancelled, and fires a cancelled alarm never', async () => {
    const timers = timerTracker()
    try {
      const budget = new AlarmClock()
      let calls = 0
      const count = () => {
        calls++
      }
      // Due far enough out that no check below can outlast them on a loaded machine (each waits a few loop turns):
      // at 20 and 40 ms, a lagging loop let the first fire before it was cancelled (test:stress).
      const first = budget.alarm(10_000, count, undefined)
      const second = budget.alarm(20_000, count, undefined)
      expect(await timers.pending()).toHaveLength(1) // one timer for both
      budget.cancelAlarm(first)
      expect(await timers.pending()).toHaveLength(1)
      budget.cancelAlarm(second)
      budget.cancelAlarm(second) // idempotent
      expect(await timers.pending()).toEqual([])
      // One due soon, cancelled in the same turn it was set, then waited past: it never fires.
      budget.cancelAlarm(budget.alarm(20, count, undefined))
      await sleep(60)
      expect(calls).toBe(0)
    } finally {
      timers.stop()
    }
  })

  it('re-arms for an alarm set when one fires, and leaves no timer once all have fired', async () => {
    const timers = timerTracker()
    try {
      const budget = new AlarmClock()
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
    const budget = new AlarmClock()
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
    const budget = new AlarmClock()
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
    const a = new AlarmClock()
    const b = new AlarmClock()
    const fired: string[] = []
    const onA = a.alarm(20, (name) => fired.push(name), 'a')
    b.alarm(20, (name) => fired.push(name), 'b')
    b.cancelAlarm(onA) // not b's: nothing happens
    a.cancelAlarm(onA)
    await sleep(50)
    expect(fired).toEqual(['b'])
  })
})
