/**
 * Cold-start baseline: the user API's Lambda entry written without serverless-done-right: `@middy/warmup`, Middy core's
 * early timeout, `@middy/http-error-handler`, `@middy/http-json-body-parser`, Powertools Logger and Tracer, and the
 * recipe's zod schemas checked by hand in each route. The router, schemas and table code are the recipe's own. Bundled
 * and loaded by `bench/cold-start.ts`; never deployed.
 */
import { Logger } from '@aws-lambda-powertools/logger'
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import { Tracer } from '@aws-lambda-powertools/tracer'
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import middy from '@middy/core'
import httpErrorHandler from '@middy/http-error-handler'
import httpJsonBodyParser from '@middy/http-json-body-parser'
import warmup from '@middy/warmup'
import type { APIGatewayProxyResult, Context } from 'aws-lambda'
import type { z } from 'zod'
import { encodeCursor } from '../../../recipes/rest-user-api/cursor.js'
import { formatETag } from '../../../recipes/rest-user-api/etag.js'
import { type ApiEvent, requestLine, routedEvent } from '../../../recipes/rest-user-api/request.js'
import { matchRoute, type RouteName } from '../../../recipes/rest-user-api/routes.js'
import { userApiSettings } from '../../../recipes/rest-user-api/settings.js'
import { userStore } from '../../../recipes/rest-user-api/store.js'
import { preconditionHeaders, type User, userInput, userPath, usersQuery } from './classic-zod/rest-user-api.js'

class HttpError extends Error {
  readonly expose = true
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message)
  }
}

function check<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value)
  if (!result.success) throw new HttpError(400, result.error.issues.map((issue) => issue.message).join('; '))
  return result.data
}

const json = (statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyResult => ({
  statusCode,
  headers: { 'Content-Type': 'application/json', ...headers },
  body: JSON.stringify(body),
})
const userResponse = (statusCode: number, user: User) => json(statusCode, user, { ETag: formatETag(user.version) })
const signalOf = (context: Context) => AbortSignal.timeout(Math.max(1, context.getRemainingTimeInMillis() - 500))

const tableName = process.env.TABLE_NAME
if (!tableName) throw new Error('the TABLE_NAME environment variable is required')
const serviceName = 'rest-user-api'
const tracer = new Tracer({ serviceName })
const logger = new Logger({ serviceName })
const documentClient = DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({})))
const store = userStore({ documentClient, tableName })

type Route = (event: ApiEvent, context: Context) => Promise<APIGatewayProxyResult>
const withBody = (run: Route) => middy<ApiEvent, APIGatewayProxyResult>().use(httpJsonBodyParser()).handler(run)
const pathId = (event: ApiEvent) => check(userPath, event.pathParameters ?? {}).id
const ifMatch = (event: ApiEvent) => check(preconditionHeaders, event.headers ?? {})['if-match']

const routes: Record<RouteName, Route> = {
  createUser: withBody(async (event, context) => {
    const user = await store.create(check(userInput, event.body), signalOf(context))
    return userResponse(201, user)
  }),
  readUser: async (event, context) => {
    const id = pathId(event)
    const user = await store.get(id, signalOf(context))
    if (user === undefined) throw new HttpError(404, `No user ${id}`)
    return userResponse(200, user)
  },
  queryUsers: async (event, context) => {
    const { id, limit, cursor } = check(usersQuery, event.queryStringParameters ?? {})
    if (id !== undefined) {
      const user = await store.get(id, signalOf(context))
      if (user === undefined) throw new HttpError(404, `No user ${id}`)
      return userResponse(200, user)
    }
    const page = await store.list(limit ?? userApiSettings.paging.defaultLimit, cursor, signalOf(context))
    return json(200, { items: page.users, ...(page.lastKey ? { nextCursor: encodeCursor(page.lastKey) } : {}) })
  },
  replaceUser: withBody(async (event, context) => {
    const id = pathId(event)
    const precondition = ifMatch(event)
    if (precondition === undefined) throw new HttpError(428, 'A replace needs If-Match')
    const outcome = await store.replace(id, check(userInput, event.body), precondition, signalOf(context))
    if (outcome.ok) return userResponse(200, outcome.value)
    throw new HttpError(outcome.reason === 'missing' ? 404 : 412, `User ${id}: ${outcome.reason}`)
  }),
  deleteUser: async (event, context) => {
    const id = pathId(event)
    const outcome = await store.remove(id, ifMatch(event) ?? { kind: 'any' }, signalOf(context))
    if (outcome.ok) return { statusCode: 204, headers: {}, body: '' }
    throw new HttpError(outcome.reason === 'missing' ? 404 : 412, `User ${id}: ${outcome.reason}`)
  },
}

export const handler = middy<ApiEvent, APIGatewayProxyResult>({ timeoutEarlyInMillis: 1000 })
  .use(warmup())
  .use(httpErrorHandler({ logger: (error) => logger.error('Request failed', error as Error) }))
  .use(injectLambdaContext(logger))
  .use(captureLambdaHandler(tracer))
  .handler(async (event, context) => {
    const { method, path } = requestLine(event)
    const match = matchRoute(method, path)
    if (match.kind === 'not-found') throw new HttpError(404, 'No such resource')
    if (match.kind === 'method-not-allowed') throw new HttpError(405, `Allowed: ${match.allow.join(', ')}`)
    return routes[match.route](routedEvent(event, match.pathParameters), context)
  })
