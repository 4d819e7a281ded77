/**
 * One Lambda-faithful invocation of a handler, in this process.
 *
 * @module
 */
import { randomBytes, randomUUID } from 'node:crypto'
import type { Context } from 'aws-lambda'
import { resolveOptions, show } from '../options.js'
import { applyLambdaEnv } from './lambda-env.js'
import { type InvokeOptions, invokeRules, localCheck } from './local-options.js'
import { LocalOptionsError } from './options-error.js'
import { watchRss } from './rss-sampler.js'

export type { InvokeOptions } from './local-options.js'

/**
 * What one {@link invoke} call observed, as Lambda would report it.
 * @group Local cloud
 */
export interface InvokeResult<R = unknown> {
  /** `ok`: the handler returned; `error`: it threw or rejected; `timeout`: it was still running at the deadline. */
  status: 'ok' | 'error' | 'timeout'
  /** What the handler returned, after the JSON round trip Lambda puts every response through; `undefined` otherwise. */
  result: R | undefined
  /** The error's `name` (`'Error'`, `'TypeError'`, …), `'Sandbox.Timedout'` on timeout; `undefined` when ok. */
  errorType: string | undefined
  /** The error's message, or `'Task timed out after 3.00 seconds'` on timeout; `undefined` when ok. */
  errorMessage: string | undefined
  /** Wall time of the call in milliseconds, to 0.01 ms; exactly `timeoutMs` on timeout, as Lambda reports it. */
  durationMs: number
  /** `durationMs` rounded up to the next millisecond, as Lambda bills it. */
  billedDurationMs: number
  /** The peak resident set size sampled during the call, in MB (of the whole process, not only this handler). */
  maxMemoryUsedMb: number
}

/** The defaults of {@link InvokeOptions} (and internal settings); the TSDoc `@defaultValue`s are tested against them. */
export const invokeDefaults = {
  timeoutMs: 3000,
  memoryMb: 128,
  functionName: 'local-function',
  region: 'us-east-1',
  env: {},
  /** The account the local cloud's ARNs use (kinesalite and dynalite say `000000000000`). */
  accountId: '000000000000',
  /**
   * How often the memory peak is sampled while the handler runs (one sampler for every invocation in the process). A
   * reading is a system call of 10–30 µs on a busy machine: every 5 ms it was about 1.3 % of the local log pipeline's
   * CPU, while the process's RSS rarely rises and falls back within 10 ms (freed memory stays mapped a while).
   */
  memorySampleMs: 10,
} as const

const megabyte = 1024 * 1024

type Settled<R> = { kind: 'ok'; value: R } | { kind: 'error'; error: unknown } | { kind: 'timeout' }

/**
 * Invokes `handler` once, the way Lambda does: a complete `Context`, the Lambda environment variables, the timeout
 * enforced, and a report of duration, billed duration and peak memory.
 *
 * - The context has every documented field: `awsRequestId`, `functionName`, `functionVersion` (`$LATEST`),
 *   `invokedFunctionArn`, `memoryLimitInMB` (a string), `logGroupName`, `logStreamName`,
 *   `getRemainingTimeInMillis()`, `callbackWaitsForEmptyEventLoop`, and the legacy `done` / `succeed` / `fail`.
 * - During the call `process.env` holds `AWS_LAMBDA_FUNCTION_NAME`, `AWS_LAMBDA_FUNCTION_VERSION`,
 *   `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`, `AWS_LAMBDA_LOG_GROUP_NAME`, `AWS_LAMBDA_LOG_STREAM_NAME`,
 *   `AWS_LAMBDA_INITIALIZATION_TYPE`, `AWS_EXECUTION_ENV`, `AWS_REGION`, `AWS_DEFAULT_REGION`, `_HANDLER`,
 *   `_X_AMZN_TRACE_ID` and `options.env`; the previous values come back afterwards. `process.env` is one per process:
 *   invocations that overlap in time see the union of their variables (the last to start wins where they differ),
 *   and the previous values come back when the last of them ends.
 * - At the deadline the result is `timeout` (`Sandbox.Timedout`, "Task timed out after 3.00 seconds") even if the
 *   handler never settles. Lambda would freeze and discard the sandbox; here the handler's promise goes on running in
 *   the background, and whatever it does later is ignored.
 * - A synchronous throw, a rejection and a value `JSON.stringify` refuses (circular, `BigInt`) are `error` results.
 *   The result is the JSON round trip of the returned value, as the caller of a real function receives it.
 * - `maxMemoryUsedMb` is the peak RSS of the whole process, sampled every 10 ms by one sampler that every running
 *   invocation shares; `memoryMb` is not enforced.
 *
 * @param handler - the Lambda handler, such as a Middy handler
 * @param event - the event to pass
 * @param options - timeout, memory, names and extra environment; see {@link InvokeOptions}
 * @returns what happened; rejects only for bad options (`LocalOptionsError`), before the handler runs
 *
 * @example
 * ```ts
 * import middy from '@middy/core'
 * import { invoke } from 'serverless-done-right/local'
 *
 * const handler = async (event: { name: string }, context: { getRemainingTimeInMillis(): number }) =>
 *   ({ hello: event.name, region: process.env.AWS_REGION, leftMs: context.getRemainingTimeInMillis() })
 *
 * const outcome = await invoke(handler, { name: 'Ada' }, { timeoutMs: 1000, memoryMb: 256 })
 * console.log(outcome.status, outcome.result, outcome.billedDurationMs, outcome.maxMemoryUsedMb)
 *
 * const slow = await invoke(() => new Promise(() => {}), {}, { timeoutMs: 50 })
 * console.log(slow.status, slow.errorMessage) // 'timeout' 'Task timed out after 0.05 seconds'
 *
 * // A Middy handler takes the raw event, whatever its middlewares turn it into.
 * const doubled = await invoke(middy().handler(async (event: { n: number }) => event.n * 2), { n: 21 })
 * console.log(doubled.result) // 42
 * ```
 * @group Local cloud
 */
export function invoke<E, R>(
  handler: (event: E, context: Context) => Promise<R> | R,
  event: E,
  options?: InvokeOptions,
): Promise<InvokeResult<R>>
/**
 * Invokes a Middy handler once, with any raw event and no cast: its middlewares (a body parser, `validate()`) turn the
 * event into the type its handler declares. See the plain-function signature above for the rest.
 *
 * @param handler - a Middy handler (`middy().use(…).handler(…)`), e.g. `.use(validate({ event: schema }))`
 * @param event - the raw event Lambda would pass, such as an API Gateway event with a JSON string body
 * @param options - timeout, memory, names and extra environment; see {@link InvokeOptions}
 * @returns what happened, never rejects
 */
export function invoke<R>(
  handler: { (event: never, context: Context): Promise<R>; readonly use: unknown },
  event: unknown,
  options?: InvokeOptions,
): Promise<InvokeResult<R>>
export async function invoke<R>(
  handler: (event: never, context: Context) => Promise<R> | R,
  event: unknown,
  options: InvokeOptions = {},
): Promise<InvokeResult<R>> {
  if (typeof handler !== 'function')
    throw new LocalOptionsError(`invoke(handler, event, options): handler must be a function, got ${show(handler)}`)
  const resolved = resolveOptions(options, invokeDefaults, invokeRules, localCheck('invoke(handler, event, options)'))
  const { timeoutMs, memoryMb, functionName, region } = resolved
  const logGroupName = `/aws/lambda/${functionName}`
  const logStreamName = newLogStreamName()

  const release = applyLambdaEnv({
    ...resolved.env,
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: logGroupName,
    AWS_LAMBDA_LOG_STREAM_NAME: logStreamName,
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    _HANDLER: 'index.handler',
    _X_AMZN_TRACE_ID: newTraceId(),
  })

  const rss = watchRss(invokeDefaults.memorySampleMs)
  let timer: NodeJS.Timeout | undefined
  const started = performance.now()
  const deadline = Date.now() + timeoutMs

  try {
    let settle: (outcome: Settled<R>) => void = () => undefined
    const legacy = new Promise<Settled<R>>((resolve) => {
      settle = resolve
    })
    const context: Context = {
      callbackWaitsForEmptyEventLoop: true,
      functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:${region}:${invokeDefaults.accountId}:function:${functionName}`,
      memoryLimitInMB: String(memoryMb),
      awsRequestId: resolved.requestId ?? randomUUID(),
      logGroupName,
      logStreamName,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: (error, result) => settle(error ? { kind: 'error', error } : { kind: 'ok', value: result as R }),
      fail: (error) => settle({ kind: 'error', error }),
      succeed: (result: unknown) => settle({ kind: 'ok', value: result as R }),
    }
    const running = new Promise<R>((resolve) =>
      resolve((handler as (event: unknown, context: Context) => Promise<R> | R)(event, context)),
    ).then(
      (value): Settled<R> => ({ kind: 'ok', value }),
      (error: unknown): Settled<R> => ({ kind: 'error', error }),
    )
    const timedOut = new Promise<Settled<R>>((resolve) => {
      timer = setTimeout(() => resolve({ kind: 'timeout' }), timeoutMs)
    })
    const outcome = await Promise.race([running, legacy, timedOut])
    return resultOf(outcome, timeoutMs, performance.now() - started, rss.stop())
  } finally {
    rss.stop()
    clearTimeout(timer)
    release()
  }
}

/** What Lambda reports for an invocation that ended with `outcome` after `elapsedMs`, at an RSS peak of `peakRss` bytes. */
function resultOf<R>(outcome: Settled<R>, timeoutMs: number, elapsedMs: number, peakRss: number): InvokeResult<R> {
  const durationMs = outcome.kind === 'timeout' ? timeoutMs : Math.round(elapsedMs * 100) / 100
  const report = {
    durationMs,
    billedDurationMs: Math.ceil(durationMs),
    maxMemoryUsedMb: Math.ceil(peakRss / megabyte),
  }
  if (outcome.kind === 'timeout') {
    const seconds = (timeoutMs / 1000).toFixed(2)
    return {
      status: 'timeout',
      result: undefined,
      errorType: 'Sandbox.Timedout',
      errorMessage: `Task timed out after ${seconds} seconds`,
      ...report,
    }
  }
  if (outcome.kind === 'error')
    return { status: 'error', result: undefined, ...describeError(outcome.error), ...report }
  const marshalled = marshal(outcome.value)
  if ('error' in marshalled) return { status: 'error', result: undefined, ...marshalled.error, ...report }
  return { status: 'ok', result: marshalled.value, errorType: undefined, errorMessage: undefined, ...report }
}

/** The runtime's error report: `name` and `message` of an Error, `typeof` and the text of anything else thrown. */
function describeError(error: unknown): { errorType: string; errorMessage: string } {
  if (error instanceof Error) return { errorType: error.name, errorMessage: error.message }
  return { errorType: typeof error, errorMessage: String(error) }
}

/** The JSON round trip every Lambda response goes through; `undefined` stays `undefined` (Lambda sends `null`). */
function marshal<R>(value: R): { value: R | undefined } | { error: { errorType: string; errorMessage: string } } {
  if (value === undefined) return { value: undefined }
  try {
    const text = JSON.stringify(value)
    return { value: text === undefined ? undefined : (JSON.parse(text) as R) }
  } catch (error) {
    const { errorType, errorMessage } = describeError(error)
    return { error: { errorType, errorMessage: `Unable to stringify response body as json: ${errorMessage}` } }
  }
}

/** `2026/11/27/[$LATEST]` and 32 hex digits, as Lambda names a sandbox's log stream. */
function newLogStreamName(): string {
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/')
  return `${day}/[$LATEST]${randomBytes(16).toString('hex')}`
}

/** An X-Ray trace header for the invocation, not sampled. */
function newTraceId(): string {
  const epochHex = Math.floor(Date.now() / 1000).toString(16)
  return `Root=1-${epochHex}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=0`
}
