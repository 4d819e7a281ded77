/**
 * The schema map `validate()` takes, and the event type a handler sees after it.
 *
 * @module
 */
import type { StandardSchemaV1 } from '@standard-schema/spec'

/**
 * The schemas given to `validate()`. Each is any Standard Schema (zod 4, valibot, arktype, …), sync or async.
 * Give only the parts your handler reads.
 * @group Validation and errors
 */
export interface ValidateSchemas {
  /** The whole event, for events that are not HTTP requests (SQS, EventBridge, a direct invoke). Pointer prefix `/event`. */
  readonly event?: StandardSchemaV1
  /** The request body after `@middy/http-json-body-parser` parsed it. Pointer prefix `/body`. */
  readonly body?: StandardSchemaV1
  /** `queryStringParameters`; `{}` when the request has none. Pointer prefix `/query`. */
  readonly query?: StandardSchemaV1
  /** `pathParameters`; `{}` when the route has none. Pointer prefix `/path`. */
  readonly path?: StandardSchemaV1
  /** The headers with lower-case names (write the schema's keys in lower case). Pointer prefix `/headers`. */
  readonly headers?: StandardSchemaV1
  /**
   * The handler's result: the parsed JSON body of a 2xx HTTP response (204 excepted), or the whole result of any
   * other handler. A mismatch is a server bug: it becomes a `ResponseValidationError` (a 500 through `httpErrors()`).
   * Pointer prefix `/response`.
   */
  readonly response?: StandardSchemaV1
}

/**
 * The event a handler receives after `validate(schemas)`: `Base` (or the `event` schema's output) with `body`,
 * `queryStringParameters`, `pathParameters` and `headers` replaced by the outputs of their schemas.
 *
 * Use it to type a chain whose event type is already fixed, such as `middy<ValidatedEvent<typeof schemas,
 * APIGatewayProxyEventV2>>()`. On an untyped `middy()`, `.use(validate(schemas))` gives the handler this type
 * with `Base = unknown` by itself.
 *
 * @typeParam Schemas - the schema map given to `validate()` (`typeof schemas`)
 * @typeParam Base - the raw event type, such as `APIGatewayProxyEventV2`; `unknown` keeps only the validated parts
 *
 * @example
 * ```ts
 * import middy from '@middy/core'
 * import httpJsonBodyParser from '@middy/http-json-body-parser'
 * import type { APIGatewayProxyEventV2 } from 'aws-lambda'
 * import { httpErrors, type ValidatedEvent, validate } from 'serverless-done-right'
 * import { z } from 'zod'
 *
 * const schemas = { body: z.object({ email: z.email() }), path: z.object({ id: z.string() }) }
 * type Event = ValidatedEvent<typeof schemas, APIGatewayProxyEventV2>
 *
 * export const handler = middy<Event>()
 *   .use(httpErrors())
 *   .use(httpJsonBodyParser())
 *   .use(validate(schemas))
 *   .handler(async (event: Event) => ({
 *     statusCode: 200,
 *     body: JSON.stringify({ id: event.pathParameters.id, email: event.body.email, via: event.rawPath }),
 *   }))
 * ```
 * @group Validation and errors
 */
export type ValidatedEvent<Schemas extends ValidateSchemas, Base = unknown> =
  // The target: the `event` schema's output, else `Base`.
  (
    Schemas['event'] extends StandardSchemaV1
      ? StandardSchemaV1.InferOutput<Schemas['event']>
      : Base
  ) extends infer Target
    ? // The parts, under the event's own member names.
      {
        -readonly [Part in keyof Schemas as Part extends 'body'
          ? 'body'
          : Part extends 'query'
            ? 'queryStringParameters'
            : Part extends 'path'
              ? 'pathParameters'
              : Part extends 'headers'
                ? 'headers'
                : never]-?: NonNullable<Schemas[Part]> extends infer Schema extends StandardSchemaV1
          ? StandardSchemaV1.InferOutput<Schema>
          : never
      } extends infer Parts
      ? unknown extends Target
        ? Parts
        : // Each member of a union `Base` gets its parts replaced (not intersected); the mapping flattens the result.
          Target extends unknown
          ? Omit<Target, keyof Parts> & Parts extends infer Merged
            ? { [Member in keyof Merged]: Merged[Member] }
            : never
          : never
      : never
    : never

/**
 * The type a handler must return under `validate(schemas)` with a `response` schema: the schema's input type
 * (for an HTTP handler, the JSON body it serialises).
 *
 * @typeParam Schemas - the schema map given to `validate()` (`typeof schemas`)
 *
 * @example
 * ```ts
 * import type { ValidatedResponse } from 'serverless-done-right'
 * import { z } from 'zod'
 *
 * const schemas = { response: z.object({ id: z.string() }) }
 * const body: ValidatedResponse<typeof schemas> = { id: 'u1' }
 * console.log(JSON.stringify(body))
 * ```
 * @group Validation and errors
 */
export type ValidatedResponse<Schemas extends ValidateSchemas> = Schemas['response'] extends StandardSchemaV1
  ? StandardSchemaV1.InferInput<Schemas['response']>
  : unknown
