/**
 * An API Gateway emulator on a loopback port: real HTTP in, Lambda proxy events (payload format 1.0 or 2.0) out.
 *
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Context } from 'aws-lambda'
import { jwtAuthorizer } from './gateway/authorizer.js'
import { type ApiIdentity, eventV1, eventV2, randomId } from './gateway/events.js'
import { type GatewayRequest, headerPairs, readBody, splitTarget } from './gateway/request.js'
import { gatewayMessage, responseV1, responseV2, send } from './gateway/response.js'
import { compileRoutes, matchRoute, type Route } from './gateway/routes.js'
import {
  httpGatewayDefaults as defaults,
  type GatewayHandler,
  type HttpGatewayOptions,
  resolveHttpGatewayOptions,
} from './http-gateway-options.js'
import { type InvokeOptions, type InvokeResult, invoke } from './invoke.js'

export type { GatewayHandler, GatewayInvocation, HttpGatewayOptions } from './http-gateway-options.js'

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
 * @throws LocalOptionsError (the promise rejects) for a missing or unknown option, a bad value, a malformed route key
 *   or authorizer, before it listens
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
  const { timeoutMs } = resolveHttpGatewayOptions(options)
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
  const integration: Integration = { invokeOptions, timeoutMs, payloadFormat: options.payloadFormat, timers }
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
    const { statusCode, invocation, answer } = await integrate(integration, match.route, event)
    send(response, answer)
    options.onInvoke?.({ routeKey: match.route.key, statusCode, invocation })
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

/** What one integration needs: how to invoke, the gateway's timeout and payload format, its pending timers. */
interface Integration {
  readonly invokeOptions: InvokeOptions
  readonly timeoutMs: number
  readonly payloadFormat: '1.0' | '2.0'
  readonly timers: Set<NodeJS.Timeout>
}

/** Invokes the route's handler with the event, within the gateway's timeout, and translates what it returned. */
async function integrate(integration: Integration, route: Route<GatewayHandler>, event: object) {
  const { invokeOptions, timeoutMs, timers } = integration
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
  const translated = integration.payloadFormat === '1.0' ? responseV1(invocation.result) : responseV2(invocation.result)
  if (translated === undefined || translated.body.length > defaults.maxInvokePayloadBytes) {
    return failed(502, invocation)
  }
  return { statusCode: translated.statusCode, invocation: invocation as InvokeResult, answer: translated }
}

function failed(statusCode: 502 | 504, invocation: InvokeResult | undefined) {
  const message = statusCode === 504 ? 'Endpoint request timed out' : 'Internal server error'
  return { statusCode, invocation, answer: gatewayMessage(statusCode, message) }
}
