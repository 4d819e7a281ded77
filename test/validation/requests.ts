// Test helpers: real API Gateway fixture events with chosen parts, a recording logger, problem body parsing.
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2, Context } from 'aws-lambda'
import type { HttpErrorsLogger } from 'serverless-done-right'
import { fixture } from '../helpers/fixtures.js'

/** What a test sets on a fixture event. `body` objects are sent as JSON; a string is sent as is. */
export interface RequestParts {
  body?: unknown
  contentType?: string | null
  headers?: Record<string, string>
  query?: Record<string, string>
  path?: Record<string, string>
}

function bodyText(body: unknown): string | undefined {
  if (body === undefined) return undefined
  return typeof body === 'string' ? body : JSON.stringify(body)
}

/** The REST API (payload 1.0) fixture with these parts; headers keep the case a client sent. */
export function v1Request(parts: RequestParts = {}): APIGatewayProxyEvent {
  const event = fixture<APIGatewayProxyEvent>('apigw-rest-v1')
  const contentType = parts.contentType === undefined ? 'application/json' : parts.contentType
  if (contentType !== null) event.headers['Content-Type'] = contentType
  Object.assign(event.headers, parts.headers)
  event.queryStringParameters = parts.query ?? null
  event.pathParameters = parts.path ?? null
  // API Gateway 1.0 sends `body: null` when the request has none.
  event.body = bodyText(parts.body) ?? null
  return event
}

/** The HTTP API (payload 2.0) fixture with these parts; header names are lower case, as API Gateway sends them. */
export function v2Request(parts: RequestParts = {}): APIGatewayProxyEventV2 {
  const event = fixture<APIGatewayProxyEventV2>('apigw-http-v2')
  const contentType = parts.contentType === undefined ? 'application/json' : parts.contentType
  if (contentType !== null) event.headers['content-type'] = contentType
  for (const [name, value] of Object.entries(parts.headers ?? {})) event.headers[name.toLowerCase()] = value
  if (parts.query !== undefined) event.queryStringParameters = parts.query
  if (parts.path !== undefined) event.pathParameters = parts.path
  // API Gateway 2.0 leaves `body` out when the request has none.
  const text = bodyText(parts.body)
  if (text !== undefined) event.body = text
  return event
}

/** One logged call. */
export interface LogEntry {
  level: 'error' | 'warn' | 'info' | 'debug'
  message: string
  details: unknown[]
}

/** A logger that records what it is given (the real console would only print it). */
export function recordingLogger(): HttpErrorsLogger & { entries: LogEntry[] } {
  const entries: LogEntry[] = []
  const at =
    (level: LogEntry['level']) =>
    (message: string, ...details: unknown[]) => {
      entries.push({ level, message, details })
    }
  return { entries, error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') }
}

/** An API Gateway result as the tests read it. */
export interface HttpResponse {
  statusCode: number
  headers?: Record<string, unknown>
  body: string
  isBase64Encoded?: boolean
}

/** The parsed problem+json body of a response, after checking its content type. */
export function problemOf(response: unknown): Record<string, unknown> {
  const result = response as HttpResponse
  expect(result.headers?.['Content-Type']).toBe('application/problem+json')
  return JSON.parse(result.body) as Record<string, unknown>
}

/**
 * The handler as Lambda calls it. Middy types a chain's wrapped handler with the chain's (validated) event type;
 * the runtime, like these tests, hands it the raw API Gateway event.
 */
export function asLambda(handler: unknown): (event: unknown, context: Context) => Promise<unknown> {
  return handler as (event: unknown, context: Context) => Promise<unknown>
}
