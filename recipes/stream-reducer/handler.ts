/**
 * The Lambda entry of the stream reducer: reads its settings from the environment, builds real clients once per
 * instance, and exports `handler`.
 *
 * Environment: `TABLE_NAME` (required); `COUNT_KEY_FIELD` (optional: count by this top-level field of the log event
 * instead of the first word of `message`); plus the Powertools variables (`POWERTOOLS_SERVICE_NAME`, `LOG_LEVEL`, …).
 *
 * @module
 */
import { Logger } from '@aws-lambda-powertools/logger'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { createStreamReducer } from './app.js'
import { tracerIfEnabled } from './tracing.js'

const tableName = process.env.TABLE_NAME
if (!tableName) throw new Error('stream-reducer: the TABLE_NAME environment variable is required')
const keyField = process.env.COUNT_KEY_FIELD?.trim()

const serviceName = 'stream-reducer'
// Only when the function traces: the tracer's module and the X-Ray SDK it loads are cold-start cost (see tracing.ts).
const tracer = await tracerIfEnabled(serviceName)
const logger = new Logger({ serviceName })
const client = new DynamoDBClient({})
const documentClient = DynamoDBDocumentClient.from(tracer === undefined ? client : tracer.captureAWSv3Client(client))

/** The Lambda handler, for a Kinesis event source mapping with `TumblingWindowInSeconds`. */
export const handler = createStreamReducer({
  documentClient,
  tableName,
  logger,
  ...(tracer === undefined ? {} : { tracer }),
  ...(keyField ? { key: keyField } : {}),
})
