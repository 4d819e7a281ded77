/**
 * `httpErrors(options?)`: every error in a Middy chain answered as an RFC 9457 `application/problem+json` response.
 *
 * @module
 */
import type { MiddlewareObj, Request } from '@middy/core'
import { isHttpEvent } from '../events.js'
import { problemBody, problemResponse } from '../http-response.js'
import { type LoggerOption, loggerFrom, type StructuredLogger } from '../logger.js'
import * as rules from '../option-rules.js'
import { resolveOptions } from '../options.js'
import { type Problem, problemFor } from './problem.js'

/**
 * @deprecated The library has one logger type: {@link StructuredLogger}.
 * @group Validation and errors
 */
export type HttpErrorsLogger = StructuredLogger

/**
 * Options of {@link httpErrors}. Every field is optional; one given as `undefined` takes its default.
 * @group Validation and errors
 */
export interface HttpErrorsOptions {
  /**
   * Where errors are logged: each 5xx at `error` level with the full error and its cause, each 4xx at
   * `clientErrorLevel` with the problem body the client got. A Powertools `Logger` or anything with `debug`, `info`,
   * `warn` and `error`; `false` logs nothing.
   * @defaultValue single-line JSON on the console (`jsonConsoleLogger()`)
   */
  logger?: LoggerOption | undefined
  /**
   * The level client errors (4xx) are logged at; `'off'` logs none of them. Server errors always log at `error`.
   * @defaultValue `'info'`
   */
  clientErrorLevel?: 'warn' | 'info' | 'debug' | 'off' | undefined
}

/** The defaults of {@link HttpErrorsOptions}; the TSDoc `@defaultValue`s are tested against them. */
export const httpErrorsDefaults = { clientErrorLevel: 'info' } as const

const httpErrorsSpec = {
  logger: rules.logger(),
  clientErrorLevel: rules.oneOf('warn', 'info', 'debug', 'off'),
}

type ResponseHeaders = Record<string, string | number | boolean>

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

/** The Lambda request id; the API Gateway one when the context has none (a hand-made context in a test). */
function requestIdOf(request: Request): string | undefined {
  const fromContext: unknown = (request.context as { awsRequestId?: unknown } | undefined)?.awsRequestId
  if (typeof fromContext === 'string' && fromContext !== '') return fromContext
  const event = request.event as { requestContext?: { requestId?: unknown } }
  const fromEvent = event.requestContext?.requestId
  return typeof fromEvent === 'string' ? fromEvent : undefined
}

/** Headers of a response an earlier `onError` started without answering (no `statusCode` yet), to be kept. */
function earlierHeaders(response: unknown): ResponseHeaders | undefined {
  return isRecord(response) && isRecord(response.headers) ? (response.headers as ResponseHeaders) : undefined
}

/** Something worth logging for any thrown value: `Error`s as they are (stack and cause), anything else wrapped. */
function loggable(error: unknown): unknown {
  return error instanceof Error ? error : { thrown: error }
}

/**
 * The problem for `error`; a generic 500 should mapping itself fail (a thrown Proxy, a throwing getter), so that
 * this middleware never turns one error into an unanswered second one.
 */
function safeProblemFor(error: unknown, instance: string | undefined): Problem {
  try {
    return problemFor(error, instance)
  } catch {
    return { body: problemBody(500, instance === undefined ? {} : { instance }), headers: {} }
  }
}

/**
 * Turns any error in the chain into an RFC 9457 `application/problem+json` response, for API Gateway payload 1.0 and
 * 2.0 events (and other events of that shape, such as Lambda function URLs).
 *
 * | error | status | body |
 * | --- | --- | --- |
 * | `HttpError` | its `status` | its `title`, `detail`, `type`, extensions; its `headers` are set |
 * | `ValidationError` | 400 | `errors: [{ pointer, detail }]`, one per issue |
 * | Middy / `http-errors` client error (`statusCode` 400–499, `expose` not false), e.g. the 415 or 422 of `@middy/http-json-body-parser` | its status | its message as `detail` only when `expose === true` |
 * | `TimeoutApproachingError` | 504 | a fixed detail |
 * | `MemoryPressureError` | 503 | a fixed detail |
 * | anything else, `ResponseValidationError` included | 500 | the generic title only |
 *
 * Every body has `type`, `title`, `status` and `instance` (the Lambda request id), and most a `detail`. A body never
 * holds a stack trace, an internal or AWS SDK error message, or a file path. Each 5xx is logged at `error` level with
 * the full error and its cause; each 4xx at `options.clientErrorLevel` with the problem body sent.
 *
 * Headers set on a response an earlier `onError` middleware started are kept; an error response some earlier
 * `onError` already completed (it has a `statusCode`) is left alone. Events that are not HTTP requests (SQS,
 * Kinesis, …) are left alone too, so their errors still fail the invocation and the batch is retried.
 *
 * It answers errors from any middleware, wherever it sits in the chain. Middy runs `onError` hooks in reverse order
 * of `.use()`, so `.use()` it after middlewares that decorate error responses, such as `@middy/http-cors`: their
 * `onError` then runs after this one and adds its headers to the problem response.
 *
 * @param options - `logger` (default: single-line JSON on the console) and `clientErrorLevel` (default `'info'`)
 * @returns a Middy middleware with an `onError`
 * @throws TypeError at creation for an unknown option (naming the closest known one) or a value of the wrong type
 *
 * @example
 * ```ts
 * import middy from '@middy/core'
 * import { Logger } from '@aws-lambda-powertools/logger'
 * import type { APIGatewayProxyEventV2 } from 'aws-lambda'
 * import { HttpError, httpErrors } from 'serverless-done-right'
 *
 * const logger = new Logger({ serviceName: 'users' })
 *
 * export const handler = middy<APIGatewayProxyEventV2>()
 *   .use(httpErrors({ logger, clientErrorLevel: 'warn' }))
 *   .handler(async (event) => {
 *     const id = event.pathParameters?.id
 *     if (id !== 'u1') throw new HttpError(404, { detail: `no user ${id}` })
 *     return { statusCode: 200, body: JSON.stringify({ id }) }
 *   })
 * // a miss answers 404 application/problem+json:
 * // {"type":"about:blank","title":"Not Found","status":404,"detail":"no user u2","instance":"<request id>"}
 * ```
 * @group Validation and errors
 */
export function httpErrors(options: HttpErrorsOptions = {}): MiddlewareObj {
  const resolved = resolveOptions(options, httpErrorsDefaults, httpErrorsSpec, { owner: 'httpErrors(options)' })
  const { clientErrorLevel } = resolved
  const logger = loggerFrom(resolved.logger)

  const log = (problem: Problem, error: unknown): void => {
    const { status, title, instance } = problem.body
    const message = `${status} ${title} for request ${instance ?? '(unknown)'}`
    // A server error is ours to fix: the whole error, stack and cause. A client error: what the client was told.
    if (status >= 500) logger.error(message, loggable(error), { requestId: instance })
    else if (clientErrorLevel !== 'off')
      logger[clientErrorLevel](message, { problem: problem.body, requestId: instance })
  }

  return {
    name: 'httpErrors',
    onError: function httpErrorsOnError(request: Request): void {
      if (!isHttpEvent(request.event)) return
      const earlier = request.response
      if (isRecord(earlier) && typeof earlier.statusCode === 'number') return
      const problem = safeProblemFor(request.error, requestIdOf(request))
      log(problem, request.error)
      const headers = earlierHeaders(earlier)
      request.response = problemResponse(
        problem.body,
        headers === undefined ? problem.headers : { ...headers, ...problem.headers },
      )
    },
  }
}
