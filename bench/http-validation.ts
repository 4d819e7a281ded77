/**
 * HTTP validation (benchmarks issue, part 2): one API Gateway (REST, payload 1.0) event with a 1 KB JSON body, one
 * whole Middy invocation each, a fresh context each time:
 *
 * - this library: `httpErrors()` + `@middy/http-json-body-parser` + `validate({ body })` (zod);
 * - Powertools: its `parser` middleware with `ApiGatewayEnvelope` and the body schema wrapped in its documented
 *   `JSONStringified` helper (the envelope validates the whole event, then the body) + `@middy/http-error-handler`;
 * - for reference, the floor: `middy()` with `JSON.parse` + `schema.safeParse` written in the handler, and the same
 *   with `@middy/http-json-body-parser` doing the parse (what Middy's parser costs on its own).
 *
 * The same zod schema everywhere. The body parser writes the parsed body into the event it is given, so every
 * invocation gets a shallow copy of the event (all candidates alike). An invalid body (one bad e-mail) is timed too,
 * for reference: the error path is where the two differ most (ours answers 400 problem+json; Powertools' ParseError
 * reaches `http-error-handler` without a status, which answers 500).
 *
 * Figures are CPU time per invocation (process user + system, garbage collection included), the mean over each round
 * of back-to-back invocations, median over rounds: on a shared machine, wall time also counts the time other
 * processes held the cores. Target: ours is not slower than Powertools on the valid request (ratio ≤ 1.0).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ApiGatewayEnvelope } from '@aws-lambda-powertools/parser/envelopes/api-gateway'
import { JSONStringified } from '@aws-lambda-powertools/parser/helpers'
import { parser } from '@aws-lambda-powertools/parser/middleware'
import middy from '@middy/core'
import httpErrorHandler from '@middy/http-error-handler'
import httpJsonBodyParser from '@middy/http-json-body-parser'
import type { APIGatewayProxyEvent, Context } from 'aws-lambda'
import { z } from 'zod'
import { httpErrors, validate } from '../src/index.js'
import { lambdaContext } from './lib/lambda-context.js'
import type { Figure, SectionResult } from './lib/report.js'
import { target } from './lib/report.js'
import { interleave, medianFigure, printFigures } from './lib/stats.js'

export const SECTION = 'HTTP validation: API Gateway event, 1 KB JSON body, CPU time per invocation'

const Order = z.object({
  orderId: z.uuid(),
  customer: z.object({
    email: z.email(),
    name: z.string().min(1).max(200),
    loyaltyTier: z.enum(['none', 'silver', 'gold']),
  }),
  items: z
    .array(
      z.object({
        sku: z.string().regex(/^[A-Z]{3}-\d{5}$/),
        quantity: z.number().int().min(1).max(100),
        unitPriceCents: z.number().int().nonnegative(),
        giftWrap: z.boolean(),
      }),
    )
    .min(1)
    .max(50),
  shipping: z.object({
    line1: z.string().min(1),
    line2: z.string().optional(),
    city: z.string().min(1),
    postcode: z.string().min(2).max(12),
    country: z.string().length(2),
  }),
  couponCode: z.string().max(32).nullable(),
  notes: z.string().max(500),
})

function orderBody(email: string): string {
  const items = Array.from({ length: 8 }, (_, i) => ({
    sku: `SKU-${String(10_000 + i * 137).padStart(5, '0')}`,
    quantity: 1 + (i % 4),
    unitPriceCents: 1299 + i * 250,
    giftWrap: i % 3 === 0,
  }))
  return JSON.stringify({
    orderId: '3b241101-e2bb-4255-8caf-4136c566a962',
    customer: { email, name: 'Ada Lovelace', loyaltyTier: 'gold' },
    items,
    shipping: { line1: '12 St James Square', line2: 'Flat 3', city: 'London', postcode: 'SW1Y 4JH', country: 'GB' },
    couponCode: null,
    notes:
      'Please leave the parcel with the concierge if nobody answers; the building has a side entrance on King Street.',
  })
}

function apiEvent(body: string): APIGatewayProxyEvent {
  const root = process.env.BENCH_ROOT ?? process.cwd()
  const event = JSON.parse(readFileSync(join(root, 'test/fixtures/aws-events/apigw-rest-v1.json'), 'utf8'))
  return { ...event, headers: { ...event.headers, 'Content-Type': 'application/json' }, body, isBase64Encoded: false }
}

const silent = { error() {}, warn() {}, info() {}, debug() {} }
const ok = { statusCode: 201, body: '{"accepted":true}' }

/** Runs the section: prints a table and returns figures and the target. */
export async function httpValidationBenchmark(
  options: { rounds?: number; perRound?: number } = {},
): Promise<SectionResult> {
  const rounds = options.rounds ?? 15
  const perRound = options.perRound ?? 2000
  const valid = apiEvent(orderBody('ada@example.com'))
  const invalid = apiEvent(orderBody('not-an-email'))
  const bodyBytes = Buffer.byteLength(valid.body ?? '')

  const ours = middy()
    .use(httpErrors({ logger: silent, clientErrorLevel: 'off' }))
    .use(httpJsonBodyParser())
    .use(validate({ body: Order }))
    .handler(async () => ok)
  const powertools = middy()
    .use(httpErrorHandler({ logger: false }))
    .use(parser({ schema: JSONStringified(Order), envelope: ApiGatewayEnvelope }))
    .handler(async () => ok)
  const floor = middy<APIGatewayProxyEvent>().handler(async (event) => {
    const result = Order.safeParse(JSON.parse(event.body ?? ''))
    return result.success ? ok : { statusCode: 400, body: '{"title":"Bad Request"}' }
  })

  const parserOnly = middy<APIGatewayProxyEvent>()
    .use(httpJsonBodyParser())
    .handler(async (event) => {
      const result = Order.safeParse(event.body)
      return result.success ? ok : { statusCode: 400, body: '{"title":"Bad Request"}' }
    })

  type Handler = (event: unknown, context: Context) => Promise<unknown>
  const handlers: [string, Handler][] = [
    ['this library: httpErrors + http-json-body-parser + validate', ours as Handler],
    ['Powertools parser (ApiGatewayEnvelope, JSONStringified) + http-error-handler', powertools as Handler],
    ['floor: middy() + JSON.parse + schema.safeParse in the handler', floor as Handler],
    ['middy() + http-json-body-parser + schema.safeParse in the handler', parserOnly as Handler],
  ]
  // Check every candidate answers as expected before timing it.
  for (const [name, handler] of handlers) {
    const good = (await handler({ ...valid }, lambdaContext())) as { statusCode: number }
    const bad = (await handler({ ...invalid }, lambdaContext())) as { statusCode: number }
    if (good.statusCode !== 201 || bad.statusCode < 400)
      throw new Error(`${name}: ${good.statusCode}, ${bad.statusCode}`)
  }
  console.log(`${SECTION}\n  body ${bodyBytes} B; CPU µs per invocation, ${rounds} rounds of ${perRound}`)
  const candidates = handlers.flatMap(([name, handler]) =>
    (
      [
        ['valid', valid],
        ['invalid e-mail', invalid],
      ] as const
    ).map(([kind, event]) => ({
      name: `${name} | ${kind}`,
      run: async () => {
        for (let i = 0; i < perRound; i++) await handler({ ...event }, lambdaContext())
      },
    })),
  )
  const { cpu: samples } = await interleave(candidates, { rounds, warmup: 2 })
  const figures: Figure[] = candidates.map(({ name }) => {
    const [who, kind] = name.split(' | ') as [string, string]
    const perCall = (samples.get(name) ?? []).map((ms) => (ms * 1000) / perRound)
    return medianFigure(SECTION, `${who}, ${kind} body`, 'µs', perCall, {
      note: `mean CPU time per invocation over ${perRound} invocations`,
      ...(who.startsWith('Powertools') ? {} : { comparedTo: `${handlers[1]?.[0]}, ${kind} body` }),
      ...(who.startsWith('this library') && kind !== 'valid' ? { chart: true } : {}),
    })
  })
  printFigures(figures)
  const value = (prefix: string, kind: string) =>
    figures.find((f) => f.name.startsWith(prefix) && f.name.endsWith(`${kind} body`))?.value ?? Number.NaN
  const ratio = value('this library', 'valid') / value('Powertools', 'valid')
  const targets = [
    target(
      SECTION,
      'ours / Powertools parser, valid body',
      ratio,
      1,
      'atMost',
      'not slower than Powertools parser + envelope',
    ),
  ]
  const oursValid = value('this library', 'valid')
  const parserValid = value('middy() + http-json-body-parser', 'valid')
  const floorValid = value('floor', 'valid')
  const notes = [
    `Where our time goes (valid body): ${oursValid.toFixed(1)} µs, of which Middy's http-json-body-parser with the schema checked in the handler already takes ${parserValid.toFixed(1)} µs, against ${floorValid.toFixed(1)} µs for plain JSON.parse + safeParse: the body parser parses with a reviver (its prototype-pollution check), which calls back for every key. validate() and httpErrors() add ${Math.abs(oursValid - parserValid) < 2 ? 'nothing measurable' : `${(oursValid - parserValid).toFixed(1)} µs`} on top.`,
    "Powertools' envelope builds `APIGatewayProxyEventSchema.extend({ body })` on every call and validates the whole event, not just the body.",
  ]
  return { figures, targets, notes }
}
