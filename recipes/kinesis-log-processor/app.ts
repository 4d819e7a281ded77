/**
 * The Kinesis log processor: web-access log events in, threat findings added, enriched events out, bad events to a
 * dead-letter stream. `handler.ts` builds it from the environment; tests and the local demo build it from their own
 * clients.
 *
 * @module
 */
import { Logger } from '@aws-lambda-powertools/logger'
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import type { Tracer } from '@aws-lambda-powertools/tracer'
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware'
import type { KinesisClient } from '@aws-sdk/client-kinesis'
import middy from '@middy/core'
import type { KinesisStreamEvent } from 'aws-lambda'
import { type BatchResponse, memoryWatchdog, timeoutGuard, warmup } from 'serverless-done-right'
import { logBatchHandler } from './process-batch.js'
import { logProcessorSettings } from './settings.js'

/** What {@link createLogProcessor} needs. */
export interface LogProcessorOptions {
  /** A Kinesis client for the output and dead-letter streams (`new KinesisClient({})`). */
  kinesis: KinesisClient
  /** Where enriched events go. */
  outputStreamName: string
  /** Where events that are not JSON or fail the schema go, with the reason. */
  deadLetterStreamName: string
  /**
   * 401/403 responses from one IP within a batch that make its events `brute-force` threats.
   * @defaultValue `logProcessorSettings.bruteForceThreshold` (10)
   */
  bruteForceThreshold?: number
  /**
   * The Powertools logger: Lambda context on every line, one summary per batch, each invalid event.
   * @defaultValue `new Logger({ serviceName: 'kinesis-log-processor' })`
   */
  logger?: Logger
  /**
   * The Powertools tracer: one segment per invocation. `handler.ts` passes one when the function traces (see
   * `tracing.ts`: the tracer's module is loaded only then).
   * @defaultValue none: no segment
   */
  tracer?: Tracer
}

const serviceName = 'kinesis-log-processor'

/**
 * Builds the log processor's Lambda handler, for a Kinesis event source mapping with `ReportBatchItemFailures`.
 *
 * The chain: `warmup()`, `timeoutGuard()` (the budget aborts at the soft deadline: no new record is read and no
 * output retry starts; whatever is unwritten is reported for retry), `memoryWatchdog()`, the Powertools logger and
 * tracer, then {@link logBatchHandler}: `fanOut` reads and validates every record (invalid ones to the dead-letter
 * stream), and its sink detects threats and writes the enriched events with `putRecords`, partitioned by client IP. When
 * the hard phase answers instead, the guard's default fallback names exactly the records whose output `fanOut` has
 * not confirmed.
 *
 * @param options - the Kinesis client, stream names, and optionally the brute-force threshold, a logger and a tracer
 * @returns the Lambda handler
 *
 * @example
 * ```ts
 * import { KinesisClient } from '@aws-sdk/client-kinesis'
 * import { createLogProcessor } from './app.js'
 *
 * export const handler = createLogProcessor({
 *   kinesis: new KinesisClient({}),
 *   outputStreamName: 'logs-enriched',
 *   deadLetterStreamName: 'logs-dead-letter',
 *   bruteForceThreshold: 20,
 * })
 * ```
 */
export function createLogProcessor(options: LogProcessorOptions) {
  const bruteForceThreshold = options.bruteForceThreshold ?? logProcessorSettings.bruteForceThreshold
  if (!Number.isInteger(bruteForceThreshold) || bruteForceThreshold < 1) {
    throw new RangeError(`bruteForceThreshold must be an integer ≥ 1, got ${bruteForceThreshold}`)
  }
  const logger = options.logger ?? new Logger({ serviceName })
  // One batch handler per processor, built here, at module load: nothing in it belongs to one invocation.
  const processBatch = logBatchHandler({
    kinesis: options.kinesis,
    outputStreamName: options.outputStreamName,
    deadLetterStreamName: options.deadLetterStreamName,
    bruteForceThreshold,
    concurrency: logProcessorSettings.concurrency,
    logger,
  })
  const guard = timeoutGuard({ logger })

  return middy<KinesisStreamEvent, BatchResponse>(guard.middyOptions)
    .use(warmup({ logger }))
    .use(guard)
    .use(memoryWatchdog({ logger }))
    .use(injectLambdaContext(logger))
    .use(options.tracer === undefined ? [] : [captureLambdaHandler(options.tracer)])
    .handler(processBatch)
}
