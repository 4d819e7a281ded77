/**
 * Many invocations of one handler at once in this process, as a Lambda Managed Instance runs them.
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import type { Context } from 'aws-lambda'
import * as rules from '../option-rules.js'
import { resolveOptions, show } from '../options.js'
import { type InvokeResult, invoke, invokeDefaults } from './invoke.js'
import { functionRules, type InvokeOptions, invokeRules, localCheck } from './local-options.js'
import { LocalOptionsError } from './options-error.js'

/**
 * Options of {@link invokeConcurrently}: those of `invoke` (memory, names, region, environment) shared by every
 * invocation, and per-invocation timeouts and request ids. Every field is optional.
 * @group Local cloud
 */
export interface InvokeConcurrentlyOptions extends Omit<InvokeOptions, 'timeoutMs' | 'requestId'> {
  /**
   * The function timeout in milliseconds: one number for every invocation, or one per event (in order), so that
   * invocations that share the process end at different deadlines, as invocations that arrived at different times do.
   * @defaultValue `3000` (Lambda's default) for every invocation
   */
  timeoutMs?: number | readonly number[]
  /**
   * `context.awsRequestId` of each invocation, one per event, all different.
   * @defaultValue a fresh `crypto.randomUUID()` each
   */
  requestIds?: readonly string[]
}

/** The defaults of {@link InvokeConcurrentlyOptions}; the TSDoc `@defaultValue`s are tested against them. */
export const invokeConcurrentlyDefaults = {
  timeoutMs: invokeDefaults.timeoutMs,
  memoryMb: invokeDefaults.memoryMb,
  functionName: invokeDefaults.functionName,
  region: invokeDefaults.region,
  env: invokeDefaults.env,
} as const

const isArrayOf = (value: unknown, item: (entry: unknown) => boolean): boolean =>
  Array.isArray(value) && value.every(item)

// One request id per invocation: `requestIds` replaces `invoke`'s `requestId`.
const { requestId: _oneRequestId, ...sharedRules } = invokeRules

const invokeConcurrentlyRules = {
  ...sharedRules,
  timeoutMs: rules.either(
    functionRules.timeoutMs,
    rules.where(
      (value) => isArrayOf(value, (entry) => functionRules.timeoutMs(entry) === undefined),
      'an array of such numbers, one per event',
    ),
  ),
  requestIds: rules.where(
    (value) =>
      isArrayOf(value, (entry) => typeof entry === 'string' && entry !== '') &&
      new Set(value as string[]).size === (value as string[]).length,
    'an array of distinct non-empty strings, one per event',
    'type',
  ),
}

/**
 * Invokes `handler` once per event, all at once in this process, the way a Lambda Managed Instance runs concurrent
 * invocations (up to 64 per vCPU for Node.js, sharing the handler module, its globals and the process's memory):
 * each invocation has its own complete `Context` (its own `awsRequestId`) and its own deadline, and each is reported
 * on its own, exactly as {@link invoke} reports one.
 *
 * - Every invocation starts in the same turn of the event loop, in the order of `events`; none waits for another.
 * - Each has its own timeout (`timeoutMs`, one number or one per event). As on a managed instance, an invocation that
 *   times out is reported `timeout` without stopping the others; its handler goes on running in the background.
 * - They share the process: `process.env` holds the Lambda variables until the last one ends, and
 *   `maxMemoryUsedMb` is the peak RSS of the whole process while each ran, read by the one sampler every local
 *   invocation shares.
 *
 * @param handler - the Lambda handler, such as a Middy handler, created once as a module would create it
 * @param events - one event per invocation
 * @param options - per-invocation timeouts and request ids, and what `invoke` takes for all; see
 *   {@link InvokeConcurrentlyOptions}
 * @returns one result per event, in the order of `events`; rejects only for bad arguments (`LocalOptionsError`),
 *   before any handler runs
 *
 * @example
 * ```ts
 * import middy from '@middy/core'
 * import { budgetOf, timeoutGuard } from 'serverless-done-right'
 * import { invokeConcurrently } from 'serverless-done-right/local'
 *
 * const guard = timeoutGuard({ softMarginMs: 300, hardMarginMs: 100 })
 * const handler = middy(guard.middyOptions)
 *   .use(guard)
 *   .handler(async (event: { waitMs: number }, context) => {
 *     const { signal } = budgetOf(context) // this invocation's own budget
 *     await new Promise((resolve) => setTimeout(resolve, event.waitMs))
 *     return { requestId: context.awsRequestId, cutShort: signal.aborted }
 *   })
 *
 * const outcomes = await invokeConcurrently(handler, [{ waitMs: 10 }, { waitMs: 10 }, { waitMs: 900 }], {
 *   timeoutMs: [2000, 2000, 800], // the third runs out of time; the first two do not notice
 *   requestIds: ['a', 'b', 'c'],
 * })
 * console.log(outcomes.map((outcome) => outcome.result))
 * // [{ requestId: 'a', cutShort: false }, { requestId: 'b', cutShort: false }, { requestId: 'c', cutShort: true }]
 * ```
 * @group Local cloud
 */
export function invokeConcurrently<E, R>(
  handler: (event: E, context: Context) => Promise<R> | R,
  events: readonly E[],
  options?: InvokeConcurrentlyOptions,
): Promise<InvokeResult<R>[]>
/**
 * Invokes a Middy handler once per event, all at once, with any raw events and no cast. See the plain-function
 * signature above for the rest.
 *
 * @param handler - a Middy handler (`middy().use(…).handler(…)`)
 * @param events - the raw events Lambda would pass, one per invocation
 * @param options - per-invocation timeouts and request ids; see {@link InvokeConcurrentlyOptions}
 * @returns one result per event, in order
 */
export function invokeConcurrently<R>(
  handler: { (event: never, context: Context): Promise<R>; readonly use: unknown },
  events: readonly unknown[],
  options?: InvokeConcurrentlyOptions,
): Promise<InvokeResult<R>[]>
export async function invokeConcurrently<R>(
  handler: (event: never, context: Context) => Promise<R> | R,
  events: readonly unknown[],
  options: InvokeConcurrentlyOptions = {},
): Promise<InvokeResult<R>[]> {
  const owner = 'invokeConcurrently(handler, events, options)'
  if (typeof handler !== 'function')
    throw new LocalOptionsError(`${owner}: handler must be a function, got ${show(handler)}`)
  if (!Array.isArray(events)) throw new LocalOptionsError(`${owner}: events must be an array, got ${show(events)}`)
  const { timeoutMs, requestIds, ...shared } = resolveOptions(
    options,
    invokeConcurrentlyDefaults,
    invokeConcurrentlyRules,
    localCheck(owner),
  )
  for (const [name, list] of [
    ['timeoutMs', typeof timeoutMs === 'number' ? undefined : timeoutMs],
    ['requestIds', requestIds],
  ] as const) {
    if (list !== undefined && list.length !== events.length)
      throw new LocalOptionsError(
        `${owner}: ${name} must have one entry per event (${events.length}), got ${list.length}`,
      )
  }
  const run = handler as (event: unknown, context: Context) => Promise<R> | R
  return Promise.all(
    events.map((event, index) =>
      invoke(run, event, {
        ...shared,
        timeoutMs: typeof timeoutMs === 'number' ? timeoutMs : (timeoutMs[index] as number),
        requestId: requestIds?.[index] ?? randomUUID(),
      }),
    ),
  )
}
