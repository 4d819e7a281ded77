/**
 * An API Gateway emulator on a loopback port: real HTTP in, Lambda proxy events (payload format 1.0 or 2.0) out.
 *
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Context } from 'aws-lambda'
import { type GatewayJwtAuthorizer, jwtAuthorizer } from './gateway/authorizer.js'
import { type ApiIdentity, eventV1, eventV2, randomId } from './gateway/events.js'
import { type GatewayRequest, headerPairs, readBody, splitTarget } from './gateway/request.js'
import { gatewayMessage, responseV1, responseV2, send } from './gateway/response.js'
import { compileRoutes, matchRoute, type Route } from './gateway/routes.js'
import { type InvokeOptions, type InvokeResult, invoke } from './invoke.js'
import { LocalOptionsError } from './options-error.js'

/**
 * A Lambda handler the gateway can call. Typed with a `never` event so that any handler fits, a Middy handler
 * included; it receives an `APIGatewayProxyEvent` (format 1.0) or an `APIGatewayProxyEventV2` (format 2.0).
 * @group Local cloud
 */
export type GatewayHandler = (event: never, context: Context) => unknown

/**
 * Options of {@link httpGateway}.
 * @group Local cloud
 */
export interface HttpGatewayOptions {
  /**
   * The routes, keyed `'METHOD /path'` with `{name}` and greedy `{name+}` parameters (`'GET /users/{id}'`,
   * `'ANY /files/{path+}'`), plus `'$default'` for everything else; or one handler for every request (`$default`).
   * The most specific path wins, then an exact method over `ANY`, as in API Gateway.
   */
  routes: Readonly<Record<string, GatewayHandler>> | GatewayHandler
  /** The event shape: `'1.0'` (REST API proxy integration) or `'2.0'` (HTTP API). */
  payloadFormat: '1.0' | '2.0'
  /**
   * The loopback port to listen on; `0` picks a free one.
   * @defaultValue `0`
   */
  port?: number
  /**
   * The integration timeout: a handler still running after this many milliseconds gets `504`.
   * @defaultValue `29000` for payload 1.0 (a REST API's default), `30000` for 2.0 (an HTTP API's default and maximum),
   * as `timeoutGuard()` assumes
   */
  timeoutMs?: number
  /**
   * How the handler is invoked (see `invoke()`). `timeoutMs` here is the function's own timeout: when it is shorter
   * than the gateway's and the function times out, the answer is `502`, as API Gateway answers a failed function.
   * @defaultValue `{ timeoutMs: <the gateway's timeoutMs> }`
   */
  invokeOptions?: InvokeOptions
  /**
   * The stage name in `requestContext.stage`; a stage other than `$default` also prefixes 1.0's `requestContext.path`.
   * @defaultValue `'$default'`
   */
  stage?: string
  /**
   * Called after every request that reached a handler, with the route, the status sent and what `invoke()` reported
   * (`undefined` when the gateway timed out first). Handy to see why a request got a `502`.
   * @defaultValue none
   */
  onInvoke?: (report: GatewayInvocation) => void
  /**
   * A JWT authorizer on every route, checked as API Gateway's JWT authorizer checks one (HS256 with a shared secret,
   * or RS256/ES256 with a public key; needs the `jose` package): a request without a valid token for `issuer` and
   * `audience` gets `401 {"message":"Unauthorized"}` and never reaches the handler; the token's claims are in the
   * event's `requestContext.authorizer` (2.0: `.jwt.claims`; 1.0: `.claims`), every value a string.
   * @defaultValue none: every request reaches its route
   */
  authorizer?: GatewayJwtAuthorizer
}

/**
 * One request that reached a handler, as {@link HttpGatewayOptions.onInvoke} reports it.
 * @group Local cloud
 */
export interface GatewayInvocation {
  /** The matched route key, e.g. `GET /users/{id}` or `$default`. */
  routeKey: string
  /** The HTTP status the client got. */
  statusCode: number
  /** What the invocation reported; `undefined` when the gateway's own timeout came first. */
  invocation: InvokeResult | undefined
}

/**
 * A running {@link httpGateway}.
 * @group Local cloud
 */
export interface HttpGateway {
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  readonly url: string
  /** The port it listens on. */
  readonly port: number
  /** Stops listening and closes every connection, idle keep-alive ones included. */
  close(): Promise<void>
}

const megabyte = 1024 * 1024

const defaults = {
  port: 0,
  timeoutMs: { '1.0': 29_000, '2.0': 30_000 },
  stage: '$default',
  /** API Gateway's payload limit. */
  maxRequestBytes: 10 * megabyte,
  /** A synchronous Lambda invocation's limit, for the event and for the response. */
  maxInvokePayloadBytes: 6 * megabyte,
  accountId: '000000000000',
} as const

/**
 * Starts an API Gateway emulator on `127.0.0.1`: each HTTP request becomes a Lambda proxy event in payload format 1.0
 * or 2.0, the matched handler runs through `invoke()`, and its result becomes the HTTP response, as API Gateway
 * translates it.
 *
 * - Events have the real keys (see `test/fixtures/aws-events/apigw-*.json`): path parameters, query strings, 1.0's
 *   multi-value fields, 2.0's `cookies` and comma-joined repeats. Text bodies (`text/*`, JSON, XML, form data) that are
 *   valid UTF-8 arrive as strings, any other body base64-encoded with `isBase64Encoded: true`.
 * - Responses: 1.0 needs an integer `statusCode`; 2.0 also takes any other JSON value as `200 application/json`.
 *   `multiValueHeaders`, 2.0 `cookies` and base64 bodies (`isBase64Encoded: true`) are honoured.
 * - API Gateway's own answers: no route `404 {"message":"Not Found"}`; a thrown error, a function timeout or a
 *   malformed result `502 {"message":"Internal server error"}`; the integration timeout
 *   `504 {"message":"Endpoint request timed out"}`; a body over 10 MB `413 {"message":"Request Too Long"}`, refused
 *   without reading it into memory; an event or a result over Lambda's 6 MB `502`.
 *
 * - With `authorizer`, a JWT authorizer guards every route: no valid token, `401 {"message":"Unauthorized"}`.
 *
 * Differences from AWS: the status codes above are a REST API's, for both formats (an HTTP API answers `500` and
 * `503` instead of `502` and `504`, and a REST API answers an unknown route with `403`); there are no Lambda or IAM
 * authorizers, no authorization scopes, no stage variables, binary media type settings or throttling.
 *
 * @param options - routes, payload format, port, timeouts; see {@link HttpGatewayOptions}
 * @returns the running gateway, once it listens
 * @throws LocalOptionsError for a malformed route key, payload format, port, timeout or authorizer
 *
 * @example
 * ```ts
 * import type { APIGatewayProxyEventV2 } from 'aws-lambda'
 * import { httpGateway } from 'serverless-done-right/local'
 *
 * const gateway = await httpGateway({
 *   payloadFormat: '2.0',
 *   routes: {
 *     'GET /users/{id}': async (event: APIGatewayProxyEventV2) => ({ id: event.pathParameters?.id }),
 *   },
 * })
 * const response = await fetch(`${gateway.url}/users/u1`)
 * console.log(response.status, await response.json()) // 200 { id: 'u1' }
 * await gateway.close()
 * ```
 * @group Local cloud
 */
export async function httpGateway(options: HttpGatewayOptions): Promise<HttpGateway> {
  checkOptions(options)
  const timeoutMs = options.timeoutMs ?? defaults.timeoutMs[options.payloadFormat]
  const invokeOptions: InvokeOptions = { timeoutMs, ...options.invokeOptions }
  const routes = compileRoutes(typeof options.routes === 'function' ? { $default: options.routes } : options.routes)
  const authorize = options.authorizer === undefined ? undefined : await jwtAuthorizer(options.authorizer)
  const api: ApiIdentity = {
    apiId: randomId(10),
    accountId: defaults.accountId,
    stage: options.stage ?? defaults.stage,
    deploymentId: randomId(6),
  }
  const timers = new Set<NodeJS.Timeout>()
  const server = createServer({ keepAlive: true }, (request, response) => {
    serve(request, response).catch(() => {
      // The client went away mid-body, or the emulator itself failed: answer as API Gateway's own failure would.
      if (!response.headersSent && !response.destroyed) send(response, gatewayMessage(500, 'Internal server error'))
    })
  })

  const serve = async (request: IncomingMessage, response: ServerResponse) => {
    const receivedAt = new Date()
    const method = request.method ?? 'GET'
    const { rawPath, rawQueryString } = splitTarget(request.url ?? '/')
    const match = matchRoute(routes, method, rawPath)
    if (match === undefined) {
      request.resume()
      send(response, gatewayMessage(404, 'Not Found'))
      return
    }
    const read = await readBody(request, defaults.maxRequestBytes)
    if (read.kind === 'tooLarge') {
      send(response, gatewayMessage(413, 'Request Too Long'), true)
      return
    }
    const gatewayRequest: GatewayRequest = {
      method,
      rawPath,
      rawQueryString,
      headers: headerPairs(request),
      body: read.body,
      sourceIp: (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
      protocol: `HTTP/${request.httpVersion}`,
      receivedAt,
    }
    const claims = authorize === undefined ? undefined : await authorize(gatewayRequest)
    if (authorize !== undefined && claims === undefined) {
      send(response, gatewayMessage(401, 'Unauthorized'))
      return
    }
    const port = String(request.socket.localPort ?? '')
    const event =
      options.payloadFormat === '1.0'
        ? eventV1(gatewayRequest, match, api, port, claims)
        : eventV2(gatewayRequest, match, api, port, claims)
    const { statusCode, invocation, answer } = await integrate(match.route, event)
    send(response, answer)
    options.onInvoke?.({ routeKey: match.route.key, statusCode, invocation })
  }

  const integrate = async (route: Route<GatewayHandler>, event: object) => {
    if (Buffer.byteLength(JSON.stringify(event)) > defaults.maxInvokePayloadBytes) {
      return failed(502, undefined)
    }
    let timer: NodeJS.Timeout | undefined
    const gatewayTimeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs)
      timers.add(timer)
    })
    const handler = route.handler as (event: object, context: Context) => unknown
    const invocation = await Promise.race([invoke(handler, event, invokeOptions), gatewayTimeout])
    clearTimeout(timer)
    if (timer !== undefined) timers.delete(timer)
    if (invocation === undefined) return failed(504, undefined)
    if (invocation.status === 'timeout') {
      return failed((invokeOptions.timeoutMs ?? timeoutMs) >= timeoutMs ? 504 : 502, invocation)
    }
    if (invocation.status === 'error') return failed(502, invocation)
    const translated = options.payloadFormat === '1.0' ? responseV1(invocation.result) : responseV2(invocation.result)
    if (translated === undefined || translated.body.length > defaults.maxInvokePayloadBytes) {
      return failed(502, invocation)
    }
    return { statusCode: translated.statusCode, invocation: invocation as InvokeResult, answer: translated }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? defaults.port, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const timer of timers) clearTimeout(timer)
        timers.clear()
        server.close((error) => (error === undefined ? resolve() : reject(error)))
        server.closeAllConnections()
      }),
  }
}

/** Throws `LocalOptionsError` for a payload format, port or timeout API Gateway (or a socket) would not take. */
function checkOptions(options: HttpGatewayOptions): void {
  const fail = (message: string) => {
    throw new LocalOptionsError(`httpGateway: ${message}`)
  }
  if (options.payloadFormat !== '1.0' && options.payloadFormat !== '2.0') fail("payloadFormat must be '1.0' or '2.0'")
  const port = options.port ?? defaults.port
  if (!Number.isInteger(port) || port < 0 || port > 65_535) fail(`port must be an integer from 0 to 65535, not ${port}`)
  const { timeoutMs } = options
  if (timeoutMs !== undefined && !(timeoutMs > 0 && Number.isFinite(timeoutMs))) {
    fail(`timeoutMs must be positive, not ${timeoutMs}`)
  }
}

function failed(statusCode: 502 | 504, invocation: InvokeResult | undefined) {
  const message = statusCode === 504 ? 'Endpoint request timed out' : 'Internal server error'
  return { statusCode, invocation, answer: gatewayMessage(statusCode, message) }
}
