/**
 * The events the API Gateway emulator sends: payload format 1.0 (REST API proxy integration) and 2.0 (HTTP API),
 * with every key the real ones have. Internal to `serverless-done-right/local`.
 *
 * @module
 */
import { randomBytes, randomUUID } from 'node:crypto'
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda'
import type { AuthorizerClaims } from './authorizer.js'
import { encodeBody, type GatewayRequest, headerValue, parseQuery } from './request.js'
import type { RouteMatch } from './routes.js'

/** The API the events describe: names and ids that stay the same for every request to one gateway. */
export interface ApiIdentity {
  readonly apiId: string
  readonly accountId: string
  readonly stage: string
  readonly deploymentId: string
}

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** `17/Jun/2024:14:48:13 +0000`, the time format of `requestContext.requestTime` and `time`. */
export function requestTime(date: Date): string {
  const two = (value: number) => String(value).padStart(2, '0')
  const month = months[date.getUTCMonth()] as string
  return `${two(date.getUTCDate())}/${month}/${date.getUTCFullYear()}:${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`
}

/** Lower-case letters and digits, like an API id (`puhdx84jy9`). */
export function randomId(length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'
  return Array.from(randomBytes(length), (byte) => alphabet[byte % alphabet.length]).join('')
}

/** An id like API Gateway's `extendedRequestId` and HTTP API `requestId`: `ZhNHJhhLjoEEPiw=`. */
export function shortRequestId(): string {
  return randomBytes(10).toString('base64')
}

/** Host, `X-Forwarded-*` and trace headers, added when the client did not send them, as API Gateway's front end does. */
function gatewayHeaders(request: GatewayRequest, port: string): ReadonlyArray<readonly [string, string]> {
  const added: Array<[string, string]> = []
  const addMissing = (name: string, value: string) => {
    if (headerValue(request, name) === undefined) added.push([name, value])
  }
  const epochHex = Math.floor(request.receivedAt.getTime() / 1000).toString(16)
  addMissing('X-Amzn-Trace-Id', `Root=1-${epochHex}-${randomBytes(12).toString('hex')}`)
  addMissing('X-Forwarded-For', request.sourceIp)
  addMissing('X-Forwarded-Port', port)
  addMissing('X-Forwarded-Proto', 'http')
  return [...request.headers, ...added]
}

function domainOf(request: GatewayRequest, api: ApiIdentity): { domainName: string; domainPrefix: string } {
  // The Host header without its port, as API Gateway's domains have none.
  const host = headerValue(request, 'host')?.replace(/:\d+$/, '')
  const domainName = host === undefined || host === '' ? `${api.apiId}.execute-api.localhost` : host
  return { domainName, domainPrefix: domainName.split('.')[0] ?? domainName }
}

/**
 * A payload format 1.0 event: the REST API proxy integration's. `claims`: what the authorizer verified, in
 * `requestContext.authorizer.claims` as a Cognito user pool authorizer puts them.
 */
export function eventV1(
  request: GatewayRequest,
  match: RouteMatch<unknown>,
  api: ApiIdentity,
  port: string,
  claims?: AuthorizerClaims,
): APIGatewayProxyEvent {
  const headerList = gatewayHeaders(request, port)
  const query = parseQuery(request.rawQueryString)
  const { body, isBase64Encoded } = encodeBody(request.body, headerValue(request, 'content-type'))
  const userAgent = headerValue(request, 'user-agent') ?? null
  const resource = match.route.resource
  const event = {
    resource,
    path: request.rawPath,
    httpMethod: request.method,
    headers: lastValues(headerList),
    multiValueHeaders: allValues(headerList),
    queryStringParameters: query.length === 0 ? null : lastValues(query),
    multiValueQueryStringParameters: query.length === 0 ? null : allValues(query),
    pathParameters: Object.keys(match.pathParameters).length === 0 ? null : { ...match.pathParameters },
    stageVariables: null,
    requestContext: {
      resourceId: api.deploymentId.slice(0, 6),
      resourcePath: resource,
      httpMethod: request.method,
      extendedRequestId: shortRequestId(),
      requestTime: requestTime(request.receivedAt),
      path: api.stage === '$default' ? request.rawPath : `/${api.stage}${request.rawPath}`,
      accountId: api.accountId,
      protocol: request.protocol,
      stage: api.stage,
      ...domainOf(request, api),
      requestTimeEpoch: request.receivedAt.getTime(),
      requestId: randomUUID(),
      identity: {
        cognitoIdentityPoolId: null,
        accountId: null,
        cognitoIdentityId: null,
        caller: null,
        sourceIp: request.sourceIp,
        principalOrgId: null,
        accessKey: null,
        cognitoAuthenticationType: null,
        cognitoAuthenticationProvider: null,
        userArn: null,
        userAgent,
        user: null,
      },
      deploymentId: api.deploymentId,
      apiId: api.apiId,
      ...(claims === undefined ? {} : { authorizer: { claims } }),
    },
    body: body ?? null,
    isBase64Encoded,
  }
  // `@types/aws-lambda` also lists `authorizer`, `apiKey`, `apiKeyId` and `clientCert`, which a REST API leaves out
  // on routes without an authorizer or API key; the event keeps the real shape (test/fixtures/aws-events).
  return event as unknown as APIGatewayProxyEvent
}

/**
 * A payload format 2.0 event: the HTTP API's. Optional keys are left out when empty, as API Gateway does. `claims`:
 * what the JWT authorizer verified, in `requestContext.authorizer.jwt` as an HTTP API puts them.
 */
export function eventV2(
  request: GatewayRequest,
  match: RouteMatch<unknown>,
  api: ApiIdentity,
  port: string,
  claims?: AuthorizerClaims,
): APIGatewayProxyEventV2 {
  const cookies: string[] = []
  const headerList: Array<readonly [string, string]> = []
  for (const [name, value] of gatewayHeaders(request, port)) {
    const lower = name.toLowerCase()
    if (lower !== 'cookie') headerList.push([lower, value])
    else for (const cookie of value.split(';')) if (cookie.trim() !== '') cookies.push(cookie.trim())
  }
  const headers = joinedValues(headerList)
  const query = parseQuery(request.rawQueryString)
  const { body, isBase64Encoded } = encodeBody(request.body, headers['content-type'])
  const event: APIGatewayProxyEventV2 & { requestContext: { authorizer?: unknown } } = {
    version: '2.0',
    routeKey: match.route.key,
    rawPath: request.rawPath,
    rawQueryString: request.rawQueryString,
    headers,
    requestContext: {
      accountId: api.accountId,
      apiId: api.apiId,
      // Real HTTP API events carry `authorizer` even on routes without one (see the fixture).
      authorizer: claims === undefined ? { lambda: null } : { jwt: { claims, scopes: null } },
      ...domainOf(request, api),
      http: {
        method: request.method,
        path: request.rawPath,
        protocol: request.protocol,
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: shortRequestId(),
      routeKey: match.route.key,
      stage: api.stage,
      time: requestTime(request.receivedAt),
      timeEpoch: request.receivedAt.getTime(),
    },
    isBase64Encoded,
  }
  if (cookies.length > 0) event.cookies = cookies
  if (query.length > 0) event.queryStringParameters = joinedValues(query)
  if (match.route.method !== undefined && Object.keys(match.pathParameters).length > 0) {
    event.pathParameters = { ...match.pathParameters }
  }
  if (body !== undefined) event.body = body
  return event
}

// Built through a Map and `Object.fromEntries`, so that names like `__proto__` or `valueOf` are plain keys.

/** `{ name: lastValue }`, as payload 1.0's `headers` and `queryStringParameters`. */
function lastValues(pairs: ReadonlyArray<readonly [string, string]>): Record<string, string> {
  return Object.fromEntries(new Map(pairs))
}

/** `{ name: [every value] }`, as payload 1.0's `multiValueHeaders` and `multiValueQueryStringParameters`. */
function allValues(pairs: ReadonlyArray<readonly [string, string]>): Record<string, string[]> {
  const grouped = new Map<string, string[]>()
  for (const [name, value] of pairs) grouped.set(name, [...(grouped.get(name) ?? []), value])
  return Object.fromEntries(grouped)
}

/** `{ name: 'value1,value2' }`, as payload 2.0 joins repeated headers and query parameters. */
function joinedValues(pairs: ReadonlyArray<readonly [string, string]>): Record<string, string> {
  return Object.fromEntries(Object.entries(allValues(pairs)).map(([name, values]) => [name, values.join(',')]))
}
