/**
 * The Lambda entry of the log processor: reads its settings from the environment, builds real clients once per
 * instance, and exports `handler`.
 *
 * Environment: `OUTPUT_STREAM_NAME` and `DEAD_LETTER_STREAM_NAME` (required), `BRUTE_FORCE_THRESHOLD` (default from
 * `settings.ts`), plus the Powertools variables (`POWERTOOLS_SERVICE_NAME`, `LOG_LEVEL`, …).
 *
 * @module
 */
import { Logger } from '@aws-lambda-powertools/logger'
import { KinesisClient } from '@aws-sdk/client-kinesis'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import { createLogProcessor } from './app.js'
import { logProcessorSettings } from './settings.js'
import { tracerIfEnabled } from './tracing.js'

function required(name: string): string {
  const value = process.env[name]
  if (!value) throw new Error(`kinesis-log-processor: the ${name} environment variable is required`)
  return value
}

function threshold(): number {
  const raw = process.env.BRUTE_FORCE_THRESHOLD
  if (raw === undefined || raw === '') return logProcessorSettings.bruteForceThreshold
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`kinesis-log-processor: BRUTE_FORCE_THRESHOLD must be an integer ≥ 1, got "${raw}"`)
  }
  return value
}

const serviceName = 'kinesis-log-processor'
// Only when the function traces: the tracer's module and the X-Ray SDK it loads are cold-start cost (see tracing.ts).
const tracer = await tracerIfEnabled(serviceName)
const logger = new Logger({ serviceName })
// HTTP/1.1 with keep-alive rather than the Kinesis client's default HTTP/2 handler: PutRecords needs nothing of HTTP/2
// (only SubscribeToShard does), and a request that hangs is cut after 5 s and retried instead of eating the deadline.
// The SDK retries whole throttled requests itself and putRecords retries failed entries on top: two SDK attempts keep
// the product of the two small while still riding out a dropped connection. `AWS_ENDPOINT_URL_KINESIS` is honoured.
const client = new KinesisClient({
  maxAttempts: 2,
  requestHandler: new NodeHttpHandler({ connectionTimeout: 2_000, requestTimeout: 5_000 }),
})
const kinesis = tracer === undefined ? client : tracer.captureAWSv3Client(client)

/** The Lambda handler: one Kinesis batch of log events in, `{ batchItemFailures }` out. */
export const handler = createLogProcessor({
  kinesis,
  outputStreamName: required('OUTPUT_STREAM_NAME'),
  deadLetterStreamName: required('DEAD_LETTER_STREAM_NAME'),
  bruteForceThreshold: threshold(),
  logger,
  ...(tracer === undefined ? {} : { tracer }),
})
