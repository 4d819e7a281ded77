/**
 * The stream reducer over Kafka: counts the words of text log lines from an Amazon MSK or self-managed Kafka topic in
 * event-time tumbling windows, and writes each closed window's counts to the counts table (the same items and the same
 * `readWindowCounts` as the Kinesis reducer, one partition standing where a shard does).
 *
 * Lambda has no tumbling windows for Kafka, so `kafkaWindowReducer` keeps each open window's counts in DynamoDB with a
 * per-partition offset watermark: a replayed, overlapping or reordered batch never counts a line twice. A closed
 * window is written with one conditional put per word (`counts-table.ts`), so handing it out again after a crash adds
 * nothing either. Window state and counts share one table (string `pk`, string `sk`): the state's partition keys start
 * with `kafka-word-count#`, the counts' with `window#`.
 *
 * Lambda entry: `export const handler = createKafkaWordCount({ dynamodb: new DynamoDBClient({}), tableName })`.
 *
 * @module
 */
import { Logger } from '@aws-lambda-powertools/logger'
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import middy from '@middy/core'
import {
  type ClosedWindow,
  type KafkaWindowSummary,
  kafkaWindowReducer,
  memoryWatchdog,
  timeoutGuard,
  warmup,
} from 'serverless-done-right'
import { writeWindowCounts } from './counts-table.js'

/** What {@link createKafkaWordCount} needs. */
export interface KafkaWordCountOptions {
  /** The low-level DynamoDB client: window state is written with it, counts through a document client over it. */
  dynamodb: DynamoDBClient
  /** The table for window state and counts: string partition key `pk`, string sort key `sk`. */
  tableName: string
  /**
   * The window width in milliseconds, by the Kafka record timestamp.
   * @defaultValue `60_000`
   */
  windowMs?: number
  /**
   * How long after a window's end its lines may still arrive (event time); later lines are logged and dropped.
   * @defaultValue `5_000`
   */
  allowedLatenessMs?: number
  /**
   * The Powertools logger: Lambda context on every line, one summary per invocation, each window written.
   * @defaultValue `new Logger({ serviceName: 'kafka-word-count' })`
   */
  logger?: Logger
  /** Called with each invocation's summary (tests and metrics). */
  onSummary?: (summary: KafkaWindowSummary) => void
}

/** The longest word counted, in characters: longer ones are cut (a sort key holds it, with room to spare). */
export const maxWordLength = 64

/** The words of a log line: runs of letters and digits, lower-cased, cut to {@link maxWordLength}. */
export function wordsOf(line: string): string[] {
  return (line.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).map((word) => word.slice(0, maxWordLength))
}

/** Adds the words of `line` to `counts` (a new object: the accumulator is stored as JSON between batches). */
export function countWords(counts: Record<string, number>, line: string): Record<string, number> {
  const next = { ...counts }
  for (const word of wordsOf(line)) next[word] = (next[word] ?? 0) + 1
  return next
}

const serviceName = 'kafka-word-count'

/**
 * Builds the Kafka word count's Lambda handler: `warmup()`, `timeoutGuard()` (at the soft deadline the reducer stores
 * what it has folded and the batch fails, to be retried past the watermark), `memoryWatchdog()`, the Powertools logger,
 * then `kafkaWindowReducer` over text lines.
 *
 * @param options - the DynamoDB client and table, and optionally the window width, the allowed lateness, a logger
 * @returns the Lambda handler
 *
 * @example
 * ```ts
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
 * import { createKafkaWordCount } from './kafka-word-count.js'
 *
 * export const handler = createKafkaWordCount({ dynamodb: new DynamoDBClient({}), tableName: 'counts' })
 * ```
 */
export function createKafkaWordCount(options: KafkaWordCountOptions) {
  const logger = options.logger ?? new Logger({ serviceName })
  const table = { documentClient: DynamoDBDocumentClient.from(options.dynamodb), tableName: options.tableName }
  const guard = timeoutGuard({ logger })

  const writeClosedWindow = async (window: ClosedWindow<Record<string, number>>) => {
    const outcome = await writeWindowCounts(table, window.value, {
      windowStart: window.start,
      windowEnd: window.end,
      shardId: `${window.topic}-${window.partition}`,
      // A partition's window closes once; handed out again after a crash, its puts find their items and skip them.
      flushId: 'closed',
      part: 0,
      signal: window.signal,
    })
    logger.info('Window counts written', { closeId: window.closeId, lines: window.records, ...outcome })
  }

  const reducer = kafkaWindowReducer<string, Record<string, number>>({
    table: { client: options.dynamodb, tableName: options.tableName },
    name: serviceName,
    windowMs: options.windowMs ?? 60_000,
    allowedLatenessMs: options.allowedLatenessMs ?? 5_000,
    decode: 'text',
    initial: () => ({}),
    reduce: countWords,
    onWindowClosed: writeClosedWindow,
    logger,
    ...(options.onSummary === undefined ? {} : { onSummary: options.onSummary }),
  })

  return middy<unknown, void>(guard.middyOptions)
    .use(warmup({ logger }))
    .use(guard)
    .use(memoryWatchdog({ logger }))
    .use(injectLambdaContext(logger))
    .handler(reducer)
}
