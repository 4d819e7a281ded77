// Property test: arbitrary bodies, headers, query strings, path parameters and content types, thrown at the chain
// of the issue (middy + @middy/http-json-body-parser + validate + httpErrors), run directly (no HTTP).
import middy from '@middy/core'
import httpJsonBodyParser from '@middy/http-json-body-parser'
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda'
import fc from 'fast-check'
import { httpErrors, validate } from 'serverless-done-right'
import { z } from 'zod'
import { lambdaContext } from '../helpers/context.js'
import { fixture } from '../helpers/fixtures.js'
import { asLambda, type HttpResponse, recordingLogger } from './requests.js'

const schemas = {
  body: z.object({
    email: z.email(),
    age: z.number().int().min(0).max(150).optional(),
    tags: z.array(z.string().max(20)).max(5).default([]),
  }),
  query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20), q: z.string().max(50).optional() }),
  path: z.object({ id: z.string().min(1).max(40).optional() }),
  headers: z.object({ 'x-api-key': z.string().min(8).optional() }),
  response: z.object({ email: z.email(), limit: z.number(), tags: z.array(z.string()) }),
}

function chain() {
  const logger = recordingLogger()
  const handler = asLambda(
    middy()
      .use(httpErrors({ logger }))
      .use(httpJsonBodyParser())
      .use(validate(schemas))
      .handler(async (event) => ({
        statusCode: 200,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          email: event.body.email,
          limit: event.queryStringParameters.limit,
          tags: event.body.tags,
        }),
      })),
  )
  return { handler, logger }
}

const pollution = [
  '{"__proto__":{"polluted":1}}',
  '{"constructor":{"prototype":{"polluted":1}}}',
  '{"email":"ada@example.com","__proto__":{"polluted":1}}',
  '{"email":"ada@example.com","constructor":{"prototype":{"polluted":1}},"tags":["a"]}',
  '{"email":"ada@example.com","tags":{"__proto__":{"polluted":1}}}',
  '[{"__proto__":{"polluted":1}}]',
]
const awkwardKeys = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'limit', 'q', 'id']

/** An object built with own data properties only (`__proto__` included), as JSON.parse builds them. */
const record = (keys: fc.Arbitrary<string>, values: fc.Arbitrary<string>) =>
  fc.array(fc.tuple(keys, values), { maxLength: 6 }).map((entries) => Object.fromEntries(entries))

const email = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('ada@example.com', 'x.y+z@test.io') },
  { weight: 1, arbitrary: fc.emailAddress() },
  { weight: 1, arbitrary: fc.string() },
)

const bodyText = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .record(
        {
          email,
          age: fc.oneof(
            { weight: 6, arbitrary: fc.integer({ min: 0, max: 150 }) },
            fc.integer(),
            fc.double(),
            fc.string(),
          ),
          tags: fc.oneof(
            { weight: 6, arbitrary: fc.array(fc.string({ maxLength: 20 }), { maxLength: 5 }) },
            fc.array(fc.string({ maxLength: 25 }), { maxLength: 7 }),
            fc.jsonValue(),
          ),
        },
        { requiredKeys: ['email'] },
      )
      .map((value) => JSON.stringify(value)),
  },
  { weight: 1, arbitrary: fc.jsonValue().map((value) => JSON.stringify(value)) },
  { weight: 1, arbitrary: fc.string() },
  { weight: 1, arbitrary: fc.constantFrom(...pollution) },
)

const jsonContentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/vnd.api+json',
)

const request = fc.record({
  version: fc.constantFrom('1.0', '2.0'),
  body: fc.option(bodyText, { nil: undefined, freq: 8 }),
  encoding: fc.oneof({ weight: 8, arbitrary: fc.constant('plain') }, fc.constantFrom('base64', 'claims base64')),
  contentType: fc.option(
    fc.oneof(
      { weight: 6, arbitrary: jsonContentType },
      { weight: 1, arbitrary: fc.constant('text/plain') },
      fc.string(),
    ),
    { nil: undefined, freq: 8 },
  ),
  headers: record(fc.oneof(fc.constantFrom(...awkwardKeys, 'X-Api-Key', 'x-api-key'), fc.string()), fc.string()),
  query: fc.option(
    record(
      fc.oneof(fc.constantFrom(...awkwardKeys), fc.string()),
      fc.oneof(
        { weight: 3, arbitrary: fc.integer({ min: 1, max: 100 }).map(String) },
        fc.integer().map(String),
        fc.string(),
      ),
    ),
    { nil: undefined },
  ),
  path: fc.option(record(fc.constantFrom(...awkwardKeys), fc.string()), { nil: undefined }),
})

type Request = typeof request extends fc.Arbitrary<infer T> ? T : never

const v1 = fixture<APIGatewayProxyEvent>('apigw-rest-v1')
const v2 = fixture<APIGatewayProxyEventV2>('apigw-http-v2')

function eventOf(input: Request): Record<string, unknown> {
  const event = structuredClone(input.version === '1.0' ? v1 : v2) as unknown as Record<string, unknown>
  // Payload 1.0 sends null for an absent body, query or path; 2.0 leaves them out.
  const absent = input.version === '1.0' ? null : undefined
  const headers: Record<string, string> = { ...(event.headers as Record<string, string>), ...input.headers }
  if (input.contentType !== undefined)
    headers[input.version === '1.0' ? 'Content-Type' : 'content-type'] = input.contentType
  event.headers = headers
  event.queryStringParameters = input.query ?? absent
  event.pathParameters = input.path ?? absent
  event.isBase64Encoded = input.encoding !== 'plain'
  const encoded = input.body !== undefined && input.encoding === 'base64'
  event.body = (encoded ? Buffer.from(input.body as string).toString('base64') : input.body) ?? absent
  return event
}

const prototypeNames = Object.getOwnPropertyNames(Object.prototype).sort()

function prototypeUntouched(): boolean {
  const probe: Record<string, unknown> = {}
  return (
    probe.polluted === undefined &&
    Object.getOwnPropertyNames(Object.prototype).sort().join() === prototypeNames.join() &&
    Object.getPrototypeOf(probe) === Object.prototype
  )
}

describe('validate() + httpErrors() under arbitrary input', () => {
  it('answers every request with a 2xx or a 4xx problem+json, throws nothing, and leaves Object.prototype alone', async () => {
    const chains = { middy7: chain() }
    const outcomes = { success: 0, clientError: 0 }

    await fc.assert(
      fc.asyncProperty(request, async (input) => {
        const { handler } = chains.middy7
        const response = (await handler(eventOf(input), lambdaContext({ requestId: 'fuzz-req' }))) as HttpResponse
        const { statusCode } = response
        if (statusCode >= 200 && statusCode <= 299) {
          outcomes.success++
          const body = JSON.parse(response.body) as { email: unknown; limit: unknown }
          if (typeof body.email !== 'string' || typeof body.limit !== 'number') return false
        } else if (statusCode >= 400 && statusCode <= 499) {
          outcomes.clientError++
          if (response.headers?.['Content-Type'] !== 'application/problem+json') return false
          const problem = JSON.parse(response.body) as Record<string, unknown>
          if (problem.status !== statusCode || typeof problem.title !== 'string') return false
          if (problem.type !== 'about:blank' || problem.instance !== 'fuzz-req') return false
          if (/\n\s+at |node_modules|\/work\/|Unexpected token/.test(response.body)) return false
        } else {
          return false
        }
        return prototypeUntouched()
      }),
      { numRuns: 5000 },
    )

    // The property is only worth something if both answers actually happened, many times.
    expect(outcomes.success).toBeGreaterThan(250)
    expect(outcomes.clientError).toBeGreaterThan(2500)
    expect(prototypeUntouched()).toBe(true)
    // Nothing was logged as a server error.
    expect(
      Object.values(chains).flatMap(({ logger }) => logger.entries.filter((entry) => entry.level === 'error')),
    ).toEqual([])
  })
})
