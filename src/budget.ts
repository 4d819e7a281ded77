/**
 * The per-invocation budget: the one object every guard and the fan-out engine share.
 *
 * @module
 */
import type { Context } from 'aws-lambda'

/**
 * What one invocation may still spend, and the signal that tells everyone to wrap up.
 *
 * Guards call {@link InvocationBudget.abort}; handlers and `fanOut` watch {@link InvocationBudget.signal}.
 * @group Guards
 */
export interface InvocationBudget {
  /** Aborts when the invocation must wrap up; `signal.reason` is a `TimeoutApproachingError` or `MemoryPressureError`. */
  readonly signal: AbortSignal
  /** Epoch milliseconds at which Lambda kills the invocation; `Infinity` when the context has no clock. */
  readonly deadline: number
  /**
   * Epoch milliseconds by which the handler must have returned: {@link InvocationBudget.deadline}, or earlier when
   * `timeoutGuard()` answers in the invocation's place before it (its hard phase). `fanOut` ends its drain before it.
   *
   * @internal
   */
  returnBy: number
  /** Milliseconds left until {@link InvocationBudget.deadline}, never negative. */
  remainingMs(): number
  /** Aborts the signal. Idempotent: the first reason wins, later calls do nothing. */
  abort(reason: Error): void
  /**
   * Identifiers of batch records known to be finished successfully (or handed to a confirmed dead-letter sink), so the
   * timeout guard's hard fallback names only the records that are not here. It is always up to date when read:
   * `fanOut` reports its progress through {@link InvocationBudget.trackCompletion}, and the set is only filled once
   * somebody reads it.
   */
  readonly completed: Set<string>
  /**
   * How long-running batch work shares its progress without paying for it per record: `fill` is called once, with
   * `completed`, the first time `completed` is read (at once if it already was), and must add every identifier finished
   * so far; from then on the caller adds each newly finished identifier to that set itself. Filling a `Set` per record
   * would cost 13–18% of a CPU-bound batch (`bench/fan-out.ts`), and nobody reads it in most invocations.
   */
  trackCompletion(fill: (completed: Set<string>) => void): void
  /**
   * Registers a cheap check (the memory watchdog's) that long-running work calls between units of work.
   * Returns a function that removes it.
   */
  addCheck(check: () => void): () => void
  /** Runs every registered check. Costs one array length test when none is registered. */
  check(): void
  /**
   * Calls `fire(argument)` in about `delayMs` milliseconds, unless cancelled first. Internal: the guards use it so
   * that an invocation has one timer, however many guards watch it (`bench/guards.ts`: each Node timer created and
   * cleared per invocation costs about 0.1–0.25 µs). The timer is unref'd, and cleared once no alarm is left.
   * `now` is the caller's own `Date.now()` reading, if it has one: a clock read costs about 0.05 µs.
   *
   * @internal
   */
  alarm<T>(delayMs: number, fire: (argument: T) => void, argument: T, now?: number): BudgetAlarm
  /**
   * Removes an alarm of this budget if it has not fired; clears the timer when it was the last one. Idempotent.
   *
   * @internal
   */
  cancelAlarm(alarm: BudgetAlarm): void
}

/** An alarm set with {@link InvocationBudget.alarm}, as its setter sees it. @internal */
export interface BudgetAlarm {
  /** When it is due, in epoch milliseconds (`Date.now()`, as `deadline`). */
  readonly at: number
}

/**
 * Where a context's budget lives: a private field stamped on the context object itself, invisible to `JSON.stringify`,
 * `Object.keys`, spreads and even `Object.getOwnPropertySymbols`. A base class whose constructor returns its argument
 * makes the subclass add its private field to that object (the "return override" idiom). A `WeakMap` keyed by the
 * context costs about 1.4 µs more per invocation (V8 processes every WeakMap entry as an ephemeron during garbage
 * collection), and a non-enumerable symbol property set with `Object.defineProperty` about 0.1 µs more
 * (`bench/guards.ts`). Frozen or sealed contexts fall back to the WeakMap. Neither is mutable module state: both hold one
 * entry per live context and drop it with the context.
 */
class ReturnsItsArgument {
  constructor(target: object) {
    // biome-ignore lint/correctness/noConstructorReturn: the return override idiom (see above), on purpose
    return target
  }
}

class BudgetSlot extends ReturnsItsArgument {
  readonly #budget: InvocationBudget

  constructor(context: object, budget: InvocationBudget) {
    super(context)
    this.#budget = budget
  }

  static of(context: object): InvocationBudget | undefined {
    return #budget in context ? context.#budget : frozenContextBudgets.get(context)
  }
}

const frozenContextBudgets = new WeakMap<object, InvocationBudget>()

/**
 * The longest the budget's timer sleeps: when it wakes with no alarm due, it sleeps again. Guards set their alarms one
 * after another, the farthest often first (the timeout guard's soft phase, seconds away, then the memory watchdog's
 * first sample, 100 ms away): a timer armed for the first would have to be re-created for the second, which costs as
 * much as a timer of its own. Armed at most this far ahead (the watchdog's default interval), the one timer already
 * wakes in time for the second. A wake-up with nothing due costs about 1 µs, ten a second.
 */
const longestSleepMs = 100

/** One pending alarm of a budget; the budget's alarms are a list linked through `next`. */
interface Alarm extends BudgetAlarm {
  readonly fire: (argument: unknown) => void
  readonly argument: unknown
  next: Alarm | undefined
  /** Set by `cancelAlarm`: an alarm already taken out of the list to fire (due in the same wake-up) is skipped. */
  cancelled: boolean
}

/** The budget's timer callback: a function of the budget rather than a closure per budget. */
function ring(budget: Budget): void {
  budget.ring()
}

/**
 * The budget of one invocation. A class rather than an object literal: a literal with getters is created through V8's
 * slow path (it made `budgetOf` cost ~2.2 µs per new context instead of ~0.5 µs, `bench/guards.ts`); the class keeps
 * the getters on its prototype. The `AbortController` is created only when somebody reads `signal`: most invocations
 * never do (the guards only abort), and a controller with its signal is the largest part of a new budget's cost.
 */
class Budget implements InvocationBudget {
  readonly deadline: number
  returnBy: number
  #controller: AbortController | undefined
  /** The first abort reason; set before the controller exists, it aborts the controller when it is created. */
  #reason: Error | undefined
  readonly #checks: Array<() => void> = []
  #completed: Set<string> | undefined
  readonly #fills: Array<(completed: Set<string>) => void> = []
  /** The pending alarms, newest first. */
  #alarms: Alarm | undefined
  #timer: NodeJS.Timeout | undefined
  /** When the timer wakes (epoch milliseconds), `Infinity` when none is armed. */
  #wakeAt = Infinity

  constructor(context: Partial<Context>) {
    const remaining =
      typeof context.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : Number.NaN
    this.deadline = Number.isFinite(remaining) ? Date.now() + Math.max(0, remaining) : Infinity
    this.returnBy = this.deadline
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController()
      if (this.#reason !== undefined) this.#controller.abort(this.#reason)
    }
    return this.#controller.signal
  }

  get completed(): Set<string> {
    if (this.#completed === undefined) {
      const completed = new Set<string>()
      this.#completed = completed
      for (const fill of this.#fills) fill(completed)
      this.#fills.length = 0
    }
    return this.#completed
  }

  // The methods are arrow-function fields, so that they work detached too (`const { remainingMs } = budgetOf(context)`).
  readonly trackCompletion = (fill: (completed: Set<string>) => void): void => {
    if (this.#completed === undefined) this.#fills.push(fill)
    else fill(this.#completed)
  }

  readonly remainingMs = (): number => Math.max(0, this.deadline - Date.now())

  readonly abort = (reason: Error): void => {
    if (this.#reason !== undefined) return
    this.#reason = reason
    this.#controller?.abort(reason)
  }

  readonly addCheck = (check: () => void): (() => void) => {
    const checks = this.#checks
    checks.push(check)
    return () => {
      const at = checks.indexOf(check)
      if (at !== -1) checks.splice(at, 1)
    }
  }

  readonly check = (): void => {
    const checks = this.#checks
    for (let i = 0; i < checks.length; i++) checks[i]?.()
  }

  // The alarm methods are on the prototype: internal, never used detached, and a closure per budget costs.
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

  cancelAlarm(alarm: Alarm): void {
    alarm.cancelled = true
    // A list rather than an array: one allocation fewer an invocation (`bench/guards.ts`).
    if (this.#alarms === alarm) this.#alarms = alarm.next
    else {
      let before = this.#alarms
      while (before !== undefined && before.next !== alarm) before = before.next
      if (before === undefined) return // fired or cancelled already
      before.next = alarm.next
    }
    alarm.next = undefined
    if (this.#alarms === undefined) this.#disarm()
  }

  /**
   * The timer fired: fires every alarm due by the time it was armed for (Node's timers keep their own millisecond
   * clock, so `Date.now()` may still read a little earlier), then sleeps until the earliest one left.
   */
  ring(): void {
    const dueBy = this.#wakeAt + 1
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
    this.#timer = setTimeout(ring, Math.max(1, wakeAt - now), this).unref()
  }

  #disarm(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#wakeAt = Infinity
  }
}

/**
 * Returns the budget of the invocation that `context` belongs to.
 *
 * The budget is created on first use from `context.getRemainingTimeInMillis()` and kept with the context object (under a
 * private field; a `WeakMap` for frozen contexts): the same context always yields the same budget, another
 * context another one, and nothing outlives the invocation. A context without `getRemainingTimeInMillis` gets no deadline (`deadline` is `Infinity`).
 *
 * @param context - the Lambda context of the current invocation
 * @returns the invocation's budget
 *
 * @example
 * ```ts
 * import middy from '@middy/core'
 * import { budgetOf, timeoutGuard } from 'serverless-done-right'
 *
 * const guard = timeoutGuard()
 * export const handler = middy(guard.middyOptions)
 *   .use(guard)
 *   .handler(async (event: { urls: string[] }, context) => {
 *     const { signal } = budgetOf(context)
 *     const pages: string[] = []
 *     for (const url of event.urls) {
 *       if (signal.aborted) break // the soft deadline passed: return what we have
 *       pages.push(await (await fetch(url, { signal })).text())
 *     }
 *     return { fetched: pages.length }
 *   })
 * ```
 * @group Guards
 */
export function budgetOf(context: Context): InvocationBudget {
  const existing = BudgetSlot.of(context)
  if (existing !== undefined) return existing
  const budget = new Budget(context)
  if (Object.isExtensible(context)) new BudgetSlot(context, budget)
  else frozenContextBudgets.set(context, budget)
  return budget
}
