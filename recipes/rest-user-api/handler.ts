/**
 * The Lambda entry of the user API: reads its settings from the environment, builds real clients once per instance,
 * and exports `handler`.
 *
 * Environment: `TABLE_NAME` (required), plus the Powertools variables (`POWERTOOLS_SERVICE_NAME`, `LOG_LEVEL`, …).
 * Lambda's own `AWS_LAMBDA_FUNCTION_NAME` names the function that lambda-warmer pings fan out to (this one: the
 * deployment grants `lambda:InvokeFunction` on its own ARN only). Copies `2…N-1` are `Event` invokes and the last one
 * `RequestResponse`, as lambda-warmer does.
 *
 * @module
 */
import { Logger } from '@aws-lambda-powertools/logger'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { LambdaClient } from '@aws-sdk/client-lambda'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { WarmupOptions } from 'serverless-done-right'
import { createUserApi } from './app.js'
import { tracerIfEnabled } from './tracing.js'

const tableName = process.env.TABLE_NAME
if (!tableName) throw new Error('rest-user-api: the TABLE_NAME environment variable is required')

const serviceName = 'rest-user-api'
// Only when the function traces: the tracer's module and the X-Ray SDK it loads are cold-start cost (see tracing.ts).
const tracer = await tracerIfEnabled(serviceName)
const logger = new Logger({ serviceName })
const client = new DynamoDBClient({})
const documentClient = DynamoDBDocumentClient.from(tracer === undefined ? client : tracer.captureAWSv3Client(client))

const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME
// The Lambda client is loaded on the first warm-up ping that fans out, not at cold start: importing it up front cost
// the bundle ~15% of its module-load time (bench/cold-start.ts: 1.16x -> 1.01x of the Middy + Powertools baseline).
let lambda: Promise<{ client: LambdaClient; InvokeCommand: typeof import('@aws-sdk/client-lambda').InvokeCommand }>
const loadLambda = () => {
  lambda ??= import('@aws-sdk/client-lambda').then(({ LambdaClient, InvokeCommand }) => ({
    client: new LambdaClient({}),
    InvokeCommand,
  }))
  return lambda
}
const warmupInvoke: WarmupOptions['invoke'] | undefined = functionName
  ? async (payload) => {
      const { client, InvokeCommand } = await loadLambda()
      return client.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType:
            payload.__WARMER_INVOCATION__ === payload.__WARMER_CONCURRENCY__ ? 'RequestResponse' : 'Event',
          Payload: JSON.stringify(payload),
        }),
      )
    }
  : undefined

/** The Lambda handler: every route of `/users`. */
export const handler = createUserApi({
  documentClient,
  tableName,
  logger,
  ...(tracer === undefined ? {} : { tracer }),
  ...(warmupInvoke === undefined ? {} : { warmupInvoke }),
})
