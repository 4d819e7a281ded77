/**
 * Turns what a handler returned into the HTTP response API Gateway would send, or says the output is malformed
 * (API Gateway then answers 502). Internal to `serverless-done-right/local`.
 *
 * @module
 */
import { type ServerResponse, validateHeaderName, validateHeaderValue } from 'node:http'

/** An HTTP response ready to write. */
export interface GatewayResponse {
  readonly statusCode: number
  /** `[name, value]` pairs; a name may repeat (`Set-Cookie`). */
  readonly headers: ReadonlyArray<readonly [string, string]>
  readonly body: Buffer
}

const framingHeaders = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive'])

type HeaderScalar = string | number | boolean

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

const isScalar = (value: unknown): value is HeaderScalar =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'

/** A JSON response with the given status, such as API Gateway's own `{"message":"Internal server error"}`. */
export function gatewayMessage(statusCode: number, message: string): GatewayResponse {
  return {
    statusCode,
    headers: [['Content-Type', 'application/json']],
    body: Buffer.from(JSON.stringify({ message })),
  }
}

/**
 * Translates a handler result for payload format 1.0: an object with an integer `statusCode` and optional `headers`,
 * `multiValueHeaders`, string `body` and `isBase64Encoded`. Anything else is malformed (`undefined`).
 * A name in both `headers` and `multiValueHeaders` takes its values from `multiValueHeaders`, as API Gateway merges them.
 */
export function responseV1(result: unknown): GatewayResponse | undefined {
  if (!isRecord(result)) return undefined
  return structured(result, [], true)
}

/**
 * Translates a handler result for payload format 2.0. An object with `statusCode` is read like 1.0 plus `cookies`
 * (each one a `Set-Cookie` header). Any other JSON value means `200 application/json` with that value as the body:
 * a string as it is, anything else as JSON; no value at all is an empty body.
 */
export function responseV2(result: unknown): GatewayResponse | undefined {
  if (isRecord(result) && 'statusCode' in result) {
    const cookies = result.cookies
    if (cookies !== undefined && !(Array.isArray(cookies) && cookies.every((cookie) => typeof cookie === 'string'))) {
      return undefined
    }
    return structured(result, (cookies ?? []) as string[], false)
  }
  const body = result === undefined ? '' : typeof result === 'string' ? result : JSON.stringify(result)
  return { statusCode: 200, headers: [['content-type', 'application/json']], body: Buffer.from(body) }
}

/** `defaultJson`: a REST API answers `Content-Type: application/json` when the handler names no content type. */
function structured(
  result: Record<string, unknown>,
  cookies: readonly string[],
  defaultJson: boolean,
): GatewayResponse | undefined {
  const { statusCode, headers, multiValueHeaders, body, isBase64Encoded } = result
  if (typeof statusCode !== 'number' || !Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) {
    return undefined
  }
  if (body !== undefined && body !== null && typeof body !== 'string') return undefined
  if (isBase64Encoded !== undefined && typeof isBase64Encoded !== 'boolean') return undefined
  if (headers !== undefined && headers !== null && !isRecord(headers)) return undefined
  if (multiValueHeaders !== undefined && multiValueHeaders !== null && !isRecord(multiValueHeaders)) return undefined

  const merged = new Map<string, { name: string; values: string[] }>()
  const put = (name: string, values: readonly unknown[]): boolean => {
    if (!values.every(isScalar)) return false
    // The gateway frames the response itself, as API Gateway does.
    if (framingHeaders.has(name.toLowerCase())) return true
    merged.set(name.toLowerCase(), { name, values: values.map(String) })
    return true
  }
  for (const [name, value] of Object.entries(headers ?? {})) if (!put(name, [value])) return undefined
  for (const [name, values] of Object.entries(multiValueHeaders ?? {})) {
    if (!Array.isArray(values) || !put(name, values)) return undefined
  }
  const pairs: Array<[string, string]> = []
  if (defaultJson && !merged.has('content-type')) pairs.push(['Content-Type', 'application/json'])
  for (const { name, values } of merged.values()) for (const value of values) pairs.push([name, value])
  for (const cookie of cookies) pairs.push(['set-cookie', cookie])
  try {
    for (const [name, value] of pairs) {
      validateHeaderName(name)
      validateHeaderValue(name, value)
    }
  } catch {
    return undefined
  }
  const text = typeof body === 'string' ? body : ''
  return {
    statusCode,
    headers: pairs,
    body: isBase64Encoded === true ? Buffer.from(text, 'base64') : Buffer.from(text),
  }
}

/** Writes a response; `closeConnection` when the request body was not read to its end. */
export function send(response: ServerResponse, answer: GatewayResponse, closeConnection = false): void {
  const flat: string[] = []
  for (const [name, value] of answer.headers) flat.push(name, value)
  flat.push('Content-Length', String(answer.body.length))
  if (closeConnection) flat.push('Connection', 'close')
  response.writeHead(answer.statusCode, flat)
  response.end(answer.body)
}
