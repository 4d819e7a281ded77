// A stand-in for Middy 7's @middy/http-json-body-parser, which is not installed here (the project has 6.4.5).
// Middy 7.8's parser (read in its repository, packages/http-json-body-parser/index.js) answers a wrong content type
// with 415, and a missing body, malformed JSON, or a `__proto__` / `constructor.prototype` key with 422. This
// stand-in throws the very errors Middy 7 throws, made by @middy/util 7 (installed with @middy/core 7): its
// `createError` and its prototype-guarding `jsonParseProtectProto`.
import type { MiddlewareObj, Request } from '@middy/core'
import * as middyUtil from '@middy/util'

interface Middy7Util {
  createError(code: number, message: string, properties?: Record<string, unknown>): Error
  jsonParseProtectProto(text: string, reviver?: undefined, packageName?: string): unknown
  jsonContentTypePattern: RegExp
}

// @middy/util 7's type declarations leave these out, though its module exports them.
const util = middyUtil as unknown as Middy7Util
const pkg = '@middy/http-json-body-parser'

export function middy7JsonBodyParser(): MiddlewareObj {
  return {
    before(request: Request) {
      const event = request.event as { headers?: Record<string, string>; body?: unknown; isBase64Encoded?: boolean }
      const contentType = event.headers?.['content-type'] ?? event.headers?.['Content-Type']
      if (!util.jsonContentTypePattern.test(String(contentType))) {
        throw util.createError(415, 'Unsupported Media Type', { cause: { package: pkg, data: contentType } })
      }
      if (event.body === undefined) {
        throw util.createError(422, 'Invalid or malformed JSON was provided', { cause: { package: pkg } })
      }
      // Like Middy, a `null` body (payload 1.0 without a body) parses as JSON `null`.
      const raw = String(event.body)
      const text = event.isBase64Encoded === true ? Buffer.from(raw, 'base64').toString() : raw
      let parsed: unknown
      try {
        parsed = util.jsonParseProtectProto(text, undefined, pkg)
      } catch (error) {
        if (typeof error === 'object' && error !== null && 'statusCode' in error) throw error
        throw util.createError(422, 'Invalid or malformed JSON was provided', { cause: { package: pkg } })
      }
      request.event = { ...event, body: parsed }
    },
  }
}
