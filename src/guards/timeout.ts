/**
 * `timeoutGuard(options?)`: a soft abort so work drains, then a fallback answer before Lambda kills the invocation.
 *
 * @module
 */
import type { MiddlewareObj, Request } from '@middy/core'
import { AlarmClock, type ClockAlarm } from '../budget/alarms.js'
import { beginBudget, deadlineOf, internalsOf } from '../budget/invocation.js'
import { TimeoutApproachingError } from '../errors.js'
import { type LoggerOption, loggerFrom } from '../logger.js'
import * as rules from '../option-rules.js'
import { resolveOptions } from '../options.js'
import { defaultFallback } from './fallback.js'
import { frontDoorContext, frontDoorDeadline } from './front-door.js'
import { answerHardPhase, earlyTimeoutError, isEarlyTimeout, phaseDelays } from './timeout-phases.js'

/**
 * Options of {@link timeoutGuard}. Every field is optional.
 * @group Guards
 */
export interface TimeoutGuardOptions {
  /**
   * The soft phase fires this long before the deadline: the invocation budget aborts with a
   * `TimeoutApproachingError` (`phase: 'soft'`), so work that watches the signal drains and returns normally.
   * @defaultValue `1000`
   */
  softMarginMs?: number
  /**
   * The hard phase fires this long before the deadline: a handler that has not settled is cut off and the fallback
   * answers. Must be greater than 0 and smaller than `softMarginMs`; it should cover the time the fallback needs
   * to reach the caller.
   * @defaultValue `250`
   */
  hardMarginMs?: number
  /**
   * Replaces the default hard-phase answer. Gets the request (its `error` is the hard-phase
   * `TimeoutApproachingError`, also passed as `error`); what it returns is the invocation's response, what it
   * throws is the invocation's error, and `undefined` makes the invocation throw `error`.
   * @defaultValue a `504` problem+json for API Gateway events (payload 1.0 and 2.0), `{ batchItemFailures }`
   * naming every record the batch engine has not confirmed for Kinesis, DynamoDB Streams and SQS batches, and
   * otherwise a thrown `TimeoutApproachingError` (`phase: 'hard'`)
   */
  fallback?: (request: Request, error: TimeoutApproachingError) => unknown
  /**
   * API Gateway's integration timeout: the deadline of its events is the earlier of Lambda's and the arrival
   * (`requestTimeEpoch`, `timeEpoch` in 2.0) plus this; `middyOptions.requestStart` gives the chain a context counting
   * down to it. An arrival in the future or older than this counts as now. `Infinity`: no front door.
   * @defaultValue per payload format: 29 000 ms for 1.0 (a REST API's default), 30 000 ms for 2.0 (an HTTP API's default and
   * maximum)
   */
  integrationTimeoutMs?: number
  /**
   * Receives one warning when the soft phase fires and one when the hard phase answers: a Powertools `Logger` or
   * anything with `debug`, `info`, `warn` and `error`; `false` logs nothing.
   * @defaultValue single-line JSON on the console (`jsonConsoleLogger()`)
   */
  logger?: LoggerOption
}

/**
 * The Middy core settings that arm the hard phase: pass them to `middy()`. `timeoutEarlyInMillis` makes core race
 * the handler against `deadline - hardMarginMs`; `timeoutEarlyResponse` throws when it fires, which Middy routes to
 * the guard's `onError`; `requestEnd` cancels the guard's soft-phase alarm even when a later middleware answers early.
 * @group Guards
 */
export interface TimeoutGuardMiddyOptions {
  /** The hard margin in whole milliseconds: when Middy core stops waiting for the handler. */
  readonly timeoutEarlyInMillis: number
  /** Throws the error the guard's `onError` turns into the fallback answer. */
  readonly timeoutEarlyResponse: () => never
  /** Cancels the guard's per-invocation alarm. */
  readonly requestEnd: (request: Request) => void
  /** Before any middleware: for an API Gateway event, the context the chain sees counts down to the front door. */
  readonly requestStart: (request: Request) => void
}

/**
 * The middleware `timeoutGuard()` returns: a Middy middleware that also carries its {@link TimeoutGuardMiddyOptions}.
 * @group Guards
 */
export interface TimeoutGuardMiddleware extends MiddlewareObj {
  /** Pass to `middy()` to arm the hard phase: `middy(guard.middyOptions).use(guard)`. */
  readonly middyOptions: TimeoutGuardMiddyOptions
}

/** The defaults of {@link TimeoutGuardOptions}; the TSDoc `@defaultValue`s are tested against them. */
export const timeoutGuardDefaults = { softMarginMs: 1000, hardMarginMs: 250, fallback: defaultFallback } as const

const timeoutGuardSpec = {
  softMarginMs: rules.ms({ above: 0 }),
  hardMarginMs: rules.ms({ above: 0 }),
  fallback: rules.fn(),
  integrationTimeoutMs: rules.either(rules.oneOf(Infinity), rules.ms({ above: 0 })),
  logger: rules.logger(),
}

/**
 * The Middy request, seen as the place a middleware keeps per-invocation state under a symbol of its own: the request
 * object itself, not `request.internal`, a null-prototype object V8 keeps in dictionary mode (slower to write).
 */
type Slots = Record<symbol, unknown>

/**
 * Guards an invocation against its deadline in two phases, both measured from `budgetOf(context).deadline`.
 *
 * - **Soft**, at `deadline - softMarginMs`: the budget aborts with a `TimeoutApproachingError` (`phase: 'soft'`) and
 *   one warning is logged. A handler or `fanOut` watching `budgetOf(context).signal` drains and returns normally, so
 *   its partial work survives.
 * - **Hard**, at `deadline - hardMarginMs`: if the handler has still not settled, the invocation ends with the
 *   fallback (see {@link TimeoutGuardOptions.fallback}) and the budget aborts (`phase: 'hard'`) if it had not yet.
 *   Middy middlewares cannot wrap the handler, so Middy core races it: create the chain with
 *   `middy(guard.middyOptions)`. Without them the fallback still answers when core's default timer (5 ms before the
 *   deadline) fires, which leaves little time to deliver it.
 *
 * Short invocations: when less than `softMarginMs` is left at the start, the soft phase fires halfway between the
 * start and the hard phase (with 1 s left and the defaults: work 375 ms, drain 375 ms, fallback 250 ms). When less
 * than `hardMarginMs` is left, there is no time to work and still answer safely: the budget aborts at once and the
 * fallback answers on the next turn of the event loop. Neither phase ever fires after the deadline. A context
 * without `getRemainingTimeInMillis` has no deadline: no timer is set.
 *
 * The soft phase is an alarm on the guard's one unref'd timer, cancelled when the invocation settles (`after`,
 * `onError`, and core's `requestEnd`): nothing of an invocation outlives it. The timer is left armed when its alarm
 * is cancelled, so that one invocation after another does not set and clear a Node timer each; it then wakes once, at
 * the latest at the cancelled alarm's own time, and fires nothing.
 *
 * @param options - margins, fallback and logger; see {@link TimeoutGuardOptions} for each default
 * @returns a Middy middleware (`before`, `after`, `onError`) carrying `middyOptions` for `middy()`
 * @throws TypeError at creation for an unknown option or a value of the wrong type; RangeError unless
 *   `0 < hardMarginMs < softMarginMs <= 2^31-1` and `integrationTimeoutMs` is `Infinity` or in `(0, 2^31-1]`
 *
 * @example
 * ```ts
 * import middy from '@middy/core'
 * import { budgetOf, timeoutGuard } from 'serverless-done-right'
 *
 * const guard = timeoutGuard({ softMarginMs: 2000, hardMarginMs: 500 })
 *
 * export const handler = middy(guard.middyOptions)
 *   .use(guard)
 *   .handler(async (event: { ids: string[] }, context) => {
 *     const { signal } = budgetOf(context)
 *     const done: string[] = []
 *     for (const id of event.ids) {
 *       if (signal.aborted) break // soft phase: stop taking work, return what is done
 *       await new Promise((resolve) => setTimeout(resolve, 100)) // one unit of work
 *       done.push(id)
 *     }
 *     return { done, stoppedEarly: signal.aborted }
 *   })
 * ```
 * @group Guards
 */
export function timeoutGuard(options: TimeoutGuardOptions = {}): TimeoutGuardMiddleware {
  const owner = 'timeoutGuard(options)'
  const resolved = resolveOptions(options, timeoutGuardDefaults, timeoutGuardSpec, { owner })
  const { softMarginMs, hardMarginMs, fallback } = resolved
  if (!(softMarginMs > hardMarginMs))
    throw new RangeError(`${owner}: softMarginMs must be > hardMarginMs (${hardMarginMs}), got ${softMarginMs}`)
  const logger = loggerFrom(resolved.logger)
  // Per-invocation state lives on the request, under a key of this instance: a WeakMap costs more per call.
  const softAlarm = Symbol('timeoutGuard soft alarm')
  const clock = new AlarmClock()

  function softAbort(request: Request): void {
    const budget = internalsOf(request.context)
    const remainingMs = budget.remainingMs()
    budget.abort(new TimeoutApproachingError({ phase: 'soft', remainingMs }))
    logger.warn('Deadline approaching: budget aborted', {
      phase: 'soft',
      remainingMs,
      requestId: request.context.awsRequestId,
    })
  }

  function cancelSoftAlarm(request: Request): void {
    const alarm = (request as unknown as Slots)[softAlarm] as ClockAlarm | false | undefined
    if (alarm) clock.cancelAlarm(alarm)
  }

  /** Begins the invocation's budget and sets its soft-phase alarm; `now` and `deadline` are the caller's readings. */
  function arm(request: Request, now: number, deadline?: number): void {
    // The first guard of an invocation begins its budget: a reused context object never carries the last one's.
    const budget = beginBudget(request, deadline)
    const remainingMs = budget.deadline - now
    let alarm: ClockAlarm | false = false
    if (remainingMs !== Infinity) {
      // The hard phase answers from here on (Middy's race with `middyOptions`): batch work must be back before it.
      budget.returnBy = Math.min(budget.returnBy, budget.deadline - hardMarginMs)
      const { softInMs } = phaseDelays(remainingMs, softMarginMs, hardMarginMs)
      if (softInMs <= 0) softAbort(request)
      else alarm = clock.alarm(softInMs, softAbort, request, now)
    }
    ;(request as unknown as Slots)[softAlarm] = alarm
  }

  function timeoutGuardBefore(request: Request): undefined {
    // With `middyOptions`, core's `requestStart` armed it already, before any middleware ran.
    if ((request as unknown as Slots)[softAlarm] === undefined) arm(request, Date.now())
    return undefined
  }

  /** `middyOptions.requestStart`: the chain sees the earlier of Lambda's deadline and the front door's. */
  function timeoutGuardStart(request: Request): void {
    const now = Date.now()
    const lambdaDeadline = deadlineOf(request.context, now)
    const doorDeadline = frontDoorDeadline(request.event, now, resolved.integrationTimeoutMs)
    if (doorDeadline < lambdaDeadline) request.context = frontDoorContext(request.context, doorDeadline)
    arm(request, now, Math.min(lambdaDeadline, doorDeadline))
  }

  function timeoutGuardOnError(request: Request): undefined {
    cancelSoftAlarm(request)
    if (isEarlyTimeout(request.error)) answerHardPhase(request, fallback, logger)
    return undefined
  }

  return {
    name: 'timeoutGuard',
    before: timeoutGuardBefore,
    after: cancelSoftAlarm,
    onError: timeoutGuardOnError,
    middyOptions: {
      timeoutEarlyInMillis: Math.ceil(hardMarginMs),
      timeoutEarlyResponse: () => {
        throw earlyTimeoutError(hardMarginMs)
      },
      requestEnd: cancelSoftAlarm,
      requestStart: timeoutGuardStart,
    },
  }
}
