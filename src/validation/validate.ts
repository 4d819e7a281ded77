/**
 * `validate(schemas)`: Standard Schema validation of an event's parts and of the handler's response.
 *
 * @module
 */
import type { MiddlewareObj, Request } from '@middy/core'
import * as rules from '../option-rules.js'
import { checkOptions } from '../options.js'
import { type RequestPart, requestParts, validateRequest } from './request.js'
import { checkResponse } from './response.js'
import type { ValidatedEvent, ValidateSchemas } from './types.js'

const standardSchema = rules.standardSchema()

const validateSpec = {
  event: standardSchema,
  body: standardSchema,
  query: standardSchema,
  path: standardSchema,
  headers: standardSchema,
  response: standardSchema,
}

/** Fails fast, at cold start, on a typo'd part name (naming the closest one) or a value that is not a Standard Schema. */
function assertSchemas(schemas: unknown): asserts schemas is ValidateSchemas {
  if (typeof schemas !== 'object' || schemas === null)
    throw new TypeError('validate(schemas): schemas must be an object')
  checkOptions(schemas, validateSpec, { owner: 'validate(schemas)' })
}

function beforeFor(parts: readonly RequestPart[]) {
  return function validateBefore(request: Request): Promise<void> | undefined {
    const event = validateRequest(parts, request.event)
    if (event instanceof Promise) {
      return event.then((validated) => {
        request.event = validated
      })
    }
    request.event = event
    return undefined
  }
}

function afterFor(schema: NonNullable<ValidateSchemas['response']>) {
  return function validateAfter(request: Request): Promise<void> | undefined {
    const response = checkResponse(schema, request.response)
    if (response instanceof Promise) {
      return response.then((checked) => {
        request.response = checked
      })
    }
    request.response = response
    return undefined
  }
}

/**
 * Validates the parts of the event a handler uses, and optionally its response, against Standard Schemas
 * (zod 4, valibot, arktype, or any other implementation; sync or async).
 *
 * - `event` checks a whole non-HTTP event; `body`, `query`, `path` and `headers` check the parts of an API Gateway
 *   event (payload 1.0 or 2.0): the JSON body after `@middy/http-json-body-parser`, `queryStringParameters`,
 *   `pathParameters` (both `{}` when absent), and the headers by lower-case name.
 * - The handler gets a shallow copy of the event with each part replaced by its schema's output, so transforms and
 *   defaults apply; the incoming event object is not written to. Headers the schema does not name are kept.
 * - All parts are checked, and every issue of every part is reported in one `ValidationError` whose issues carry
 *   JSON pointers (`/body/email`, `/query/limit`). `httpErrors()` answers it with a 400 problem+json.
 * - `response` checks the handler's result (the JSON body of a 2xx HTTP response). A mismatch throws a
 *   `ResponseValidationError`, which `httpErrors()` logs and answers with a generic 500: the invalid data is never
 *   sent. The schema's output is what gets sent, so a schema that strips unknown keys keeps them out of the response.
 *
 * On an untyped `middy()`, `.use(validate(schemas))` types the handler's event from the schemas. When the chain's
 * event type is already fixed, type it with {@link ValidatedEvent} instead.
 *
 * @param schemas - one Standard Schema per part to check; at least one. Every part is optional (no defaults).
 * @returns a Middy middleware (`before` for the event parts, `after` for `response`)
 * @throws TypeError at creation when `schemas` names an unknown part (naming the closest known one) or holds something
 *   that is not a Standard Schema
 *
 * @example
 * ```ts
 * import middy from '@middy/core'
 * import httpJsonBodyParser from '@middy/http-json-body-parser'
 * import { httpErrors, validate } from 'serverless-done-right'
 * import { z } from 'zod'
 *
 * export const handler = middy()
 *   .use(httpErrors())
 *   .use(httpJsonBodyParser())
 *   .use(
 *     validate({
 *       body: z.object({ email: z.email(), name: z.string().min(1) }),
 *       query: z.object({ notify: z.enum(['yes', 'no']).default('no') }),
 *       response: z.object({ id: z.string(), email: z.email() }),
 *     }),
 *   )
 *   .handler(async (event) => ({
 *     statusCode: 201,
 *     body: JSON.stringify({ id: crypto.randomUUID(), email: event.body.email }),
 *   }))
 * ```
 * @group Validation and errors
 */
export function validate<Schemas extends ValidateSchemas>(schemas: Schemas): MiddlewareObj<ValidatedEvent<Schemas>> {
  assertSchemas(schemas)
  const middleware: MiddlewareObj<ValidatedEvent<Schemas>> = { name: 'validate' }
  const parts = requestParts(schemas)
  if (parts.length === 0 && schemas.response === undefined) {
    throw new TypeError('validate(schemas): give at least one schema')
  }
  if (parts.length > 0) middleware.before = beforeFor(parts)
  if (schemas.response !== undefined) middleware.after = afterFor(schemas.response)
  return middleware
}
