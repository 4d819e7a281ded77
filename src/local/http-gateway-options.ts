/**
 * The options of `httpGateway`, their defaults and their checks.
 *
 * @module
 */
import type { Context } from 'aws-lambda'
import * as rules from '../option-rules.js'
import { checkOptions, requireOptions, resolveOptions } from '../options.js'
import type { GatewayJwtAuthorizer } from './gateway/authorizer.js'
import type { InvokeOptions, InvokeResult } from './invoke.js'
import { functionRules, invokeRules, localCheck } from './local-options.js'

/**
 * A Lambda handler the gateway can call. Typed with a `never` event so that any handler fits, a Middy handler
 * included; it receives an `APIGatewayProxyEvent` (format 1.0) or an `APIGatewayProxyEventV2` (format 2.0).
 * @group Local cloud
 */
export type GatewayHandler = (event: never, context: Context) => unknown

/**
 * Options of `httpGateway`. `routes` and `payloadFormat` are required; an option given as `undefined` takes its default.
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
   * @defaultValue per payload format: 29 000 ms for 1.0 (a REST API's default), 30 000 ms for 2.0 (an HTTP API's default and
   * maximum), as `timeoutGuard()` assumes
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

const megabyte = 1024 * 1024

/** The defaults of {@link HttpGatewayOptions} (and internal limits); the TSDoc `@defaultValue`s are tested against them. */
export const httpGatewayDefaults = {
  port: 0,
  stage: '$default',
  /** API Gateway's payload limit. */
  maxRequestBytes: 10 * megabyte,
  /** A synchronous Lambda invocation's limit, for the event and for the response. */
  maxInvokePayloadBytes: 6 * megabyte,
  accountId: '000000000000',
  /** The integration timeout when `timeoutMs` is not given, per payload format (as `timeoutGuard()` assumes). */
  timeoutMsByFormat: { '1.0': 29_000, '2.0': 30_000 },
} as const

const httpGatewaySpec = {
  routes: rules.either(rules.fn(), rules.object('an object of route keys and handlers')),
  payloadFormat: rules.oneOf('1.0', '2.0'),
  port: rules.number({ min: 0, max: 65_535, integer: true }),
  timeoutMs: functionRules.timeoutMs,
  invokeOptions: rules.object(),
  stage: rules.string(),
  onInvoke: rules.fn(),
  authorizer: rules.object('a JWT authorizer ({ issuer, audience, secret or publicKey })'),
}

/** Checks the options (`invokeOptions` included) before anything starts, and applies the defaults. */
export function resolveHttpGatewayOptions(options: HttpGatewayOptions) {
  const check = localCheck('httpGateway(options)')
  const resolved = resolveOptions(options, httpGatewayDefaults, httpGatewaySpec, check)
  requireOptions(resolved, ['routes', 'payloadFormat'], check)
  checkOptions(resolved.invokeOptions, invokeRules, localCheck('httpGateway(options.invokeOptions)'))
  return { ...resolved, timeoutMs: resolved.timeoutMs ?? httpGatewayDefaults.timeoutMsByFormat[resolved.payloadFormat] }
}
