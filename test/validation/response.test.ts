import middy from '@middy/core'
import httpJsonBodyParser from '@middy/http-json-body-parser'
import { type } from 'arktype'
import { httpErrors, ResponseValidationError, validate } from 'serverless-done-right'
import { z } from 'zod'
import { lambdaContext } from '../helpers/context.js'
import { fixture } from '../helpers/fixtures.js'
import { asLambda, type HttpResponse, problemOf, recordingLogger, v1Request, v2Request } from './requests.js'

const user = z.object({ id: z.string(), email: z.email() })

/** The chain of the issue with a response schema; the handler returns whatever the test gives it. */
function chain(result: unknown, response: Parameters<typeof validate>[0]['response'] = user) {
  const logger = recordingLogger()
  const handler = asLambda(
    middy()
      .use(httpErrors({ logger }))
      .use(httpJsonBodyParser())
      .use(validate({ body: z.object({}).loose(), response }))
      .handler(async () => result),
  )
  return { handler, logger }
}

describe.each([
  ['payload 1.0', v1Request],
  ['payload 2.0', v2Request],
] as const)('response validation on %s', (_version, request) => {
  it('sends a valid JSON body as the handler wrote it', async () => {
    const body = JSON.stringify({ id: 'u1', email: 'ada@example.com' })
    const result = { statusCode: 200, headers: { 'Content-Type': 'application/json' }, body }
    const { handler } = chain(result)
    const response = await handler(request({ body: {} }), lambdaContext())
    expect(response).toEqual(result)
  })

  it('answers a mismatch with a generic 500, logs it, and never sends the invalid data', async () => {
    const leaked = { id: 'u1', email: 'not-an-email', passwordHash: '$argon2id$secret' }
    const { handler, logger } = chain({ statusCode: 200, body: JSON.stringify(leaked) })
    const response = (await handler(request({ body: {} }), lambdaContext({ requestId: 'req-bug' }))) as HttpResponse
    expect(response.statusCode).toBe(500)
    expect(problemOf(response)).toEqual({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      instance: 'req-bug',
    })
    expect(response.body).not.toContain('argon2id')
    expect(response.body).not.toContain('not-an-email')
    expect(logger.entries).toHaveLength(1)
    const [entry] = logger.entries
    expect(entry?.level).toBe('error')
    expect(entry?.message).toBe('500 Internal Server Error for request req-bug')
    expect(entry?.details[0]).toBeInstanceOf(ResponseValidationError)
    expect(entry?.details[0]).toMatchObject({
      issues: [{ pointer: '/response/email', message: 'Invalid email address' }],
    })
  })
})

describe('response validation', () => {
  it('sends the schema output: keys the schema strips are never sent', async () => {
    const result = {
      statusCode: 200,
      headers: { 'Content-Type': 'application/json', 'Content-Length': '999' },
      body: JSON.stringify({ id: 'u1', email: 'ada@example.com', passwordHash: 'secret' }),
    }
    const frozen = structuredClone(result)
    const { handler } = chain(result)
    const response = (await handler(v2Request({ body: {} }), lambdaContext())) as HttpResponse
    expect(JSON.parse(response.body)).toEqual({ id: 'u1', email: 'ada@example.com' })
    // the stale length of the handler's bytes goes with them
    expect(response.headers).toEqual({ 'Content-Type': 'application/json' })
    expect(result).toEqual(frozen) // the handler's object is not modified
  })

  it('keeps the handler’s bytes when the schema returns its input unchanged (arktype keeps identity)', async () => {
    const body = '{ "id": "u1",   "email": "ada@example.com" }' // odd spacing survives only without re-serialising
    const schema = type({ id: 'string', email: 'string.email' })
    const { handler } = chain({ statusCode: 200, body }, schema)
    expect(((await handler(v1Request({ body: {} }), lambdaContext())) as HttpResponse).body).toBe(body)
  })

  it('checks an object body left for a later serializer, and a payload 2.0 result without statusCode', async () => {
    const objectBody = chain({ statusCode: 201, body: { id: 'u1', email: 'ada@example.com', extra: 1 } })
    expect(await objectBody.handler(v2Request({ body: {} }), lambdaContext())).toEqual({
      statusCode: 201,
      body: { id: 'u1', email: 'ada@example.com' },
    })
    const bare = chain({ id: 'u1', email: 'ada@example.com', extra: 1 })
    expect(await bare.handler(v2Request({ body: {} }), lambdaContext())).toEqual({ id: 'u1', email: 'ada@example.com' })
    const bareInvalid = chain({ id: 7 })
    expect(await bareInvalid.handler(v2Request({ body: {} }), lambdaContext())).toMatchObject({ statusCode: 500 })
  })

  it('decodes and re-encodes a base64 JSON body', async () => {
    const text = JSON.stringify({ id: 'u1', email: 'ada@example.com', extra: true })
    const { handler } = chain({ statusCode: 200, isBase64Encoded: true, body: Buffer.from(text).toString('base64') })
    const response = (await handler(v2Request({ body: {} }), lambdaContext())) as HttpResponse
    expect(response.isBase64Encoded).toBe(true)
    expect(JSON.parse(Buffer.from(response.body, 'base64').toString('utf8'))).toEqual({
      id: 'u1',
      email: 'ada@example.com',
    })
  })

  it('answers a 2xx body that is not JSON with a 500', async () => {
    const { handler, logger } = chain({ statusCode: 200, body: '<html>stack trace at /var/task/index.js</html>' })
    const response = (await handler(v1Request({ body: {} }), lambdaContext())) as HttpResponse
    expect(response.statusCode).toBe(500)
    expect(response.body).not.toContain('/var/task')
    expect(logger.entries[0]?.details[0]).toMatchObject({
      issues: [{ pointer: '/response', message: 'Response body is not valid JSON' }],
    })
  })

  it('leaves error responses and 204 unchecked', async () => {
    const notFound = { statusCode: 404, body: JSON.stringify({ message: 'no such user' }) }
    expect(await chain(notFound).handler(v2Request({ body: {} }), lambdaContext())).toEqual(notFound)
    const noContent = { statusCode: 204, body: '' }
    expect(await chain(noContent).handler(v2Request({ body: {} }), lambdaContext())).toEqual(noContent)
  })

  it('awaits an async response schema', async () => {
    const asyncUser = user.refine(async (value) => value.id.startsWith('u'), { message: 'bad id', path: ['id'] })
    const good = chain({ statusCode: 200, body: JSON.stringify({ id: 'u1', email: 'a@b.co' }) }, asyncUser)
    expect(await good.handler(v2Request({ body: {} }), lambdaContext())).toMatchObject({ statusCode: 200 })
    const bad = chain({ statusCode: 200, body: JSON.stringify({ id: 'x1', email: 'a@b.co' }) }, asyncUser)
    expect(await bad.handler(v2Request({ body: {} }), lambdaContext())).toMatchObject({ statusCode: 500 })
    expect(bad.logger.entries[0]?.details[0]).toMatchObject({
      issues: [{ pointer: '/response/id', message: 'bad id' }],
    })
  })

  it('checks the result of a non-HTTP handler and throws, with no HTTP answer to give', async () => {
    const handler = asLambda(
      middy()
        .use(httpErrors({ logger: recordingLogger() }))
        .use(validate({ response: z.object({ batchItemFailures: z.array(z.object({ itemIdentifier: z.string() })) }) }))
        .handler(async () => ({ batchItemFailures: [{ itemIdentifier: 42 }] })),
    )
    await expect(handler(fixture('sqs'), lambdaContext())).rejects.toBeInstanceOf(ResponseValidationError)
  })
})
