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
 */
export interface InvocationBudget {
  /** Aborts when the invocation must wrap up; `signal.reason` is a `TimeoutApproachingError` or `MemoryPressureError`. */
  readonly signal: AbortSignal
  /** Epoch milliseconds at which Lambda kills the invocation; `Infinity` when the context has no clock. */
  readonly deadline: number
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
 * The budget of one invocation. A class rather than an object literal: a literal with getters is created through V8's
 * slow path (it made `budgetOf` cost ~2.2 µs per new context instead of ~0.5 µs, `bench/guards.ts`); the class keeps
 * the getters on its prototype. The `AbortController` is created only when somebody reads `signal`: most invocations
 * never do (the guards only abort), and a controller with its signal is the largest part of a new budget's cost.
 */
class Budget implements InvocationBudget {
  readonly deadline: number
  #controller: AbortController | undefined
  /** The first abort reason; set before the controller exists, it aborts the controller when it is created. */
  #reason: Error | undefined
  readonly #checks: Array<() => void> = []
  #completed: Set<string> | undefined
  readonly #fills: Array<(completed: Set<string>) => void> = []

  constructor(context: Partial<Context>) {
    const remaining =
      typeof context.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : Number.NaN
    this.deadline = Number.isFinite(remaining) ? Date.now() + Math.max(0, remaining) : Infinity
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
 */
export function budgetOf(context: Context): InvocationBudget {
  const existing = BudgetSlot.of(context)
  if (existing !== undefined) return existing
  const budget = new Budget(context)
  if (Object.isExtensible(context)) new BudgetSlot(context, budget)
  else frozenContextBudgets.set(context, budget)
  return budget
}
