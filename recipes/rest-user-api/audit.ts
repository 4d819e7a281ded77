/**
 * The user API's audit trail: a consumer of the users table's DynamoDB stream (`NEW_AND_OLD_IMAGES`) that writes one
 * audit item per change: which user, what kind of change, which fields changed, and when. It stores field *names*,
 * never values: an audit trail that copied emails would be one more place holding personal data.
 *
 * `fanOut` runs it: one user's changes in stream order (the ordering key is the item key), a failed write reported in
 * `batchItemFailures` and stopping the rest of that user's changes, the budget respected. Each audit item's key is the
 * user and the change's sequence number, so a retried batch rewrites the same items: at-least-once delivery, exactly
 * one audit item per change.
 *
 * @module
 */
import { Logger } from '@aws-lambda-powertools/logger'
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { PutCommand } from '@aws-sdk/lib-dynamodb'
import middy from '@middy/core'
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda'
import { fanOut, memoryWatchdog, timeoutGuard } from 'serverless-done-right'
import { userApiSettings } from './settings.js'

/** What {@link createUserAudit} needs. */
export interface UserAuditOptions {
  /** A DynamoDB document client. */
  documentClient: DynamoDBDocumentClient
  /** The audit table: string partition key `userId`, string sort key `sequence`. */
  tableName: string
  /** The Powertools logger. @defaultValue `new Logger({ serviceName: 'rest-user-api-audit' })` */
  logger?: Logger
}

/** One audit item, as written to the audit table. */
export interface AuditEntry {
  readonly userId: string
  /** The stream record's `SequenceNumber`, zero-padded to 40 digits so that the sort key orders changes. */
  readonly sequence: string
  readonly change: 'INSERT' | 'MODIFY' | 'REMOVE'
  /** Names of the attributes the change added, removed or altered, sorted. */
  readonly fields: readonly string[]
  /** When DynamoDB made the change (the record's `ApproximateCreationDateTime`), ISO 8601. */
  readonly at: string
}

type Image = Record<string, AttributeValue> | undefined

/** Attribute names whose values differ between two images (an absent image has no attributes). */
export function changedFields(oldImage: Image, newImage: Image): string[] {
  const names = new Set([...Object.keys(oldImage ?? {}), ...Object.keys(newImage ?? {})])
  return [...names].filter((name) => JSON.stringify(oldImage?.[name]) !== JSON.stringify(newImage?.[name])).sort()
}

/**
 * The audit entry of one stream record, or `undefined` for a record that names no user (not the users table's shape).
 */
export function auditEntry(record: DynamoDBRecord): AuditEntry | undefined {
  const change = record.dynamodb
  const userId = change?.Keys?.id?.S
  const sequence = change?.SequenceNumber
  const kind = record.eventName
  if (userId === undefined || sequence === undefined || kind === undefined) return undefined
  const seconds = change?.ApproximateCreationDateTime ?? 0
  return {
    userId,
    sequence: sequence.padStart(40, '0'),
    change: kind,
    fields: changedFields(change?.OldImage, change?.NewImage),
    at: new Date(seconds * 1000).toISOString(),
  }
}

/**
 * Builds the audit consumer's Lambda handler, for a DynamoDB Streams event source mapping with
 * `ReportBatchItemFailures`: `timeoutGuard()` and `memoryWatchdog()` around `fanOut`.
 *
 * @example
 * ```ts
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
 * import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
 * import { createUserAudit } from './audit.js'
 *
 * export const handler = createUserAudit({
 *   documentClient: DynamoDBDocumentClient.from(new DynamoDBClient({})),
 *   tableName: 'users-audit',
 * })
 * ```
 */
export function createUserAudit(options: UserAuditOptions) {
  const { documentClient, tableName } = options
  const logger = options.logger ?? new Logger({ serviceName: 'rest-user-api-audit' })
  const guard = timeoutGuard({ logger })
  const writeEntry = fanOut(
    async (_user, { record, id, signal }) => {
      const entry = auditEntry(record as DynamoDBRecord)
      if (entry === undefined) {
        logger.warn('Stream record names no user; not audited', { id })
        return
      }
      await documentClient.send(new PutCommand({ TableName: tableName, Item: entry }), { abortSignal: signal })
    },
    { concurrency: userApiSettings.audit.concurrency, logger },
  )
  return middy(guard.middyOptions)
    .use(guard)
    .use(memoryWatchdog({ logger }))
    .use(injectLambdaContext(logger))
    .handler(writeEntry)
}
