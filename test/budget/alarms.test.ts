import { AlarmClock } from '../../src/budget/alarms.js'
import { timerTracker } from '../guards/helpers.js'

describe('AlarmClock (internal: one timer for every alarm of a guard)', () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

  it('fires the earliest alarm first, whatever the order they were set in', async () => {
    const clock = new AlarmClock()
    const fired: string[] = []
    const startedAt = Date.now()
    clock.alarm(150, (name) => fired.push(`${name} at ${Date.now() - startedAt}`), 'late')
    clock.alarm(30, (name) => fired.push(`${name} at ${Date.now() - startedAt}`), 'early')
    await sleep(80)
    expect(fired).toHaveLength(1)
    expect(fired[0]).toMatch(/^early at/)
    await sleep(120)
    expect(fired.map((line) => line.split(' ')[0])).toEqual(['early', 'late'])
    expect(Number(fired[1]?.split(' at ')[1])).toBeGreaterThanOrEqual(148) // re-armed after the first fired
  })

  it('fires an alarm that fell due while the event loop was blocked before later overdue timers', async () => {
    // Found with 64 invocations at once under test:stress: when the timer (then waking at least every 100 ms) woke
    // late, it fired only what was due by its own wake-up time and re-armed for the rest, so Middy's hard-phase
    // timer, also overdue by then, ran before the soft phase's alarm.
    const clock = new AlarmClock()
    const fired: string[] = []
    clock.alarm(300, () => fired.push('alarm'), undefined)
    const other = setTimeout(() => fired.push('later timer'), 350)
    const blockedUntil = Date.now() + 500
    while (Date.now() < blockedUntil) {
      // a synchronous stretch: every timer above falls due meanwhile
    }
    await sleep(20)
    clearTimeout(other)
    expect(fired).toEqual(['alarm', 'later timer'])
  })

  it('leaves its one timer armed when alarms are cancelled, then wakes once, fires nothing and is gone', async () => {
    const timers = timerTracker()
    try {
      const clock = new AlarmClock()
      let calls = 0
      const count = () => {
        calls++
      }
      // One invocation after another: each sets an alarm and cancels it when it ends. The timer armed for the first is
      // neither cleared nor set again for the later ones (set later, they fall due later).
      for (let invocation = 0; invocation < 5; invocation++) clock.cancelAlarm(clock.alarm(100, count, undefined))
      const armed = await timers.pending()
      expect(armed).toHaveLength(1)
      expect(armed[0]).toMatch(/budget[/\\]alarms/)
      // An earlier alarm re-arms it: still one timer.
      clock.cancelAlarm(clock.alarm(50, count, undefined))
      expect(await timers.pending()).toHaveLength(1)
      // It wakes at the earliest cancelled alarm's time, fires none of them, and, with nothing pending, is not set again.
      await sleep(200)
      expect(calls).toBe(0)
      expect(await timers.pending()).toEqual([])
      // Cancelling is idempotent, and a cancelled alarm never fires even when due in the turn it was cancelled in.
      const alarm = clock.alarm(20, count, undefined)
      clock.cancelAlarm(alarm)
      clock.cancelAlarm(alarm)
      await sleep(60)
      expect(calls).toBe(0)
    } finally {
      timers.stop()
    }
  })

  it('re-arms for an alarm set when one fires, and leaves no timer once all have fired', async () => {
    const timers = timerTracker()
    try {
      const clock = new AlarmClock()
      const fired: number[] = []
      clock.alarm(
        10,
        (round) => {
          fired.push(round)
          clock.alarm(10, (next) => fired.push(next), round + 1)
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

  it('fires a far alarm on its own time', async () => {
    const clock = new AlarmClock()
    const startedAt = Date.now()
    let firedAfter = 0
    let referenceAfter = 0
    clock.alarm(
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
    expect(firedAfter).toBeLessThan(referenceAfter + 40)
  })

  it('skips an alarm cancelled by another that fires in the same wake-up', async () => {
    const clock = new AlarmClock()
    const fired: string[] = []
    const now = Date.now()
    // Set with one clock reading, so that both are due in the same wake-up; the first set is fired last.
    const second = clock.alarm(20, (name) => fired.push(name), 'second', now)
    clock.alarm(
      20,
      (name) => {
        fired.push(name)
        clock.cancelAlarm(second)
      },
      'first',
      now,
    )
    await sleep(60)
    expect(fired).toEqual(['first'])
  })

  it('keeps the alarms of two clocks apart', async () => {
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
