/**
 * The REST user API: one Lambda handler for every route, over a DynamoDB table, behind API Gateway (payload 1.0 or
 * 2.0). `handler.ts` builds it from the environment; tests and the local demo build it from their own clients.
 *
 * @module
 */
import { Logger } from '@aws-lambda-powertools/logger'
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import type { Tracer } from '@aws-lambda-powertools/tracer'
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware'
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import middy from '@middy/core'
import { HttpError, httpErrors, memoryWatchdog, timeoutGuard, type WarmupOptions, warmup } from 'serverless-done-right'
import { type ApiResult, userEndpoints } from './endpoints.js'
import { type ApiEvent, requestLine, routedEvent } from './request.js'
import { matchRoute } from './routes.js'
import { userStore } from './store.js'

/** What {@link createUserApi} needs. */
export interface UserApiOptions {
  /** A DynamoDB document client (`DynamoDBDocumentClient.from(new DynamoDBClient({}))`). */
  documentClient: DynamoDBDocumentClient
  /** The users table: string partition key `id`. */
  tableName: string
  /**
   * The Powertools logger: Lambda context on every line, and every error answer logged (5xx at `error`, 4xx at `info`).
   * @defaultValue `new Logger({ serviceName: 'rest-user-api' })`
   */
  logger?: Logger
  /**
   * The Powertools tracer: one segment per invocation. `handler.ts` passes one when the function traces (see
   * `tracing.ts`: the tracer's module is loaded only then).
   * @defaultValue none: no segment
   */
  tracer?: Tracer
  /**
   * Invokes this same function for lambda-warmer's concurrency fan-out (copies `2…N` of a `{ warmer: true,
   * concurrency: N }` ping); `handler.ts` passes one built on `@aws-sdk/client-lambda`. Without it a ping warms one
   * instance and logs that the fan-out was skipped.
   * @defaultValue none
   */
  warmupInvoke?: WarmupOptions['invoke']
}

const serviceName = 'rest-user-api'

/**
 * Builds the user API's Lambda handler: every route of `/users` in one function.
 *
 * The chain, in order: `warmup()` (a ping touches nothing else), `httpErrors()` (its `onError` runs last, so it answers
 * whatever the others leave unanswered), `timeoutGuard()` (a 504 problem+json before the function's timeout, itself far
 * below API Gateway's 29 s), `memoryWatchdog()`, the Powertools logger and tracer, then the router. The router matches
 * method and path (payload 1.0 `httpMethod` / `path`, 2.0 `requestContext.http.method` / `rawPath` without the
 * stage) and calls that route's own Middy chain (body parser, `validate()`, the route's logic); an unknown path is a
 * 404 problem+json, a known path with another method a 405 with `Allow`.
 *
 * @param options - the document client and table name, and optionally a logger and a tracer
 * @returns the Lambda handler
 *
 * @example
 * ```ts
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
 * import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
 * import { createUserApi } from './app.js'
 *
 * export const handler = createUserApi({
 *   documentClient: DynamoDBDocumentClient.from(new DynamoDBClient({})),
 *   tableName: 'users',
 * })
 * ```
 */
export function createUserApi(options: UserApiOptions) {
  const logger = options.logger ?? new Logger({ serviceName })
  const endpoints = userEndpoints(userStore({ documentClient: options.documentClient, tableName: options.tableName }))
  const guard = timeoutGuard({ logger })

  return middy<ApiEvent, ApiResult>(guard.middyOptions)
    .use(warmup(options.warmupInvoke === undefined ? { logger } : { logger, invoke: options.warmupInvoke }))
    .use(httpErrors({ logger }))
    .use(guard)
    .use(memoryWatchdog({ logger }))
    .use(injectLambdaContext(logger))
    .use(options.tracer === undefined ? [] : [captureLambdaHandler(options.tracer)])
    .handler(async (event, context) => {
      const { method, path } = requestLine(event)
      const match = matchRoute(method, path)
      if (match.kind === 'not-found') throw new HttpError(404, { detail: 'No such resource' })
      if (match.kind === 'method-not-allowed') {
        const allow = match.allow.join(', ')
        throw new HttpError(405, { detail: `Allowed: ${allow}`, headers: { Allow: allow } })
      }
      return endpoints[match.route](routedEvent(event, match.pathParameters), context)
    })
}
