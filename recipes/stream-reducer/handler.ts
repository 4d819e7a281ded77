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
import { Tracer } from '@aws-lambda-powertools/tracer'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { createStreamReducer } from './app.js'

const tableName = process.env.TABLE_NAME
if (!tableName) throw new Error('stream-reducer: the TABLE_NAME environment variable is required')
const keyField = process.env.COUNT_KEY_FIELD?.trim()

const serviceName = 'stream-reducer'
const tracer = new Tracer({ serviceName })
const logger = new Logger({ serviceName })
const documentClient = DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({})))

/** The Lambda handler, for a Kinesis event source mapping with `TumblingWindowInSeconds`. */
export const handler = createStreamReducer({
  documentClient,
  tableName,
  logger,
  tracer,
  ...(keyField ? { key: keyField } : {}),
})
