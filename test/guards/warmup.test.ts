import { performance } from 'node:perf_hooks'
import { Logger } from '@aws-lambda-powertools/logger'
import { jest } from '@jest/globals'
import middy, { type MiddlewareObj } from '@middy/core'
import type { Context } from 'aws-lambda'
import { type WarmerPayload, type WarmupOptions, warmup } from 'serverless-done-right'
import { lambdaContext } from '../helpers/context.js'
import { fixture } from '../helpers/fixtures.js'
import { recordingLogger } from './helpers.js'

const realWork = [
  'apigw-http-v2',
  'apigw-rest-v1',
  'dynamodb-stream',
  'kinesis-stream',
  'sqs',
  'eventbridge-ec2',
  'eventbridge-scheduled',
]

/** A real chain: warmup first, then a middleware and a handler that record whether they ran. */
function chain(options?: WarmupOptions) {
  const ran: string[] = []
  const later: MiddlewareObj = {
    before: () => {
      ran.push('later.before')
    },
    after: () => {
      ran.push('later.after')
    },
  }
  const handler = middy()
    .use(warmup({ logger: false, ...options })) // no default JSON log lines in the test output
    .use(later)
    .handler(async () => {
      ran.push('handler')
      return { real: true }
    })
  return { handler, ran }
}

describe('warmup(): recognising pings', () => {
  it.each(['warmer-serverless-plugin', 'warmer-lambda-warmer'])(
    'answers the %s fixture without running any later middleware or the handler',
    async (name) => {
      const { handler, ran } = chain({ delayMs: 0 })
      const response = await handler(fixture(name), lambdaContext())
      expect(response).toEqual({ warmup: true, coldStart: true, invocation: 1 })
      expect(ran).toEqual([])
    },
  )

  it.each(realWork)('treats the %s fixture as real work by default', async (name) => {
    const { handler, ran } = chain()
    expect(await handler(fixture(name), lambdaContext())).toEqual({ real: true })
    expect(ran).toEqual(['later.before', 'handler', 'later.after'])
  })

  it.each([
    ['the rule name', 'warm-up-every-5-minutes'],
    ['the rule ARN', 'arn:aws:events:us-east-1:123456789012:rule/warm-up-every-5-minutes'],
    ['a RegExp', /rule\/warm-up-/],
  ])('answers the scheduled event when scheduleRule is %s, and still runs the EC2 event', async (_, rule) => {
    const { handler, ran } = chain({ scheduleRule: rule })
    expect(await handler(fixture('eventbridge-scheduled'), lambdaContext())).toMatchObject({ warmup: true })
    expect(ran).toEqual([])
    expect(await handler(fixture('eventbridge-ec2'), lambdaContext())).toEqual({ real: true })
    expect(ran).toEqual(['later.before', 'handler', 'later.after'])
  })

  it('runs a scheduled event from another rule', async () => {
    const { handler, ran } = chain({ scheduleRule: 'nightly-report' })
    expect(await handler(fixture('eventbridge-scheduled'), lambdaContext())).toEqual({ real: true })
    expect(ran).toContain('handler')
  })

  it('answers the same every time with a global RegExp (no lastIndex carried between calls)', async () => {
    const { handler } = chain({ scheduleRule: /warm-up/g })
    for (let i = 0; i < 3; i++) {
      expect(await handler(fixture('eventbridge-scheduled'), lambdaContext())).toMatchObject({ warmup: true })
    }
  })

  it("recognises serverless-plugin-warmup's payload in the ClientContext", async () => {
    const { handler, ran } = chain()
    const context: Context = {
      ...lambdaContext(),
      clientContext: { custom: { source: 'serverless-plugin-warmup' } } as unknown as Context['clientContext'],
    }
    expect(await handler({}, context)).toMatchObject({ warmup: true })
    expect(ran).toEqual([])
  })

  it('lets isWarmup replace the default test', async () => {
    const { handler, ran } = chain({ isWarmup: (event) => (event as { ping?: unknown }).ping === 'yes' })
    expect(await handler({ ping: 'yes' }, lambdaContext())).toMatchObject({ warmup: true })
    expect(ran).toEqual([])
    expect(await handler(fixture('warmer-lambda-warmer'), lambdaContext())).toEqual({ real: true })
  })

  it.each([null, 'warmer', 42, [], { warmer: 'yes' }, { source: 'aws.events' }])(
    'runs the handler for a non-ping event %p without crashing',
    async (event) => {
      const { handler, ran } = chain({ scheduleRule: 'warm-up-every-5-minutes' })
      expect(await handler(event, lambdaContext())).toEqual({ real: true })
      expect(ran).toContain('handler')
    },
  )
})

describe('warmup(): answers', () => {
  it('reports coldStart only on the first invocation this instance sees, and counts invocations', async () => {
    const { handler } = chain()
    expect(await handler(fixture('apigw-http-v2'), lambdaContext())).toEqual({ real: true })
    expect(await handler(fixture('warmer-serverless-plugin'), lambdaContext())).toEqual({
      warmup: true,
      coldStart: false,
      invocation: 2,
    })
    const other = chain()
    expect(await other.handler(fixture('warmer-serverless-plugin'), lambdaContext())).toMatchObject({
      coldStart: true,
    })
  })

  it('returns options.response, a value or built from the ping', async () => {
    expect(await chain({ response: 'warm' }).handler(fixture('warmer-serverless-plugin'), lambdaContext())).toBe('warm')
    const built = chain({
      response: (ping: { source: string; coldStart: boolean }) => `${ping.source}:${ping.coldStart}`,
    })
    expect(await built.handler(fixture('warmer-serverless-plugin'), lambdaContext())).toBe(
      'serverless-plugin-warmup:true',
    )
  })

  it('ends the chain even when the response is undefined', async () => {
    const { handler, ran } = chain({ response: () => undefined })
    expect(await handler(fixture('warmer-serverless-plugin'), lambdaContext())).toBeUndefined()
    expect(ran).toEqual([])
  })

  it('logs one structured line per ping and nothing for real work', async () => {
    const logger = recordingLogger()
    const { handler } = chain({ logger })
    await handler(fixture('apigw-rest-v1'), lambdaContext())
    const context = lambdaContext({ requestId: 'ping-1' })
    await handler(fixture('warmer-serverless-plugin'), context)
    expect(logger.lines).toEqual([
      {
        level: 'info',
        message: 'Warm-up ping',
        fields: expect.objectContaining({
          source: 'serverless-plugin-warmup',
          coldStart: false,
          invocation: 2,
          requestId: 'ping-1',
          copies: 'none',
        }),
      },
    ])
  })

  it('accepts a Powertools Logger', async () => {
    const logger = new Logger({ serviceName: 'warmup-test', logLevel: 'SILENT' })
    const { handler } = chain({ logger })
    expect(await handler(fixture('warmer-serverless-plugin'), lambdaContext())).toMatchObject({ warmup: true })
  })

  it('rejects bad options at creation', () => {
    expect(() => warmup({ delayMs: -1 })).toThrow(RangeError)
    expect(() => warmup({ maxConcurrency: 0 })).toThrow(RangeError)
    expect(() => warmup({ scheduleRule: '' })).toThrow(TypeError)
    expect(() => warmup({ scheduleRule: 42 as unknown as string })).toThrow(TypeError)
    expect(() => warmup({ invoke: 'no' as unknown as NonNullable<WarmupOptions['invoke']> })).toThrow(TypeError)
    expect(() => warmup({ logger: {} as unknown as NonNullable<WarmupOptions['logger']> })).toThrow(TypeError)
  })
})

describe('warmup(): lambda-warmer concurrency', () => {
  it('invokes copies 2..N with the lambda-warmer payload, waits for all, and stays busy delayMs', async () => {
    const invoke = jest.fn(async (_payload: WarmerPayload, _index: number) => 'ok')
    const logger = recordingLogger()
    const { handler, ran } = chain({ invoke, logger, delayMs: 40 })
    const started = performance.now()
    const response = await handler(fixture('warmer-lambda-warmer'), lambdaContext({ requestId: 'leader-1' }))
    const busyMs = performance.now() - started
    expect(response).toEqual({ warmup: true, coldStart: true, invocation: 1 })
    expect(ran).toEqual([])
    expect(invoke.mock.calls).toEqual([
      [{ warmer: true, __WARMER_INVOCATION__: 2, __WARMER_CONCURRENCY__: 3, __WARMER_CORRELATIONID__: 'leader-1' }, 2],
      [{ warmer: true, __WARMER_INVOCATION__: 3, __WARMER_CONCURRENCY__: 3, __WARMER_CORRELATIONID__: 'leader-1' }, 3],
    ])
    expect(busyMs).toBeGreaterThanOrEqual(39) // a lower bound only: the leader stays busy
    expect(logger.lines).toHaveLength(1)
    expect(logger.lines[0]?.fields).toMatchObject({ copies: 'invoked', invoked: 2, failed: 0, concurrency: 3 })
  })

  it('waits for slow copies before answering', async () => {
    let finished = 0
    const invoke = async () => {
      await new Promise((resolve) => setTimeout(resolve, 30))
      finished++
    }
    const { handler } = chain({ invoke, delayMs: 0 })
    await handler({ warmer: true, concurrency: 4 }, lambdaContext())
    expect(finished).toBe(3)
  })

  it('makes each copy stay busy delayMs and never fan out again', async () => {
    const payloads: WarmerPayload[] = []
    const leader = chain({ invoke: (payload) => payloads.push(payload), delayMs: 0 })
    await leader.handler(fixture('warmer-lambda-warmer'), lambdaContext({ requestId: 'leader-2' }))
    expect(payloads).toHaveLength(2)

    // Each copy lands on another instance: a fresh handler, as Lambda would start one.
    for (const payload of payloads) {
      const invoke = jest.fn()
      const logger = recordingLogger()
      const copy = chain({ invoke, logger, delayMs: 30 })
      const started = performance.now()
      expect(await copy.handler(payload, lambdaContext())).toEqual({ warmup: true, coldStart: true, invocation: 1 })
      expect(performance.now() - started).toBeGreaterThanOrEqual(29)
      expect(invoke).not.toHaveBeenCalled()
      expect(copy.ran).toEqual([])
      expect(logger.lines[0]?.fields).toMatchObject({
        source: 'lambda-warmer',
        copy: payload.__WARMER_INVOCATION__,
        concurrency: 3,
        correlationId: 'leader-2',
        copies: 'none',
      })
    }
  })

  it('logs that the copies were not invoked when there is no invoke option', async () => {
    const logger = recordingLogger()
    const { handler } = chain({ logger })
    expect(await handler(fixture('warmer-lambda-warmer'), lambdaContext())).toMatchObject({ warmup: true })
    expect(logger.lines).toHaveLength(1)
    expect(logger.lines[0]).toMatchObject({
      message: expect.stringContaining('skipped'),
      fields: { copies: 'skipped', reason: 'no invoke option', concurrency: 3 },
    })
  })

  it('logs failed copies and still answers the ping', async () => {
    const logger = recordingLogger()
    const invoke = (_: WarmerPayload, index: number) => {
      if (index === 2) throw new Error('throttled')
      return Promise.reject(new Error('access denied'))
    }
    const { handler } = chain({ invoke, logger, delayMs: 0 })
    expect(await handler({ warmer: true, concurrency: 3 }, lambdaContext())).toMatchObject({ warmup: true })
    expect(logger.lines[0]?.fields).toMatchObject({ copies: 'invoked', invoked: 2, failed: 2, firstError: 'throttled' })
  })

  it('counts a copy whose invoke rejects without a reason as failed', async () => {
    const logger = recordingLogger()
    const invoke = (_: WarmerPayload, index: number) => (index === 2 ? Promise.reject(undefined) : Promise.resolve())
    const { handler } = chain({ invoke, logger, delayMs: 0 })
    expect(await handler({ warmer: true, concurrency: 3 }, lambdaContext())).toMatchObject({ warmup: true })
    expect(logger.lines[0]?.fields).toMatchObject({ copies: 'invoked', invoked: 2, failed: 1 })
    expect(logger.lines[0]?.fields).not.toHaveProperty('firstError')
  })

  it('caps the concurrency a ping may ask for at maxConcurrency', async () => {
    const invoke = jest.fn()
    const { handler } = chain({ invoke, delayMs: 0, maxConcurrency: 5 })
    await handler({ warmer: true, concurrency: 100000 }, lambdaContext())
    expect(invoke).toHaveBeenCalledTimes(4)
    expect(invoke.mock.calls.map((call) => (call[0] as WarmerPayload).__WARMER_CONCURRENCY__)).toEqual([5, 5, 5, 5])
  })

  it.each([
    { warmer: true },
    { warmer: true, concurrency: 1 },
    { warmer: true, concurrency: 'many' },
    { warmer: true, concurrency: 2.5 },
    { warmer: true, concurrency: -3 },
  ])('does not fan out for %p', async (event) => {
    const invoke = jest.fn()
    const { handler } = chain({ invoke, delayMs: 0 })
    expect(await handler(event, lambdaContext())).toMatchObject({ warmup: true })
    expect(invoke).not.toHaveBeenCalled()
  })

  it('accepts a numeric string concurrency, as lambda-warmer does', async () => {
    const invoke = jest.fn()
    const { handler } = chain({ invoke, delayMs: 0 })
    await handler({ warmer: true, concurrency: '2' }, lambdaContext())
    expect(invoke).toHaveBeenCalledTimes(1)
  })
})
