/**
 * The Lambda entry of the user API's audit trail: reads its settings from the environment, builds the client once per
 * instance, and exports `handler` for the users table's stream.
 *
 * Environment: `AUDIT_TABLE_NAME` (required), plus the Powertools variables (`POWERTOOLS_SERVICE_NAME`, `LOG_LEVEL`, …).
 *
 * @module
 */
import { Logger } from '@aws-lambda-powertools/logger'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { createUserAudit } from './audit.js'

const tableName = process.env.AUDIT_TABLE_NAME
if (!tableName) throw new Error('rest-user-api audit: the AUDIT_TABLE_NAME environment variable is required')

/** The Lambda handler: one audit item per change of the users table. */
export const handler = createUserAudit({
  documentClient: DynamoDBDocumentClient.from(new DynamoDBClient({})),
  tableName,
  logger: new Logger({ serviceName: 'rest-user-api-audit' }),
})
