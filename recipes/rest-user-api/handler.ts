/**
 * The Lambda entry of the user API: reads its settings from the environment, builds real clients once per instance,
 * and exports `handler`.
 *
 * Environment: `TABLE_NAME` (required), plus the Powertools variables (`POWERTOOLS_SERVICE_NAME`, `LOG_LEVEL`, …).
 *
 * @module
 */
import { Logger } from '@aws-lambda-powertools/logger'
import { Tracer } from '@aws-lambda-powertools/tracer'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { createUserApi } from './app.js'

const tableName = process.env.TABLE_NAME
if (!tableName) throw new Error('rest-user-api: the TABLE_NAME environment variable is required')

const serviceName = 'rest-user-api'
const tracer = new Tracer({ serviceName })
const logger = new Logger({ serviceName })
const documentClient = DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({})))

/** The Lambda handler: every route of `/users`. */
export const handler = createUserApi({ documentClient, tableName, logger, tracer })
