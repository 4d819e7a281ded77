import middy from '@middy/core'
import type { Context } from 'aws-lambda'
import fc from 'fast-check'
import { budgetOf, type TimeoutGuardOptions, timeoutGuard } from 'serverless-done-right'
import { frontDoorDeadline } from '../../src/guards/front-door.js'
import { lambdaContext } from '../helpers/context.js'
import { fixture } from '../helpers/fixtures.js'
import { forever } from './helpers.js'

type Format = '1.0' | '2.0'

/** API Gateway's default integration timeouts (docs/aws-semantics.md): REST 29 s, HTTP API 30 s. */
const awsDefaultMs: Record<Format, number> = { '1.0': 29_000, '2.0': 30_000 }

/** A fixture event of `format` whose request arrived at `arrival` (epoch ms, or any bogus value). */
function arrivedAt(format: Format, arrival: unknown): Record<string, unknown> {
  const event = fixture(format === '1.0' ? 'apigw-rest-v1' : 'apigw-http-v2') as Record<string, unknown>
  const field = format === '1.0' ? 'requestTimeEpoch' : 'timeEpoch'
  return { ...event, requestContext: { ...(event.requestContext as object), [field]: arrival } }
}

/** The guard armed as documented, around `handler`. */
function guarded(handler: (event: unknown, context: Context) => Promise<unknown>, options?: TimeoutGuardOptions) {
  const guard = timeoutGuard({ logger: false, ...options }) // no default JSON log lines in the test output
  return middy(guard.middyOptions).use(guard).handler(handler)
}

/** A handler that reports the time its context and budget say is left, then returns. */
const reportsTimeLeft = async (_event: unknown, context: Context) => ({
  remainingMs: context.getRemainingTimeInMillis(),
  budgetRemainingMs: budgetOf(context).remainingMs(),
})

describe('frontDoorDeadline(): when API Gateway stops waiting', () => {
  const now = 1_800_000_000_000

  it.each(['1.0', '2.0'] as const)('is the arrival plus the default for payload %s', (format) => {
    expect(frontDoorDeadline(arrivedAt(format, now - 28_000), now, undefined)).toBe(now - 28_000 + awsDefaultMs[format])
    expect(frontDoorDeadline(arrivedAt(format, now - 500), now, 5000)).toBe(now + 4500)
  })

  it.each([
    ['in the future (clock skew)', now + 1],
    ['far in the future', now + 3_600_000],
    ['exactly now', now],
    ['older than the integration timeout (nobody waits any more)', now - 29_000],
    ['from a recorded fixture', 1_718_635_693_506],
    ['zero', 0],
    ['negative', -5],
  ])('counts an arrival %s as arriving now: neither instantly nor never', (_, arrival) => {
    expect(frontDoorDeadline(arrivedAt('1.0', arrival), now, undefined)).toBe(now + 29_000)
    expect(frontDoorDeadline(arrivedAt('2.0', arrival), now, 1000)).toBe(now + 1000)
  })

  it.each([
    ['missing', undefined],
    ['a string', String(now)],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['null', null],
  ])('has no front door when the arrival is %s', (_, arrival) => {
    expect(frontDoorDeadline(arrivedAt('1.0', arrival), now, undefined)).toBe(Infinity)
    expect(frontDoorDeadline(arrivedAt('2.0', arrival), now, undefined)).toBe(Infinity)
  })

  it('has none for a Lambda function URL, whose only limit is the function timeout', () => {
    const event = arrivedAt('2.0', now - 1000)
    const requestContext = { ...(event.requestContext as object), domainName: 'abc123.lambda-url.eu-west-1.on.aws' }
    expect(frontDoorDeadline({ ...event, requestContext }, now, undefined)).toBe(Infinity)
  })

  it.each(['kinesis-stream', 'sqs', 'eventbridge-scheduled', 'warmer-lambda-warmer'])('has none for %s', (name) => {
    expect(frontDoorDeadline(fixture(name), now, undefined)).toBe(Infinity)
  })

  it('for any arrival at all, lies in (now, now + integration timeout] or is Infinity', () => {
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.integer({ min: now - 60_000, max: now + 60_000 })), (arrival) => {
        const deadline = frontDoorDeadline(arrivedAt('2.0', arrival), now, 10_000)
        if (!Number.isFinite(arrival)) return deadline === Infinity
        return deadline > now && deadline <= now + 10_000
      }),
    )
  })
})

describe('timeoutGuard(): the front door through a real middy chain', () => {
  it.each(['1.0', '2.0'] as const)(
    'counts payload %s time down to arrival + integration timeout when that comes before Lambda',
    async (format) => {
      const handler = guarded(reportsTimeLeft)
      const arrival = Date.now() - 28_000
      const seen = (await handler(arrivedAt(format, arrival), lambdaContext({ timeoutMs: 60_000 }))) as {
        remainingMs: number
        budgetRemainingMs: number
      }
      const expectedMs = arrival + awsDefaultMs[format] - Date.now()
      for (const left of [seen.remainingMs, seen.budgetRemainingMs]) {
        expect(left).toBeLessThanOrEqual(expectedMs + 50)
        expect(left).toBeGreaterThan(expectedMs - 1000)
      }
    },
  )

  it('answers 504 problem+json at the front door hard margin, not at the Lambda deadline', async () => {
    let softAt: number | undefined
    const handler = guarded(
      async (_event, context) => {
        budgetOf(context).signal.addEventListener('abort', () => {
          softAt = Date.now()
        })
        return forever()
      },
      { softMarginMs: 400, hardMarginMs: 150 },
    )
    const arrival = Date.now() - 28_000 // payload 1.0: the front door gives up at arrival + 29 s, in ~1 s
    const started = Date.now()
    const response = (await handler(arrivedAt('1.0', arrival), lambdaContext({ timeoutMs: 60_000 }))) as {
      statusCode: number
      headers: Record<string, string>
      body: string
    }
    const answeredAt = Date.now()
    const deadline = arrival + 29_000
    expect(response.statusCode).toBe(504)
    expect(response.headers['Content-Type'] ?? response.headers['content-type']).toBe('application/problem+json')
    expect(JSON.parse(response.body)).toMatchObject({ status: 504 })
    // Timers never fire early (event-loop lag only makes them later): lower bounds only.
    expect(softAt).toBeGreaterThanOrEqual(deadline - 400 - 2)
    expect(answeredAt).toBeGreaterThanOrEqual(deadline - 150 - 2)
    expect(answeredAt - started).toBeLessThan(20_000) // nowhere near Lambda's 60 s
  })

  it.each([
    ['in the future', Date.now() + 3_600_000],
    ['absurdly old', 0],
  ])('neither fires at once nor never for an arrival %s: it counts from now', async (_, arrival) => {
    const handler = guarded(async () => forever(), { softMarginMs: 300, hardMarginMs: 100, integrationTimeoutMs: 800 })
    const started = Date.now()
    const response = (await handler(arrivedAt('2.0', arrival), lambdaContext({ timeoutMs: 60_000 }))) as {
      statusCode: number
    }
    expect(response.statusCode).toBe(504)
    expect(Date.now() - started).toBeGreaterThanOrEqual(800 - 100 - 2)
  })

  it('keeps Lambda context itself when Lambda deadline comes first', async () => {
    const context = lambdaContext({ timeoutMs: 3000 })
    let seen: Context | undefined
    await guarded(async (_event, ctx) => {
      seen = ctx
    })(arrivedAt('2.0', Date.now()), context)
    expect(seen).toBe(context)
  })

  it('gives the handler a copy of Lambda context: every field but the clock is Lambda own', async () => {
    const context = lambdaContext({ timeoutMs: 60_000, requestId: 'view-1' })
    let seen: Context | undefined
    await guarded(async (_event, ctx) => {
      seen = ctx
    })(arrivedAt('2.0', Date.now()), context)
    expect(seen).not.toBe(context)
    const { getRemainingTimeInMillis: _clock, ...fields } = context
    expect(seen).toMatchObject(fields)
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(50_000) // Lambda's own context is left as it was
    expect(seen?.getRemainingTimeInMillis()).toBeLessThanOrEqual(30_000)
  })

  it('has no front door for a function URL event or with integrationTimeoutMs: Infinity', async () => {
    const event = arrivedAt('2.0', Date.now() - 28_000)
    const functionUrl = {
      ...event,
      requestContext: { ...(event.requestContext as object), domainName: 'abc.lambda-url.us-east-1.on.aws' },
    }
    const plain = guarded(reportsTimeLeft)
    const off = guarded(reportsTimeLeft, { integrationTimeoutMs: Infinity })
    for (const [handler, input] of [
      [plain, functionUrl],
      [off, event],
    ] as const) {
      const seen = (await handler(input, lambdaContext({ timeoutMs: 60_000 }))) as { remainingMs: number }
      expect(seen.remainingMs).toBeGreaterThan(50_000)
    }
  })

  it.each([0, -1, Number.NaN, '5', null])('rejects integrationTimeoutMs %p at creation, naming it', (value) => {
    expect(() => timeoutGuard({ integrationTimeoutMs: value as number })).toThrow(/integrationTimeoutMs/)
  })
})
