/**
 * The two phases of `timeoutGuard()` as plain functions: when each fires, the error Middy core's early timeout
 * throws, and the hard phase's answer (the fallback) once it has fired.
 *
 * @module
 */
import type { Request } from '@middy/core'
import { internalsOf } from '../budget/invocation.js'
import { TimeoutApproachingError } from '../errors.js'
import { eventKind } from '../events.js'
import type { StructuredLogger } from '../logger.js'

const guardPackage = 'serverless-done-right'

/**
 * When each phase fires, in milliseconds from now, given the time left. The hard phase is Middy core's timer,
 * `remainingMs - hardMarginMs` (at once when less is left). The soft phase fires at `remainingMs - softMarginMs`, but
 * never before halfway to the hard phase, so a short invocation still gets time to work and time to drain.
 */
export function phaseDelays(
  remainingMs: number,
  softMarginMs: number,
  hardMarginMs: number,
): { softInMs: number; hardInMs: number } {
  const hardInMs = Math.max(0, remainingMs - hardMarginMs)
  return { softInMs: Math.max(remainingMs - softMarginMs, hardInMs / 2), hardInMs }
}

/** The error the guard's `middyOptions.timeoutEarlyResponse` throws when Middy core stops waiting for the handler. */
export function earlyTimeoutError(hardMarginMs: number): Error {
  const error = new Error(`The handler did not settle ${hardMarginMs} ms before the deadline`, {
    cause: { package: guardPackage, hardMarginMs },
  })
  error.name = 'TimeoutError'
  return error
}

/** True for the error Middy core's early timeout produced: the guard's own, or core's default `TimeoutError`. */
export function isEarlyTimeout(error: unknown): boolean {
  if (!(error instanceof Error) || error.name !== 'TimeoutError') return false
  const cause = error.cause as { package?: unknown } | undefined
  return cause?.package === guardPackage || cause?.package === '@middy/core'
}

/**
 * The hard phase, in the guard's `onError` after Middy core's early timeout: aborts the budget, logs one warning and
 * sets the invocation's answer to what `fallback` returns (or its error to what it throws, or to the hard-phase
 * `TimeoutApproachingError` when it returns `undefined`).
 */
export function answerHardPhase(
  request: Request,
  fallback: (request: Request, error: TimeoutApproachingError) => unknown,
  logger: StructuredLogger,
): void {
  const budget = internalsOf(request.context)
  const remainingMs = budget.remainingMs()
  const error = new TimeoutApproachingError({ phase: 'hard', remainingMs }, { cause: request.error })
  budget.abort(error)
  logger.warn('Deadline reached: fallback answers', {
    phase: 'hard',
    remainingMs,
    requestId: request.context.awsRequestId,
    event: eventKind(request.event),
  })
  request.error = error
  request.response = undefined
  try {
    const response = fallback(request, error)
    if (response !== undefined) request.response = response
  } catch (thrown) {
    request.error = thrown as Error
  }
}
