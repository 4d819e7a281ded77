/**
 * The stream reducer: the serverless form of a Kafka + Flink keyed reduce. Counts log events per key in each Kinesis
 * tumbling window and writes each window's counts to DynamoDB, exactly once, without transactions.
 *
 * @module
 */
import { Logger } from '@aws-lambda-powertools/logger'
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import type { Tracer } from '@aws-lambda-powertools/tracer'
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware'
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import middy from '@middy/core'
import {
  memoryWatchdog,
  type TumblingWindowEvent,
  timeoutGuard,
  type WindowResponse,
  warmup,
  windowReducer,
} from 'serverless-done-right'
import { writeWindowCounts } from './counts-table.js'
import { countKeySchema, type KeySelector } from './schema.js'

export { type ReadWindowCountsOptions, readWindowCounts } from './counts-table.js'
export { firstWordOfMessage, type KeySelector, type LogRecord, maxKeyLength } from './schema.js'

/** What {@link createStreamReducer} needs. */
export interface StreamReducerOptions {
  /** A DynamoDB document client (`DynamoDBDocumentClient.from(new DynamoDBClient({}))`). */
  documentClient: DynamoDBDocumentClient
  /** The counts table: string partition key `pk`, string sort key `sk`. */
  tableName: string
  /**
   * What to count by: a top-level field of the log event (its string, number or boolean value), or a function.
   * Keys are trimmed and cut to `maxKeyLength` (128) characters; an event without a key is logged and skipped.
   * @defaultValue the first word of `message`
   */
  key?: KeySelector
  /**
   * The state size (JSON bytes) past which a window's counts are flushed early, before Lambda's 1 MB state limit
   * would end the window. Each early flush is one more set of items, summed on read.
   * @defaultValue `windowReducer`'s, 900 KiB
   */
  maxStateBytes?: number
  /**
   * The Powertools logger: Lambda context on every line, one summary per invocation, each skipped event, each flush.
   * @defaultValue `new Logger({ serviceName: 'stream-reducer' })`
   */
  logger?: Logger
  /**
   * The Powertools tracer: one segment per invocation. `handler.ts` passes one when the function traces (see
   * `tracing.ts`: the tracer's module is loaded only then).
   * @defaultValue none: no segment
   */
  tracer?: Tracer
}

const serviceName = 'stream-reducer'

/**
 * Builds the stream reducer's Lambda handler, for a Kinesis event source mapping with `TumblingWindowInSeconds`.
 *
 * Each invocation folds its records into the window's state (`{ [key]: count }`, carried by Lambda between the
 * invocations of a window); the window's final invocation, or an early flush when the state nears Lambda's 1 MB, writes
 * the counts: one conditional put per key (see `counts-table.ts`), so a retried invocation never counts twice.
 * Records that are not JSON objects or have no key are logged and skipped: they never block the shard.
 *
 * The chain: `warmup()`, `timeoutGuard()` (the budget aborts at the soft deadline, so folding stops and the rest of the
 * batch is retried; a final invocation that cannot finish fails and is retried whole), `memoryWatchdog()`, the
 * Powertools logger and tracer, then `windowReducer`.
 *
 * @param options - the document client and table name, and optionally the key, the early-flush size, a logger and a
 *   tracer
 * @returns the Lambda handler
 *
 * @example
 * ```ts
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
 * import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
 * import { createStreamReducer } from './app.js'
 *
 * export const handler = createStreamReducer({
 *   documentClient: DynamoDBDocumentClient.from(new DynamoDBClient({})),
 *   tableName: 'counts',
 *   key: 'level', // count by log level instead of the message's first word
 * })
 * ```
 */
export function createStreamReducer(options: StreamReducerOptions) {
  const logger = options.logger ?? new Logger({ serviceName })
  const table = { documentClient: options.documentClient, tableName: options.tableName }
  const guard = timeoutGuard({ logger })

  const reduce = windowReducer<string, number>({
    schema: countKeySchema(options.key),
    key: (countKey) => countKey,
    initial: () => 0,
    reduce: (count) => count + 1,
    flush: async (counts, window, meta) => {
      const outcome = await writeWindowCounts(table, counts, meta)
      logger.info('Window counts flushed', {
        window,
        shardId: meta.shardId,
        reason: meta.reason,
        part: meta.part,
        keys: Object.keys(counts).length,
        ...outcome,
      })
    },
    // Invalid events are logged by windowReducer (at warn); counting goes on without them.
    onInvalid: async () => undefined,
    logger,
    ...(options.maxStateBytes === undefined ? {} : { maxStateBytes: options.maxStateBytes }),
  })

  return middy<TumblingWindowEvent, WindowResponse<number>>(guard.middyOptions)
    .use(warmup({ logger }))
    .use(guard)
    .use(memoryWatchdog({ logger }))
    .use(injectLambdaContext(logger))
    .use(options.tracer === undefined ? [] : [captureLambdaHandler(options.tracer)])
    .handler(reduce)
}
