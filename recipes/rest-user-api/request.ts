/**
 * Reading an API Gateway request the same way in payload 1.0 (REST API) and 2.0 (HTTP API): the method, the path the
 * router sees, the prefix a client's URLs carry, and a copy of the event a route's own Middy chain receives.
 *
 * @module
 */
import { isUtf8 } from 'node:buffer'
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda'

/** An API Gateway proxy event, payload format 1.0 or 2.0. */
export type ApiEvent = APIGatewayProxyEvent | APIGatewayProxyEventV2

/** What the router needs from a request. */
export interface RequestLine {
  /** The HTTP method, upper case. */
  readonly method: string
  /** The path inside the API, without a stage or base-path prefix: `/users/42`. */
  readonly path: string
  /** The prefix the client's URL has in front of {@link RequestLine.path}: `/prod`, or `''`. Used in `Location`. */
  readonly basePath: string
}

/** The members {@link requestLine} reads; any event with them fits, a validated copy of an API Gateway event too. */
export type RequestLineSource =
  | Pick<APIGatewayProxyEvent, 'httpMethod' | 'path' | 'requestContext'>
  | Pick<APIGatewayProxyEventV2, 'version' | 'rawPath' | 'requestContext'>

function notAnApiEvent(): TypeError {
  return new TypeError('rest-user-api: expected an API Gateway proxy event (payload format 1.0 or 2.0)')
}

function isV2(
  event: RequestLineSource,
): event is Pick<APIGatewayProxyEventV2, 'version' | 'rawPath' | 'requestContext'> {
  return 'version' in event && event.version === '2.0'
}

/**
 * The method and path of a request in either payload format.
 *
 * - 2.0: `requestContext.http.method` and `rawPath`. With a named stage, `rawPath` starts with `/<stage>`: it is cut
 *   off (and becomes the base path) so routes match on any stage.
 * - 1.0: `httpMethod` and `path` (already without the stage); the base path is what `requestContext.path` (the
 *   client's full path) has in front of it: `/prod` on the execute-api domain, a base-path mapping on a custom one.
 *
 * @throws TypeError when the event is neither (not an API Gateway proxy event)
 */
export function requestLine(event: RequestLineSource): RequestLine {
  if (isV2(event)) {
    if (typeof event.requestContext?.http?.method !== 'string') throw notAnApiEvent()
    const method = event.requestContext.http.method.toUpperCase()
    const rawPath = event.rawPath || '/'
    const stage = event.requestContext.stage
    const stagePrefix = stage && stage !== '$default' ? `/${stage}` : ''
    if (stagePrefix && (rawPath === stagePrefix || rawPath.startsWith(`${stagePrefix}/`))) {
      return { method, path: rawPath.slice(stagePrefix.length) || '/', basePath: stagePrefix }
    }
    return { method, path: rawPath, basePath: '' }
  }
  if (typeof event.httpMethod !== 'string') throw notAnApiEvent()
  const path = event.path || '/'
  const clientPath = event.requestContext?.path ?? path
  const basePath = clientPath.endsWith(path) ? clientPath.slice(0, clientPath.length - path.length) : ''
  return { method: event.httpMethod.toUpperCase(), path, basePath: basePath === '/' ? '' : basePath }
}

/**
 * The headers with lower-case names. Payload 1.0 keeps the client's spelling (`Content-Type`, `If-Match`); HTTP
 * header names are case-insensitive, and `validate()` and the JSON body parser read lower-case names.
 * Repeated fields are combined into one value joined with `, `, as RFC 9110 §5.3 says a recipient may: the same name
 * in two spellings, and (payload 1.0) every value in `multiValueHeaders`, where 1.0's `headers` keeps only the last one
 * (payload 2.0 already joins repeats with commas).
 */
export function lowerCaseHeaders(
  headers: Record<string, string | undefined> | null | undefined,
  multiValueHeaders?: Record<string, readonly string[] | undefined> | null,
): Record<string, string> {
  const lowered: Record<string, string> = {}
  const add = (name: string, value: string) => {
    const key = name.toLowerCase()
    const previous = lowered[key]
    lowered[key] = previous === undefined ? value : `${previous}, ${value}`
  }
  const repeated = new Set<string>()
  for (const [name, values] of Object.entries(multiValueHeaders ?? {})) {
    if (!Array.isArray(values)) continue
    repeated.add(name.toLowerCase())
    for (const value of values) if (typeof value === 'string') add(name, value)
  }
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value !== undefined && !repeated.has(name.toLowerCase())) add(name, value)
  }
  return lowered
}

/**
 * The event a route's Middy chain receives: a shallow copy of the API Gateway event (the caller's event is never
 * changed) with the router's path parameters, lower-case headers (repeated fields combined), and `{}` for an absent query.
 *
 * The router's parameters replace API Gateway's own: the API may be deployed behind `ANY /{proxy+}` or `$default`,
 * where API Gateway's `pathParameters` would be `{ proxy: 'users/42' }` or absent.
 */
export function routedEvent<E extends ApiEvent>(event: E, pathParameters: Record<string, string>): E {
  return {
    ...event,
    headers: lowerCaseHeaders(event.headers, 'multiValueHeaders' in event ? event.multiValueHeaders : undefined),
    queryStringParameters: { ...event.queryStringParameters },
    pathParameters,
  }
}

/** The size of a request body in bytes, decoding base64 when API Gateway encoded it. */
export function bodyBytes(event: { body?: unknown; isBase64Encoded?: boolean }): number {
  if (typeof event.body !== 'string') return 0
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').byteLength : Buffer.byteLength(event.body, 'utf8')
}

/**
 * Whether a request body is valid UTF-8 text. A string body (`isBase64Encoded` false) is already text: nothing to
 * check. A base64 body is decoded and checked: API Gateway sends one for a binary media type and, in either payload
 * format, for a text body whose bytes are not valid UTF-8.
 */
export function isUtf8Body(event: { body?: unknown; isBase64Encoded?: boolean }): boolean {
  if (typeof event.body !== 'string' || !event.isBase64Encoded) return true
  return isUtf8(Buffer.from(event.body, 'base64'))
}
