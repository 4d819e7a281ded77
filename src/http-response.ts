/**
 * RFC 9457 problem+json responses in the shape API Gateway expects for payload 1.0 and 2.0.
 * Shared by `httpErrors()` and the timeout guard's fallback. Internal: not part of the public API.
 *
 * @module
 */

import type { APIGatewayProxyResult, APIGatewayProxyStructuredResultV2 } from 'aws-lambda'
import { statusText } from './status-text.js'

/** The members of an RFC 9457 problem body. `instance` carries the request id. */
export interface ProblemBody {
  type: string
  title: string
  status: number
  detail?: string
  instance?: string
  [extension: string]: unknown
}

/** An API Gateway proxy result, for either payload format. */
export type HttpResult = APIGatewayProxyResult | APIGatewayProxyStructuredResultV2

/**
 * Builds a problem body with `type: about:blank` and the status text as title unless given. The standard members come
 * first, then the extension members; an extension can never replace a standard member (`status` included).
 */
export function problemBody(status: number, fields: Partial<ProblemBody> = {}): ProblemBody {
  const { type, title, detail, instance, status: _ignored, ...extensions } = fields
  const body: ProblemBody = { type: type ?? 'about:blank', title: title ?? statusText(status) ?? 'Error', status }
  if (detail !== undefined) body.detail = detail
  if (instance !== undefined) body.instance = instance
  // Spread defines own properties: an extension named `__proto__` stays a plain member.
  return { ...body, ...extensions }
}

/**
 * A complete `application/problem+json` response. `headers` (say CORS headers a previous middleware set) are kept;
 * the content type is always problem+json. Works for payload 1.0 and 2.0: both accept `{ statusCode, headers, body }`.
 */
export function problemResponse(
  body: ProblemBody,
  headers: Record<string, string | number | boolean> = {},
): HttpResult {
  const kept = Object.fromEntries(
    Object.entries(headers).filter(([name]) => {
      const lower = name.toLowerCase()
      return lower !== 'content-type' && lower !== 'content-length'
    }),
  )
  return {
    statusCode: body.status,
    headers: { ...kept, 'Content-Type': 'application/problem+json' },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  }
}
