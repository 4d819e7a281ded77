/**
 * `warmup(options?)`: answers warm-up pings before any other middleware or the handler runs.
 *
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { MiddlewareObj, Request } from '@middy/core'
import type { Context } from 'aws-lambda'
import { type LoggerOption, loggerFrom } from '../logger.js'
import * as rules from '../option-rules.js'
import { resolveOptions } from '../options.js'
import { concurrencyRequest, pingSource, ruleMatcher, type WarmerPayload, type WarmupSource } from './ping.js'
import { type CopiesOutcome, warmCopies } from './warm-copies.js'

/**
 * What `warmup()` knows about one ping; passed to a `WarmupOptions.response` function.
 * @group Guards
 */
export interface WarmupPing {
  /** Which warmer sent it. */
  readonly source: WarmupSource
  /** True on the first invocation this middleware instance has seen (ping or not): this instance was cold. */
  readonly coldStart: boolean
  /** How many invocations this middleware instance has seen, this one included. */
  readonly invocation: number
  /** Instances the ping asked to keep warm (lambda-warmer's `concurrency`), capped at `maxConcurrency`; usually 1. */
  readonly concurrency: number
  /**
   * This copy's number (`__WARMER_INVOCATION__`): `2…N`, or `1…N` for copies a warmer function sent to another
   * function; 1 for the leader or a plain ping.
   */
  readonly copy: number
  /** True when a lambda-warmer leader sent this ping as one of its copies: a copy never fans out. */
  readonly isCopy: boolean
  /** The leader's request id, shared by every copy of one concurrency ping; `undefined` for a plain ping. */
  readonly correlationId: string | undefined
}

/**
 * Options of {@link warmup}. Every field is optional.
 * @group Guards
 */
export interface WarmupOptions {
  /**
   * Replaces the default test of whether an event is a ping. Return true for a ping.
   * @defaultValue recognises serverless-plugin-warmup (`{"source":"serverless-plugin-warmup"}`, in the payload or
   * the ClientContext), lambda-warmer (`{"warmer":true}`) and, with `scheduleRule`, matching EventBridge
   * `Scheduled Event`s
   */
  isWarmup?: (event: unknown, context: Context) => boolean
  /**
   * The EventBridge rule whose `Scheduled Event`s are pings: a string matches the rule ARN or the rule's name, a
   * RegExp is tested against the ARN. Without it, scheduled events are real work and reach the handler.
   * @defaultValue `undefined` (no scheduled event is a ping)
   */
  scheduleRule?: string | RegExp
  /**
   * What a ping returns: a value, or a function that builds it from the {@link WarmupPing}.
   * @defaultValue `{ warmup: true, coldStart, invocation }`
   */
  response?: unknown
  /**
   * Where the one structured line per ping goes (`info`): a Powertools `Logger` or anything with `debug`, `info`,
   * `warn` and `error`; `false` logs nothing.
   * @defaultValue single-line JSON on the console (`jsonConsoleLogger()`)
   */
  logger?: LoggerOption
  /**
   * Invokes a copy, for lambda-warmer concurrency warming: called with the copy's payload, its number and the
   * function to invoke. A ping asking for `concurrency: N > 1` makes copies `2…N` of this function (`target` is
   * `undefined`); a ping whose `target` names another function makes copies `1…N` of that one (`target` is its name).
   * Use an `Event` invocation for all but the last copy and `RequestResponse` for the last, as lambda-warmer does. A
   * rejection is logged, never thrown.
   * @defaultValue `undefined` (concurrency copies are not invoked, and the log line says so)
   */
  invoke?: (payload: WarmerPayload, index: number, target: string | undefined) => unknown
  /**
   * How long the leader and every copy of a concurrency ping stay busy, so that `N` distinct instances answer.
   * @defaultValue `75`
   */
  delayMs?: number
  /**
   * The most instances one ping may ask for; a larger `concurrency` is capped, so a malformed ping cannot start a
   * flood of invocations.
   * @defaultValue `100`
   */
  maxConcurrency?: number
}

/** The defaults of {@link WarmupOptions}; the TSDoc `@defaultValue`s are tested against them. */
export const warmupDefaults = { delayMs: 75, maxConcurrency: 100 } as const

const warmupSpec = {
  isWarmup: rules.fn(),
  scheduleRule: rules.either(
    rules.string(),
    rules.where((value) => value instanceof RegExp, 'a RegExp', 'type'),
  ),
  response: () => undefined,
  logger: rules.logger(),
  invoke: rules.fn(),
  delayMs: rules.ms(),
  maxConcurrency: rules.number({ min: 1, integer: true }),
}

type Recognise = (event: unknown, context: Context) => WarmupSource | undefined

function recogniser(options: WarmupOptions): Recognise {
  const { isWarmup, scheduleRule } = options
  if (isWarmup !== undefined) return (event, context) => (isWarmup(event, context) ? 'custom' : undefined)
  const matchesRule = scheduleRule === undefined ? undefined : ruleMatcher(scheduleRule)
  return (event, context) => pingSource(event, context, matchesRule)
}

/**
 * Answers warm-up pings before anything else runs. Put it first in the chain: on a ping no later middleware's
 * `before`, no handler and no `after` runs, and the invocation returns `options.response`.
 *
 * Recognised by default: serverless-plugin-warmup's `{"source":"serverless-plugin-warmup"}` (in the payload or the
 * ClientContext), lambda-warmer's `{"warmer":true}`, and, when `scheduleRule` is set, an EventBridge
 * `Scheduled Event` from that rule. `isWarmup` replaces the test. Every other event (HTTP, batches, other
 * EventBridge events) is real work.
 *
 * Concurrency warming works like lambda-warmer: a ping asking for `concurrency: N > 1` makes its receiver (the
 * leader) call `invoke` for copies `2…N` with `{ warmer: true, __WARMER_INVOCATION__: i, __WARMER_CONCURRENCY__: N,
 * __WARMER_CORRELATIONID__: <leader's request id> }`; the leader waits for all of them, and the leader and every copy
 * stay busy `delayMs` so that `N` distinct instances answer. A ping whose `target` names another function (a warmer
 * function warming it) makes copies `1…N` of that function instead. A copy (any ping carrying
 * `__WARMER_INVOCATION__`) never fans out again, and a ping with lambda-warmer's `test` flag invokes nothing.
 *
 * @param options - how pings are recognised and answered; see {@link WarmupOptions} for each default
 * @returns a Middy middleware with a `before` that answers pings
 * @throws TypeError at creation for an unknown option (naming the closest known one) or a value of the wrong type,
 *   RangeError for a number out of range
 *
 * @example
 * ```ts
 * import middy from '@middy/core'
 * import { warmup } from 'serverless-done-right'
 *
 * export const handler = middy()
 *   .use(
 *     warmup({
 *       scheduleRule: 'warm-up-every-5-minutes', // its Scheduled Events are pings too
 *       logger: console,
 *       // lambda-warmer concurrency: invoke copies (of this function, or of the ping's `target`), e.g. with
 *       // @aws-sdk/client-lambda:
 *       // invoke: (payload, index, target) => lambda.send(new InvokeCommand({
 *       //   FunctionName: target ?? process.env.AWS_LAMBDA_FUNCTION_NAME, Payload: JSON.stringify(payload),
 *       //   InvocationType: index === payload.__WARMER_CONCURRENCY__ ? 'RequestResponse' : 'Event' })),
 *     }),
 *   )
 *   .handler(async (event: { name?: string }) => ({ hello: event.name ?? 'world' }))
 *
 * console.log(await handler({ warmer: true }, { awsRequestId: 'r1' } as never))
 * // { warmup: true, coldStart: true, invocation: 1 }
 * ```
 * @group Guards
 */
export function warmup(options: WarmupOptions = {}): MiddlewareObj {
  const { delayMs, maxConcurrency, invoke, response, ...rest } = resolveOptions(options, warmupDefaults, warmupSpec, {
    owner: 'warmup(options)',
  })
  const logger = loggerFrom(rest.logger)
  const recognise = recogniser(options)
  let invocations = 0

  function respond(request: Request, ping: WarmupPing, copies: CopiesOutcome): unknown {
    const answer =
      response === undefined
        ? { warmup: true, coldStart: ping.coldStart, invocation: ping.invocation }
        : typeof response === 'function'
          ? (response as (ping: WarmupPing) => unknown)(ping)
          : response
    logger.info(copies.copies === 'skipped' ? 'Warm-up ping; copies skipped' : 'Warm-up ping', {
      ...ping,
      ...copies,
      requestId: request.context.awsRequestId,
    })
    // Setting earlyResponse (not only returning it) ends the chain even when the answer is `undefined`.
    request.earlyResponse = answer
    return answer
  }

  async function answerConcurrencyPing(request: Request, ping: WarmupPing, target: string | undefined, test: boolean) {
    if (ping.isCopy) {
      await sleep(delayMs)
      return respond(request, ping, { copies: 'none' })
    }
    if (test) return respond(request, ping, { copies: 'skipped', reason: 'test ping' })
    if (invoke === undefined) return respond(request, ping, { copies: 'skipped', reason: 'no invoke option' })
    const copies = { concurrency: ping.concurrency, correlationId: ping.correlationId as string, target, delayMs }
    return respond(request, ping, await warmCopies(copies, invoke))
  }

  function warmupBefore(request: Request): unknown {
    invocations++
    const source = recognise(request.event, request.context)
    if (source === undefined) return undefined
    const asked = concurrencyRequest(request.event, request.context)
    const { target } = asked // set only when it names another function: this one is a warmer, its copies go there
    const concurrency = Math.min(asked.concurrency, maxConcurrency)
    const ping: WarmupPing = {
      source,
      coldStart: invocations === 1,
      invocation: invocations,
      concurrency,
      copy: asked.copy,
      isCopy: asked.isCopy,
      correlationId: asked.isCopy
        ? asked.correlationId
        : concurrency > 1 || target !== undefined
          ? request.context.awsRequestId
          : undefined,
    }
    if (concurrency === 1 && target === undefined) return respond(request, ping, { copies: 'none' })
    return answerConcurrencyPing(request, ping, target, asked.test)
  }

  return { name: 'warmup', before: warmupBefore }
}
