// Type tests for invoke(): checked by `npm run typecheck` (tsc). Lines under @ts-expect-error must fail to compile.
import middy from '@middy/core'
import httpJsonBodyParser from '@middy/http-json-body-parser'
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda'
import { httpErrors, validate } from 'serverless-done-right'
import { invoke } from 'serverless-done-right/local'
import { z } from 'zod'

declare const rawEvent: APIGatewayProxyEventV2

// A validated Middy handler takes the raw event (a JSON string body) with no cast: its middlewares parse it.
const api = middy()
  .use(httpErrors())
  .use(httpJsonBodyParser())
  .use(validate({ body: z.object({ email: z.email() }) }))
  .handler(async (event) => ({ statusCode: 201, body: JSON.stringify({ email: event.body.email }) }))
export const created = invoke(api, rawEvent, { timeoutMs: 1000 }).then((outcome) => {
  // Middy types an untyped chain's result as `any`; a typed chain keeps it (below).
  const status: number | undefined = outcome.result?.statusCode
  return status
})

// A Middy handler on a fixed event type also takes any event.
const typed = middy<{ id: string }, string>().handler(async (event) => event.id)
export const byId = invoke(typed, { anything: true }).then((outcome) => {
  // @ts-expect-error the result is the handler's string
  const id: number | undefined = outcome.result
  return id
})

// A plain function keeps its event type checked, and its result type.
const plain = async (event: { name: string }, context: Context) => `${event.name} ${context.awsRequestId}`
export const ok = invoke(plain, { name: 'Ada' }).then((outcome) => outcome.result?.toUpperCase())
// @ts-expect-error a plain handler's event must match its parameter
export const wrong = invoke(plain, { nom: 'Ada' })
// @ts-expect-error the result of a plain string handler is a string, not a number
export const wrongResult: Promise<number | undefined> = invoke(plain, { name: 'Ada' }).then((o) => o.result)
// A handler without parameters takes any event.
export const bare = invoke(() => 'done', { whatever: 1 })
