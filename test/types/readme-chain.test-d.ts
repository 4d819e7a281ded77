// The README's validation chain with @middy/http-json-body-parser, typed exactly. Checked by `npm run typecheck`.
// Lines under @ts-expect-error must fail to compile.
//
// Middy 7's `.use()` intersects the event types of all middlewares, and the parser declares `body: string`, so on an
// unannotated chain the handler sees `{ email: string } & string` (string methods compile). Annotating the handler's
// `event` with `ValidatedEvent<typeof schemas, …>` gives exactly the schemas' outputs, as below.
import middy from '@middy/core'
import httpJsonBodyParser from '@middy/http-json-body-parser'
import type { APIGatewayProxyEventV2 } from 'aws-lambda'
import { httpErrors, type ValidatedEvent, validate } from 'serverless-done-right'
import { z } from 'zod'

const schemas = {
  body: z.object({ email: z.email(), name: z.string().min(1) }),
  query: z.object({ notify: z.enum(['yes', 'no']).default('no') }),
  path: z.object({ teamId: z.string() }),
  headers: z.object({ 'x-api-key': z.string().min(16) }),
}

export const onlyParts = middy()
  .use(httpErrors())
  .use(httpJsonBodyParser())
  .use(validate(schemas))
  .handler(async (event: ValidatedEvent<typeof schemas>) => {
    const email: string = event.body.email
    const notify: 'yes' | 'no' = event.queryStringParameters.notify
    const teamId: string = event.pathParameters.teamId
    const key: string = event.headers['x-api-key']
    // @ts-expect-error the body is the schema's object, not the raw string
    event.body.toUpperCase()
    // @ts-expect-error the query schema has only `notify`
    event.queryStringParameters.limit
    // @ts-expect-error the path schema has only `teamId`
    event.pathParameters.slug
    // @ts-expect-error the headers schema has only `x-api-key`
    event.headers.host
    // @ts-expect-error `Base` defaults to unknown: only the validated parts are typed
    event.rawPath
    return { statusCode: 201, body: JSON.stringify({ email, notify, teamId, key }) }
  })

// With the rest of a payload 2.0 event typed too (the parser told which event it parses).
type V2 = ValidatedEvent<typeof schemas, APIGatewayProxyEventV2>
export const withRest = middy()
  .use(httpErrors())
  .use(httpJsonBodyParser<APIGatewayProxyEventV2>())
  .use(validate(schemas))
  .handler(async (event: V2) => {
    const path: string = event.rawPath
    // @ts-expect-error still the schema's object
    const raw: string = event.body
    // @ts-expect-error the query schema has only `notify`, not the raw index signature
    const limit: string | undefined = event.queryStringParameters.limit
    return { statusCode: 200, body: JSON.stringify({ path, raw, limit, name: event.body.name }) }
  })
