/**
 * Cold-start baseline: the log processor's Lambda entry written without serverless-done-right, with what a user would
 * pick instead: `@middy/warmup`, Middy core's early timeout, Powertools Logger, Tracer and `BatchProcessor`, zod.
 * The domain code (schema, threat rules, enrichment) is the recipe's own; only the wiring differs. Bundled and loaded
 * by `bench/cold-start.ts`; never deployed.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch'
import { Logger } from '@aws-lambda-powertools/logger'
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import { Tracer } from '@aws-lambda-powertools/tracer'
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware'
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis'
import middy from '@middy/core'
import warmup from '@middy/warmup'
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda'
import { enrichBatch, outputEntry } from '../../../recipes/kinesis-log-processor/enrich.js'
import { logProcessorSettings } from '../../../recipes/kinesis-log-processor/settings.js'
import { type LogEvent, logEventSchema } from './classic-zod/kinesis-log-processor.js'

function required(name: string): string {
  const value = process.env[name]
  if (!value) throw new Error(`the ${name} environment variable is required`)
  return value
}

const outputStreamName = required('OUTPUT_STREAM_NAME')
const deadLetterStreamName = required('DEAD_LETTER_STREAM_NAME')
const serviceName = 'kinesis-log-processor'
const tracer = new Tracer({ serviceName })
const logger = new Logger({ serviceName })
const kinesis = tracer.captureAWSv3Client(new KinesisClient({ maxAttempts: 2 }))
const processor = new BatchProcessor(EventType.KinesisDataStreams)

async function put(
  streamName: string,
  entries: readonly { partitionKey: string; data: string | Uint8Array }[],
): Promise<void> {
  for (let from = 0; from < entries.length; from += 500) {
    const chunk = entries.slice(from, from + 500)
    const result = await kinesis.send(
      new PutRecordsCommand({
        StreamName: streamName,
        Records: chunk.map((entry) => ({
          PartitionKey: entry.partitionKey,
          Data: typeof entry.data === 'string' ? Buffer.from(entry.data) : entry.data,
        })),
      }),
    )
    if ((result.FailedRecordCount ?? 0) > 0) throw new Error(`${result.FailedRecordCount} records not written`)
  }
}

export const handler = middy<KinesisStreamEvent>({ timeoutEarlyInMillis: 1000 })
  .use(warmup())
  .use(injectLambdaContext(logger))
  .use(captureLambdaHandler(tracer))
  .handler(async (event, context) => {
    const valid: { event: LogEvent; key: string }[] = []
    const deadLetters: { partitionKey: string; data: string }[] = []
    const response = await processPartialResponse(
      event,
      async (record: KinesisStreamRecord) => {
        let parsed: unknown
        try {
          parsed = JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString('utf8'))
        } catch {
          parsed = undefined
        }
        const result = logEventSchema.safeParse(parsed)
        if (result.success) valid.push({ event: result.data, key: record.kinesis.partitionKey })
        else deadLetters.push({ partitionKey: record.kinesis.partitionKey, data: JSON.stringify(result.error.issues) })
      },
      processor,
      { context, processInParallel: true },
    )
    await put(deadLetterStreamName, deadLetters)
    const enriched = enrichBatch(
      valid.map((item) => item.event),
      logProcessorSettings.bruteForceThreshold,
      new Date().toISOString(),
    )
    await put(
      outputStreamName,
      enriched.map((item, index) => outputEntry(item, valid[index]?.key ?? '')),
    )
    logger.info('Log batch processed', { records: event.Records.length, valid: valid.length })
    return response
  })
