import { fileURLToPath } from 'node:url'
import { Duration, RemovalPolicy } from 'aws-cdk-lib'
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch'
import { Stream, StreamEncryption, StreamMode } from 'aws-cdk-lib/aws-kinesis'
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources'
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs'
import type { Queue } from 'aws-cdk-lib/aws-sqs'
import { Construct } from 'constructs'
import { functionAlarms, onFailureQueue } from '../deploy/alarms.js'
import { kinesisEventSource } from '../deploy/event-source.js'
import { type RecipeLogLevel, recipeFunction } from '../deploy/recipe-function.js'
import { logProcessorSettings } from './settings.js'

/** Options of {@link LogProcessor}; every runtime parameter comes from `settings.ts`. */
export interface LogProcessorProps {
  /** `LOG_LEVEL` of the function. @defaultValue `'INFO'` */
  readonly logLevel?: RecipeLogLevel | undefined
  /**
   * Alarm when the function's iterator age reaches this (ms).
   * @defaultValue half of `eventSource.maximumRecordAgeInSeconds`: past it, batches start to be abandoned
   */
  readonly iteratorAgeAlarmMs?: number | undefined
}

/**
 * The Kinesis log processor on AWS: the input, output and dead-letter streams, the function reading the input stream
 * (ReportBatchItemFailures, bisect, bounded retries and record age, abandoned batches to an SQS queue), and its alarms.
 * The input stream is public so that other consumers (the stream reducer) can read the same logs.
 *
 * @example
 * ```ts
 * const logs = new LogProcessor(stack, 'LogProcessor')
 * new StreamReducer(stack, 'StreamReducer', { inputStream: logs.inputStream })
 * ```
 */
export class LogProcessor extends Construct {
  /** Raw log events come in here (one JSON log event a record). */
  readonly inputStream: Stream
  /** Enriched events with their threat findings. */
  readonly outputStream: Stream
  /** Records the processor could not parse or handle, with the reason. */
  readonly deadLetterStream: Stream
  /** Metadata of batches Lambda gave up on after its retries or the record age. */
  readonly onFailureQueue: Queue
  readonly function: NodejsFunction
  /** Errors, throttles, iterator age, messages in the on-failure queue. */
  readonly alarms: readonly Alarm[]

  constructor(scope: Construct, id: string, props: LogProcessorProps = {}) {
    super(scope, id)
    const settings = logProcessorSettings
    this.inputStream = logStream(this, 'InputStream', settings.inputShardCount)
    this.outputStream = logStream(this, 'OutputStream', settings.outputShardCount)
    this.deadLetterStream = logStream(this, 'DeadLetterStream', settings.deadLetterShardCount)

    this.function = recipeFunction(this, 'Handler', {
      entry: fileURLToPath(new URL('./handler.ts', import.meta.url)),
      serviceName: 'kinesis-log-processor',
      description: 'serverless-done-right: Kinesis log events, threat detection, enriched output stream',
      settings: settings.function,
      logLevel: props.logLevel,
      environment: {
        OUTPUT_STREAM_NAME: this.outputStream.streamName,
        DEAD_LETTER_STREAM_NAME: this.deadLetterStream.streamName,
        BRUTE_FORCE_THRESHOLD: String(settings.bruteForceThreshold),
      },
    })
    // PutRecords only: all the handler sends (through `putRecords`, by stream name). `grantWrite` would add PutRecord
    // and ListShards, which it never calls. Reading the input stream is granted by the event source mapping, as AWS
    // requires. No KMS grant: the streams use the AWS-managed key.
    this.outputStream.grant(this.function, 'kinesis:PutRecords')
    this.deadLetterStream.grant(this.function, 'kinesis:PutRecords')

    const failures = onFailureQueue(this, 'OnFailureQueue')
    this.onFailureQueue = failures.queue
    this.function.addEventSource(
      kinesisEventSource(this.inputStream, settings.eventSource, new SqsDlq(this.onFailureQueue)),
    )

    const iteratorAgeMs = props.iteratorAgeAlarmMs ?? (settings.eventSource.maximumRecordAgeInSeconds * 1000) / 2
    this.alarms = [...functionAlarms(this, this.function, { iteratorAgeMs }), failures.alarm]
  }
}

/** A provisioned stream kept 24 hours (the minimum; longer retention is billed per shard-hour), AWS-managed KMS key. */
function logStream(scope: Construct, id: string, shardCount: number): Stream {
  return new Stream(scope, id, {
    streamMode: StreamMode.PROVISIONED,
    shardCount,
    retentionPeriod: Duration.hours(24),
    encryption: StreamEncryption.MANAGED,
    // Streams hold transient data and bill by the hour: `cdk destroy` removes them.
    removalPolicy: RemovalPolicy.DESTROY,
  })
}
