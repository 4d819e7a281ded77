/**
 * The alarms of one guard across the invocations it watches, on one unref'd timer that is left armed when an alarm is
 * cancelled: a guard sets one alarm an invocation and cancels it when the invocation ends, and a Node timer set and
 * cleared for each costs more than the rest of the guard's work (figures in BENCHMARKS.md, guards section). The timer
 * sleeps until the earliest alarm; a later alarm does not touch it, an earlier one re-arms it. When it wakes with
 * nothing due it fires nothing and, with no alarm left, is not armed again: it outlives a cancelled alarm at most
 * until that alarm's own time and holds nothing of its invocation. Internal.
 *
 * @module
 */

/** An alarm as its setter sees it. */
export interface ClockAlarm {
  /** When it is due, in epoch milliseconds (`Date.now()`). */
  readonly at: number
}

/** One pending alarm, in a list linked both ways so that cancelling one is O(1) with any number pending. */
interface Alarm extends ClockAlarm {
  readonly clock: AlarmClock
  readonly fire: (argument: unknown) => void
  readonly argument: unknown
  previous: Alarm | undefined
  next: Alarm | undefined
  /** In the list; taken out to fire (due in this wake-up); or done (fired or cancelled). */
  state: 'pending' | 'due' | 'done'
}

/** The longest delay Node's timers take (a longer one fires after 1 ms). */
const longestDelayMs = 2 ** 31 - 1

/** The timer callback: a function of the clock rather than a closure per clock. */
function onTimer(clock: AlarmClock): void {
  clock.fireDue()
}

/** The pending alarms of one guard, whatever invocation each belongs to. */
export class AlarmClock {
  #first: Alarm | undefined
  #timer: NodeJS.Timeout | undefined
  /** When the timer wakes (epoch milliseconds), `Infinity` when none is armed. */
  #wakeAt = Infinity

  /**
   * Calls `fire(argument)` in about `delayMs` milliseconds unless cancelled first. `now` is the caller's own
   * `Date.now()` reading, if it has one.
   */
  alarm<T>(delayMs: number, fire: (argument: T) => void, argument: T, now = Date.now()): ClockAlarm {
    const first = this.#first
    const alarm: Alarm = {
      at: now + delayMs,
      clock: this,
      fire: fire as (argument: unknown) => void,
      argument,
      previous: undefined,
      next: first,
      state: 'pending',
    }
    if (first !== undefined) first.previous = alarm
    this.#first = alarm
    if (alarm.at < this.#wakeAt) this.#arm(now, alarm.at)
    return alarm
  }

  /** Takes an alarm of this clock out if it has not fired; the timer stays as it is. Idempotent. */
  cancelAlarm(handle: ClockAlarm): void {
    const alarm = handle as Alarm
    if (alarm.clock !== this) return
    if (alarm.state === 'pending') this.#unlink(alarm)
    alarm.state = 'done'
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
    for (let alarm = this.#first; alarm !== undefined; alarm = alarm.next) if (alarm.at <= dueBy) due.push(alarm)
    for (const alarm of due) {
      this.#unlink(alarm)
      alarm.state = 'due'
    }
    // One alarm may cancel another due in the same wake-up (it is then done), or set a new one: `alarm()` arms the
    // timer for it.
    for (const alarm of due) {
      if (alarm.state !== 'due') continue
      alarm.state = 'done'
      alarm.fire(alarm.argument)
    }
    let earliest = Infinity
    for (let alarm = this.#first; alarm !== undefined; alarm = alarm.next) if (alarm.at < earliest) earliest = alarm.at
    if (earliest < this.#wakeAt) this.#arm(Date.now(), earliest)
  }

  #unlink(alarm: Alarm): void {
    const { previous, next } = alarm
    if (previous === undefined) this.#first = next
    else previous.next = next
    if (next !== undefined) next.previous = previous
    alarm.previous = undefined
    alarm.next = undefined
  }

  #arm(now: number, at: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    const delayMs = Math.min(longestDelayMs, Math.max(1, at - now))
    this.#wakeAt = now + delayMs
    this.#timer = setTimeout(onTimer, delayMs, this).unref()
  }
}
