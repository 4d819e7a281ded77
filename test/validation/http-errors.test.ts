import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb'
import middy, { type MiddlewareObj } from '@middy/core'
import httpCors from '@middy/http-cors'
import httpJsonBodyParser from '@middy/http-json-body-parser'
import type { Context } from 'aws-lambda'
import {
  HttpError,
  httpErrors,
  MemoryPressureError,
  TimeoutApproachingError,
  ValidationError,
  validate,
} from 'serverless-done-right'
import { z } from 'zod'
import { lambdaContext } from '../helpers/context.js'
import { fixture } from '../helpers/fixtures.js'
import { asLambda, type HttpResponse, problemOf, recordingLogger, v1Request, v2Request } from './requests.js'

const memory = { kind: 'rss', ratio: 0.95, rssMb: 122, limitMb: 128, heapUsedMb: 90, heapLimitMb: 115 } as const

/** A handler that throws `error`, behind httpErrors and whatever else the test adds. */
function throwing(error: unknown, logger = recordingLogger(), options: Parameters<typeof httpErrors>[0] = {}) {
  const handler = asLambda(
    middy()
      .use(httpErrors({ logger, ...options }))
      .handler(async () => {
        throw error
      }),
  )
  return { handler, logger }
}

async function answer(error: unknown, event: unknown = v2Request()): Promise<HttpResponse> {
  return (await throwing(error).handler(event, lambdaContext({ requestId: 'req-1' }))) as HttpResponse
}

describe.each([
  ['payload 1.0', v1Request],
  ['payload 2.0', v2Request],
] as const)('httpErrors() on %s', (_version, request) => {
  it('answers an HttpError with its status, fields and headers in the API Gateway result shape', async () => {
    const error = new HttpError(429, {
      detail: 'slow down',
      type: 'https://example.com/problems/rate-limit',
      extensions: { retryInSeconds: 30 },
      headers: { 'Retry-After': '30', 'Content-Type': 'text/plain' },
    })
    const response = await answer(error, request())
    expect(response).toEqual({
      statusCode: 429,
      headers: { 'Retry-After': '30', 'Content-Type': 'application/problem+json' },
      body: expect.any(String),
      isBase64Encoded: false,
    })
    expect(problemOf(response)).toEqual({
      type: 'https://example.com/problems/rate-limit',
      title: 'Too Many Requests',
      status: 429,
      detail: 'slow down',
      instance: 'req-1',
      retryInSeconds: 30,
    })
  })

  it('puts the standard members first and lets no extension replace one', async () => {
    const error = new HttpError(409, {
      detail: 'version 3 expected',
      extensions: { status: 200, title: 'OK', currentVersion: 4 },
    })
    const response = await answer(error, request())
    const problem = problemOf(response)
    expect(Object.keys(problem)).toEqual(['type', 'title', 'status', 'detail', 'instance', 'currentVersion'])
    expect(problem).toMatchObject({ status: 409, title: 'Conflict', currentVersion: 4 })
    expect((response as { statusCode: number }).statusCode).toBe(409)
  })

  it('answers a ValidationError with 400 and errors[] of { pointer, detail }', async () => {
    const error = new ValidationError([
      { pointer: '/body/email', message: 'Invalid email address' },
      { pointer: '/query/limit', message: 'Too big' },
    ])
    expect(problemOf(await answer(error, request()))).toEqual({
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      detail: 'The request failed validation (2 issues).',
      instance: 'req-1',
      errors: [
        { pointer: '/body/email', detail: 'Invalid email address' },
        { pointer: '/query/limit', detail: 'Too big' },
      ],
    })
  })

  it('answers 415 when @middy/http-json-body-parser refuses the content type', async () => {
    const handler = asLambda(
      middy()
        .use(httpErrors({ logger: recordingLogger() }))
        .use(httpJsonBodyParser())
        .use(validate({ body: z.object({ a: z.number() }) }))
        .handler(async () => ({ statusCode: 200, body: '{}' })),
    )
    const response = await handler(
      request({ body: 'a=1', contentType: 'application/x-www-form-urlencoded' }),
      lambdaContext(),
    )
    expect(problemOf(response)).toMatchObject({ status: 415, title: 'Unsupported Media Type' })
    expect(problemOf(response)).not.toHaveProperty('detail') // Middy's message is the title itself
  })

  it('answers 422, not 500, for malformed JSON and for prototype-polluting keys', async () => {
    const handler = middy()
      .use(httpErrors({ logger: recordingLogger() }))
      .use(httpJsonBodyParser())
      .handler(async () => ({ statusCode: 200, body: '{}' }))
    const malformed = await handler(request({ body: '{"email": ' }), lambdaContext())
    expect(problemOf(malformed)).toEqual({
      type: 'about:blank',
      title: 'Unprocessable Entity',
      status: 422,
      detail: 'Invalid or malformed JSON was provided',
      instance: expect.any(String),
    })
    const proto = await handler(request({ body: '{"__proto__": {"polluted": 1}}' }), lambdaContext())
    expect(problemOf(proto)).toMatchObject({ status: 422 })
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})

describe('httpErrors() and an empty body', () => {
  const body = z.object({ email: z.email() })

  it('payload 2.0 without a body: the parser refuses it with 422', async () => {
    const handler = asLambda(
      middy()
        .use(httpErrors({ logger: recordingLogger() }))
        .use(httpJsonBodyParser())
        .use(validate({ body }))
        .handler(async () => 'unreachable'),
    )
    expect(problemOf(await handler(v2Request(), lambdaContext()))).toMatchObject({ status: 422 })
  })

  it('payload 1.0 with body null: the parser yields null and the body schema answers 400 at /body', async () => {
    const handler = asLambda(
      middy()
        .use(httpErrors({ logger: recordingLogger() }))
        .use(httpJsonBodyParser())
        .use(validate({ body }))
        .handler(async () => 'unreachable'),
    )
    expect(problemOf(await handler(v1Request(), lambdaContext())).errors).toEqual([
      { pointer: '/body', detail: expect.any(String) },
    ])
  })
})

describe('httpErrors() never leaks internals', () => {
  const generic = { type: 'about:blank', title: 'Internal Server Error', status: 500, instance: 'req-1' }

  it('answers an unknown error with only the generic title and the request id, and logs it in full', async () => {
    const cause = new Error('ECONNREFUSED 10.0.0.12:5432')
    const error = new Error('ENOENT: no such file, open /var/task/config/secrets.json', { cause })
    const { handler, logger } = throwing(error)
    const response = (await handler(v1Request(), lambdaContext({ requestId: 'req-1' }))) as HttpResponse
    expect(response.statusCode).toBe(500)
    expect(problemOf(response)).toEqual(generic)
    for (const secret of ['ENOENT', '/var/task', 'secrets', 'ECONNREFUSED', 'at ', '.ts']) {
      expect(response.body).not.toContain(secret)
    }
    expect(logger.entries).toEqual([
      {
        level: 'error',
        message: '500 Internal Server Error for request req-1',
        details: [error, { requestId: 'req-1' }],
      },
    ])
    expect(logger.entries[0]?.details[0]).toHaveProperty('cause', cause)
  })

  it('answers an AWS SDK error with the generic 500, whatever its own status', async () => {
    const error = new ConditionalCheckFailedException({
      message: 'The conditional request failed for table users-prod',
      $metadata: { httpStatusCode: 400, requestId: 'SDKREQ' },
    })
    Object.assign(error, { statusCode: 400 }) // even an SDK error that looks like a Middy client error
    const response = await answer(error)
    expect(problemOf(response)).toEqual(generic)
    expect(response.body).not.toMatch(/conditional|users-prod|SDKREQ/i)
  })

  it.each([
    ['a thrown string', 'database password is hunter2'],
    ['null', null],
    ['undefined', undefined],
    ['a 5xx from createError', Object.assign(new Error('upstream db-7 down'), { statusCode: 503, expose: false })],
    ['a 4xx marked expose: false', Object.assign(new Error('user 7 in tenant 9'), { statusCode: 404, expose: false })],
    ['a status outside 4xx', Object.assign(new Error('redirect to /internal'), { statusCode: 302 })],
  ])('answers %s with the generic 500', async (_what, error) => {
    const response = await answer(error)
    expect(problemOf(response)).toEqual(generic)
  })

  it('falls back to the generic 500 when reading the error itself throws', async () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('trap at /var/task/x.js')
        },
      },
    )
    const response = await answer(hostile)
    expect(problemOf(response)).toEqual(generic)
  })

  it('keeps the status of a Middy-style client error, with its message only when exposed', async () => {
    const exposed = Object.assign(new Error('Order o1 is already paid'), { statusCode: 409, expose: true })
    expect(problemOf(await answer(exposed))).toMatchObject({
      status: 409,
      title: 'Conflict',
      detail: 'Order o1 is already paid',
    })
    const unmarked = Object.assign(new Error('lookup of row 12 in /srv/db failed'), { status: 404 })
    expect(problemOf(await answer(unmarked))).toEqual({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      instance: 'req-1',
    })
  })

  it('answers budget errors with 504 and 503 and fixed texts, also when they are the direct cause', async () => {
    const timeout = new TimeoutApproachingError({ phase: 'soft', remainingMs: 812 })
    expect(problemOf(await answer(timeout))).toEqual({
      type: 'about:blank',
      title: 'Gateway Timeout',
      status: 504,
      detail: 'The request could not be completed in time.',
      instance: 'req-1',
    })
    const pressure = new MemoryPressureError(memory)
    expect(problemOf(await answer(pressure))).toMatchObject({ status: 503, title: 'Service Unavailable' })
    const aborted = new Error('This operation was aborted', { cause: timeout })
    const response = await answer(aborted)
    expect(problemOf(response)).toMatchObject({ status: 504 })
    expect(response.body).not.toContain('812')
  })
})

describe('httpErrors() in a chain', () => {
  it('keeps headers CORS adds to the problem response', async () => {
    const handler = asLambda(
      middy()
        .use(httpCors({ origins: ['https://app.example.com'] }))
        .use(httpErrors({ logger: recordingLogger() }))
        .handler(async () => {
          throw new HttpError(404)
        }),
    )
    const response = (await handler(
      v2Request({ headers: { Origin: 'https://app.example.com' } }),
      lambdaContext(),
    )) as HttpResponse
    expect(response.statusCode).toBe(404)
    expect(response.headers).toMatchObject({
      'Access-Control-Allow-Origin': 'https://app.example.com',
      'Content-Type': 'application/problem+json',
    })
  })

  it('keeps headers an earlier onError set, and leaves a response an earlier onError completed', async () => {
    const startsResponse: MiddlewareObj = {
      onError(request) {
        request.response = { headers: { 'X-Trace-Id': 't-1', 'content-type': 'text/html' } }
      },
    }
    const started = middy()
      .use(httpErrors({ logger: recordingLogger() }))
      .use(startsResponse)
      .handler(async () => {
        throw new HttpError(403)
      })
    const response = (await started(v1Request(), lambdaContext())) as HttpResponse
    expect(response.headers).toEqual({ 'X-Trace-Id': 't-1', 'Content-Type': 'application/problem+json' })

    const completed = { statusCode: 503, body: 'fallback' }
    const answers: MiddlewareObj = {
      onError(request) {
        request.response = completed
      },
    }
    const logger = recordingLogger()
    const done = middy()
      .use(httpErrors({ logger }))
      .use(answers)
      .handler(async () => {
        throw new Error('x')
      })
    expect(await done(v1Request(), lambdaContext())).toBe(completed)
    expect(logger.entries).toEqual([])
  })

  it('leaves errors of non-HTTP events alone, so the invocation fails and the batch is retried', async () => {
    const error = new HttpError(400)
    const { handler, logger } = throwing(error)
    await expect(handler(fixture('kinesis-stream'), lambdaContext())).rejects.toBe(error)
    expect(logger.entries).toEqual([])
  })

  it('logs 4xx at the chosen level and 5xx at error', async () => {
    const info = throwing(new HttpError(404))
    await info.handler(v2Request(), lambdaContext({ requestId: 'r-4' }))
    expect(info.logger.entries).toEqual([
      {
        level: 'info',
        message: '404 Not Found for request r-4',
        details: [
          { problem: { type: 'about:blank', title: 'Not Found', status: 404, instance: 'r-4' }, requestId: 'r-4' },
        ],
      },
    ])
    const warn = throwing(new HttpError(409), recordingLogger(), { clientErrorLevel: 'warn' })
    await warn.handler(v2Request(), lambdaContext())
    expect(warn.logger.entries[0]?.level).toBe('warn')
    const off = throwing(new HttpError(409), recordingLogger(), { clientErrorLevel: 'off' })
    await off.handler(v2Request(), lambdaContext())
    expect(off.logger.entries).toEqual([])
    const server = throwing(new HttpError(502), recordingLogger(), { clientErrorLevel: 'off' })
    await server.handler(v2Request(), lambdaContext())
    expect(server.logger.entries[0]?.level).toBe('error')
    const thrownString = throwing('plain string')
    await thrownString.handler(v2Request(), lambdaContext())
    expect(thrownString.logger.entries[0]?.details[0]).toEqual({ thrown: 'plain string' })
  })

  it('takes the request id from API Gateway when the context has none', async () => {
    const { handler } = throwing(new HttpError(400))
    const response = await handler(v2Request(), {} as Context)
    expect(problemOf(response).instance).toBe('ZhNHJhhLjoEEPiw=')
  })
})
