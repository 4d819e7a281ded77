// Type tests for validate() and httpErrors(): checked by `npm run typecheck` (tsc).
// Lines under @ts-expect-error must fail to compile.
import { Logger } from '@aws-lambda-powertools/logger'
import middy from '@middy/core'
import httpJsonBodyParser from '@middy/http-json-body-parser'
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2, SQSEvent } from 'aws-lambda'
import {
  type HttpErrorsOptions,
  httpErrors,
  type ValidatedEvent,
  type ValidatedResponse,
  validate,
} from 'serverless-done-right'
import * as v from 'valibot'
import { z } from 'zod'

const body = z.object({ email: z.email(), age: z.number().int().optional() })
const query = z.object({ limit: z.coerce.number().default(20) })

// An untyped middy(): .use(validate()) alone types the handler's event from the schemas.
export const untyped = middy()
  .use(httpErrors())
  .use(validate({ body, query }))
  .handler(async (event) => {
    const email: string = event.body.email
    const age: number | undefined = event.body.age
    const limit: number = event.queryStringParameters.limit // the output type: coerced, defaulted
    // @ts-expect-error the body schema has no `nope`
    event.body.nope
    // @ts-expect-error the query schema's output is a number, not a string
    const wrong: string = event.queryStringParameters.limit
    return { email, age, limit, wrong }
  })

// The exact chain from the issue: a typed middy<Event, Result>() with validate() on it.
export const typedChain = middy<APIGatewayProxyEventV2, string>()
  .use(validate({ body }))
  .handler(async (event) => event.body.email)

middy<APIGatewayProxyEventV2, string>()
  .use(validate({ body }))
  // @ts-expect-error a field the schema lacks does not compile on the typed chain either
  .handler(async (event) => event.body.phone)

// A chain whose event type is fixed: ValidatedEvent replaces the parts and keeps the rest of the event.
const schemas = { body, path: z.object({ id: z.string() }), headers: z.object({ 'x-api-key': z.string() }) }
type V2Event = ValidatedEvent<typeof schemas, APIGatewayProxyEventV2>
export const v2 = middy<V2Event>()
  .use(httpErrors())
  .use(httpJsonBodyParser())
  .use(validate(schemas))
  .handler(async (event: V2Event) => {
    const method: string = event.requestContext.http.method
    const id: string = event.pathParameters.id
    const key: string = event.headers['x-api-key']
    // @ts-expect-error body is the schema output now, not the raw string
    const raw: string = event.body
    // @ts-expect-error the path schema has no `slug`
    event.pathParameters.slug
    return { statusCode: 200, body: JSON.stringify({ method, id, key, email: event.body.email, raw }) }
  })

type V1Event = ValidatedEvent<{ body: typeof body }, APIGatewayProxyEvent>
declare const v1Event: V1Event
const httpMethod: string = v1Event.httpMethod
const v1Email: string = v1Event.body.email
// @ts-expect-error `rawPath` is a payload 2.0 member
v1Event.rawPath

// A whole-event schema for a non-HTTP event.
const order = z.object({ orderId: z.string(), total: z.number() })
export const direct = middy()
  .use(validate({ event: order }))
  .handler(async (event) => {
    const total: number = event.total
    // @ts-expect-error the event schema has no `customer`
    event.customer
    return total
  })
type Sqs = ValidatedEvent<{ event: typeof order }, SQSEvent>
declare const sqsLike: Sqs
// @ts-expect-error the event schema's output replaces the base event type
sqsLike.Records

// Non-zod Standard Schemas type the event the same way.
export const valibotChain = middy()
  .use(validate({ body: v.object({ name: v.string() }) }))
  .handler(async (event) => {
    const name: string = event.body.name
    // @ts-expect-error the valibot schema has no `email`
    event.body.email
    return name
  })

// The response type a handler must produce.
const withResponse = { response: z.object({ id: z.string() }) }
const ok: ValidatedResponse<typeof withResponse> = { id: 'u1' }
// @ts-expect-error id must be a string
const notOk: ValidatedResponse<typeof withResponse> = { id: 1 }

// Misuse does not compile.
// @ts-expect-error not a Standard Schema
validate({ body: { type: 'object' } })
// @ts-expect-error unknown part name
validate({ querry: query })

// httpErrors takes console or a Powertools Logger.
const powertools: HttpErrorsOptions = { logger: new Logger({ serviceName: 't' }), clientErrorLevel: 'warn' }
const plainConsole: HttpErrorsOptions = { logger: console }
// @ts-expect-error not a log level
httpErrors({ clientErrorLevel: 'trace' })
// @ts-expect-error a logger needs error/warn/info/debug
httpErrors({ logger: { error: () => undefined } })

export { httpMethod, notOk, ok, plainConsole, powertools, v1Email }

// Middy types the wrapped handler's own parameter with the chain's event, here the validated one. The Lambda runtime
// does not look at types; a test that calls the handler with a raw event casts it.
declare const rawV2: APIGatewayProxyEventV2
declare const lambdaContext: import('aws-lambda').Context
export const wrapped = middy()
  .use(validate({ body }))
  .handler(async (event) => event.body.email)
// @ts-expect-error the wrapped handler's parameter is the validated event, not the raw one
wrapped(rawV2, lambdaContext)
