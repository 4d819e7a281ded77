/**
 * The per-invocation budget: the one object every guard and the fan-out engine share. Its public face is these five
 * members; what the guards and engines share among themselves lives in `budget/invocation.ts` and is not exported.
 *
 * @module
 */
import type { Context } from 'aws-lambda'
import { internalsOf } from './budget/invocation.js'

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
  /** Milliseconds left until {@link InvocationBudget.deadline}, never negative. */
  remainingMs(): number
  /** Aborts the signal. Idempotent: the first reason wins, later calls do nothing. */
  abort(reason: Error): void
  /**
   * Runs the cheap checks the guards registered (the memory watchdog's): long-running work calls it between units of
   * work. A check may abort the budget or throw. Costs one array length test when no guard registered one.
   */
  check(): void
}

/**
 * Returns the budget of the invocation that `context` belongs to.
 *
 * The budget is created on first use from `context.getRemainingTimeInMillis()` and kept with the context object: the
 * same invocation always yields the same budget, another context another one, and nothing outlives the invocation. A
 * context object reused for a later invocation (test harnesses and adapters do this) gets a fresh budget, never the
 * previous call's aborted signal, deadline or progress: when its `awsRequestId` changed, or when the first guard of the
 * new invocation begins it. A context without `getRemainingTimeInMillis` gets no deadline (`deadline` is `Infinity`).
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
  return internalsOf(context)
}
