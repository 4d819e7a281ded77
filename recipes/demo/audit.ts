/**
 * The demo's audit check: the user API's writes went through the users table's DynamoDB stream to the audit consumer,
 * and the audit table holds one entry per change, in order, matching what the API answered.
 *
 * @module
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb'
import type { LocalCloud } from 'serverless-done-right/local'
import type { AuditEntry } from '../rest-user-api/audit.js'
import type { ApiCall } from './api-session.js'

/** What the audit table holds, counted, and what does not add up. */
export interface AuditSummary {
  readonly entries: number
  readonly changes: Record<string, number>
  readonly problems: readonly string[]
}

async function scanAll(cloud: LocalCloud, tableName: string): Promise<AuditEntry[]> {
  const items: AuditEntry[] = []
  let start: Record<string, unknown> | undefined
  do {
    const page = await cloud.documentClient.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }))
    items.push(...((page.Items ?? []) as AuditEntry[]))
    start = page.LastEvaluatedKey
  } while (start !== undefined)
  return items
}

/**
 * Reads the audit table and checks it against the API calls: one `INSERT` per `201 Created`, one `REMOVE` per
 * `204 No Content`, and every user's trail starting with its `INSERT`.
 */
export async function auditSummary(
  cloud: LocalCloud,
  tableName: string,
  calls: readonly ApiCall[],
): Promise<AuditSummary> {
  const entries = await scanAll(cloud, tableName)
  const changes: Record<string, number> = { INSERT: 0, MODIFY: 0, REMOVE: 0 }
  for (const entry of entries) changes[entry.change] = (changes[entry.change] ?? 0) + 1
  const answered = (status: number) => calls.filter((call) => call.status === status).length
  const problems: string[] = []
  if (changes.INSERT !== answered(201))
    problems.push(`${changes.INSERT} audited inserts, ${answered(201)} users created`)
  if (changes.REMOVE !== answered(204)) problems.push(`${changes.REMOVE} audited removals, ${answered(204)} deleted`)
  const firsts = new Map<string, AuditEntry>()
  for (const entry of entries) {
    const first = firsts.get(entry.userId)
    if (first === undefined || entry.sequence < first.sequence) firsts.set(entry.userId, entry)
  }
  const badStarts = [...firsts.values()].filter((entry) => entry.change !== 'INSERT').length
  if (badStarts > 0) problems.push(`${badStarts} users' audit trails do not start with their INSERT`)
  return { entries: entries.length, changes, problems }
}
