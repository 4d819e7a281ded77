/**
 * The counts table: one item per (window, shard, flush, key), each written once with a conditional put, and a Query
 * that sums one window's items by key.
 *
 * Item key (the table has a string partition key `pk` and a string sort key `sk`):
 *
 * | attribute | value | why |
 * | --- | --- | --- |
 * | `pk` | `window#<window start, ISO-8601 in UTC with milliseconds>` | one window is one partition: reading it is a Query |
 * | `sk` | `<shard id>#<flush id>#<key>` | unique per shard, per flush and per key; the key comes last, so it may hold `#` |
 *
 * The flush id comes from `windowReducer`: it is the same when Lambda retries an invocation with the same records and
 * state, and differs between any two flushes (early flushes of a large state included). So a retried flush finds its
 * items already there (`ConditionalCheckFailedException`) and skips them: no count is ever added twice, and no
 * transaction is needed (the local DynamoDB has none).
 *
 * @module
 */
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb'

/** Where the counts live. */
export interface CountsTable {
  readonly documentClient: DynamoDBDocumentClient
  readonly tableName: string
}

/** What identifies one flush of one window on one shard (the fields of `windowReducer`'s flush meta it uses). */
export interface FlushIdentity {
  readonly windowStart: string
  readonly windowEnd: string
  readonly shardId: string | undefined
  readonly flushId: string
  readonly part: number
  readonly signal: AbortSignal
}

/** What one flush did: items written, and items a previous attempt of the same flush had already written. */
export interface FlushOutcome {
  readonly written: number
  readonly alreadyWritten: number
}

/** Puts in flight at once during a flush: enough to hide latency, few enough not to trip a table's burst. */
const flushConcurrency = 16

/** The shard id written when the event names none (never the case on AWS, possible in hand-made events). */
const unknownShard = 'unknown-shard'

/**
 * The window's partition key. The start is normalised (`2026-03-01T12:00:00Z` and `…:00.000Z` are the same window),
 * so the writer and any reader agree however the time was spelled.
 *
 * @throws RangeError when `windowStart` is not a date
 */
export function windowPartitionKey(windowStart: string | Date): string {
  const start = new Date(windowStart)
  if (Number.isNaN(start.getTime())) throw new RangeError(`Not a window start: ${String(windowStart)}`)
  return `window#${start.toISOString()}`
}

function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException'
}

/**
 * Writes one flush: a conditional put per key. Puts that find their item already there were done by an earlier attempt
 * of this flush and are skipped. Any other failure rejects (after the puts in flight settle), so the invocation fails
 * and Lambda retries it; the retry writes only what is missing.
 *
 * @param table - the document client and the table name
 * @param counts - the count of each key in this flush
 * @param flush - the window, shard and flush id, and the invocation's abort signal
 */
export async function writeWindowCounts(
  table: CountsTable,
  counts: Readonly<Record<string, number>>,
  flush: FlushIdentity,
): Promise<FlushOutcome> {
  const pk = windowPartitionKey(flush.windowStart)
  const shardId = flush.shardId ?? unknownShard
  const entries = Object.entries(counts).filter(([, count]) => count > 0)
  const flushedAt = new Date().toISOString()
  let written = 0
  let alreadyWritten = 0
  let failure: { error: unknown } | undefined
  let next = 0

  const putOne = async (key: string, count: number): Promise<void> => {
    try {
      await table.documentClient.send(
        new PutCommand({
          TableName: table.tableName,
          Item: {
            pk,
            sk: `${shardId}#${flush.flushId}#${key}`,
            countKey: key,
            count,
            windowStart: flush.windowStart,
            windowEnd: flush.windowEnd,
            shardId,
            flushId: flush.flushId,
            part: flush.part,
            flushedAt,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
        { abortSignal: flush.signal },
      )
      written++
    } catch (error) {
      if (isConditionFailure(error)) alreadyWritten++
      else failure ??= { error }
    }
  }

  const worker = async (): Promise<void> => {
    while (failure === undefined && next < entries.length) {
      const [key, count] = entries[next++] as [string, number]
      await putOne(key, count)
    }
  }
  await Promise.all(Array.from({ length: Math.min(flushConcurrency, entries.length) }, worker))
  if (failure !== undefined) throw failure.error
  return { written, alreadyWritten }
}

/** What {@link readWindowCounts} needs. */
export interface ReadWindowCountsOptions extends CountsTable {
  /** The window's start, as in the event's `window.start` (any ISO-8601 spelling) or a `Date`. */
  readonly windowStart: string | Date
}

/**
 * The count of every key in one window, summed across shards and flushes: one Query on the window's partition
 * (paged until done), strongly consistent.
 *
 * @param options - the document client, the table name and the window's start
 * @returns `{ [key]: count }`; `{}` for a window with no counts
 * @throws RangeError when `windowStart` is not a date; Error when an item of the window is not a count item
 *
 * @example
 * ```ts
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
 * import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
 * import { readWindowCounts } from './app.js'
 *
 * const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}))
 * const counts = await readWindowCounts({ documentClient, tableName: 'counts', windowStart: '2026-03-01T12:00:00Z' })
 * console.log(counts) // e.g. { GET: 1200, POST: 85, ERROR: 3 }
 * ```
 */
export async function readWindowCounts(options: ReadWindowCountsOptions): Promise<Record<string, number>> {
  const pk = windowPartitionKey(options.windowStart)
  const totals = new Map<string, number>()
  let startKey: Record<string, unknown> | undefined
  do {
    const page = await options.documentClient.send(
      new QueryCommand({
        TableName: options.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ExpressionAttributeNames: { '#key': 'countKey', '#count': 'count', '#sk': 'sk' },
        ProjectionExpression: '#key, #count, #sk',
        ConsistentRead: true,
        ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
      }),
    )
    for (const item of page.Items ?? []) {
      const { countKey, count } = item
      if (typeof countKey !== 'string' || typeof count !== 'number') {
        throw new Error(`Not a count item in ${pk}: ${String(item.sk)}`)
      }
      totals.set(countKey, (totals.get(countKey) ?? 0) + count)
    }
    startKey = page.LastEvaluatedKey
  } while (startKey !== undefined)
  // fromEntries defines own properties: a key named `__proto__` stays a key.
  return Object.fromEntries(totals)
}
