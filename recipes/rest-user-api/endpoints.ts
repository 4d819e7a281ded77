/**
 * One small Middy chain per route: the JSON body parser where there is a body, `validate()` with that route's schemas
 * (request parts and response), then the route's logic over the users table. This is the pattern of Middy's own
 * `http-router`: each route is a handler of its own, and the app's outer chain (guards, logging, tracing, errors)
 * picks one.
 *
 * @module
 */
import middy, { type MiddlewareObj } from '@middy/core'
import httpJsonBodyParser from '@middy/http-json-body-parser'
import type { APIGatewayProxyResult, Context } from 'aws-lambda'
import { budgetOf, HttpError, type ValidatedEvent, type ValidateSchemas, validate } from 'serverless-done-right'
import { encodeCursor } from './cursor.js'
import { formatETag } from './etag.js'
import { type ApiEvent, bodyBytes, isUtf8Body, requestLine } from './request.js'
import type { RouteName } from './routes.js'
import {
  maxBodyBytes,
  preconditionHeaders,
  type User,
  userInput,
  userOrPage,
  userOutput,
  userPath,
  usersQuery,
} from './schema.js'
import { userApiSettings } from './settings.js'
import type { UserStore } from './store.js'

/** What every route answers: a proxy result, valid for payload 1.0 and 2.0. */
export type ApiResult = APIGatewayProxyResult

/** A route's handler: the routed event (see `routedEvent`) in, a response out; errors go to the app's `httpErrors`. */
export type RouteHandler = (event: ApiEvent, context: Context) => Promise<ApiResult>

/** The inner chains never race the clock themselves: the app's timeout guard owns the deadline. */
const innerOptions = { timeoutEarlyInMillis: 0 }

function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): ApiResult {
  return { statusCode, headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) }
}

function userResponse(statusCode: number, user: User, headers: Record<string, string> = {}): ApiResult {
  return json(statusCode, user, { ...headers, ETag: formatETag(user.version) })
}

function notFound(id: string): HttpError {
  return new HttpError(404, { detail: `No user ${id}` })
}

/** 413 before the JSON parser spends time on a body no user needs. */
const bodyLimit: MiddlewareObj = {
  before: (request) => {
    if (bodyBytes(request.event as ApiEvent) > maxBodyBytes) {
      throw new HttpError(413, { detail: `The body must be at most ${maxBodyBytes} bytes` })
    }
  },
}

/**
 * 400 for a body that is not valid UTF-8, before the JSON parser decodes it. Middy's parser decodes a base64 body
 * with `Buffer#toString()`, which replaces every invalid byte with U+FFFD: the user would be stored with characters
 * the client never sent, and answered 201. A valid body passes unchanged, for the parser to decode.
 */
const utf8Body: MiddlewareObj = {
  before: (request) => {
    if (!isUtf8Body(request.event as ApiEvent)) {
      // No title of its own: with the type `about:blank`, RFC 9457 wants the status phrase, `Bad Request`.
      throw new HttpError(400, { detail: 'The request body is not valid UTF-8' })
    }
  },
}

/**
 * Runs a route with the invocation's abort signal. When the budget aborted (the soft deadline, memory pressure), the
 * aborted DynamoDB call's error is replaced by the budget's reason, which `httpErrors()` answers with a 504 or 503.
 */
function withSignal<E>(run: (event: E, signal: AbortSignal) => Promise<ApiResult>) {
  return async (event: E, context: Context): Promise<ApiResult> => {
    const { signal } = budgetOf(context)
    try {
      return await run(event, signal)
    } catch (error) {
      if (signal.aborted && !(error instanceof HttpError)) throw signal.reason
      throw error
    }
  }
}

/**
 * One route's chain: for a route with a body, a size limit, a UTF-8 check and `@middy/http-json-body-parser`; then
 * `validate(schemas)` and `run`, which gets the event with its parts replaced by the schemas' outputs and the
 * invocation's signal.
 *
 * Middy's types cannot say that a `before` middleware changes the event's type, so the chain is typed with the event
 * `validate()` hands on, and the route is exposed with the type it is called with: the routed API Gateway event.
 */
function route<Schemas extends ValidateSchemas>(
  schemas: Schemas,
  withBody: boolean,
  run: (event: ValidatedEvent<Schemas, ApiEvent>, signal: AbortSignal) => Promise<ApiResult>,
): RouteHandler {
  const chain = middy<ValidatedEvent<Schemas, ApiEvent>, ApiResult>(innerOptions)
  if (withBody) chain.use(bodyLimit).use(utf8Body).use(httpJsonBodyParser())
  return chain.use(validate(schemas)).handler(withSignal(run)) as unknown as RouteHandler
}

const conflict = (id: string) =>
  new HttpError(412, { detail: `User ${id} has changed since that version: read it again` })

/**
 * The handler of every route, over `store`.
 *
 * @param store - the users table
 * @returns one handler per {@link RouteName}
 */
export function userEndpoints(store: UserStore): Record<RouteName, RouteHandler> {
  const readOne = async (id: string, signal: AbortSignal): Promise<ApiResult> => {
    const user = await store.get(id, signal)
    if (user === undefined) throw notFound(id)
    return userResponse(200, user)
  }

  return {
    createUser: route({ body: userInput, response: userOutput }, true, async (event, signal) => {
      const user = await store.create(event.body, signal)
      return userResponse(201, user, { Location: `${requestLine(event).basePath}/users/${user.id}` })
    }),

    readUser: route({ path: userPath, response: userOutput }, false, (event, signal) =>
      readOne(event.pathParameters.id, signal),
    ),

    queryUsers: route({ query: usersQuery, response: userOrPage }, false, async (event, signal) => {
      const { id, limit, cursor } = event.queryStringParameters
      if (id !== undefined) return readOne(id, signal)
      const page = await store.list(limit ?? userApiSettings.paging.defaultLimit, cursor, signal)
      const nextCursor = page.lastKey === undefined ? {} : { nextCursor: encodeCursor(page.lastKey) }
      return json(200, { items: page.users, ...nextCursor })
    }),

    replaceUser: route(
      { path: userPath, headers: preconditionHeaders, body: userInput, response: userOutput },
      true,
      async (event, signal) => {
        const { id } = event.pathParameters
        const precondition = event.headers['if-match']
        if (precondition === undefined) {
          throw new HttpError(428, {
            detail: 'A replace needs If-Match: the ETag of the version you read, or * to replace any version',
          })
        }
        const outcome = await store.replace(id, event.body, precondition, signal)
        if (outcome.ok) return userResponse(200, outcome.value)
        throw outcome.reason === 'missing' ? notFound(id) : conflict(id)
      },
    ),

    deleteUser: route({ path: userPath, headers: preconditionHeaders }, false, async (event, signal) => {
      const { id } = event.pathParameters
      const outcome = await store.remove(id, event.headers['if-match'] ?? { kind: 'any' }, signal)
      if (outcome.ok) return { statusCode: 204, headers: {}, body: '' }
      throw outcome.reason === 'missing' ? notFound(id) : conflict(id)
    }),
  }
}
