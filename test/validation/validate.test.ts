import middy from '@middy/core'
import httpJsonBodyParser from '@middy/http-json-body-parser'
import type { StandardSchemaV1 } from '@standard-schema/spec'
import { type } from 'arktype'
import { httpErrors, ValidationError, validate } from 'serverless-done-right'
import * as v from 'valibot'
import { z } from 'zod'
import { lambdaContext } from '../helpers/context.js'
import { fixture } from '../helpers/fixtures.js'
import { asLambda, problemOf, recordingLogger, v1Request, v2Request } from './requests.js'

const body = z.object({ email: z.email(), tags: z.array(z.string()).max(3).default([]) })
const query = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) })
const path = z.object({ id: z.string().regex(/^u\d+$/) })
const headers = z.object({ 'x-api-key': z.string().min(8) })

/** The chain of the issue: body parser, validate, httpErrors; the handler echoes what it was given. */
function chain(schemas: Parameters<typeof validate>[0], logger = recordingLogger()) {
  const seen: unknown[] = []
  const handler = asLambda(
    middy()
      .use(httpErrors({ logger }))
      .use(httpJsonBodyParser())
      .use(validate(schemas))
      .handler(async (event: unknown) => {
        seen.push(event)
        return { statusCode: 200, body: JSON.stringify(event) }
      }),
  )
  return { handler, seen, logger }
}

const validParts = {
  body: { email: 'ada@example.com' },
  query: { limit: '5' },
  path: { id: 'u42' },
  headers: { 'X-Api-Key': 'secret-key-1' },
}

describe.each([
  ['payload 1.0', v1Request],
  ['payload 2.0', v2Request],
] as const)('validate() on %s', (_version, request) => {
  it('hands the handler the validated parts, transforms and defaults applied', async () => {
    const { handler, seen } = chain({ body, query, path, headers })
    const response = await handler(request(validParts), lambdaContext())
    expect(response).toMatchObject({ statusCode: 200 })
    const event = seen[0] as Record<string, Record<string, unknown>>
    expect(event.body).toEqual({ email: 'ada@example.com', tags: [] })
    expect(event.queryStringParameters).toEqual({ limit: 5 })
    expect(event.pathParameters).toEqual({ id: 'u42' })
    expect(event.headers?.['x-api-key']).toBe('secret-key-1')
    // headers the schema does not name stay readable, lower-cased
    expect(event.headers?.['user-agent']).toBe('HTTPie/3.2.2')
    expect(event.requestContext).toBeDefined()
  })

  it('gives absent query and path parameters to their schemas as {}', async () => {
    const { handler, seen } = chain({ query })
    await handler(request({ body: {} }), lambdaContext())
    expect((seen[0] as { queryStringParameters: unknown }).queryStringParameters).toEqual({ limit: 20 })
  })

  it.each([
    ['body', { body: { email: 'not-an-email' } }, '/body/email'],
    ['query', { query: { limit: '1000' } }, '/query/limit'],
    ['path', { path: { id: 'admin' } }, '/path/id'],
    ['headers', { headers: { 'X-Api-Key': 'short' } }, '/headers/x-api-key'],
  ])('answers an invalid %s with 400 and a pointer to it', async (_part, override, pointer) => {
    const { handler, seen } = chain({ body, query, path, headers })
    const response = await handler(request({ ...validParts, ...override }), lambdaContext({ requestId: 'req-400' }))
    expect(response).toMatchObject({ statusCode: 400 })
    const problem = problemOf(response)
    expect(problem).toMatchObject({ type: 'about:blank', title: 'Bad Request', status: 400, instance: 'req-400' })
    expect(problem.errors).toEqual([{ pointer, detail: expect.any(String) }])
    expect(seen).toHaveLength(0)
  })

  it('reports every issue of every invalid part at once', async () => {
    const { handler } = chain({ body, query, path, headers })
    const event = request({
      body: { email: 42, tags: ['a', 'b', 'c', 'd'] },
      query: { limit: 'many' },
      path: { id: 'x' },
      headers: {},
    })
    const problem = problemOf(await handler(event, lambdaContext()))
    const pointers = (problem.errors as Array<{ pointer: string }>).map((issue) => issue.pointer).sort()
    expect(pointers).toEqual(['/body/email', '/body/tags', '/headers/x-api-key', '/path/id', '/query/limit'])
    expect(problem.detail).toBe('The request failed validation (5 issues).')
  })
})

describe('validate() with other schemas', () => {
  it('awaits async schemas and reports their issues alongside sync ones', async () => {
    const taken = new Set(['taken@example.com'])
    const asyncBody = z.object({ email: z.email() }).refine(
      async (value) => {
        await new Promise((resolve) => setImmediate(resolve))
        return !taken.has(value.email)
      },
      { message: 'Email already registered', path: ['email'] },
    )
    const { handler, seen } = chain({ body: asyncBody, query })
    const free = await handler(v2Request({ body: { email: 'new@example.com' } }), lambdaContext())
    expect(free).toMatchObject({ statusCode: 200 })
    expect((seen[0] as { body: unknown }).body).toEqual({ email: 'new@example.com' })

    const clash = await handler(
      v2Request({ body: { email: 'taken@example.com' }, query: { limit: '0' } }),
      lambdaContext(),
    )
    expect(problemOf(clash).errors).toEqual([
      { pointer: '/body/email', detail: 'Email already registered' },
      { pointer: '/query/limit', detail: expect.any(String) },
    ])
  })

  it('takes valibot and arktype schemas', async () => {
    const { handler, seen } = chain({
      body: v.object({ email: v.pipe(v.string(), v.email()) }),
      query: type({ 'limit?': 'string.numeric.parse' }),
    })
    expect(
      await handler(v1Request({ body: { email: 'a@b.co' }, query: { limit: '7' } }), lambdaContext()),
    ).toMatchObject({
      statusCode: 200,
    })
    expect(seen[0]).toMatchObject({ body: { email: 'a@b.co' }, queryStringParameters: { limit: 7 } })

    const problem = problemOf(
      await handler(v1Request({ body: { email: 'nope' }, query: { limit: 'x' } }), lambdaContext()),
    )
    expect((problem.errors as Array<{ pointer: string }>).map((issue) => issue.pointer)).toEqual([
      '/body/email',
      '/query/limit',
    ])
  })

  it('takes a hand-written Standard Schema and escapes pointer tokens (RFC 6901)', async () => {
    const handWritten: StandardSchemaV1<unknown, { ok: true }> = {
      '~standard': {
        version: 1,
        vendor: 'hand-written',
        validate: (value) =>
          value !== null && typeof value === 'object' && 'ok' in value
            ? { value: { ok: true } }
            : { issues: [{ message: 'needs ok', path: [{ key: 'a/b' }, 'c~d', 0] }] },
      },
    }
    const { handler } = chain({ body: handWritten })
    expect(await handler(v2Request({ body: { ok: 1 } }), lambdaContext())).toMatchObject({ statusCode: 200 })
    const problem = problemOf(await handler(v2Request({ body: {} }), lambdaContext()))
    expect(problem.errors).toEqual([{ pointer: '/body/a~1b/c~0d/0', detail: 'needs ok' }])
  })

  it('validates a whole non-HTTP event and throws a ValidationError for the runtime to report', async () => {
    const record = z.object({ Records: z.array(z.object({ messageId: z.string(), body: z.string().min(100) })) })
    const handler = asLambda(
      middy()
        .use(httpErrors({ logger: recordingLogger() }))
        .use(validate({ event: record }))
        .handler(async (event) => event.Records.length),
    )
    const failure = handler(fixture('sqs'), lambdaContext())
    await expect(failure).rejects.toBeInstanceOf(ValidationError)
    await expect(failure).rejects.toMatchObject({
      issues: expect.arrayContaining([{ pointer: '/event/Records/0/body', message: expect.any(String) }]),
    })
    const lenient = middy()
      .use(validate({ event: z.object({ Records: z.array(z.object({ messageId: z.string() })) }) }))
      .handler(async (event) => event.Records.map((item) => item.messageId))
    expect(await lenient(fixture('sqs'), lambdaContext())).toHaveLength(2)
  })
})

describe('validate() and the caller’s objects', () => {
  it('does not write to the incoming event or its parts', async () => {
    const event = v1Request({ query: { limit: '5' }, path: { id: 'u1' }, headers: { 'X-Api-Key': 'secret-key-1' } })
    const snapshot = structuredClone(event)
    let seen: unknown
    const handler = asLambda(
      middy()
        .use(validate({ query, path, headers }))
        .handler(async (validated: unknown) => {
          seen = validated
          return 'ok'
        }),
    )
    await handler(event, lambdaContext())
    expect(event).toEqual(snapshot)
    expect(seen).not.toBe(event)
    expect(seen).toMatchObject({ queryStringParameters: { limit: 5 }, httpMethod: 'POST' })
  })

  it('matches headers case-insensitively and joins names that differ only in case', async () => {
    const event = v1Request({ headers: { 'X-Api-Key': 'first-value', 'x-api-key': 'second-value' } })
    let seen: { headers: Record<string, string> } | undefined
    const handler = asLambda(
      middy()
        .use(validate({ headers: z.object({ 'x-api-key': z.string() }) }))
        .handler(async (validated) => {
          seen = validated as { headers: Record<string, string> }
        }),
    )
    await handler(event, lambdaContext())
    expect(seen?.headers['x-api-key']).toBe('first-value,second-value')
  })

  it('refuses bad schema maps when it is created, not per request', () => {
    expect(() => validate({})).toThrow(/at least one schema/)
    expect(() => validate({ querry: query } as never)).toThrow(/unknown option querry; did you mean query\?/)
    expect(() => validate({ body: { type: 'object' } } as never)).toThrow(/body must be a Standard Schema/)
    expect(() => validate(null as never)).toThrow(TypeError)
  })
})
