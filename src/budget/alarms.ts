/**
 * The alarms of one invocation on one unref'd timer, kept as a linked list: every guard that watches the invocation
 * (the timeout guard's soft phase, the memory watchdog's samples) sets an alarm here instead of a timer of its own,
 * because each Node timer created and cleared per invocation costs more than an alarm in a list (figures in
 * BENCHMARKS.md, guards section). Internal.
 *
 * @module
 */

/** An alarm as its setter sees it. */
export interface BudgetAlarm {
  /** When it is due, in epoch milliseconds (`Date.now()`). */
  readonly at: number
}

/** One pending alarm; the pending alarms are a list linked through `next`, newest first. */
interface Alarm extends BudgetAlarm {
  readonly fire: (argument: unknown) => void
  readonly argument: unknown
  next: Alarm | undefined
  /** Set by `cancelAlarm`: an alarm already taken out of the list to fire (due in the same wake-up) is skipped. */
  cancelled: boolean
}

/**
 * The longest the timer sleeps; when it wakes with nothing due, it sleeps again. Guards set their alarms one after
 * another, the farthest often first (the soft phase, seconds away, then the watchdog's first sample, 100 ms away): armed
 * at most this far ahead, the one timer already wakes in time for the second without being re-created.
 */
const longestSleepMs = 100

/** The timer callback: a function of the clock rather than a closure per clock. */
function onTimer(clock: AlarmClock): void {
  clock.fireDue()
}

/** The alarms of one invocation. */
export class AlarmClock {
  #alarms: Alarm | undefined
  #timer: NodeJS.Timeout | undefined
  /** When the timer wakes (epoch milliseconds), `Infinity` when none is armed. */
  #wakeAt = Infinity

  /**
   * Calls `fire(argument)` in about `delayMs` milliseconds unless cancelled first. `now` is the caller's own
   * `Date.now()` reading, if it has one.
   */
  alarm<T>(delayMs: number, fire: (argument: T) => void, argument: T, now = Date.now()): BudgetAlarm {
    const alarm: Alarm = {
      at: now + delayMs,
      fire: fire as (argument: unknown) => void,
      argument,
      next: this.#alarms,
      cancelled: false,
    }
    this.#alarms = alarm
    if (alarm.at < this.#wakeAt) this.#arm(now, alarm.at)
    return alarm
  }

  /** Removes an alarm of this clock if it has not fired; clears the timer when it was the last one. Idempotent. */
  cancelAlarm(handle: BudgetAlarm): void {
    const alarm = handle as Alarm
    alarm.cancelled = true
    if (this.#alarms === alarm) this.#alarms = alarm.next
    else {
      let before = this.#alarms
      while (before !== undefined && before.next !== alarm) before = before.next
      if (before === undefined) return // fired, cancelled already, or another clock's
      before.next = alarm.next
    }
    alarm.next = undefined
    if (this.#alarms === undefined) {
      clearTimeout(this.#timer)
      this.#timer = undefined
      this.#wakeAt = Infinity
    }
  }

  /**
   * The timer fired: fires every alarm due by now or by the time it was armed for (Node's timers keep their own
   * millisecond clock, so `Date.now()` may still read a little earlier), then sleeps until the earliest one left. Now
   * counts too: a timer that fires late (a busy event loop, many invocations in one process) must not leave an alarm
   * that fell due meanwhile to a later turn, after other overdue timers (Middy's hard-phase timer) have run first.
   */
  fireDue(): void {
    const dueBy = Math.max(this.#wakeAt + 1, Date.now())
    this.#timer = undefined
    this.#wakeAt = Infinity
    const due: Alarm[] = []
    let kept: Alarm | undefined
    for (let alarm = this.#alarms; alarm !== undefined; ) {
      const next = alarm.next
      if (alarm.at <= dueBy) {
        alarm.next = undefined
        due.push(alarm)
      } else {
        alarm.next = kept
        kept = alarm
      }
      alarm = next
    }
    this.#alarms = kept
    // A fired alarm may set another (the watchdog's next sample): `alarm()` arms the timer for it.
    for (const alarm of due) if (!alarm.cancelled) alarm.fire(alarm.argument)
    let earliest = Infinity
    for (let alarm = this.#alarms; alarm !== undefined; alarm = alarm.next) if (alarm.at < earliest) earliest = alarm.at
    if (earliest < this.#wakeAt) this.#arm(Date.now(), earliest)
  }

  #arm(now: number, at: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    const wakeAt = Math.min(at, now + longestSleepMs)
    this.#wakeAt = wakeAt
    this.#timer = setTimeout(onTimer, Math.max(1, wakeAt - now), this).unref()
  }
}
