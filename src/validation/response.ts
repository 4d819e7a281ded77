/**
 * Checks a handler's result against the `response` schema. Internal: `validate()` is the public face.
 *
 * @module
 */
import type { StandardSchemaV1 } from '@standard-schema/spec'
import { type PartResult, runSchema } from './issues.js'
import { ResponseValidationError } from './response-error.js'

type ResponseRecord = Record<string, unknown>

const prefix = '/response'

function isRecord(value: unknown): value is ResponseRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Whether the body of this structured HTTP result is checked: 2xx responses that carry content (not 204). */
function hasCheckedBody(response: ResponseRecord): boolean {
  const status = Number(response.statusCode)
  return status >= 200 && status <= 299 && status !== 204
}

function withoutContentLength(headers: unknown): unknown {
  if (!isRecord(headers)) return headers
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'content-length'))
}

/** Applies the schema's output to a structured result whose body was a JSON string. */
function rewriteStringBody(response: ResponseRecord, parsed: unknown, result: PartResult): unknown {
  if (!result.ok) throw new ResponseValidationError(result.issues)
  // Same value back (no transform, nothing stripped): send the handler's own bytes, no re-serialising.
  if (result.value === parsed) return response
  const text = JSON.stringify(result.value)
  return {
    ...response,
    headers: withoutContentLength(response.headers),
    body: response.isBase64Encoded === true ? Buffer.from(text).toString('base64') : text,
  }
}

function rewriteObjectBody(response: ResponseRecord, result: PartResult): unknown {
  if (!result.ok) throw new ResponseValidationError(result.issues)
  return result.value === response.body ? response : { ...response, body: result.value }
}

function rewriteWhole(result: PartResult): unknown {
  if (!result.ok) throw new ResponseValidationError(result.issues)
  return result.value
}

function parseBody(response: ResponseRecord & { body: string }): unknown {
  const text = response.isBase64Encoded === true ? Buffer.from(response.body, 'base64').toString('utf8') : response.body
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new ResponseValidationError([{ pointer: prefix, message: 'Response body is not valid JSON' }], {
      cause: error,
    })
  }
}

/**
 * Checks `response` against `schema` and returns what should be sent: the same object when the schema returned its
 * input unchanged, otherwise a copy carrying the schema's output (transforms applied, stripped keys gone). The
 * handler's object is never modified. Throws a `ResponseValidationError` on a mismatch.
 *
 * A result with a `statusCode` is an HTTP response: the body of a 2xx (204 excepted) is checked, parsed from JSON
 * when it is a string (base64 decoded first when `isBase64Encoded`). Any other result is checked whole, which is also
 * how API Gateway payload 2.0 reads a result without `statusCode`.
 */
export function checkResponse(schema: StandardSchemaV1, response: unknown): unknown {
  if (isRecord(response) && 'statusCode' in response) {
    if (!hasCheckedBody(response)) return response
    const { body } = response
    if (typeof body === 'string') {
      const parsed = parseBody(response as ResponseRecord & { body: string })
      const result = runSchema(schema, parsed, prefix)
      return result instanceof Promise
        ? result.then((settled) => rewriteStringBody(response, parsed, settled))
        : rewriteStringBody(response, parsed, result)
    }
    const result = runSchema(schema, body, prefix)
    return result instanceof Promise
      ? result.then((settled) => rewriteObjectBody(response, settled))
      : rewriteObjectBody(response, result)
  }
  const result = runSchema(schema, response, prefix)
  return result instanceof Promise ? result.then(rewriteWhole) : rewriteWhole(result)
}
