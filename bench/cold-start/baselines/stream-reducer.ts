/**
 * Cold-start baseline: the stream reducer's Lambda entry written without serverless-done-right: `@middy/warmup`, Middy
 * core's early timeout, Powertools Logger and Tracer, zod, and the tumbling-window fold by hand (neither Middy nor
 * Powertools has one). The key schema and the counts table are the recipe's own. Bundled and loaded by
 * `bench/cold-start.ts`; never deployed.
 */
import { Logger } from '@aws-lambda-powertools/logger'
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import { Tracer } from '@aws-lambda-powertools/tracer'
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import middy from '@middy/core'
import warmup from '@middy/warmup'
import type { KinesisStreamTumblingWindowEvent } from 'aws-lambda'
import { writeWindowCounts } from '../../../recipes/stream-reducer/counts-table.js'
import { countKeySchema } from './classic-zod/stream-reducer.js'

const tableName = process.env.TABLE_NAME
if (!tableName) throw new Error('the TABLE_NAME environment variable is required')
const serviceName = 'stream-reducer'
const tracer = new Tracer({ serviceName })
const logger = new Logger({ serviceName })
const documentClient = DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({})))
const countKey = countKeySchema(process.env.COUNT_KEY_FIELD?.trim() || undefined)

export const handler = middy<KinesisStreamTumblingWindowEvent>({ timeoutEarlyInMillis: 1000 })
  .use(warmup())
  .use(injectLambdaContext(logger))
  .use(captureLambdaHandler(tracer))
  .handler(async (event, context) => {
    const state: Record<string, number> = { ...(event.state as Record<string, number> | undefined) }
    for (const record of event.Records) {
      let parsed: unknown
      try {
        parsed = JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString('utf8'))
      } catch {
        logger.warn('Not JSON', { sequenceNumber: record.kinesis.sequenceNumber })
        continue
      }
      const key = countKey.safeParse(parsed)
      if (key.success) state[key.data] = (state[key.data] ?? 0) + 1
      else logger.warn('No count key', { sequenceNumber: record.kinesis.sequenceNumber })
    }
    if (!event.isFinalInvokeForWindow) return { state, batchItemFailures: [] }
    const outcome = await writeWindowCounts({ documentClient, tableName }, state, {
      windowStart: event.window.start,
      windowEnd: event.window.end,
      shardId: (event as { shardId?: string }).shardId,
      flushId: event.Records.at(-1)?.kinesis.sequenceNumber ?? 'empty',
      part: 0,
      signal: AbortSignal.timeout(Math.max(1, context.getRemainingTimeInMillis() - 1000)),
    })
    logger.info('Window counts flushed', { window: event.window, keys: Object.keys(state).length, ...outcome })
    return { state: {}, batchItemFailures: [] }
  })
