/**
 * The front door, end to end: the local API Gateway (`httpGateway`, real HTTP on loopback) in front of a real Middy
 * chain with `timeoutGuard()`, run by `invoke()` with a function timeout far longer than the gateway's. The guard and
 * the gateway must agree on when the gateway gives up, so that the client gets the guard's 504 problem+json rather
 * than the gateway's bare `{"message":"Endpoint request timed out"}`.
 */
import middy from '@middy/core'
import type { Context } from 'aws-lambda'
import { budgetOf, type TimeoutGuardOptions, timeoutGuard } from 'serverless-done-right'
import { type HttpGateway, httpGateway } from 'serverless-done-right/local'
import { forever, sleep } from './helpers.js'

type Format = '1.0' | '2.0'

/** API Gateway's default integration timeouts (docs/aws-semantics.md): REST 29 s, HTTP API 30 s. */
const awsDefaultMs: Record<Format, number> = { '1.0': 29_000, '2.0': 30_000 }
/** Wide margins: the guard's answer must beat the gateway's even when a loaded machine delays it a few hundred ms. */
const margins = { softMarginMs: 800, hardMarginMs: 500 }
/** The function's own timeout: far past the gateway's, as when it is set to 29 s or more by hand. */
const functionTimeoutMs = 60_000

const gateways: HttpGateway[] = []
afterEach(async () => {
  await Promise.all(gateways.splice(0).map((gateway) => gateway.close()))
})

/** A guarded handler that never answers by itself; records when the soft phase aborted its budget. */
function slowApi(options: TimeoutGuardOptions) {
  const seen: { softAt?: number } = {}
  const guard = timeoutGuard({ logger: false, ...options }) // no default JSON log lines in the test output
  const handler = middy(guard.middyOptions)
    .use(guard)
    .handler(async (_event: unknown, context: Context) => {
      budgetOf(context).signal.addEventListener('abort', () => {
        seen.softAt = Date.now()
      })
      return forever()
    })
  return { handler, seen }
}

async function serve(
  format: Format,
  timeoutMs: number,
  route: (event: never, context: Context) => unknown,
  functionMs = functionTimeoutMs,
) {
  const gateway = await httpGateway({
    payloadFormat: format,
    routes: { 'GET /slow': route },
    timeoutMs,
    invokeOptions: { timeoutMs: functionMs },
  })
  gateways.push(gateway)
  return gateway
}

async function call(gateway: HttpGateway) {
  const sentAt = Date.now()
  const response = await fetch(`${gateway.url}/slow`)
  return {
    sentAt,
    answeredAt: Date.now(),
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: (await response.json()) as Record<string, unknown>,
  }
}

/** The arrival field of each payload format, moved `ms` into the past. */
function arrivedEarlier(event: Record<string, unknown>, format: Format, ms: number): Record<string, unknown> {
  const requestContext = event.requestContext as Record<string, number>
  const field = format === '1.0' ? 'requestTimeEpoch' : 'timeEpoch'
  return { ...event, requestContext: { ...requestContext, [field]: (requestContext[field] as number) - ms } }
}

describe('timeoutGuard() and httpGateway() agree on the front door', () => {
  it.each(['1.0', '2.0'] as const)(
    'a payload %s request that arrived 28 s ago gets the guard 504 within the margins, before the gateway gives up',
    async (format) => {
      // Waiting 28 real seconds is the one thing faked: the handler gets the gateway's event with its arrival moved
      // 28 s back, and the gateway is left the 28 s shorter wait it would have then (AWS default minus 28 s).
      const { handler, seen } = slowApi(margins)
      const gatewayLeftMs = awsDefaultMs[format] - 28_000
      const gateway = await serve(format, gatewayLeftMs, (event: never, context) =>
        handler(arrivedEarlier(event, format, 28_000), context),
      )
      const answer = await call(gateway)
      expect(answer.status).toBe(504)
      expect(answer.contentType).toBe('application/problem+json')
      expect(answer.body).toMatchObject({ status: 504, title: 'Gateway Timeout' })
      // The gateway gives up at sentAt + gatewayLeftMs at the earliest. Timers never fire early, so lower bounds hold
      // under any load; that the answer is the guard's (not the gateway's bare message) shows it came first.
      expect(seen.softAt).toBeGreaterThanOrEqual(answer.sentAt + gatewayLeftMs - margins.softMarginMs - 50)
      expect(answer.answeredAt).toBeGreaterThanOrEqual(answer.sentAt + gatewayLeftMs - margins.hardMarginMs - 50)
    },
  )

  it.each(['1.0', '2.0'] as const)(
    'payload %s: time spent before the handler starts counts, as API Gateway counts it (no event rewritten)',
    async (format) => {
      const integrationTimeoutMs = 1500
      const lateStartMs = 700 // e.g. a slow cold start: the gateway's clock runs, the function's has not started
      const { handler } = slowApi({ ...margins, integrationTimeoutMs })
      const gateway = await serve(format, integrationTimeoutMs, async (event: never, context) => {
        await sleep(lateStartMs)
        return handler(event, context)
      })
      const answer = await call(gateway)
      expect(answer).toMatchObject({ status: 504, contentType: 'application/problem+json', body: { status: 504 } })
    },
  )

  it('without the front door, the same request gets the gateway bare 504 instead', async () => {
    const { handler } = slowApi({ ...margins, integrationTimeoutMs: Infinity })
    let abandoned: Promise<unknown> | undefined
    // A function timeout of 3 s (still past the gateway's 1.5 s) so that the abandoned invocation ends soon after.
    const gateway = await serve(
      '2.0',
      1500,
      (event: never, context) => {
        abandoned = sleep(1000).then(() => handler(event, context))
        return abandoned
      },
      3000,
    )
    const answer = await call(gateway)
    expect(answer).toMatchObject({ status: 504, body: { message: 'Endpoint request timed out' } })
    // The invocation the gateway gave up on runs on, for nobody, until the guard answers at Lambda's deadline.
    expect(await abandoned).toMatchObject({ statusCode: 504 })
  })
})
