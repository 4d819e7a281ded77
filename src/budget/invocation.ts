/**
 * The budget of one invocation, as the guards and engines see it: the public {@link InvocationBudget} plus what they
 * share among themselves (the time the handler must be back by, the checks, and who answers "which records are
 * confirmed?"). Each guard keeps its alarms on a clock of its own (`alarms.ts`), not on the budget. Internal: `src/index.ts` never exports this module, and no public signature names its types.
 *
 * @module
 */
import type { Context } from 'aws-lambda'
import type { InvocationBudget } from '../budget.js'
import { readSlot, writeSlot } from './context-slot.js'

/** Answers, when asked (only the timeout fallback asks), the identifiers of the records it has confirmed. */
export type ProgressReport = () => Iterable<string>

/** What guards and engines share about one invocation. Never part of the public API. */
export interface BudgetInternals extends InvocationBudget {
  /**
   * Epoch milliseconds by which the handler must have returned: `deadline`, or earlier when `timeoutGuard()` answers in
   * the invocation's place before it (its hard phase). `fanOut` ends its drain before it.
   */
  returnBy: number
  /** Registers a cheap check (the memory watchdog's) that `check()` runs. */
  addCheck(check: () => void): void
  /** Removes a check `addCheck` registered; idempotent. */
  removeCheck(check: () => void): void
  /** An engine running records of this invocation registers how to ask it for the records it has confirmed. */
  reportProgress(report: ProgressReport): void
  /** Every record identifier any engine of this invocation has confirmed, asked now. */
  confirmedIds(): Set<string>
}

/**
 * The epoch milliseconds at which Lambda ends the invocation, read at `now`; `Infinity` when the context has no
 * clock.
 */
export function deadlineOf(context: Partial<Context>, now = Date.now()): number {
  const remaining =
    typeof context.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : Number.NaN
  return Number.isFinite(remaining) ? now + Math.max(0, remaining) : Infinity
}

/**
 * The budget of one invocation. A class rather than an object literal: a literal with getters takes V8's slow path.
 * The `AbortController` is created only when somebody reads `signal`: most invocations never do.
 */
class Invocation implements BudgetInternals {
  readonly deadline: number
  returnBy: number
  /** The context's `awsRequestId` when the budget was made: another id on the same context object is a new invocation. */
  readonly requestId: unknown
  /** The Middy request whose first guard began (or adopted) this budget, if a guard did. */
  owner: object | undefined
  #controller: AbortController | undefined
  #reason: Error | undefined
  /** The checks `check()` runs (the memory watchdog's), made with the first. */
  #checks: Array<() => void> | undefined
  #reports: ProgressReport[] | undefined

  constructor(context: Partial<Context>, owner: object | undefined, deadline: number) {
    this.deadline = deadline
    this.returnBy = this.deadline
    this.requestId = context.awsRequestId
    this.owner = owner
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController()
      if (this.#reason !== undefined) this.#controller.abort(this.#reason)
    }
    return this.#controller.signal
  }

  // The public methods work detached (`const { remainingMs } = budget`, as the README does): each getter makes its
  // bound function the first time it is read. Most invocations never read them; three closures made with every budget
  // cost about 3 % of a guarded invocation's CPU (an A/B of the two library bundles in one process, BENCHMARKS.md).
  #remainingMs: (() => number) | undefined
  #abort: ((reason: Error) => void) | undefined
  #check: (() => void) | undefined

  get remainingMs(): () => number {
    this.#remainingMs ??= () => Math.max(0, this.deadline - Date.now())
    return this.#remainingMs
  }

  get abort(): (reason: Error) => void {
    this.#abort ??= (reason) => {
      if (this.#reason !== undefined) return
      this.#reason = reason
      this.#controller?.abort(reason)
    }
    return this.#abort
  }

  get check(): () => void {
    this.#check ??= () => {
      const checks = this.#checks
      if (checks !== undefined) for (let i = 0; i < checks.length; i++) checks[i]?.()
    }
    return this.#check
  }

  addCheck(check: () => void): void {
    if (this.#checks === undefined) this.#checks = [check]
    else this.#checks.push(check)
  }

  removeCheck(check: () => void): void {
    const at = this.#checks?.indexOf(check) ?? -1
    if (at !== -1) this.#checks?.splice(at, 1)
  }

  reportProgress(report: ProgressReport): void {
    if (this.#reports === undefined) this.#reports = [report]
    else this.#reports.push(report)
  }

  /**
   * True for a budget nobody has used yet and whose deadline is the one `context` gives now: made by a `budgetOf` call
   * of this very invocation before its first guard ran (a middleware before the guards, a test), so the guard adopts it.
   */
  isPristineFor(deadline: number): boolean {
    if (this.owner !== undefined || this.#reason !== undefined || this.#reports !== undefined) return false
    return deadline === this.deadline || Math.abs(deadline - this.deadline) <= adoptionToleranceMs
  }

  confirmedIds(): Set<string> {
    const confirmed = new Set<string>()
    for (const report of this.#reports ?? []) for (const id of report()) confirmed.add(id)
    return confirmed
  }
}

/** How far a pristine budget's deadline may be from the context's for a guard to adopt it. */
const adoptionToleranceMs = 50

/** The context of a call made without one (a unit test calling a handler directly) still gets a budget of its own. */
function contextOf(context: Context | undefined): Context {
  return context ?? ({} as Context)
}

/**
 * The budget of the invocation `context` belongs to: the one kept with the context if it was made for the same
 * `awsRequestId`, otherwise a fresh one (a context object reused for a later invocation never sees the previous
 * invocation's abort, deadline or progress).
 */
export function internalsOf(context: Context | undefined): BudgetInternals {
  const target = contextOf(context)
  const kept = readSlot(target) as Invocation | undefined
  if (kept !== undefined && kept.requestId === target.awsRequestId) return kept
  const fresh = new Invocation(target, undefined, deadlineOf(target))
  writeSlot(target, fresh)
  return fresh
}

/**
 * The budget a guard's `before` works with: the one the first guard of this very request began (or an unused one made
 * for this invocation before it), otherwise a fresh one.
 * A harness or adapter that reuses its context object for every invocation, with the same `awsRequestId`, still gets a
 * fresh budget per invocation as long as one guard runs. `deadline` is the caller's own reading of it, if it has one
 * (`timeoutGuard()`'s front door, which also reads the clock).
 */
export function beginBudget(request: { readonly context: Context }, deadline?: number): BudgetInternals {
  const target = contextOf(request.context)
  const kept = readSlot(target) as Invocation | undefined
  if (kept !== undefined && kept.requestId === target.awsRequestId) {
    if (kept.owner === request) return kept
    deadline ??= deadlineOf(target)
    if (kept.isPristineFor(deadline)) {
      kept.owner = request
      return kept
    }
  }
  const fresh = new Invocation(target, request, deadline ?? deadlineOf(target))
  writeSlot(target, fresh)
  return fresh
}
